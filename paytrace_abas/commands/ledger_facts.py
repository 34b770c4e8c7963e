"""What the ledger already holds of a run's payments and the invoices they touch.

Every read asks only for the window's transaction ids and the invoice numbers in play, so a
run's cost follows its day, never the ledger's history (docs/posting.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from paytrace_abas.frames import records
from paytrace_abas.ledger import POSTED, Ledger
from paytrace_abas.models import open_exception_mask
from paytrace_abas.plan.document import Plan


def ledger_history(
    ledger: Ledger, payments: pd.DataFrame, invoice_nos: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(already_posted, paid_before) for matching, from the ledger: only what it holds of the
    window's payments and of ``invoice_nos`` (the numbers in play) and of the invoices those
    payments paid, so a run reads as much of the ledger as its day needs, however long the
    history (docs/posting.md).

    A receipt the ledger holds but has not posted yet (a crashed run, a dead letter) is
    matched again like new, so it keeps its invoices; the ledger's copy is what gets posted.
    """
    in_window = set(payments["transaction_id"].astype(str).tolist())
    already_posted = ledger.posted_documents(in_window)
    wanted = set(invoice_nos) | ledger.invoices_paid_by(in_window)
    cleared = cleared_invoices(ledger.paid_lines(wanted))
    paid_before = {
        invoice: tid
        for invoice, (tid, state) in ledger.invoice_payers(cleared).items()
        if state == POSTED or tid not in in_window
    }
    return already_posted, paid_before


def posted_invoices(
    ledger: Ledger, payments: pd.DataFrame, already_posted: Mapping[str, str]
) -> dict[str, list[str]]:
    """transaction_id -> the invoices its posted receipt paid, for the window's posted ones
    (one batched look-up of those payments: the cost follows the day, not the history)."""
    in_window = set(payments["transaction_id"].astype(str).tolist())
    return {
        record.receipt.transaction_id: [line.invoice_no for line in record.receipt.lines]
        for record in ledger.postings_of(in_window.intersection(already_posted))
    }


def cleared_invoices(paid_lines: Mapping[str, list[tuple[str, int, int | None]]]) -> set[str]:
    """Invoices a ledger line paid in full; a part-paid invoice stays open for its next payment.

    abas' open-items export then shows the rest still open, and a later payment of that rest
    is a match, not a duplicate. A line planned without its open amount counts as clearing.
    """
    return {
        invoice
        for invoice, lines in paid_lines.items()
        if any(opened is None or paid >= opened for _, paid, opened in lines)
    }


def with_posting_columns(results: pd.DataFrame, plan: Plan, ledger: Ledger) -> pd.DataFrame:
    """Results plus ``account`` (from the plan) and ``posting_state`` (from the ledger)."""
    accounts = {posting.transaction_id: posting.account for posting in plan.postings}
    ids = results["transaction_id"].astype(str)
    states = ledger.posting_states(ids.tolist())
    enriched = results.copy()
    enriched["account"] = ids.map(lambda tid: accounts.get(tid, ""))
    enriched["posting_state"] = ids.map(lambda tid: states.get(tid, ""))
    return enriched


def carry_exceptions(ledger: Ledger, run_id: str, results: pd.DataFrame) -> None:
    is_open = open_exception_mask(results["category"], results["decided_run"] != "")
    exceptions = [
        (str(r["transaction_id"]), str(r["category"]), str(r["reason"]), int(r["amount_cents"]))
        for r in records(results[is_open])
    ]
    resolved = results.loc[~is_open, "transaction_id"].astype(str).tolist()
    ledger.carry_exceptions(run_id, exceptions, resolved)
