"""The report command: the consolidated period workbook over past runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import pandas as pd

from paytrace_abas.commands.inputs import open_ledger, utc_now
from paytrace_abas.commands.out_folder import prepare_out_dir
from paytrace_abas.config import Settings
from paytrace_abas.errors import UsageError
from paytrace_abas.ledger.views import LedgerHistory
from paytrace_abas.models import RunSnapshot, Window
from paytrace_abas.report import PeriodHeader, write_period_workbook
from paytrace_abas.report.period import summarize_period


class RunHistory(Protocol):
    """Past runs as the period report reads them (the ledger implements this)."""

    def snapshots(self, first_day: dt.date, last_day: dt.date) -> list[RunSnapshot]:
        """Every run whose window overlaps the days, plus earlier runs with open exceptions."""
        ...

    def postings(self, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
        """Postings (report.POSTING_ROW_COLUMNS) of payments made in the days."""
        ...

    def resolved(self) -> Mapping[str, dt.date]:
        """Transaction ids a clerk's applied decision closed, with the day it was applied."""
        ...


def period_report(
    settings: Settings,
    window: Window,
    out_dir: Path,
    history: RunHistory | None = None,
    now: dt.datetime | None = None,
) -> Path:
    """Write the consolidated workbook of ``window`` from the run history; returns its path.

    Without ``history`` it is read from the run ledger, which must exist.
    """
    if history is not None:
        return _write_period_report(settings, window, out_dir, history, now)
    ledger_path = settings.ledger.path
    if not ledger_path.exists():
        raise UsageError(
            f"the period report reads past runs from the run ledger {ledger_path}, which does "
            "not exist; run paytrace-abas reconcile first"
        )
    with open_ledger(settings, locked=False) as ledger:
        history = LedgerHistory(ledger, settings.paytrace.zone)
        return _write_period_report(settings, window, out_dir, history, now)


def _write_period_report(
    settings: Settings,
    window: Window,
    out_dir: Path,
    history: RunHistory,
    now: dt.datetime | None,
) -> Path:
    started = now or utc_now()
    prepare_out_dir(out_dir)
    report = summarize_period(
        history.snapshots(window.first_day, window.last_day),
        history.postings(window.first_day, window.last_day),
        history.resolved(),
        window.first_day,
        window.last_day,
    )
    header = PeriodHeader(
        settings.paytrace.currency,
        started,
        locale=settings.report.locale,
        language=settings.report.workbook_language,
    )
    path = out_dir / f"period-{window}-{started.strftime('%Y%m%dT%H%M%SZ')}.xlsx"
    write_period_workbook(path, header, report)
    return path
