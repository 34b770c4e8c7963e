"""Passes before invoice matching: what is not money received, and what an earlier run posted."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.matching.book import Payments
from paytrace_abas.matching.decisions import Decisions
from paytrace_abas.models import Category

Test = Callable[[npt.NDArray[np.object_], npt.NDArray[np.object_]], npt.NDArray[np.bool_]]

#: (test of status and kind, category, reason); the first true test wins (DESIGN §4 values).
_CARD_STATES: tuple[tuple[Test, Category, str], ...] = (
    (lambda s, k: s == "declined", Category.DECLINED, "The card was declined."),
    (
        lambda s, k: s == "auto_voided",
        Category.VOID,
        "Approved but voided automatically by PayTrace (address or CSC mismatch, code 103).",
    ),
    (lambda s, k: (s == "voided") | (k == "void"), Category.VOID, "Voided before settlement."),
    (
        lambda s, k: s == "pending",
        Category.PENDING,
        "Not settled yet; it will be matched once it settles.",
    ),
    (
        lambda s, k: k == "authorization",
        Category.PENDING,
        "An authorization only; no money moves until it is captured.",
    ),
    (lambda s, k: k == "refund", Category.REFUND, "Money returned to the card holder."),
    (
        lambda s, k: k == "chargeback",
        Category.CHARGEBACK,
        "Disputed and reversed by the card issuer.",
    ),
)


def classify_card_state(payments: Payments, decisions: Decisions) -> None:
    """Declines, voids, pending, refunds and chargebacks never reach invoice matching."""
    status, kind = payments.status, payments.kind
    open_rows = decisions.pending()
    for test, category, reason in _CARD_STATES:
        hit = np.flatnonzero(open_rows & test(status, kind))
        decisions.decide(hit, category, "card_state", reason)
        open_rows[hit] = False


def mark_already_posted(
    payments: Payments,
    decisions: Decisions,
    already_posted: Mapping[str, str],
    paid_before: Mapping[str, str],
) -> None:
    """Transactions an earlier run posted (the ledger says so): nothing to do again."""
    if not already_posted and not paid_before:
        return
    ids = pd.Series(payments.transaction_id, dtype=object)
    document = ids.map(dict(already_posted)).to_numpy(dtype=object)
    posted = np.flatnonzero(decisions.pending() & ~pd.isna(document))
    decisions.decide(
        posted,
        Category.ALREADY_POSTED,
        "ledger",
        [f"Posted by an earlier run as abas document {document[p]}." for p in posted],
    )
    invoices_by_payer: dict[str, list[str]] = {}
    for invoice_no, transaction_id in paid_before.items():
        invoices_by_payer.setdefault(transaction_id, []).append(invoice_no)
    paid = ids.map(invoices_by_payer).to_numpy(dtype=object)
    recorded = np.flatnonzero(decisions.pending() & ~pd.isna(paid))
    decisions.decide(
        recorded,
        Category.ALREADY_POSTED,
        "ledger",
        [
            f"An earlier run already paid invoice {', '.join(sorted(paid[p]))} with it."
            for p in recorded
        ],
    )
