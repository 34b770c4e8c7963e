"""One run end to end: load, match, plan, report. The only place that reads the clock."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from paytrace_abas.abas.files import read_open_items_export
from paytrace_abas.abas.normalize import normalize_open_items
from paytrace_abas.config import Settings
from paytrace_abas.errors import ConfigError, UsageError
from paytrace_abas.matching import match_payments
from paytrace_abas.models import Window
from paytrace_abas.paytrace.chargebacks import read_chargebacks, with_original_payer
from paytrace_abas.paytrace.client import ProgressCallback, fetch_transactions
from paytrace_abas.paytrace.files import read_export_files
from paytrace_abas.paytrace.normalize import normalize_transactions, select_window
from paytrace_abas.planning import Plan, build_plan, input_hash, write_plan
from paytrace_abas.report import RunHeader, write_workbook

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
    progress: ProgressCallback | None = None,
) -> RunOutcome:
    """Reconcile one window; with ``dry_run`` nothing is posted and the plan is written.

    ``progress(done, total)`` is told about each PayTrace API request as it finishes.
    """
    if not dry_run:
        raise UsageError(
            "posting to abas is not available in this version; run with --dry-run "
            "and review the workbook"
        )
    started = now or dt.datetime.now(dt.UTC)
    run_id = started.strftime("%Y%m%dT%H%M%SZ")
    payments = load_payments(settings, window, progress)
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
    header = RunHeader(run_id, str(window), dry_run, settings.paytrace.currency, started)
    write_workbook(workbook_path, header, results, payments)
    return RunOutcome(run_id, window, dry_run, results, payments, plan, workbook_path, plan_path)


def load_payments(
    settings: Settings, window: Window, progress: ProgressCallback | None = None
) -> pd.DataFrame:
    """The window's PayTrace transactions as the canonical payments frame."""
    paytrace = settings.paytrace
    if paytrace.source == "api":
        raw = fetch_transactions(paytrace, settings.secrets, window, progress)
    elif paytrace.file is None:
        raise ConfigError('[paytrace] file must name an export file or folder when source = "file"')
    else:
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
