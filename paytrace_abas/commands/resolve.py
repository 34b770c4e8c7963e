"""Commands over a finished run's outputs: ``resolve WORKBOOK`` and the period ``report``."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from paytrace_abas.commands.reconcile import load_open_items, load_payments, open_ledger, utc_now
from paytrace_abas.config import Settings
from paytrace_abas.errors import UsageError
from paytrace_abas.ledger.views import LedgerHistory
from paytrace_abas.models import Window
from paytrace_abas.output_folder import prepare_out_dir
from paytrace_abas.plan.document import Plan, canonical_plan, read_plan, write_plan
from paytrace_abas.plan.integrity import resolved_kind
from paytrace_abas.plan.resolutions import resolve_decisions
from paytrace_abas.report import PeriodHeader, read_decisions, write_period_workbook
from paytrace_abas.report.period import RunSnapshot, summarize_period

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolveOutcome:
    """The plan built from a clerk's decisions, and where it was written."""

    plan: Plan
    plan_path: Path
    run_postings: int
    decisions: int


def resolve_workbook(
    settings: Settings, workbook: Path, run_plan_path: Path | None, out_path: Path | None
) -> ResolveOutcome:
    """Read the decisions in ``workbook``, check them and write the plan ``apply`` posts."""
    found = read_decisions(workbook, settings.abas.max_xlsx_bytes)
    run_plan_path = run_plan_path or workbook.parent / f"plan-{found.run_id}.json"
    run_plan = read_plan(run_plan_path)
    if run_plan.run_id != found.run_id:
        raise UsageError(
            f"{run_plan_path} belongs to run {run_plan.run_id}, the workbook to run {found.run_id}"
        )
    window = Window(
        dt.date.fromisoformat(run_plan.window_from), dt.date.fromisoformat(run_plan.window_to)
    )
    payments = load_payments(settings, window)
    open_items = load_open_items(settings)
    plan = resolve_decisions(
        found.rows,
        payments,
        open_items,
        run_plan,
        (settings.paytrace.currency, settings.report.locale),
        settings.accounts,
    )
    target = out_path or workbook.parent / f"plan-{found.run_id}-resolved.json"
    write_plan(plan, target)
    text = canonical_plan(plan)
    with open_ledger(settings) as ledger:  # apply takes only plans the ledger recorded
        ledger.record_plan(
            plan.run_id, resolved_kind(hashlib.sha256(text.encode()).hexdigest()), text
        )
    log.info("%d decisions from %s written to %s", len(found.rows), workbook, target)
    return ResolveOutcome(plan, target, len(run_plan.postings), len(found.rows))


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
