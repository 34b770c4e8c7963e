"""Pure matching: payments and open items in, one result row per payment out.

The categories are in docs/contract.md#categories.

Passes run in a fixed order and each names its ``rule``: card state -> already posted
(ledger) -> reference (one or several invoices) -> customer + amount (one item or the
smallest exact-sum set) -> unmatched. Every pass works on whole columns; assignment is global
(an invoice is paid by at most one payment of the window, the earliest that pays it).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.card_state import classify_card_state, mark_already_posted
from paytrace_abas.matching.customer_pass import match_on_customer_amount
from paytrace_abas.matching.prepared import (
    Payments,
    build_payments,
    index_invoices,
    index_open_items,
    reference_texts,
)
from paytrace_abas.matching.reference_pass import (
    match_on_reference,
    named_tokens,
    scan_references,
)
from paytrace_abas.matching.verdicts import Verdicts, claims_from_ledger, results_frame
from paytrace_abas.memory import collector_paused
from paytrace_abas.models import Category


def match_payments(
    payments: pd.DataFrame,
    open_items: pd.DataFrame,
    settings: MatchingSettings,
    already_posted: Mapping[str, str] | None = None,
    paid_before: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One result row per payment, in the payments' order (RESULT_COLUMNS of models.py).

    ``already_posted`` maps transaction ids posted by earlier runs to their abas document;
    ``paid_before`` maps invoice numbers paid by earlier runs to the paying transaction.
    Neither input frame is changed.
    """
    # Millions of small objects (texts, lists) are made here and none forms a cycle: without
    # pausing the cyclic collector it walks them all again and again (seconds per million).
    with collector_paused():
        return _match(payments, open_items, settings, already_posted or {}, paid_before or {})


def _match(
    payments: pd.DataFrame,
    open_items: pd.DataFrame,
    settings: MatchingSettings,
    posted: Mapping[str, str],
    paid: Mapping[str, str],
) -> pd.DataFrame:
    item_index = index_open_items(open_items, settings)
    prepared = build_payments(payments, item_index, settings)
    verdicts = Verdicts(len(prepared))
    classify_card_state(prepared, verdicts)
    mark_already_posted(prepared, verdicts, posted, paid)
    scanned, claimed_by = look_up_invoices(payments, open_items, settings, paid)
    tokens = named_tokens(scanned, prepared, verdicts)
    match_on_reference(prepared, item_index, settings, verdicts, claimed_by, tokens)
    match_on_customer_amount(prepared, item_index, settings, verdicts, claimed_by)
    mark_unmatched(prepared, verdicts)
    return results_frame(prepared, item_index, verdicts)


def look_up_invoices(
    payments: pd.DataFrame,
    open_items: pd.DataFrame,
    settings: MatchingSettings,
    paid: Mapping[str, str],
) -> tuple[pd.DataFrame, npt.NDArray[np.object_]]:
    """Invoice numbers named in the payment texts, and who paid each open item in earlier runs."""
    index = index_invoices(open_items, settings)
    texts = reference_texts(payments, settings)
    return scan_references(texts, index, settings, paid), claims_from_ledger(index, paid)


def mark_unmatched(payments: Payments, verdicts: Verdicts) -> None:
    """What no pass could tie to an invoice and whose payer has no open items to compare."""
    rest = np.flatnonzero(verdicts.pending())
    reasons = [
        f"No invoice number in the payment text, and PayTrace customer {payer} has no open "
        "items in abas (map it in [matching.customer_map] if the numbers differ)."
        if payer
        else "No invoice number in the payment text and no PayTrace customer to look up."
        for payer in payments.payer[rest]
    ]
    verdicts.decide(rest, Category.UNMATCHED, "none", reasons)
