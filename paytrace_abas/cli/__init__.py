"""Command line, click only: parse, call one command function, print, map errors to exit codes.

The commands are here, in the order of the work; what they share is in ``support.py``."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from paytrace_abas import __version__
from paytrace_abas.cli.customers import customers_command
from paytrace_abas.cli.support import (
    WorkflowGroup,
    arm_fail_point,
    date_range,
    echo_error,
    fail,
    fail_run,
    format_option,
    progress_bar,
    quiet,
    quiet_outcome,
    settings_for,
    window_of,
)
from paytrace_abas.commands.apply import apply_plan_file
from paytrace_abas.commands.check import CheckOptions, check_everything
from paytrace_abas.commands.history import run_details, run_history
from paytrace_abas.commands.reconcile import reconcile
from paytrace_abas.commands.report import period_report
from paytrace_abas.commands.resolve import resolve_workbook
from paytrace_abas.commands.retry import retry_dead_letters
from paytrace_abas.errors import EXIT_FAILED, PaytraceAbasError
from paytrace_abas.logs import set_run_id
from paytrace_abas.report.catalog import N_, translate
from paytrace_abas.report.console import (
    check_line,
    describe_apply,
    describe_reconcile,
    describe_retry,
    run_json,
)
from paytrace_abas.report.history import (
    describe_run,
    run_details_json,
    run_record_json,
    runs_table,
)

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


@click.group(cls=WorkflowGroup, epilog=EXIT_CODES_EPILOG)
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
    arm_fail_point()


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
    settings = settings_for(ctx)
    results = check_everything(settings, CheckOptions(send_test=send_test))
    for result in results:
        line = check_line(result)
        if not result.ok:
            echo_error(line)
        elif not quiet(ctx):
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
    "--allow-open-day",
    is_flag=True,
    help="Post a window reaching today or later (PayTrace time zone); the watermark stays.",
)
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
    allow_open_day: bool,
    out_dir: str | None,
    output_format: str,
    chargebacks_file: str | None,
) -> None:
    """Match a window of PayTrace payments to abas open items, post the matches, report.

    Without --dry-run the matched receipts are posted to abas for real, exactly once; exit
    code 3 says some ended in dead letters, 4 that another run holds the lock.
    """
    settings = settings_for(ctx, "reconcile", posting=not dry_run, dry_run=dry_run)
    progress = progress_bar(ctx, "PayTrace")
    window = None
    try:
        window = window_of(settings, day, first, last, since_last)
        if window is None:
            if not quiet(ctx):
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
        fail_run(settings, "reconcile", exc, window, dry_run)
    if progress is not None:
        progress.close()
    if quiet(ctx):
        quiet_outcome(outcome.run_id, outcome.exit_code, outcome.dead_letters)
    elif output_format == "json":
        click.echo(json.dumps(run_json(outcome), indent=2))
    else:
        report = settings.report
        click.echo(
            describe_reconcile(
                outcome, settings.paytrace.currency, report.locale, report.workbook_language
            )
        )
    sys.exit(outcome.exit_code)


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
    settings = settings_for(ctx)
    try:
        outcome = resolve_workbook(
            settings,
            Path(workbook),
            Path(plan_path) if plan_path else None,
            Path(out_path) if out_path else None,
        )
    except PaytraceAbasError as exc:
        fail(exc)
    added = len(outcome.plan.postings) - outcome.run_postings
    language = settings.report.workbook_language
    read = N_("{decisions} decision(s) read: {added} posting line(s) added to the run's {run}")
    click.echo(
        translate(read, language).format(
            decisions=outcome.decisions, added=added, run=outcome.run_postings
        )
    )
    if outcome.unchanged:
        unchanged = N_("{count} decision(s) applied before, left as they were")
        click.echo(translate(unchanged, language).format(count=outcome.unchanged))
    plan = translate(N_("plan: {plan} ({count} postings)"), language)
    click.echo(plan.format(plan=outcome.plan_path, count=len(outcome.plan.postings)))


@cli.command(
    "apply",
    epilog="Example: paytrace-abas apply out/plan-20261126T060000Z.json\n\n"
    "This posts to abas for real. Review the plan (or its workbook) first.",
)
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False))
@click.pass_context
def apply_command(ctx: click.Context, plan_path: str) -> None:
    """Post a reviewed dry-run plan to abas for real, after re-checking every invoice."""
    settings = settings_for(ctx, "apply", posting=True)
    try:
        outcome = apply_plan_file(settings, Path(plan_path))
    except PaytraceAbasError as exc:
        fail_run(settings, "apply", exc)
    if quiet(ctx):
        quiet_outcome(outcome.run_id, outcome.exit_code, outcome.dead_letters)
    else:
        click.echo(
            describe_apply(outcome, settings.report.workbook_language, settings.report.locale)
        )
    sys.exit(outcome.exit_code)


@cli.command("retry-dead-letters", epilog="Example: paytrace-abas retry-dead-letters")
@click.pass_context
def retry_command(ctx: click.Context) -> None:
    """Post the receipts in dead letters again (asking abas first whether they arrived)."""
    settings = settings_for(ctx, "retry-dead-letters", posting=True)
    try:
        outcome = retry_dead_letters(settings)
    except PaytraceAbasError as exc:
        fail_run(settings, "retry-dead-letters", exc)
    if quiet(ctx):
        quiet_outcome(outcome.run_id, outcome.exit_code, outcome.dead_letters)
    else:
        click.echo(f"Run {outcome.run_id} · retry-dead-letters")
        language = settings.report.workbook_language
        click.echo(describe_retry(outcome.delivery, outcome.dead_letters, language))
    sys.exit(outcome.exit_code)


@cli.command(
    "runs",
    epilog="Examples:\n\n\b\n  paytrace-abas runs --limit 10\n"
    "  paytrace-abas runs --format json | jq '.[] | select(.status == \"failed\")'",
)
@click.option("--limit", default=20, show_default=True, help="How many runs, newest first.")
@format_option
@click.pass_context
def runs_command(ctx: click.Context, limit: int, output_format: str) -> None:
    """List past runs from the ledger, failed ones with their error (no API secrets needed)."""
    settings = settings_for(ctx)
    try:
        runs = run_history(settings, limit)
    except PaytraceAbasError as exc:
        fail(exc)
    if output_format == "json":
        click.echo(json.dumps([run_record_json(run) for run in runs], indent=2))
    else:
        click.echo(runs_table(runs) if runs else f"no runs in the ledger {settings.ledger.path}")


@cli.command(
    "show",
    epilog="Examples:\n\n\b\n  paytrace-abas show 20261126T060000Z\n"
    "  paytrace-abas show last --format json",
)
@click.argument("run_id", metavar="RUN|last")
@format_option
@click.pass_context
def show_command(ctx: click.Context, run_id: str, output_format: str) -> None:
    """Show one run (or the last): window, counts, error, exit code and its postings."""
    settings = settings_for(ctx)
    try:
        details = run_details(settings, run_id)
    except PaytraceAbasError as exc:
        fail(exc)
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
    settings = settings_for(ctx)
    try:
        window = date_range(first, last)
        path = period_report(
            settings, window, Path(out_dir) if out_dir else settings.report.out_dir
        )
    except PaytraceAbasError as exc:
        fail(exc)
    click.echo(f"workbook: {path}")


cli.add_command(customers_command)


def main(argv: list[str] | None = None, prog: Callable[..., Any] = cli) -> None:
    """Console-script entry point."""
    prog(args=argv, prog_name="paytrace-abas")
