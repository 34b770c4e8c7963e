"""Pure matching: payments and open items in, one result row per payment out.

The categories are in docs/contract.md#categories.

Passes run in a fixed order and each names its ``rule``: card state -> already posted
(ledger) -> reference (one or several invoices) -> customer + amount (one item or the
smallest exact-sum set) -> unmatched. Every pass works on whole columns; assignment is global
(an invoice is paid by at most one payment of the window, the earliest that pays it). On a
big day a second process looks up invoice numbers while the payments are prepared, and the
reference and customer passes run in ``[matching] workers`` processes, each for customers
that share no open item with the others' (parallel.py, shards.py): the outcome is the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.book import (
    Payments,
    build_book,
    build_payments,
    index_invoices,
    reference_texts,
)
from paytrace_abas.matching.card_state import classify_card_state, mark_already_posted
from paytrace_abas.matching.customer_pass import match_on_customer_amount
from paytrace_abas.matching.decisions import Decisions, claims_from_ledger, results_frame
from paytrace_abas.matching.groups import Ints
from paytrace_abas.matching.parallel import Background, usable_workers
from paytrace_abas.matching.reference_pass import (
    match_on_reference,
    named_tokens,
    scan_references,
)
from paytrace_abas.matching.shards import run_in_shares, shares
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
    workers = usable_workers(settings.workers, len(payments))
    # On a big day a second process looks up invoice numbers (named in the payment texts, paid
    # by earlier runs) while this one prepares the open items and the payments.
    look_up = Background(
        partial(look_up_invoices, payments, open_items, settings, paid), workers > 1
    )
    try:
        book = build_book(open_items, settings)
        prepared = build_payments(payments, book, settings)
        decisions = Decisions(len(prepared))
        classify_card_state(prepared, decisions)
        mark_already_posted(prepared, decisions, posted, paid)
        scanned, claimed_by = look_up.result()
    finally:
        look_up.stop()
    tokens = named_tokens(scanned, prepared, decisions)

    def match_invoices(local: Decisions, pays: Ints) -> None:
        mine = np.zeros(len(prepared), dtype=bool)
        mine[pays] = True
        named = tokens[mine[tokens["pay"].to_numpy()]] if len(pays) < len(prepared) else tokens
        match_on_reference(prepared, book, settings, local, claimed_by, named)
        match_on_customer_amount(prepared, book, settings, local, claimed_by)

    # ... and the invoice passes run in several processes, each for its own customers.
    pending = np.flatnonzero(decisions.pending())
    share = shares(prepared, book, tokens, pending, workers)
    run_in_shares(share, pending, decisions, match_invoices)
    mark_unmatched(prepared, decisions)
    return results_frame(prepared, book, decisions)


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


def mark_unmatched(payments: Payments, decisions: Decisions) -> None:
    """What no pass could tie to an invoice and whose payer has no open items to compare."""
    rest = np.flatnonzero(decisions.pending())
    reasons = [
        f"No invoice number in the payment text, and PayTrace customer {payer} has no open "
        "items in abas (map it in [matching.customer_map] if the numbers differ)."
        if payer
        else "No invoice number in the payment text and no PayTrace customer to look up."
        for payer in payments.payer[rest]
    ]
    decisions.decide(rest, Category.UNMATCHED, "none", reasons)
