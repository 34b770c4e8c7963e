"""The resolve command: a clerk's decisions in a run's workbook become a plan for ``apply``."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from paytrace_abas.abas.files import check_unpacked_size
from paytrace_abas.commands.inputs import load_open_items, load_payments, open_ledger
from paytrace_abas.config import Settings
from paytrace_abas.errors import UsageError
from paytrace_abas.ledger import Ledger
from paytrace_abas.models import Window
from paytrace_abas.plan.document import Plan, read_plan, write_plan
from paytrace_abas.plan.inputs import inputs_path, read_run_inputs
from paytrace_abas.plan.integrity import canonical_plan, resolved_kind
from paytrace_abas.plan.resolutions import LedgerState, pending_rows, resolve_decisions
from paytrace_abas.report import read_decisions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolveOutcome:
    """The plan built from a clerk's decisions, and where it was written."""

    plan: Plan
    plan_path: Path
    run_postings: int
    decisions: int
    #: pre-filled rows left as they were: decisions ``apply`` accepted before
    unchanged: int = 0


def resolve_workbook(
    settings: Settings, workbook: Path, run_plan_path: Path | None, out_path: Path | None
) -> ResolveOutcome:
    """Read the decisions in ``workbook``, check them and write the plan ``apply`` posts."""
    if workbook.exists():  # a zip bomb is refused before openpyxl inflates it
        check_unpacked_size(workbook, settings.abas.max_xlsx_bytes, "[abas] max_xlsx_bytes")
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
    payments, open_items = _run_inputs(settings, run_plan_path, found.run_id, window)
    with open_ledger(settings, locked=False) as ledger:
        earlier = ledger_states(ledger, [row.transaction_id for row in found.rows])
    rows = pending_rows(found.rows, earlier)
    plan = resolve_decisions(
        rows,
        payments,
        open_items,
        run_plan,
        (settings.paytrace.currency, settings.report.locale),
        settings.accounts,
        earlier,
    )
    target = out_path or workbook.parent / f"plan-{found.run_id}-resolved.json"
    write_plan(plan, target)
    text = canonical_plan(plan)
    with open_ledger(settings) as ledger:  # apply takes only plans the ledger recorded
        ledger.record_plan(
            plan.run_id, resolved_kind(hashlib.sha256(text.encode()).hexdigest()), text
        )
    log.info("%d decisions from %s written to %s", len(rows), workbook, target)
    return ResolveOutcome(
        plan, target, len(run_plan.postings), len(rows), len(found.rows) - len(rows)
    )


def ledger_states(ledger: Ledger, transaction_ids: list[str]) -> dict[str, LedgerState]:
    """What the ledger settled for these transactions: applied decisions and receipts."""
    states: dict[str, LedgerState] = {}
    for tid, decision in ledger.applied_decisions(transaction_ids).items():
        states[tid] = LedgerState(decision.resolution, decision.run_id)
    for record in ledger.postings_of(transaction_ids):
        tid = record.receipt.transaction_id
        states[tid] = replace(
            states.get(tid, LedgerState()),
            receipt_state=record.state,
            document=record.document or "",
        )
    return states


def _run_inputs(
    settings: Settings, run_plan_path: Path, run_id: str, window: Window
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The payments and open items the run saved beside its plan; a run from before they
    were saved has them pulled again (which needs the sources and their secrets)."""
    saved = inputs_path(run_plan_path, run_id)
    if saved.exists():
        return read_run_inputs(saved, run_id)
    log.warning("%s is missing: payments and open items are read from the sources again", saved)
    return load_payments(settings, window), load_open_items(settings)
