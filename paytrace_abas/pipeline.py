"""One run end to end: load, match, plan, report. The only place that reads the clock."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from paytrace_abas.abas.files import read_open_items_export
from paytrace_abas.abas.normalize import normalize_open_items
from paytrace_abas.config import Settings
from paytrace_abas.errors import ConfigError, UsageError
from paytrace_abas.matching import match_payments
from paytrace_abas.models import Window
from paytrace_abas.paytrace.chargebacks import read_chargebacks, with_original_payer
from paytrace_abas.paytrace.files import read_export_files
from paytrace_abas.paytrace.normalize import normalize_transactions, select_window
from paytrace_abas.period import RunSnapshot, summarize_period
from paytrace_abas.planning import Plan, build_plan, input_hash, read_plan, write_plan
from paytrace_abas.report import (
    PeriodHeader,
    RunHeader,
    planned_posting_rows,
    read_decisions,
    write_period_workbook,
    write_workbook,
)
from paytrace_abas.resolution import resolve_decisions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutcome:
    """Everything a command needs to tell the user about a finished run."""

    run_id: str
    window: Window
    dry_run: bool
    results: pd.DataFrame
    payments: pd.DataFrame
    plan: Plan
    workbook_path: Path
    plan_path: Path | None


def reconcile(
    settings: Settings,
    window: Window,
    dry_run: bool,
    out_dir: Path,
    now: dt.datetime | None = None,
    chargebacks_file: Path | None = None,
) -> RunOutcome:
    """Reconcile one window; with ``dry_run`` nothing is posted and the plan is written."""
    if not dry_run:
        raise UsageError(
            "posting to abas is not available in this version; run with --dry-run "
            "and review the workbook"
        )
    started = now or dt.datetime.now(dt.UTC)
    run_id = started.strftime("%Y%m%dT%H%M%SZ")
    payments = load_payments(settings, window)
    if chargebacks_file is not None:
        payments = pd.concat(
            [payments, load_chargebacks(settings, window, chargebacks_file, payments)]
        )
        payments = payments.reset_index(drop=True)
    open_items = load_open_items(settings)
    log.info("loaded %d payments in %s and %d open items", len(payments), window, len(open_items))
    results = match_payments(payments, open_items, settings.matching)
    plan = build_plan(run_id, window, results, payments, input_hash(payments, open_items))
    plan_path = out_dir / f"plan-{run_id}.json"
    write_plan(plan, plan_path)
    workbook_path = out_dir / f"reconcile-{window}-{run_id}.xlsx"
    report = settings.report
    header = RunHeader(
        run_id,
        str(window),
        dry_run,
        settings.paytrace.currency,
        started,
        locale=report.locale,
        language=report.workbook_language,
    )
    write_workbook(workbook_path, header, results, payments, planned_posting_rows(plan))
    return RunOutcome(run_id, window, dry_run, results, payments, plan, workbook_path, plan_path)


def load_payments(settings: Settings, window: Window) -> pd.DataFrame:
    """The window's PayTrace transactions as the canonical payments frame."""
    paytrace = settings.paytrace
    if paytrace.source != "file":
        raise ConfigError(
            f'[paytrace] source = {paytrace.source!r} is not supported yet; use "file"'
        )
    if paytrace.file is None:
        raise ConfigError('[paytrace] file must name an export file or folder when source = "file"')
    raw = read_export_files(paytrace.file)
    payments = normalize_transactions(raw, paytrace.zone, paytrace.currency)
    return select_window(payments, window, paytrace.zone)


def load_chargebacks(
    settings: Settings, window: Window, path: Path, payments: pd.DataFrame
) -> pd.DataFrame:
    """Chargebacks of the window from a processor file, tied to the disputed sale if pulled."""
    zone = settings.paytrace.zone
    every = read_chargebacks(path, zone, settings.paytrace.currency)
    inside = select_window(every, window, zone)
    if len(inside) < len(every):
        log.warning(
            "%s: %d of %d chargebacks are outside %s and were skipped",
            path,
            len(every) - len(inside),
            len(every),
            window,
        )
    return with_original_payer(inside, payments)


def load_open_items(settings: Settings) -> pd.DataFrame:
    """abas open items as the canonical open_items frame."""
    abas = settings.abas
    if abas.source != "file":
        raise ConfigError(f'[abas] source = {abas.source!r} is not supported yet; use "file"')
    if abas.open_items_file is None:
        raise ConfigError(
            '[abas] open_items_file must name the open-items export when source = "file"'
        )
    return normalize_open_items(read_open_items_export(abas.open_items_file, abas.columns))


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
    found = read_decisions(workbook)
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
    )
    target = out_path or workbook.parent / f"plan-{found.run_id}-resolved.json"
    write_plan(plan, target)
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
    """Write the consolidated workbook of ``window`` from the run history; returns its path."""
    if history is None:
        raise UsageError(
            "the period report reads past runs from the run ledger, which this version does "
            "not have yet"
        )
    started = now or dt.datetime.now(dt.UTC)
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
