"""The payment a refund, void or chargeback undoes (docs/money-trail.md): pure, frames in and out.

PayTrace does not link a refund to its sale. The original is the one earlier sale of the same
payer (PayTrace customer id; without one, the card's last four digits) that is at least as large
(a void: exactly as large), made within the look-back days. Two or more such sales are
ambiguous and all named; none is ever picked among them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

#: Columns of the frame ``find_originals`` returns, one row per undoing transaction.
ORIGINAL_COLUMNS = ["transaction_id", "original_transaction_id", "original_candidates"]
#: Columns a sale needs to be a candidate (window payments and the ledger's payment keys).
SALE_COLUMNS = [
    "transaction_id",
    "paid_on",
    "created_at",
    "customer_ref",
    "card_last4",
    "amount_cents",
]
#: Kinds of transaction that take money in and can therefore be undone.
MONEY_IN_KINDS = ("sale", "capture")
UNDOING_KINDS = ("refund", "void", "chargeback")
VOIDED_STATUSES = ("voided", "auto_voided")
#: Candidates named in a reason at most; the rest are counted.
_LISTED = 5


def undoing_rows(payments: pd.DataFrame) -> pd.DataFrame:
    """The payments that undo another one: refunds, voids, chargebacks and voided sales."""
    kinds = payments["kind"].astype(str)
    voided = payments["status"].astype(str).isin(VOIDED_STATUSES)
    return payments[kinds.isin(UNDOING_KINDS) | (kinds.isin(MONEY_IN_KINDS) & voided)]


def payer_keys(payments: pd.DataFrame) -> tuple[set[str], set[str]]:
    """(customer ids, card last fours) a search for the originals of ``payments`` looks up:
    the customer id where there is one, the card only where there is none."""
    undoing = undoing_rows(payments)
    undoing = undoing[undoing["kind"].astype(str).isin(("refund", "void"))]
    customers = undoing["paytrace_customer_id"].fillna("").astype(str)
    cards = undoing["card_last4"].fillna("").astype(str)
    return set(customers[customers != ""]), set(cards[(customers == "") & (cards != "")])


def window_sales(payments: pd.DataFrame) -> pd.DataFrame:
    """The window's payments that took (or were to take) money in, as SALE_COLUMNS: not a
    declined or voided one (nothing to refund or void there)."""
    sales = payments[
        payments["kind"].astype(str).isin(MONEY_IN_KINDS)
        & ~payments["status"].astype(str).isin(("declined", *VOIDED_STATUSES))
    ]
    return pd.DataFrame(
        {
            "transaction_id": sales["transaction_id"].astype(str),
            "paid_on": sales["paid_on"],
            "created_at": sales["created_at"],
            "customer_ref": sales["paytrace_customer_id"].fillna("").astype(str),
            "card_last4": sales["card_last4"].fillna("").astype(str),
            "amount_cents": sales["amount_cents"].astype("int64"),
        },
        columns=SALE_COLUMNS,
    )


def find_originals(payments: pd.DataFrame, sales: pd.DataFrame, lookback_days: int) -> pd.DataFrame:
    """ORIGINAL_COLUMNS for every undoing payment of ``payments``; ``sales`` (SALE_COLUMNS) are
    the candidates: the window's and those the ledger holds of the same payers."""
    undoing = undoing_rows(payments)
    ids = undoing["transaction_id"].astype(str)
    kinds = undoing["kind"].astype(str)
    found: dict[str, str | None] = dict.fromkeys(ids.tolist())
    # The processor names the disputed sale; a voided sale undoes itself.
    disputed_ids = undoing["purchase_order"].fillna("").astype(str).tolist()
    for tid, kind, disputed in zip(ids.tolist(), kinds.tolist(), disputed_ids, strict=True):
        if kind == "chargeback":
            found[tid] = disputed or None
        elif kind in MONEY_IN_KINDS:
            found[tid] = tid
    candidates = _candidates(undoing[kinds.isin(("refund", "void"))], sales, lookback_days)
    listed: dict[str, list[str]] = {tid: [] for tid in found}
    pairs = zip(candidates["transaction_id"].tolist(), candidates["original"].tolist(), strict=True)
    for tid, original in pairs:
        if str(original) not in listed[str(tid)]:
            listed[str(tid)].append(str(original))
    for tid, names in listed.items():
        if len(names) == 1:
            found[tid] = names.pop()
    return pd.DataFrame(
        {
            "transaction_id": list(found),
            "original_transaction_id": pd.Series(list(found.values()), dtype=object),
            "original_candidates": [listed[tid] for tid in found],
        },
        columns=ORIGINAL_COLUMNS,
    )


def _candidates(undoing: pd.DataFrame, sales: pd.DataFrame, lookback_days: int) -> pd.DataFrame:
    """(transaction_id, original) pairs: every sale that could be what a refund or void undoes."""
    customer = undoing["paytrace_customer_id"].fillna("").astype(str)
    card = undoing["card_last4"].fillna("").astype(str)
    wanted = pd.DataFrame(
        {
            "transaction_id": undoing["transaction_id"].astype(str),
            "kind": undoing["kind"].astype(str),
            "key": customer.where(customer != "", card),
            "by_card": customer == "",
            "amount_cents": undoing["amount_cents"].astype("int64"),
            "paid_on": undoing["paid_on"],
            "created_at": undoing["created_at"],
        }
    )
    wanted = wanted[wanted["key"] != ""]
    pairs = [
        wanted[wanted["by_card"] == by_card].merge(
            sales.rename(columns={"transaction_id": "original"}),
            left_on="key",
            right_on=column,
            suffixes=("", "_sale"),
        )
        for by_card, column in ((False, "customer_ref"), (True, "card_last4"))
    ]
    pairs = [pair for pair in pairs if not pair.empty]
    if not pairs:
        return pd.DataFrame({"transaction_id": [], "original": []})
    both = pd.concat(pairs, ignore_index=True)
    earliest = both["paid_on"].map(lambda day: day - dt.timedelta(days=lookback_days))
    same_day = both["paid_on_sale"] == both["paid_on"]
    made_before = both["created_at_sale"].isna() | (both["created_at_sale"] < both["created_at"])
    fits = (
        (both["original"] != both["transaction_id"])
        & (both["paid_on_sale"] >= earliest)
        & ((both["paid_on_sale"] < both["paid_on"]) | (same_day & made_before))
        & (both["amount_cents_sale"] >= both["amount_cents"])
        # a void cancels a whole transaction; a refund may return part of one
        & ((both["kind"] != "void") | (both["amount_cents_sale"] == both["amount_cents"]))
    )
    return both.loc[fits, ["transaction_id", "original"]]


def kinds_by_id(payments: pd.DataFrame) -> dict[str, str]:
    """transaction id -> kind, for the payments of the window."""
    ids, kinds = payments["transaction_id"].astype(str), payments["kind"].astype(str)
    return dict(zip(ids.tolist(), kinds.tolist(), strict=True))


def voided_by(payments: pd.DataFrame, originals: pd.DataFrame) -> dict[str, str]:
    """Payments of the window a void record in the window cancels: original -> void."""
    kinds = kinds_by_id(payments)
    in_window = set(kinds)
    return {
        str(original): str(tid)
        for tid, original in zip(
            originals["transaction_id"], originals["original_transaction_id"], strict=True
        )
        if kinds.get(str(tid)) == "void"
        and original is not None
        and str(original) in in_window
        and str(original) != str(tid)
        and kinds.get(str(original)) in MONEY_IN_KINDS
    }


@dataclass(frozen=True)
class OriginalFacts:
    """What is known of an original payment: the invoices it paid, whether it is in abas."""

    invoice_nos: tuple[str, ...] = ()
    #: the receipt's date in abas when the payment was posted; None when it is not in abas
    posted_on: dt.date | None = None
    customer_no: str = ""
    amount_cents: int | None = None
    #: in this run's plan, not posted yet (a dry run, or a posting that failed)
    is_planned: bool = False


def trail_reason(
    kind: str,
    transaction_id: str,
    original: str | None,
    candidates: Sequence[str],
    facts: Mapping[str, OriginalFacts],
    lookback_days: int,
) -> str:
    """One sentence on what a refund, void or chargeback undoes, for the clerk and the alert."""
    word = {"chargeback": "chargeback", "void": "void"}.get(kind, "refund")
    if original is None:
        if candidates:
            shown = ", ".join(candidates[:_LISTED])
            more = f" and {len(candidates) - _LISTED} more" if len(candidates) > _LISTED else ""
            return (
                f"Ambiguous: {len(candidates)} earlier payments of this payer could be what "
                f"{word} {transaction_id} undoes ({shown}{more}); none is chosen: find the "
                "original in PayTrace."
            )
        return (
            f"No earlier payment of this payer within {lookback_days} days is large enough to "
            f"be what {word} {transaction_id} undoes."
        )
    return undone_sentence(word, transaction_id, original, facts.get(original))


def undone_sentence(
    word: str, transaction_id: str, original: str, fact: OriginalFacts | None
) -> str:
    """E.g. "Refund 431… undoes payment 431…, posted to invoice 400123 on 2026-11-20 — reverse
    the receipt in abas." """
    itself = original == transaction_id
    if itself and (fact is None or (fact.posted_on is None and not fact.invoice_nos)):
        return "Voided: this payment itself is undone; it paid nothing."
    if fact is None:
        return (
            f"{word.capitalize()} {transaction_id} undoes payment {original}, which no run "
            "here has seen (not in this window, not in the ledger)."
        )
    invoices = ", ".join(fact.invoice_nos)
    noun = "invoices" if len(fact.invoice_nos) > 1 else "invoice"
    if itself:
        opening = f"Payment {original} was voided"
    else:
        opening = f"{word.capitalize()} {transaction_id} undoes payment {original}"
    if fact.posted_on is not None:
        return (
            f"{opening}, posted to {noun} {invoices or '(none recorded)'} on "
            f"{fact.posted_on.isoformat()} — reverse the receipt in abas."
        )
    if fact.is_planned:
        return (
            f"{opening}, which this run plans to post to {noun} {invoices}: once it is posted, "
            "reverse the receipt in abas."
        )
    if invoices:
        return f"{opening}, which paid {noun} {invoices} (not posted to abas)."
    return f"{opening}, which paid no invoice here."
