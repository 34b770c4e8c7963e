"""Failures outside a recorded run: configuration, secrets, the lock, a window that cannot be.

``recorded_run`` (commands/_run.py) records and alerts what fails inside a run. What fails
before one starts is recorded here, as a run of its own with its exit code and error, so that
``runs`` shows every night that failed, and alerted like any other failure. A failure that
cannot even be recorded (no config, a ledger that does not open) is still alerted when the
alert settings were read.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

from paytrace_abas.alerts import Alert, send_alert
from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.config import Settings
from paytrace_abas.errors import EXIT_LOCKED, LockedError, PaytraceAbasError
from paytrace_abas.ledger import Ledger
from paytrace_abas.logs import set_run_id
from paytrace_abas.models import Window
from paytrace_abas.report.catalog import translator

log = logging.getLogger(__name__)


def record_failure(
    settings: Settings,
    command: str,
    error: PaytraceAbasError,
    exit_code: int,
    window: Window | None = None,
    dry_run: bool = False,
    create_ledger: bool = True,
    now: dt.datetime | None = None,
) -> None:
    """Record ``error`` as a failed run (sets ``error.run_id``) and alert, unless done already.

    ``create_ledger`` False records only into a ledger that exists (a broken configuration
    must not leave a new ledger wherever its path happens to point). Dry runs are recorded,
    not alerted: a person is watching them.
    """
    if error.run_id is not None:
        return
    started = now or utc_now()
    path = settings.ledger.path
    lock_note: str | None = None
    if create_ledger or path.exists():
        try:
            with Ledger.open(path, utc_now) as ledger:
                _record(ledger, started, command, error, exit_code, window, dry_run)
                lock_note = _lock_alert_due(ledger, settings, error, started)
        except (PaytraceAbasError, OSError) as exc:
            log.warning("the failure could not be recorded in the ledger %s: %s", path, exc)
    if dry_run or (exit_code == EXIT_LOCKED and lock_note is None):
        return
    alert = Alert(
        error.run_id or started.strftime("%Y%m%dT%H%M%SZ"),
        command,
        "failed",
        window=str(window or ""),
        error=f"{error}{lock_note or ''}",
        translate=translator(settings.report.workbook_language),
    )
    send_alert(settings.alerts, settings.secrets.smtp_password, alert)


def _record(
    ledger: Ledger,
    started: dt.datetime,
    command: str,
    error: PaytraceAbasError,
    exit_code: int,
    window: Window | None,
    dry_run: bool,
) -> None:
    days = (window.first_day.isoformat(), window.last_day.isoformat()) if window else None
    run_id = ledger.start_run(started.strftime("%Y%m%dT%H%M%SZ"), command, days, dry_run, {})
    set_run_id(run_id)
    ledger.finish_run(run_id, exit_code, {"error": str(error) or type(error).__name__})
    error.run_id = run_id


def _lock_alert_due(
    ledger: Ledger, settings: Settings, error: PaytraceAbasError, now: dt.datetime
) -> str | None:
    """What to add to the alert, once per holder of a lock held past ``[ledger]
    lock_alert_minutes`` by a live process; None when there is nothing to alert."""
    if not isinstance(error, LockedError) or error.held_since is None or not error.holder_pid:
        return None
    since = dt.datetime.fromtimestamp(error.held_since, dt.UTC)
    held_minutes = (now - since).total_seconds() / 60
    if held_minutes < settings.ledger.lock_alert_minutes or not _alive(error.holder_pid):
        return None
    holder = f"pid {error.holder_pid} since {since.isoformat(timespec='seconds')}"
    if not ledger.claim_lock_alert(holder, error.run_id or ""):
        return None
    return f"; held since {since.isoformat(timespec='seconds')} ({held_minutes:.0f} minutes)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is only someone else's
    return True
