"""Command line: parse, call one library function, print, map errors to exit codes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from paytrace_abas import __version__
from paytrace_abas.commands._run import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_LOCKED, EXIT_OK
from paytrace_abas.commands.apply import apply_plan_file, retry_dead_letters
from paytrace_abas.commands.check import CheckOptions, check_everything
from paytrace_abas.commands.failures import record_failure
from paytrace_abas.commands.history import (
    describe_apply,
    describe_retry,
    describe_run,
    run_details,
    run_details_json,
    run_history,
    run_json,
    runs_table,
)
from paytrace_abas.commands.reconcile import RunOutcome, reconcile, window_since_last
from paytrace_abas.commands.resolve import period_report, resolve_workbook
from paytrace_abas.config import (
    Settings,
    find_config_path,
    load_settings,
    missing_secrets,
    no_config_found,
)
from paytrace_abas.errors import (
    ConfigError,
    InputFileError,
    LockedError,
    PaytraceAbasError,
    UsageError,
)
from paytrace_abas.frames import records
from paytrace_abas.logs import configure_logging, json_line, set_run_id
from paytrace_abas.matching import category_totals
from paytrace_abas.models import Window
from paytrace_abas.report import console_summary

log = logging.getLogger(__name__)


EXIT_CODES_EPILOG = """\b
Exit codes:
  0  done; exceptions are results, not failures
  1  a run failed (an external system or the ledger); nothing was half-posted
  2  bad invocation, configuration, secret or input file (one line per problem)
  3  done, but postings sit in dead letters: retry-dead-letters
  4  another run holds the lock
Every failed run is recorded in the ledger (see: runs) and alerted (docs/operations.md).

Example: paytrace-abas --config config/demo.toml reconcile --date 2026-11-25 --dry-run"""


def exit_code_for(exc: PaytraceAbasError) -> int:
    """The documented exit code of a failure."""
    if isinstance(exc, LockedError):
        return EXIT_LOCKED
    if isinstance(exc, UsageError | ConfigError | InputFileError):
        return EXIT_BAD_INPUT
    return EXIT_FAILED


def _fail(exc: PaytraceAbasError) -> NoReturn:
    """The problem on stderr (one line each, no traceback) and where the details are."""
    lines = list(getattr(exc, "problems", None) or [str(exc)])
    if exc.run_id:
        lines[-1] += f" (recorded as run {exc.run_id}: paytrace-abas show {exc.run_id})"
    for line in lines:
        _echo_error(line)
    sys.exit(exit_code_for(exc))


def _echo_error(line: str) -> None:
    """One error line on stderr, as JSON when --log-format json asks for it."""
    context = click.get_current_context(silent=True)
    log_format = context.find_root().obj["log"][2] if context and context.find_root().obj else ""
    if log_format == "json":
        click.echo(json_line("ERROR", __name__, line, time.time()), err=True)
    else:
        click.echo(f"error: {line}", err=True)


def _fail_run(
    settings: Settings,
    command: str,
    exc: PaytraceAbasError,
    window: Window | None = None,
    dry_run: bool = False,
) -> NoReturn:
    """Record and alert a run's failure (unless its run did already), then report it."""
    record_failure(settings, command, exc, exit_code_for(exc), window, dry_run)
    _fail(exc)


class _WorkflowGroup(click.Group):
    """Commands in the order of the work, each with its whole first help line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands[name]
            if not command.hidden:
                rows.append((name, _summary(command.help or "")))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _summary(help_text: str) -> str:
    """The first paragraph of a command's help as one line."""
    return " ".join(help_text.strip().split("\n\n")[0].split())


@click.group(cls=_WorkflowGroup, epilog=EXIT_CODES_EPILOG)
@click.version_option(__version__, prog_name="paytrace-abas")
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="TOML config (default: $PAYTRACE_ABAS_CONFIG, then ./paytrace-abas.toml; "
    "without one every command stops with exit 2).",
)
@click.option(
    "-v", "--verbose", count=True, help="More log output (-vv: debug, HTTP requests, SQL timings)."
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="For cron: nothing at all on success; on failure one line saying where the details are.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: every stderr line one JSON object (the final error too).",
)
@click.pass_context
def cli(
    ctx: click.Context, config_path: str | None, verbose: int, quiet: bool, log_format: str
) -> None:
    """Reconcile PayTrace card payments with abas ERP open items."""
    set_run_id(None)
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    ctx.obj["log"] = (verbose, quiet, log_format)


def _quiet(ctx: click.Context) -> bool:
    return bool(ctx.obj["log"][1])


def _settings(
    ctx: click.Context, command: str | None = None, posting: bool = False, dry_run: bool = False
) -> Settings:
    """Settings built once per command; secrets come from the environment here and only here.

    For a run ``command`` the secrets it needs must be there (``posting`` adds the abas
    sink's); a failure is recorded and alerted as far as the settings read allow.
    """
    verbose, quiet, log_format = ctx.obj["log"]
    configure_logging(verbose, quiet, log_format, secrets=())
    cwd = Path.cwd()
    path = find_config_path(ctx.obj["config_path"], os.environ, cwd)
    if path is None:
        _fail(no_config_found(cwd))
    try:
        settings = load_settings(path, os.environ)
    except ConfigError as exc:
        if command and exc.partial is not None:
            # A broken file must not create a ledger wherever its path points: existing only.
            record_failure(exc.partial, command, exc, EXIT_BAD_INPUT, None, dry_run, False)
        _fail(exc)
    except PaytraceAbasError as exc:
        _fail(exc)
    configure_logging(verbose, quiet, log_format, secrets=settings.secrets.values())
    log.debug("config %s; secrets from %s", path, dict(settings.secrets.origins) or "nowhere")
    missing = missing_secrets(settings, posting=posting) if command else []
    if command and missing:
        problems = [f"{path}: {problem}" for problem in missing]
        _fail_run(settings, command, ConfigError("; ".join(problems), problems), None, dry_run)
    return settings


class _ProgressBar:
    """A progress bar for multi-request pulls, drawn only on a terminal (cron mail stays clean)."""

    def __init__(self, label: str, file: TextIO) -> None:
        self._label = label
        self._file = file
        self._stack = contextlib.ExitStack()
        self._advance: Callable[[int], None] | None = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._advance is None:
            bar = click.progressbar(length=total, label=self._label, file=self._file)
            self._advance = self._stack.enter_context(bar).update
        self._advance(done - self._done)
        self._done = done

    def close(self) -> None:
        self._stack.close()


def _progress_bar(ctx: click.Context, label: str) -> _ProgressBar | None:
    _, quiet, _ = ctx.obj["log"]
    return None if quiet or not sys.stderr.isatty() else _ProgressBar(label, sys.stderr)


def _parse_day(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not a valid date (use YYYY-MM-DD)") from None


def _window(
    settings: Settings, day: str | None, first: str | None, last: str | None, since_last: bool
) -> Window | None:
    """The window the options name; None when --since-last finds nothing left to do."""
    chosen = sum(bool(x) for x in (day, first or last, since_last))
    if chosen != 1:
        raise UsageError("give exactly one of --date D, --from D --to D, or --since-last")
    if since_last:
        return window_since_last(settings)
    if day:
        single = _parse_day("--date", day)
        return Window(single, single)
    return _date_range(first, last)


def _date_range(first: str | None, last: str | None) -> Window:
    """The window of --from D --to D, both days included."""
    if not (first and last):
        raise UsageError("--from and --to go together")
    window = Window(_parse_day("--from", first), _parse_day("--to", last))
    if window.first_day > window.last_day:
        raise UsageError(f"--from {first} is after --to {last}")
    return window


@cli.command(
    "check-config",
    epilog="Examples:\n\n\b\n  paytrace-abas --config /etc/paytrace-abas.toml check-config\n"
    "  paytrace-abas check-config --send-test   # also mails and POSTs a test alert",
)
@click.option(
    "--send-test", is_flag=True, help="Send a test alert by e-mail and webhook (else none is sent)."
)
@click.pass_context
def check_config_command(ctx: click.Context, send_test: bool) -> None:
    """Check every step a nightly run needs, one line each: config, secrets, PayTrace, abas,
    ledger, out_dir, alert channels; exit 1 if any fails.
    """
    settings = _settings(ctx)
    results = check_everything(settings, CheckOptions(send_test=send_test))
    for result in results:
        line = f"{result.name}: {'ok' if result.ok else 'FAILED'} ({result.detail})"
        if not result.ok:
            _echo_error(line)
        elif not _quiet(ctx):
            click.echo(line)
    if not all(result.ok for result in results):
        sys.exit(EXIT_FAILED)


@cli.command(
    "reconcile",
    epilog="Examples:\n\n\b\n  paytrace-abas reconcile --date 2026-11-25 --dry-run\n"
    "  paytrace-abas reconcile --from 2026-11-20 --to 2026-11-25 --dry-run --format json\n"
    "  paytrace-abas -q reconcile --since-last            # the nightly job",
)
@click.option(
    "--date", "day", metavar="D", help="One settlement day (YYYY-MM-DD, PayTrace time zone)."
)
@click.option("--from", "first", metavar="D", help="First day of a window.")
@click.option("--to", "last", metavar="D", help="Last day of a window (inclusive).")
@click.option(
    "--since-last",
    is_flag=True,
    help="From the day after the last completed posting run up to yesterday (PayTrace time "
    "zone); exit 2 until one run with --date or --from/--to has completed.",
)
@click.option("--dry-run", is_flag=True, help="Match and report, write the plan, post nothing.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Folder for workbook and plan, created if missing (default: [report] out_dir).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--chargebacks",
    "chargebacks_file",
    type=click.Path(dir_okay=False),
    help="CSV of chargebacks from the processor portal (see docs/inputs.md).",
)
@click.pass_context
def reconcile_command(
    ctx: click.Context,
    day: str | None,
    first: str | None,
    last: str | None,
    since_last: bool,
    dry_run: bool,
    out_dir: str | None,
    output_format: str,
    chargebacks_file: str | None,
) -> None:
    """Match a window of PayTrace payments to abas open items, post the matches, report.

    Without --dry-run the matched receipts are posted to abas for real, exactly once; exit
    code 3 says some ended in dead letters, 4 that another run holds the lock.
    """
    settings = _settings(ctx, "reconcile", posting=not dry_run, dry_run=dry_run)
    progress = _progress_bar(ctx, "PayTrace")
    window = None
    try:
        window = _window(settings, day, first, last, since_last)
        if window is None:
            if not _quiet(ctx):
                click.echo("nothing to do: the ledger is complete through yesterday")
            return
        target = Path(out_dir) if out_dir else settings.report.out_dir
        chargebacks = Path(chargebacks_file) if chargebacks_file else None
        outcome = reconcile(
            settings, window, dry_run, target, chargebacks_file=chargebacks, progress=progress
        )
    except PaytraceAbasError as exc:
        if progress is not None:
            progress.close()  # the bar's last line before the error, not after it
        _fail_run(settings, "reconcile", exc, window, dry_run)
    if progress is not None:
        progress.close()
    if _quiet(ctx):
        _quiet_outcome(outcome.run_id, outcome.exit_code, outcome.dead_letters)
    elif output_format == "json":
        click.echo(json.dumps(outcome_json(outcome), indent=2))
    else:
        _echo_outcome(outcome, settings)
    sys.exit(outcome.exit_code)


def _quiet_outcome(run_id: str, exit_code: int, dead_letters: int) -> None:
    """-q: silence on success; a run that left dead letters says so in one line."""
    if exit_code != EXIT_OK:
        _echo_error(
            f"run {run_id}: {dead_letters} posting(s) in dead letters "
            f"(details: paytrace-abas show {run_id}; then paytrace-abas retry-dead-letters)"
        )


def _echo_outcome(outcome: RunOutcome, settings: Settings) -> None:
    mode = "dry run, nothing posted" if outcome.dry_run else "posted"
    click.echo(f"Run {outcome.run_id} · window {outcome.window} · {mode}\n")
    click.echo(console_summary(outcome.results, settings.paytrace.currency, settings.report.locale))
    click.echo(f"\nworkbook: {outcome.workbook_path}")
    if outcome.plan_path:
        click.echo(f"plan:     {outcome.plan_path} ({len(outcome.plan.postings)} postings)")
    if outcome.delivery is not None:
        click.echo(describe_retry(outcome.delivery, outcome.dead_letters))


def outcome_json(outcome: RunOutcome) -> dict[str, Any]:
    """The JSON document of DESIGN §8."""
    totals = category_totals(outcome.results)
    items = [
        {
            "transaction_id": row["transaction_id"],
            "category": row["category"],
            "rule": row["rule"],
            "invoice_nos": list(row["invoice_nos"]),
            "amount_cents": int(row["amount_cents"]),
            "discount_cents": int(row["discount_cents"]),
            # in abas now (posted by this run or an earlier one), per the ledger
            "posted": row.get("posting_state") == "posted",
            "reason": row["reason"],
        }
        for row in records(outcome.results)
    ]
    return {
        "run_id": outcome.run_id,
        "window": {
            "from": outcome.window.first_day.isoformat(),
            "to": outcome.window.last_day.isoformat(),
        },
        "dry_run": outcome.dry_run,
        "counts": {row["category"]: int(row["count"]) for row in records(totals)},
        "amounts_cents": {row["category"]: int(row["amount_cents"]) for row in records(totals)},
        "items": items,
        "report": str(outcome.workbook_path),
        "plan": str(outcome.plan_path) if outcome.plan_path else None,
    }


@cli.command(
    "resolve",
    epilog="Example: paytrace-abas resolve out/reconcile-2026-11-25-20261126T060000Z.xlsx\n\n"
    "The Resolution syntax is in docs/workbook.md. Needs no API secrets: decisions are "
    "checked against the open items and payments the run saved next to its plan.",
)
@click.argument("workbook", type=click.Path(dir_okay=False))
@click.option(
    "--plan",
    "plan_path",
    metavar="PLAN",
    help="The run's dry-run plan (default: plan-RUN.json next to the workbook).",
)
@click.option("--out", "out_path", metavar="FILE", help="Where to write the resolved plan.")
@click.pass_context
def resolve_command(
    ctx: click.Context, workbook: str, plan_path: str | None, out_path: str | None
) -> None:
    """Turn the clerk's Resolution column into a checked plan for apply."""
    settings = _settings(ctx)
    try:
        outcome = resolve_workbook(
            settings,
            Path(workbook),
            Path(plan_path) if plan_path else None,
            Path(out_path) if out_path else None,
        )
    except PaytraceAbasError as exc:
        _fail(exc)
    added = len(outcome.plan.postings) - outcome.run_postings
    click.echo(
        f"{outcome.decisions} decision(s) read: {added} posting line(s) added to the run's "
        f"{outcome.run_postings}"
    )
    click.echo(f"plan: {outcome.plan_path} ({len(outcome.plan.postings)} postings)")


@cli.command(
    "apply",
    epilog="Example: paytrace-abas apply out/plan-20261126T060000Z.json\n\n"
    "This posts to abas for real. Review the plan (or its workbook) first.",
)
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False))
@click.pass_context
def apply_command(ctx: click.Context, plan_path: str) -> None:
    """Post a reviewed dry-run plan to abas for real, after re-checking every invoice."""
    settings = _settings(ctx, "apply", posting=True)
    try:
        outcome = apply_plan_file(settings, Path(plan_path))
    except PaytraceAbasError as exc:
        _fail_run(settings, "apply", exc)
    if _quiet(ctx):
        _quiet_outcome(outcome.run_id, outcome.exit_code, outcome.dead_letters)
    else:
        click.echo(describe_apply(outcome))
    sys.exit(outcome.exit_code)


@cli.command("retry-dead-letters", epilog="Example: paytrace-abas retry-dead-letters")
@click.pass_context
def retry_command(ctx: click.Context) -> None:
    """Post the receipts in dead letters again (asking abas first whether they arrived)."""
    settings = _settings(ctx, "retry-dead-letters", posting=True)
    try:
        outcome = retry_dead_letters(settings)
    except PaytraceAbasError as exc:
        _fail_run(settings, "retry-dead-letters", exc)
    if _quiet(ctx):
        _quiet_outcome(outcome.run_id, outcome.exit_code, outcome.dead_letters)
    else:
        click.echo(f"Run {outcome.run_id} · retry-dead-letters")
        click.echo(describe_retry(outcome.delivery, outcome.dead_letters))
    sys.exit(outcome.exit_code)


def _format_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
    )(function)


@cli.command(
    "runs",
    epilog="Examples:\n\n\b\n  paytrace-abas runs --limit 10\n"
    "  paytrace-abas runs --format json | jq '.[] | select(.status == \"failed\")'",
)
@click.option("--limit", default=20, show_default=True, help="How many runs, newest first.")
@_format_option
@click.pass_context
def runs_command(ctx: click.Context, limit: int, output_format: str) -> None:
    """List past runs from the ledger, failed ones with their error (no API secrets needed)."""
    settings = _settings(ctx)
    try:
        runs = run_history(settings, limit)
    except PaytraceAbasError as exc:
        _fail(exc)
    if output_format == "json":
        click.echo(json.dumps([run_json(run) for run in runs], indent=2))
    else:
        click.echo(runs_table(runs) if runs else f"no runs in the ledger {settings.ledger.path}")


@cli.command(
    "show",
    epilog="Examples:\n\n\b\n  paytrace-abas show 20261126T060000Z\n"
    "  paytrace-abas show last --format json",
)
@click.argument("run_id", metavar="RUN|last")
@_format_option
@click.pass_context
def show_command(ctx: click.Context, run_id: str, output_format: str) -> None:
    """Show one run (or the last): window, counts, error, exit code and its postings."""
    settings = _settings(ctx)
    try:
        details = run_details(settings, run_id)
    except PaytraceAbasError as exc:
        _fail(exc)
    if output_format == "json":
        click.echo(json.dumps(run_details_json(details), indent=2))
    else:
        click.echo(describe_run(details))


@cli.command("report", epilog="Example: paytrace-abas report --from 2026-11-01 --to 2026-11-30")
@click.option("--from", "first", metavar="D", required=True, help="First day of the period.")
@click.option("--to", "last", metavar="D", required=True, help="Last day (inclusive).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Folder for the workbook, created if missing (default: [report] out_dir).",
)
@click.pass_context
def report_command(ctx: click.Context, first: str, last: str, out_dir: str | None) -> None:
    """Consolidated workbook over past runs: daily totals, postings, open exceptions."""
    settings = _settings(ctx)
    try:
        window = _date_range(first, last)
        path = period_report(
            settings, window, Path(out_dir) if out_dir else settings.report.out_dir
        )
    except PaytraceAbasError as exc:
        _fail(exc)
    click.echo(f"workbook: {path}")


def main(argv: list[str] | None = None, prog: Callable[..., Any] = cli) -> None:
    """Console-script entry point."""
    prog(args=argv, prog_name="paytrace-abas")
