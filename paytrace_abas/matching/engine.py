"""Pure matching: payments and open items in, one result row per payment out.

The categories are in docs/contract.md#categories.

Passes run in a fixed order and each names its ``rule``: card state -> already posted
(ledger) -> reference (one or several invoices) -> customer + amount (one item or the
smallest exact-sum set) -> unmatched. Every pass works on whole columns; assignment is global
(an invoice is paid by at most one payment of the window, the earliest that pays it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.card_state import (
    LedgerFacts,
    classify_card_state,
    mark_already_posted,
)
from paytrace_abas.matching.customer_pass import match_on_customer_amount
from paytrace_abas.matching.payer_pass import add_link_evidence, find_payers_by_name
from paytrace_abas.matching.payers import customer_directory
from paytrace_abas.matching.prepared import (
    Payments,
    build_payments,
    index_invoices,
    index_open_items,
    reference_texts,
)
from paytrace_abas.matching.reference_pass import (
    INVOICE_FIELD,
    match_on_reference,
    named_tokens,
    scan_references,
)
from paytrace_abas.matching.references import extract_tokens
from paytrace_abas.matching.shapes import learn_shape
from paytrace_abas.matching.texts import how_many, joined_by_payment
from paytrace_abas.matching.verdicts import Verdicts, claims_from_ledger, results_frame
from paytrace_abas.memory import collector_paused
from paytrace_abas.models import CUSTOMER_COLUMNS, Category, CustomerLink


def match_payments(
    payments: pd.DataFrame,
    open_items: pd.DataFrame,
    settings: MatchingSettings,
    already_posted: Mapping[str, str] | None = None,
    paid_before: Mapping[str, str] | None = None,
    *,
    customers: pd.DataFrame | None = None,
    posted_invoices: Mapping[str, Sequence[str]] | None = None,
    learned_links: Mapping[str, CustomerLink] | None = None,
) -> pd.DataFrame:
    """One result row per payment, in the payments' order (RESULT_COLUMNS of models.py).

    ``already_posted`` maps transaction ids posted by earlier runs to their abas document and
    ``posted_invoices`` to the invoices they were posted to; ``paid_before`` maps invoice
    numbers paid by earlier runs to the paying transaction. ``customers`` is the abas customer
    master (CUSTOMER_COLUMNS), if there is one; ``learned_links`` the links clerks' decisions
    taught, by PayTrace customer id (the customer map wins over them). No input frame is changed.
    """
    ledger = LedgerFacts(already_posted or {}, paid_before or {}, posted_invoices or {})
    master = customers if customers is not None else pd.DataFrame(columns=CUSTOMER_COLUMNS)
    # Millions of small objects (texts, lists) are made here and none forms a cycle: without
    # pausing the cyclic collector it walks them all again and again (seconds per million).
    with collector_paused():
        return _match(payments, open_items, settings, ledger, master, learned_links or {})


def _match(
    payments: pd.DataFrame,
    open_items: pd.DataFrame,
    settings: MatchingSettings,
    ledger: LedgerFacts,
    customers: pd.DataFrame,
    learned_links: Mapping[str, CustomerLink],
) -> pd.DataFrame:
    item_index = index_open_items(open_items, settings)
    directory = customer_directory(open_items, customers, item_index.customers)
    linked_to = {payer: link.customer_no for payer, link in learned_links.items()}
    prepared = build_payments(payments, item_index, settings, directory, linked_to)
    verdicts = Verdicts(len(prepared))
    classify_card_state(prepared, verdicts)
    mark_already_posted(prepared, item_index, verdicts, ledger)
    scanned, claimed_by = look_up_invoices(payments, open_items, settings, ledger.paid_before)
    tokens = named_tokens(scanned, prepared, verdicts)
    match_on_reference(prepared, item_index, settings, verdicts, claimed_by, tokens)
    by_name = find_payers_by_name(prepared, item_index, directory, settings, verdicts)
    match_on_customer_amount(by_name.payments, item_index, settings, verdicts, claimed_by)
    mark_unmatched(prepared, verdicts, tokens)
    by_name.add_evidence(verdicts)
    add_link_evidence(payments, prepared, settings, learned_links, verdicts)
    return results_frame(by_name.payments, item_index, verdicts)


def look_up_invoices(
    payments: pd.DataFrame,
    open_items: pd.DataFrame,
    settings: MatchingSettings,
    paid: Mapping[str, str],
) -> tuple[pd.DataFrame, npt.NDArray[np.object_]]:
    """Invoice numbers named in the payment texts, and who paid each open item in earlier runs."""
    index = index_invoices(open_items, settings)
    texts = reference_texts(payments, settings)
    # Without a configured invoice_pattern, the open items show what an invoice number is here.
    shape = None if settings.invoice_pattern else learn_shape(index.by_number.to_numpy())
    scanned = scan_references(texts, index, settings, paid, shape)
    return scanned, claims_from_ledger(index, paid)


def invoice_numbers_in_play(
    payments: pd.DataFrame, open_items: pd.DataFrame, settings: MatchingSettings
) -> list[str]:
    """Every invoice number matching can look up in ``paid_before``: the open items' and the
    tokens of the payment texts. A caller that asks the ledger for these only gets the same
    result as with the whole ledger, at a cost that follows the day, not the history."""
    tokens = extract_tokens(reference_texts(payments, settings), settings)["token"].to_numpy()
    numbers = index_invoices(open_items, settings).by_number.to_numpy(dtype=object)
    return list(pd.unique(np.concatenate([numbers, tokens.astype(object)])))


def mark_unmatched(payments: Payments, verdicts: Verdicts, tokens: pd.DataFrame) -> None:
    """What no pass could tie to an invoice and whose payer has no open items to compare.

    ``tokens`` are the payments' numbers: one in the invoice field that names no invoice is
    said so, never "no invoice number".
    """
    rest = np.flatnonzero(verdicts.pending())
    in_field = tokens[(tokens["field"] == INVOICE_FIELD).to_numpy()] if len(tokens) else tokens
    numbers = joined_by_payment(in_field["pay"].to_numpy(), list(in_field["token"]))
    held = numbers.reindex(rest).fillna("").to_numpy(dtype=object)
    payer = payments.payer[rest]
    code = np.where(held != "", "not_an_invoice_number", "no_invoice_number").astype(object)
    code += np.where(payer != "", "+customer_without_items", "+no_customer")
    verdicts.decide(
        rest,
        Category.UNMATCHED,
        "none",
        code,
        because={"invoices": held, "count": how_many(held), "customer": payer},
    )
