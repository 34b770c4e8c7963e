"""Passes before invoice matching: what is not money received, and what an earlier run posted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.matching.groups import Ints
from paytrace_abas.matching.prepared import OpenItemIndex, Payments
from paytrace_abas.matching.verdicts import Verdicts
from paytrace_abas.models import CONFLICTING, Category

#: (statuses, kinds, category, reason code): a payment with one of the statuses or one of the
#: kinds gets the category; the first that applies wins (values of docs/contract.md#payments).
_CARD_STATES: tuple[tuple[tuple[str, ...], tuple[str, ...], Category, str], ...] = (
    (("declined",), (), Category.DECLINED, "declined"),
    (("auto_voided",), (), Category.VOID, "auto_voided"),
    (("voided",), ("void",), Category.VOID, "voided"),
    # A refund is money going back whether or not it has settled yet (code 106 says so).
    ((), ("refund",), Category.REFUND, "refund"),
    (("pending",), (), Category.PENDING, "pending"),
    ((), ("authorization",), Category.PENDING, "authorization"),
    ((), ("negative_sale",), Category.UNMATCHED, "negative_sale"),
    ((), ("chargeback",), Category.CHARGEBACK, "chargeback"),
)


def classify_card_state(payments: Payments, verdicts: Verdicts) -> None:
    """Declines, voids, pending, refunds and chargebacks never reach invoice matching."""
    # Compare small integer codes: comparing a million strings costs a tenth of a second each.
    status, statuses = payments.status_code, payments.statuses
    kind, kinds = payments.kind_code, payments.kinds
    open_rows = verdicts.pending()
    _refuse_conflicting(status, statuses, verdicts, open_rows)
    for status_values, kind_values, category, reason in _CARD_STATES:
        hit = _one_of(status, statuses, status_values) | _one_of(kind, kinds, kind_values)
        chosen = np.flatnonzero(open_rows & hit)
        verdicts.decide(chosen, category, "card_state", reason)
        open_rows[chosen] = False


def _refuse_conflicting(
    status: np.ndarray, statuses: np.ndarray, verdicts: Verdicts, open_rows: npt.NDArray[np.bool_]
) -> None:
    """A record whose own fields contradict each other is an exception in its own words."""
    conflicting = [code for code, text in enumerate(statuses) if text.startswith(CONFLICTING)]
    chosen = np.flatnonzero(open_rows & np.isin(status, conflicting))
    words = [statuses[status[row]].removeprefix(f"{CONFLICTING}: ") for row in chosen]
    verdicts.decide(
        chosen, Category.UNMATCHED, "card_state", "fields_contradict", because={"detail": words}
    )
    open_rows[chosen] = False


def _one_of(
    codes: np.ndarray, uniques: pd.Index | np.ndarray, values: tuple[str, ...]
) -> npt.NDArray[np.bool_]:
    wanted = [code for code, value in enumerate(uniques) if value in values]
    result: npt.NDArray[np.bool_] = np.isin(codes, wanted)
    return result


@dataclass(frozen=True)
class LedgerFacts:
    """What the ledger knows of earlier runs (see ``match_payments``)."""

    #: transaction id -> abas document of its posted receipt
    already_posted: Mapping[str, str]
    #: invoice number -> transaction id that paid it in an earlier run
    paid_before: Mapping[str, str]
    #: transaction id -> invoice numbers its posted receipt paid
    posted_invoices: Mapping[str, Sequence[str]]


def mark_already_posted(
    payments: Payments, item_index: OpenItemIndex, verdicts: Verdicts, ledger: LedgerFacts
) -> None:
    """Transactions an earlier run posted (the ledger says so): nothing to do again.

    The row keeps the invoices the receipt paid and names the abas document.
    """
    already_posted, paid_before = ledger.already_posted, ledger.paid_before
    if not already_posted and not paid_before:
        return
    invoices_by_payer: dict[str, list[str]] = {}
    for invoice_no, transaction_id in paid_before.items():
        invoices_by_payer.setdefault(transaction_id, []).append(invoice_no)
    ids = pd.Series(payments.transaction_id, dtype=object)
    document = ids.map(dict(already_posted)).to_numpy(dtype=object)
    posted = np.flatnonzero(verdicts.pending() & ~pd.isna(document))
    # The receipt's own invoices; the invoices it is recorded to have cleared if not given.
    invoices = [
        list(ledger.posted_invoices.get(tid, ())) or sorted(invoices_by_payer.get(tid, ()))
        for tid in payments.transaction_id[posted]
    ]
    verdicts.decide(
        posted,
        Category.ALREADY_POSTED,
        "ledger",
        np.where(
            [bool(numbers) for numbers in invoices], "posted_before_invoices", "posted_before"
        ),
        because={
            "other": document[posted],
            "invoices": [", ".join(numbers) for numbers in invoices],
            "count": [len(numbers) for numbers in invoices],
        },
    )
    _name_invoices(posted, invoices, item_index, verdicts)
    paid = ids.map(invoices_by_payer).to_numpy(dtype=object)
    recorded = np.flatnonzero(verdicts.pending() & ~pd.isna(paid))
    verdicts.decide(
        recorded,
        Category.ALREADY_POSTED,
        "ledger",
        "paid_before",
        because={
            "invoices": [", ".join(sorted(paid[p])) for p in recorded],
            "count": [len(paid[p]) for p in recorded],
        },
    )
    _name_invoices(recorded, [sorted(paid[p]) for p in recorded], item_index, verdicts)


def _name_invoices(
    pays: Ints, invoices: list[list[str]], item_index: OpenItemIndex, verdicts: Verdicts
) -> None:
    """Link invoices abas still lists; a payment with one that abas cleared names them all
    by number instead."""
    count = np.fromiter((len(numbers) for numbers in invoices), dtype=np.int64, count=len(pays))
    if not count.sum():
        return
    owner = np.repeat(pays, count)
    numbers = [number for some in invoices for number in some]
    items = pd.Index(item_index.invoice_no, dtype=object).get_indexer(pd.Index(numbers))
    listed = pd.Series(items >= 0).groupby(owner).transform("all").to_numpy(dtype=bool)
    verdicts.link(owner[listed], items[listed].astype(np.int64))
    unlisted = np.asarray(numbers, dtype=object)[~listed]
    for pay, number in zip(owner[~listed].tolist(), unlisted.tolist(), strict=True):
        verdicts.numbers.setdefault(pay, []).append(number)
