"""What every command of the command line shares: loading the settings (recording and
alerting what fails), reporting a failure in one line per problem, quiet mode, the window
options, the progress bar and the order of the help."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TextIO

import click

from paytrace_abas.commands.failures import record_failure
from paytrace_abas.commands.watermark import window_since_last
from paytrace_abas.config import (
    Settings,
    find_config_path,
    load_settings,
    missing_secrets,
    no_config_found,
)
from paytrace_abas.config.failpoints import FAILPOINT_ENV_VAR, arm, parse_fail_point
from paytrace_abas.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_LOCKED,
    EXIT_OK,
    ConfigError,
    InputFileError,
    LockedError,
    PaytraceAbasError,
    UsageError,
)
from paytrace_abas.logs import configure_logging, json_line
from paytrace_abas.models import Window
from paytrace_abas.privacy import mask_pans

log = logging.getLogger("paytrace_abas.cli")


def exit_code_for(exc: PaytraceAbasError) -> int:
    """The documented exit code of a failure."""
    if isinstance(exc, LockedError):
        return EXIT_LOCKED
    if isinstance(exc, UsageError | ConfigError | InputFileError):
        return EXIT_BAD_INPUT
    return EXIT_FAILED


def fail(exc: PaytraceAbasError) -> NoReturn:
    """The problem on stderr (one line each, no traceback) and where the details are."""
    lines = list(getattr(exc, "problems", None) or [str(exc)])
    if exc.run_id:
        lines[-1] += f" (recorded as run {exc.run_id}: paytrace-abas show {exc.run_id})"
    for line in lines:
        echo_error(line)
    sys.exit(exit_code_for(exc))


def arm_fail_point() -> None:
    """The crash tests' fail point (docs/posting.md), read once; unset, nothing is armed."""
    value = os.environ.get(FAILPOINT_ENV_VAR, "")
    try:
        arm(parse_fail_point(value) if value else None)
    except PaytraceAbasError as exc:
        fail(exc)


def echo_error(line: str) -> None:
    """One error line on stderr, as JSON when --log-format json asks for it."""
    context = click.get_current_context(silent=True)
    log_format = context.find_root().obj["log"][2] if context and context.find_root().obj else ""
    if log_format == "json":
        click.echo(json_line("ERROR", __name__, mask_pans(line), time.time()), err=True)
    else:
        click.echo(f"error: {mask_pans(line)}", err=True)


def fail_run(
    settings: Settings,
    command: str,
    exc: PaytraceAbasError,
    window: Window | None = None,
    dry_run: bool = False,
) -> NoReturn:
    """Record and alert a run's failure (unless its run did already), then report it."""
    record_failure(settings, command, exc, exit_code_for(exc), window, dry_run)
    fail(exc)


class WorkflowGroup(click.Group):
    """Commands in the order of the work, each with its whole first help line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands[name]
            if not command.hidden:
                rows.append((name, summary(command.help or "")))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def summary(help_text: str) -> str:
    """The first paragraph of a command's help as one line."""
    return " ".join(help_text.strip().split("\n\n")[0].split())


def quiet(ctx: click.Context) -> bool:
    return bool(ctx.obj["log"][1])


def settings_for(
    ctx: click.Context, command: str | None = None, posting: bool = False, dry_run: bool = False
) -> Settings:
    """Settings built once per command; secrets come from the environment here and only here.

    For a run ``command`` the secrets it needs must be there (``posting`` adds the abas
    sink's); a failure is recorded and alerted as far as the settings read allow.
    """
    verbose, is_quiet, log_format = ctx.obj["log"]
    configure_logging(verbose, is_quiet, log_format, secrets=())
    cwd = Path.cwd()
    path = find_config_path(ctx.obj["config_path"], os.environ, cwd)
    if path is None:
        fail(no_config_found(cwd))
    try:
        settings = load_settings(path, os.environ)
    except ConfigError as exc:
        if command and exc.partial is not None:
            # A broken file must not create a ledger wherever its path points: existing only.
            record_failure(exc.partial, command, exc, EXIT_BAD_INPUT, None, dry_run, False)
        fail(exc)
    except PaytraceAbasError as exc:
        fail(exc)
    configure_logging(verbose, is_quiet, log_format, secrets=settings.secrets.values())
    # Every file this process creates (workbooks, plans, the import file) gets [report]
    # file_mode, 0600 by default: they hold customer names and amounts.
    os.umask(0o777 & ~settings.report.file_mode & 0o666)
    log.debug("config %s; secrets from %s", path, dict(settings.secrets.origins) or "nowhere")
    missing = missing_secrets(settings, posting=posting) if command else []
    if command and missing:
        problems = [f"{path}: {problem}" for problem in missing]
        fail_run(settings, command, ConfigError("; ".join(problems), problems), None, dry_run)
    return settings


class ProgressBar:
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


def progress_bar(ctx: click.Context, label: str) -> ProgressBar | None:
    return None if quiet(ctx) or not sys.stderr.isatty() else ProgressBar(label, sys.stderr)


def parse_day(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not a valid date (use YYYY-MM-DD)") from None


def window_of(
    settings: Settings, day: str | None, first: str | None, last: str | None, since_last: bool
) -> Window | None:
    """The window the options name; None when --since-last finds nothing left to do."""
    chosen = sum(bool(x) for x in (day, first or last, since_last))
    if chosen != 1:
        raise UsageError("give exactly one of --date D, --from D --to D, or --since-last")
    if since_last:
        return window_since_last(settings)
    if day:
        single = parse_day("--date", day)
        return Window(single, single)
    return date_range(first, last)


def date_range(first: str | None, last: str | None) -> Window:
    """The window of --from D --to D, both days included."""
    if not (first and last):
        raise UsageError("--from and --to go together")
    window = Window(parse_day("--from", first), parse_day("--to", last))
    if window.first_day > window.last_day:
        raise UsageError(f"--from {first} is after --to {last}")
    return window


def quiet_outcome(run_id: str, exit_code: int, dead_letters: int) -> None:
    """-q: silence on success; a run that left dead letters says so in one line."""
    if exit_code != EXIT_OK:
        echo_error(
            f"run {run_id}: {dead_letters} posting(s) in dead letters "
            f"(details: paytrace-abas show {run_id}; then paytrace-abas retry-dead-letters)"
        )


def format_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
    )(function)
