"""Command line: parse, call one library function, print, map errors to exit codes."""

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
from paytrace_abas.config import Settings, find_config_path, load_settings
from paytrace_abas.errors import (
    ConfigError,
    InputFileError,
    PaytraceAbasError,
    UsageError,
)
from paytrace_abas.frames import records
from paytrace_abas.logs import configure_logging
from paytrace_abas.matching import category_totals
from paytrace_abas.models import Window
from paytrace_abas.paytrace.client import check_connection
from paytrace_abas.pipeline import RunOutcome, reconcile
from paytrace_abas.report import console_summary

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

log = logging.getLogger(__name__)


def _fail(exc: PaytraceAbasError) -> NoReturn:
    """One sentence on stderr, no traceback; the exit code says what kind of failure."""
    bad_input = isinstance(exc, UsageError | ConfigError | InputFileError)
    click.echo(f"error: {exc}", err=True)
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


def _window(day: str | None, first: str | None, last: str | None, since_last: bool) -> Window:
    chosen = sum(bool(x) for x in (day, first or last, since_last))
    if chosen != 1:
        raise UsageError("give exactly one of --date D, --from D --to D, or --since-last")
    if since_last:
        raise UsageError("--since-last needs the run ledger, which this version does not have yet")
    if day:
        single = _parse_day("--date", day)
        return Window(single, single)
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
    out_dir: str | None,
    output_format: str,
    chargebacks_file: str | None,
) -> None:
    """Match a window of PayTrace transactions to abas open items and write the workbook."""
    settings = _settings(ctx)
    progress = _progress_bar(ctx, "PayTrace")
    try:
        window = _window(day, first, last, since_last)
        target = Path(out_dir) if out_dir else settings.report.out_dir
        chargebacks = Path(chargebacks_file) if chargebacks_file else None
        outcome = reconcile(
            settings, window, dry_run, target, chargebacks_file=chargebacks, progress=progress
        )
    except PaytraceAbasError as exc:
        if progress is not None:
            progress.close()  # the bar's last line before the error, not after it
        _fail(exc)
    if progress is not None:
        progress.close()
    if output_format == "json":
        click.echo(json.dumps(outcome_json(outcome), indent=2))
        return
    mode = "dry run, nothing posted" if outcome.dry_run else "posted"
    click.echo(f"Run {outcome.run_id} · window {outcome.window} · {mode}\n")
    click.echo(console_summary(outcome.results, settings.paytrace.currency, settings.report.locale))
    click.echo(f"\nworkbook: {outcome.workbook_path}")
    if outcome.plan_path:
        click.echo(f"plan:     {outcome.plan_path} ({len(outcome.plan.postings)} postings)")


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
            "posted": False,
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


@cli.command("check-config", epilog="Example: paytrace-abas --config config/demo.toml check-config")
@click.pass_context
def check_config_command(ctx: click.Context) -> None:
    """Validate the configuration, report each input, and ping the systems configured as APIs."""
    settings = _settings(ctx)
    click.echo(f"config: {settings.config_path or '(defaults)'} is valid")
    paytrace, abas = settings.paytrace, settings.abas
    click.echo(f"PayTrace source: {paytrace.source} ({paytrace.file or paytrace.base_url})")
    click.echo(f"abas source:     {abas.source} ({abas.open_items_file or abas.base_url})")
    if paytrace.source == "api":
        steps = check_connection(paytrace, settings.secrets)
        for step in steps:
            click.echo(f"{step.name}: {'ok' if step.ok else 'FAILED'} ({step.detail})")
        if not all(step.ok for step in steps):
            sys.exit(EXIT_FAILED)


def main(argv: list[str] | None = None, prog: Callable[..., Any] = cli) -> None:
    """Console-script entry point."""
    prog(args=argv, prog_name="paytrace-abas")
