"""Command line, click only: parse, call one command function, print, map errors to exit codes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from paytrace_abas import __version__
from paytrace_abas.commands.apply import apply_plan_file
from paytrace_abas.commands.check import check_config
from paytrace_abas.commands.history import run_details, run_history
from paytrace_abas.commands.reconcile import reconcile, window_since_last
from paytrace_abas.commands.report import period_report
from paytrace_abas.commands.resolve import resolve_workbook
from paytrace_abas.commands.retry import retry_dead_letters
from paytrace_abas.config import Settings, find_config_path, load_settings
from paytrace_abas.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_LOCKED,
    ConfigError,
    InputFileError,
    LockedError,
    PaytraceAbasError,
    UsageError,
)
from paytrace_abas.logs import configure_logging
from paytrace_abas.models import Window
from paytrace_abas.privacy import mask_pans
from paytrace_abas.report.console import (
    describe_apply,
    describe_config_check,
    describe_reconcile,
    describe_retry,
    run_json,
)
from paytrace_abas.report.history import describe_run, runs_table

log = logging.getLogger(__name__)


def _fail(exc: PaytraceAbasError) -> NoReturn:
    """One sentence on stderr, no traceback; the exit code says what kind of failure."""
    bad_input = isinstance(exc, UsageError | ConfigError | InputFileError)
    for line in getattr(exc, "problems", None) or [str(exc)]:
        click.echo(f"error: {mask_pans(line)}", err=True)
    if isinstance(exc, LockedError):
        sys.exit(EXIT_LOCKED)
    sys.exit(EXIT_BAD_INPUT if bad_input else EXIT_FAILED)


@click.group(
    epilog="Example: paytrace-abas --config config/demo.toml reconcile --date 2026-11-25 --dry-run"
)
@click.version_option(__version__, prog_name="paytrace-abas")
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="TOML config (default: $PAYTRACE_ABAS_CONFIG, then ./paytrace-abas.toml).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.pass_context
def cli(
    ctx: click.Context, config_path: str | None, verbose: int, quiet: bool, log_format: str
) -> None:
    """Reconcile PayTrace card payments with abas ERP open items."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    ctx.obj["log"] = (verbose, quiet, log_format)


def _settings(ctx: click.Context) -> Settings:
    """Settings built once per command; secrets come from the environment here and only here."""
    verbose, quiet, log_format = ctx.obj["log"]
    path = find_config_path(ctx.obj["config_path"], os.environ, Path.cwd())
    try:
        settings = load_settings(path, os.environ)
    except PaytraceAbasError as exc:
        _fail(exc)
    configure_logging(verbose, quiet, log_format, secrets=settings.secrets.values())
    # Every file this process creates (workbooks, plans, the import file) gets [report]
    # file_mode, 0600 by default: they hold customer names and amounts.
    os.umask(0o777 & ~settings.report.file_mode & 0o666)
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
    "reconcile",
    epilog="Examples:\n\n\b\n  paytrace-abas reconcile --date 2026-11-25 --dry-run\n"
    "  paytrace-abas reconcile --from 2026-11-20 --to 2026-11-25 --dry-run --format json",
)
@click.option(
    "--date", "day", metavar="D", help="One settlement day (YYYY-MM-DD, PayTrace time zone)."
)
@click.option("--from", "first", metavar="D", help="First day of a window.")
@click.option("--to", "last", metavar="D", help="Last day of a window (inclusive).")
@click.option("--since-last", is_flag=True, help="From the last completed window up to yesterday.")
@click.option("--dry-run", is_flag=True, help="Match and report, write the plan, post nothing.")
@click.option(
    "--allow-open-day",
    is_flag=True,
    help="Post a window reaching today or later (PayTrace time zone); the watermark stays.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Folder for workbook and plan (default ./out).",
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
    allow_open_day: bool,
    out_dir: str | None,
    output_format: str,
    chargebacks_file: str | None,
) -> None:
    """Match a window of PayTrace transactions to abas open items, post the matches, report.

    Without --dry-run the matched receipts are posted to abas exactly once; exit code 3 says
    some ended in dead letters, 4 that another run holds the lock.
    """
    settings = _settings(ctx)
    progress = _progress_bar(ctx, "PayTrace")
    try:
        window = _window(settings, day, first, last, since_last)
        if window is None:
            click.echo("nothing to do: the ledger is complete through yesterday")
            return
        target = Path(out_dir) if out_dir else settings.report.out_dir
        chargebacks = Path(chargebacks_file) if chargebacks_file else None
        outcome = reconcile(
            settings,
            window,
            dry_run,
            target,
            chargebacks_file=chargebacks,
            progress=progress,
            allow_open_day=allow_open_day,
        )
    except PaytraceAbasError as exc:
        if progress is not None:
            progress.close()  # the bar's last line before the error, not after it
        _fail(exc)
    if progress is not None:
        progress.close()
    if output_format == "json":
        click.echo(json.dumps(run_json(outcome), indent=2))
    else:
        click.echo(describe_reconcile(outcome, settings.paytrace.currency, settings.report.locale))
    sys.exit(outcome.exit_code)


@cli.command("apply", epilog="Example: paytrace-abas apply out/plan-20261126T060000Z.json")
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False))
@click.pass_context
def apply_command(ctx: click.Context, plan_path: str) -> None:
    """Post exactly a reviewed dry-run plan, after re-checking every invoice in abas."""
    settings = _settings(ctx)
    try:
        outcome = apply_plan_file(settings, Path(plan_path))
    except PaytraceAbasError as exc:
        _fail(exc)
    click.echo(describe_apply(outcome))
    sys.exit(outcome.exit_code)


@cli.command("retry-dead-letters", epilog="Example: paytrace-abas retry-dead-letters")
@click.pass_context
def retry_command(ctx: click.Context) -> None:
    """Post the receipts in dead letters again (asking abas first whether they arrived)."""
    settings = _settings(ctx)
    try:
        outcome = retry_dead_letters(settings)
    except PaytraceAbasError as exc:
        _fail(exc)
    click.echo(f"Run {outcome.run_id} · retry-dead-letters")
    click.echo(describe_retry(outcome.delivery, outcome.dead_letters))
    sys.exit(outcome.exit_code)


@cli.command("runs", epilog="Example: paytrace-abas runs --limit 10")
@click.option("--limit", default=20, show_default=True, help="How many runs, newest first.")
@click.pass_context
def runs_command(ctx: click.Context, limit: int) -> None:
    """List past runs from the ledger."""
    settings = _settings(ctx)
    try:
        runs = run_history(settings, limit)
    except PaytraceAbasError as exc:
        _fail(exc)
    click.echo(runs_table(runs) if runs else f"no runs in the ledger {settings.ledger.path}")


@cli.command("show", epilog="Example: paytrace-abas show 20261126T060000Z")
@click.argument("run_id", metavar="RUN")
@click.pass_context
def show_command(ctx: click.Context, run_id: str) -> None:
    """Show one run: window, counts, exit code and the postings it made or moved."""
    settings = _settings(ctx)
    try:
        details = run_details(settings, run_id)
    except PaytraceAbasError as exc:
        _fail(exc)
    click.echo(describe_run(details))


@cli.command(
    "resolve",
    epilog="Example: paytrace-abas resolve out/reconcile-2026-11-25-20261126T060000Z.xlsx\n\n"
    "The Resolution syntax is in docs/workbook.md.",
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


@cli.command("report", epilog="Example: paytrace-abas report --from 2026-11-01 --to 2026-11-30")
@click.option("--from", "first", metavar="D", required=True, help="First day of the period.")
@click.option("--to", "last", metavar="D", required=True, help="Last day (inclusive).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="Folder for the workbook (default [report] out_dir).",
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


@cli.command("check-config", epilog="Example: paytrace-abas --config config/demo.toml check-config")
@click.pass_context
def check_config_command(ctx: click.Context) -> None:
    """Validate the configuration, report each input, and ping the systems configured as APIs."""
    settings = _settings(ctx)
    steps = check_config(settings)
    click.echo(describe_config_check(settings, steps))
    if not all(step.ok for step in steps):
        sys.exit(EXIT_FAILED)


def main(argv: list[str] | None = None, prog: Callable[..., Any] = cli) -> None:
    """Console-script entry point."""
    prog(args=argv, prog_name="paytrace-abas")
