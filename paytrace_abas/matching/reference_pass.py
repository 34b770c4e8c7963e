"""The reference passes: invoices named in the payment text, one or several.

See docs/matching.md#passes.

Global assignment: payments are judged in paying order, so the first payment that pays an
invoice in full claims it and a later one naming it is a ``duplicate``. To stay vectorized the
payments are settled in rounds: a round takes every payment that is the earliest one still
waiting for each invoice it names (nearly all of them in the first round).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.named import RULE, NamedInvoices
from paytrace_abas.matching.prepared import InvoiceIndex, OpenItemIndex, Payments, take
from paytrace_abas.matching.references import extract_tokens
from paytrace_abas.matching.shapes import NumberShape
from paytrace_abas.matching.texts import how_many, joined_by_payment
from paytrace_abas.matching.verdicts import Verdicts
from paytrace_abas.models import Category

#: the payment field that holds the invoice number (PayTrace ``invoice_id``)
INVOICE_FIELD = "invoice_ref"


def match_on_reference(
    payments: Payments,
    item_index: OpenItemIndex,
    settings: MatchingSettings,
    verdicts: Verdicts,
    claimed_by: npt.NDArray[np.object_],
    tokens: pd.DataFrame,
) -> None:
    """Decide every payment whose text names an invoice abas knows (or one that looks like one).

    ``tokens`` are the payments' :func:`named_tokens`.
    """
    tokens = tokens[tokens["names_invoice"].to_numpy(dtype=bool)] if len(tokens) else tokens
    if tokens.empty:
        return
    named = tokens[tokens["is_open"].to_numpy()]
    rejected = _rejected_by_payment(tokens)
    pending = named[["pay", "item", "field"]]
    while not pending.empty:
        pays = pending["pay"].to_numpy()
        items = pending["item"].to_numpy()
        if pd.Series(items).duplicated().any():
            first = pd.Series(pays).groupby(items).transform("min").to_numpy()
            waiting = np.isin(pays, pays[first != pays])
        else:
            waiting = np.zeros(len(pays), dtype=bool)
        _judge_named(
            pending[~waiting], payments, item_index, settings, verdicts, claimed_by, rejected
        )
        pending = pending[waiting]
    _judge_not_open(tokens[~tokens["pay"].isin(named["pay"]).to_numpy()], item_index, verdicts)


def scan_references(
    texts: dict[str, npt.NDArray[np.object_]],
    index: InvoiceIndex,
    settings: MatchingSettings,
    paid_before: Mapping[str, str],
    invoice_shape: NumberShape | None = None,
) -> pd.DataFrame:
    """Tokens in the payment texts that name something: an open, cleared or unknown invoice.

    ``texts`` are the reference fields in input order; column ``row`` is the input row, ``item``
    the open item the token names (-1: none). Each token once per row (its first field).
    An unknown number is an invoice abas does not list as open when it fully matches
    ``invoice_pattern``, or, without one, when it stands in the invoice field and has the
    ``invoice_shape`` learned from the open items. Other numbers in the invoice field are kept
    with ``names_invoice`` False, so that no reason claims the field was empty.
    """
    tokens = extract_tokens(texts, settings).rename(columns={"pay": "row"})
    if tokens.empty:
        return tokens.assign(item=np.zeros(0, dtype=np.int64))
    item = index.by_number.get_indexer(pd.Index(tokens["token"], dtype=object)).astype(np.int64)
    tokens["item"] = item
    tokens = _first_mentions(tokens)
    item = tokens["item"].to_numpy()
    known = item >= 0
    tokens["is_open"] = take(index.open_cents, item, 0) > 0
    tokens["is_cleared"] = known & ~tokens["is_open"].to_numpy()
    payer = tokens["token"].map(dict(paid_before)) if paid_before else None
    tokens["ledger_payer"] = "" if payer is None else payer.astype(object).fillna("")
    looks = np.zeros(len(tokens), dtype=bool)
    unknown = ~known
    in_invoice_field = (tokens["field"] == INVOICE_FIELD).to_numpy()
    if settings.invoice_pattern:
        looks[unknown] = tokens.loc[unknown, "token"].str.fullmatch(settings.invoice_pattern)
    elif invoice_shape is not None:
        shaped = unknown & in_invoice_field
        looks[shaped] = tokens.loc[shaped, "token"].str.fullmatch(invoice_shape.pattern)
    tokens["is_unknown"] = looks
    names_invoice = known | looks | (tokens["ledger_payer"] != "").to_numpy()
    tokens["names_invoice"] = names_invoice
    return tokens[names_invoice | in_invoice_field].reset_index(drop=True)


def named_tokens(scanned: pd.DataFrame, payments: Payments, verdicts: Verdicts) -> pd.DataFrame:
    """The scanned tokens of undecided payments, by payment (``pay``) in paying order."""
    at = np.empty(len(payments), dtype=np.int64)
    at[payments.order] = np.arange(len(payments), dtype=np.int64)
    pay = at[scanned["row"].to_numpy()]
    undecided = verdicts.pending()[pay]
    tokens: pd.DataFrame = scanned[undecided].drop(columns="row")
    tokens.insert(0, "pay", pay[undecided])
    # Stable: within a payment the tokens stay in field order, then in order of mention.
    order = np.argsort(tokens["pay"].to_numpy(), kind="stable")
    return tokens.iloc[order].reset_index(drop=True)


def _first_mentions(tokens: pd.DataFrame) -> pd.DataFrame:
    """Each token once per row (the first field it was found in keeps it)."""
    row, item = tokens["row"].to_numpy(), tokens["item"].to_numpy()
    known = item >= 0
    key = row * (int(item.max()) + 2 if len(item) else 1) + item
    first_known = known & ~pd.Series(key).duplicated().to_numpy()
    unknown = tokens[~known]
    first_unknown = np.zeros(len(tokens), dtype=bool)
    first_unknown[np.flatnonzero(~known)] = ~unknown.duplicated(["row", "token"]).to_numpy()
    return tokens[first_known | first_unknown].reset_index(drop=True)


def _rejected_by_payment(tokens: pd.DataFrame) -> pd.DataFrame:
    """Per payment, the first named token that could not be used, and why (runner-up evidence)."""
    rejected = tokens[~tokens["is_open"].to_numpy()].drop_duplicates("pay")
    why = np.where(
        rejected["ledger_payer"] != "",
        "paid by transaction " + rejected["ledger_payer"].astype(str) + " in an earlier run",
        np.where(rejected["is_cleared"], "already cleared in abas", "abas knows no such invoice"),
    )
    return pd.DataFrame({"token": rejected["token"].to_numpy(), "why": why}, index=rejected["pay"])


def _judge_named(
    rows: pd.DataFrame,
    payments: Payments,
    item_index: OpenItemIndex,
    settings: MatchingSettings,
    verdicts: Verdicts,
    claimed_by: npt.NDArray[np.object_],
    rejected: pd.DataFrame,
) -> None:
    """Decide payments from the open invoices they name, given the claims made so far."""
    claimant = claimed_by[rows["item"].to_numpy()]
    is_claimed = claimant != ""
    claimed = rows[is_claimed].assign(claimant=claimant[is_claimed])
    free = rows[~is_claimed]
    # Both sides are distinct already: no sorting them again (seconds over the rounds).
    only_claimed = np.setdiff1d(claimed["pay"].unique(), free["pay"].unique(), assume_unique=True)
    _decide_duplicates(claimed[claimed["pay"].isin(only_claimed)], item_index, verdicts)
    if free.empty:
        return
    judged = NamedInvoices(free, payments, item_index, settings)
    judged.decide(verdicts, claimed, claimed_by, rejected)


def _decide_duplicates(rows: pd.DataFrame, item_index: OpenItemIndex, verdicts: Verdicts) -> None:
    """Every named open invoice was already paid, in this window or by an earlier run."""
    if rows.empty:
        return
    pays = rows["pay"].to_numpy()
    numbers = joined_by_payment(pays, item_index.invoice_no[rows["item"].to_numpy()])
    payers = joined_by_payment(pays, rows["claimant"].to_numpy(dtype=object))
    unique = numbers.index.to_numpy()
    paid_by = payers.to_numpy(dtype=object)
    verdicts.decide(
        unique,
        Category.DUPLICATE,
        RULE,
        "paid_in_window",
        because=_invoices_and(numbers.to_numpy(dtype=object), other=paid_by),
        runner_up=paid_by,
        runner_up_reason="paid that invoice first",
    )
    verdicts.link(pays, rows["item"].to_numpy())


def _judge_not_open(tokens: pd.DataFrame, item_index: OpenItemIndex, verdicts: Verdicts) -> None:
    """Payments naming only cleared or unknown invoices, or ones an earlier run already paid."""
    if tokens.empty:
        return
    by_ledger = tokens[(tokens["ledger_payer"] != "").to_numpy()]
    paid = by_ledger["pay"].unique()
    numbers = joined_by_payment(by_ledger["pay"].to_numpy(), list(by_ledger["token"]))
    payers = joined_by_payment(by_ledger["pay"].to_numpy(), list(by_ledger["ledger_payer"]))
    verdicts.decide(
        paid,
        Category.DUPLICATE,
        RULE,
        "paid_in_earlier_run",
        because=_invoices_and(
            numbers.reindex(paid).to_numpy(dtype=object),
            other=payers.reindex(paid).to_numpy(dtype=object),
        ),
        runner_up=payers.reindex(paid).to_numpy(dtype=object),
        runner_up_reason="paid that invoice in an earlier run",
    )
    known = by_ledger[by_ledger["item"].to_numpy() >= 0]
    verdicts.link(known["pay"].to_numpy(), known["item"].to_numpy())
    rest = tokens[~tokens["pay"].isin(paid).to_numpy()]
    if rest.empty:
        return
    cleared = rest[rest["is_cleared"].to_numpy()]
    unknown = rest[~rest["is_cleared"].to_numpy()]
    cleared_text = joined_by_payment(cleared["pay"].to_numpy(), list(cleared["token"]))
    unknown_text = joined_by_payment(unknown["pay"].to_numpy(), list(unknown["token"]))
    pays = rest["pay"].unique()
    named_cleared = cleared_text.reindex(pays).fillna("").to_numpy(dtype=object)
    named_unknown = unknown_text.reindex(pays).fillna("").to_numpy(dtype=object)
    has_cleared, has_unknown = named_cleared != "", named_unknown != ""
    codes = np.where(has_cleared, "cleared", "not_listed").astype(object)
    codes[has_cleared & has_unknown] = "cleared+also_not_listed"
    found = joined_by_payment(rest["pay"].to_numpy(), list(rest["field"]))
    verdicts.decide(
        pays,
        Category.INVOICE_NOT_OPEN,
        RULE,
        codes,
        because=_invoices_and(
            np.where(has_cleared, named_cleared, named_unknown), other=named_unknown
        ),
        found_in=found.reindex(pays).to_numpy(dtype=object),
    )
    verdicts.link(cleared["pay"].to_numpy(), cleared["item"].to_numpy())


def _invoices_and(invoices: np.ndarray, **more: np.ndarray) -> dict[str, Any]:
    """Reason parameters: invoice numbers (joined), how many, and ``more``."""
    return {"invoices": invoices, "count": how_many(invoices), **more}
