"""Pure matching: payments and open items in, one result row per payment out (DESIGN §5).

Passes run in a fixed order and each names its ``rule``:
card state -> already posted -> reference -> customer + amount -> unmatched.
Assignment is global: an invoice claimed by one payment is not paid again by another.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.frames import records
from paytrace_abas.models import MONEY_OUT, NON_MONEY, RESULT_COLUMNS, Category
from paytrace_abas.money import cents_to_decimal, percent_of

_REFERENCE_FIELDS = ("invoice_ref", "description", "customer_reference_id")
# Subset search for "several invoices, one payment" is exponential; beyond this many open
# items of one customer it is skipped and the payment is left for a clerk.
_MAX_ITEMS_FOR_SUBSET_SEARCH = 20


@dataclass(frozen=True)
class Invoice:
    """The fields of an open item that matching compares."""

    invoice_no: str
    customer_no: str
    currency: str
    open_cents: int
    gross_cents: int
    discount_bp: int
    discount_until: dt.date | None
    invoice_date: dt.date | None

    def discount_cents(self, paid_on: dt.date) -> int:
        """Cash discount this invoice grants to a payment made on ``paid_on`` (0 if none)."""
        if not self.discount_bp or self.discount_until is None or paid_on > self.discount_until:
            return 0
        return percent_of(self.gross_cents, self.discount_bp)


@dataclass(frozen=True)
class Payment:
    """The fields of a payment that matching compares."""

    transaction_id: str
    kind: str
    status: str
    amount_cents: int
    currency: str
    paid_on: dt.date
    references: str
    customer_ref: str


@dataclass
class _Assignment:
    """Invoices already paid: by whom, so a second payment can be called a duplicate."""

    paid_by: dict[str, str] = field(default_factory=dict)

    def claim(self, invoices: Iterable[Invoice], transaction_id: str) -> None:
        for invoice in invoices:
            self.paid_by[invoice.invoice_no] = transaction_id

    def is_paid(self, invoice_no: str) -> bool:
        return invoice_no in self.paid_by


@dataclass
class _Book:
    """Open items indexed the ways the passes look them up."""

    by_number: dict[str, Invoice]
    by_customer: dict[str, list[Invoice]]


def match_payments(
    payments: pd.DataFrame,
    open_items: pd.DataFrame,
    settings: MatchingSettings,
    already_posted: Mapping[str, str] | None = None,
    paid_before: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One result row per payment, in the payments' order.

    ``already_posted`` maps transaction ids posted by earlier runs to their abas document;
    ``paid_before`` maps invoice numbers paid by earlier runs to the paying transaction.
    """
    book = _index_open_items(open_items)
    assignment = _Assignment(paid_by=dict(paid_before or {}))
    posted = dict(already_posted or {})
    rows = [
        _decide(payment, book, assignment, posted, settings)
        for payment in _payments_in_paying_order(payments)
    ]
    results = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    order = {tid: n for n, tid in enumerate(payments["transaction_id"])}
    results = results.sort_values("transaction_id", key=lambda ids: ids.map(order))
    return results.reset_index(drop=True)


def _decide(
    payment: Payment,
    book: _Book,
    assignment: _Assignment,
    posted: Mapping[str, str],
    settings: MatchingSettings,
) -> dict[str, Any]:
    card_state = classify_card_state(payment)
    if card_state is not None:
        return card_state
    if payment.transaction_id in posted:
        return _result(
            payment,
            Category.ALREADY_POSTED,
            "ledger",
            f"Posted by an earlier run as abas document {posted[payment.transaction_id]}.",
        )
    by_reference = match_on_reference(payment, book, assignment, settings)
    if by_reference is not None:
        return by_reference
    by_customer = match_on_customer_amount(payment, book, assignment, settings)
    if by_customer is not None:
        return by_customer
    return _result(payment, Category.UNMATCHED, "none", _unmatched_reason(payment))


def classify_card_state(payment: Payment) -> dict[str, Any] | None:
    """Results for what is not a received payment: declines, voids, pending, refunds."""
    if payment.status == "declined":
        return _result(payment, Category.DECLINED, "card_state", "The card was declined.")
    if payment.status == "auto_voided":
        return _result(
            payment,
            Category.VOID,
            "card_state",
            "Approved but voided automatically by PayTrace (address or CSC mismatch, code 103).",
        )
    if payment.status == "voided" or payment.kind == "void":
        return _result(payment, Category.VOID, "card_state", "Voided before settlement.")
    if payment.status == "pending":
        return _result(
            payment,
            Category.PENDING,
            "card_state",
            "Not settled yet; it will be matched once it settles.",
        )
    if payment.kind == "authorization":
        return _result(
            payment,
            Category.PENDING,
            "card_state",
            "An authorization only; no money moves until it is captured.",
        )
    if payment.kind == "refund":
        return _result(payment, Category.REFUND, "card_state", "Money returned to the card holder.")
    if payment.kind == "chargeback":
        return _result(
            payment, Category.CHARGEBACK, "card_state", "Disputed and reversed by the card issuer."
        )
    return None


def find_reference_tokens(text: str, min_length: int) -> list[str]:
    """Whole digit runs of at least ``min_length`` digits, in order, without repeats.

    Boundary-aware: ``14`` is never found inside ``1814``; prefixes such as ``RE-``, ``#`` or
    ``Inv`` fall away because only digits are taken.
    """
    pattern = re.compile(rf"(?<!\d)\d{{{min_length},}}(?!\d)")
    return list(dict.fromkeys(pattern.findall(text)))


def match_on_reference(
    payment: Payment, book: _Book, assignment: _Assignment, settings: MatchingSettings
) -> dict[str, Any] | None:
    """Invoice numbers named in the payment's text; None when it names none abas knows."""
    tokens = find_reference_tokens(payment.references, settings.min_reference_length)
    named = [book.by_number[token] for token in tokens if token in book.by_number]
    unknown = [t for t in tokens if t not in book.by_number and _looks_like_invoice(t, settings)]
    open_named = [invoice for invoice in named if invoice.open_cents > 0]
    if not open_named:
        if named or unknown:
            return _not_open(payment, named, unknown)
        return None
    unpaid = [invoice for invoice in open_named if not assignment.is_paid(invoice.invoice_no)]
    if not unpaid:
        return _duplicate(payment, open_named, assignment, "reference")
    rule = "reference_multi" if len(unpaid) > 1 else "reference"
    return _judge_invoices(payment, unpaid, book, assignment, settings, rule)


def match_on_customer_amount(
    payment: Payment, book: _Book, assignment: _Assignment, settings: MatchingSettings
) -> dict[str, Any] | None:
    """The payer's open items: one equal to the amount, or the smallest set summing to it."""
    customer_no = settings.customer_map.get(payment.customer_ref, payment.customer_ref)
    if not customer_no or customer_no not in book.by_customer:
        return None
    items = [i for i in book.by_customer[customer_no] if i.currency == payment.currency]
    unpaid = [i for i in items if not assignment.is_paid(i.invoice_no)]
    fitting = [i for i in unpaid if _fits(payment, [i], settings)]
    if len(fitting) == 1:
        return _judge_invoices(payment, fitting, book, assignment, settings, "customer_amount")
    if len(fitting) > 1:
        return _ambiguous(payment, fitting)
    paid_fitting = [
        i for i in items if assignment.is_paid(i.invoice_no) and _fits(payment, [i], settings)
    ]
    if paid_fitting:
        return _duplicate(payment, paid_fitting, assignment, "customer_amount")
    sets = _smallest_fitting_sets(payment, unpaid, settings)
    if len(sets) == 1:
        return _judge_invoices(payment, sets[0], book, assignment, settings, "customer_amount_set")
    if len(sets) > 1:
        return _ambiguous(payment, [invoice for group in sets for invoice in group])
    return None


def _judge_invoices(
    payment: Payment,
    invoices: list[Invoice],
    book: _Book,
    assignment: _Assignment,
    settings: MatchingSettings,
    rule: str,
) -> dict[str, Any]:
    """Compare a payment with the invoices it was tied to and decide its category."""
    customer_no = settings.customer_map.get(payment.customer_ref, payment.customer_ref)
    owners = {invoice.customer_no for invoice in invoices}
    if customer_no and customer_no in book.by_customer and owners != {customer_no}:
        return _result(
            payment,
            Category.CUSTOMER_MISMATCH,
            rule,
            f"Names invoice {_numbers(invoices)} of customer {', '.join(sorted(owners))}, "
            f"but was paid by customer {customer_no}.",
            invoices=invoices,
        )
    currencies = {invoice.currency for invoice in invoices}
    if currencies != {payment.currency}:
        return _result(
            payment,
            Category.CURRENCY_MISMATCH,
            rule,
            f"Paid in {payment.currency}, but invoice {_numbers(invoices)} is in "
            f"{', '.join(sorted(currencies))} and no exchange rate is configured.",
            invoices=invoices,
        )
    open_total = sum(invoice.open_cents for invoice in invoices)
    discount = sum(invoice.discount_cents(payment.paid_on) for invoice in invoices)
    tolerance = settings.tolerance_cents
    if abs(payment.amount_cents - open_total) <= tolerance:
        return _matched(payment, invoices, assignment, rule, with_discount=False)
    if discount and abs(payment.amount_cents - (open_total - discount)) <= tolerance:
        return _matched(payment, invoices, assignment, rule, with_discount=True)
    difference = payment.amount_cents - open_total
    if difference < 0:
        return _result(
            payment,
            Category.PARTIAL_PAYMENT,
            rule,
            f"Pays {_amount(payment.amount_cents)} of {_amount(open_total)} open on invoice "
            f"{_numbers(invoices)}; {_amount(-difference)} stays open."
            + _expired_discount_note(payment, invoices),
            invoices=invoices,
            difference_cents=difference,
        )
    return _result(
        payment,
        Category.OVERPAYMENT,
        rule,
        f"Pays {_amount(payment.amount_cents)} for {_amount(open_total)} open on invoice "
        f"{_numbers(invoices)}; {_amount(difference)} too much.",
        invoices=invoices,
        difference_cents=difference,
    )


def _matched(
    payment: Payment,
    invoices: list[Invoice],
    assignment: _Assignment,
    rule: str,
    with_discount: bool,
) -> dict[str, Any]:
    assignment.claim(invoices, payment.transaction_id)
    discounts = [i.discount_cents(payment.paid_on) if with_discount else 0 for i in invoices]
    applied = [i.open_cents - d for i, d in zip(invoices, discounts, strict=True)]
    difference = payment.amount_cents - sum(applied)
    how = {
        "reference": "names invoice {n} and pays its open amount",
        "reference_multi": "names invoices {n} and pays their open amounts together",
        "customer_amount": "pays exactly the open amount of invoice {n}, the customer's only such"
        " item",
        "customer_amount_set": "pays exactly the sum of invoices {n}, the customer's only such set",
    }[rule].format(n=_numbers(invoices))
    note = f" after {_amount(sum(discounts))} cash discount" if with_discount else ""
    rounding = f" (rounding difference {_amount(difference)})" if difference else ""
    return _result(
        payment,
        Category.MATCHED,
        rule,
        f"The payment {how}{note}{rounding}.",
        invoices=invoices,
        applied=applied,
        discounts=discounts,
        difference_cents=difference,
        confidence=1.0 if rule.startswith("reference") else 0.9,
    )


def _fits(payment: Payment, invoices: list[Invoice], settings: MatchingSettings) -> bool:
    open_total = sum(invoice.open_cents for invoice in invoices)
    discount = sum(invoice.discount_cents(payment.paid_on) for invoice in invoices)
    tolerance = settings.tolerance_cents
    return abs(payment.amount_cents - open_total) <= tolerance or (
        discount > 0 and abs(payment.amount_cents - open_total + discount) <= tolerance
    )


def _smallest_fitting_sets(
    payment: Payment, items: list[Invoice], settings: MatchingSettings
) -> list[list[Invoice]]:
    """Every set of the smallest size (2..N) whose open amounts fit the payment."""
    if len(items) > _MAX_ITEMS_FOR_SUBSET_SEARCH:
        return []
    for size in range(2, min(settings.max_invoices_per_payment, len(items)) + 1):
        found = [
            list(group)
            for group in combinations(items, size)
            if _fits(payment, list(group), settings)
        ]
        if found:
            return found
    return []


def _not_open(payment: Payment, named: list[Invoice], unknown: list[str]) -> dict[str, Any]:
    parts = []
    if named:
        parts.append(f"invoice {_numbers(named)} is already cleared in abas")
    if unknown:
        parts.append(f"abas knows no invoice {', '.join(unknown)}")
    return _result(
        payment,
        Category.INVOICE_NOT_OPEN,
        "reference",
        f"The payment names an invoice that is not open: {'; '.join(parts)}.",
        invoices=named,
    )


def _duplicate(
    payment: Payment, invoices: list[Invoice], assignment: _Assignment, rule: str
) -> dict[str, Any]:
    payers = sorted({assignment.paid_by[i.invoice_no] for i in invoices})
    return _result(
        payment,
        Category.DUPLICATE,
        rule,
        f"Invoice {_numbers(invoices)} was already paid by transaction {', '.join(payers)}.",
        invoices=invoices,
        runner_up=f"paid by {', '.join(payers)}",
    )


def _ambiguous(payment: Payment, invoices: list[Invoice]) -> dict[str, Any]:
    return _result(
        payment,
        Category.AMBIGUOUS,
        "customer_amount",
        f"The amount fits more than one open item of the customer ({_numbers(invoices)}); "
        "a clerk must choose.",
        invoices=invoices,
        runner_up=invoices[1].invoice_no if len(invoices) > 1 else "",
        confidence=0.5,
    )


def _unmatched_reason(payment: Payment) -> str:
    if payment.customer_ref:
        return (
            f"No invoice number in the payment text and PayTrace customer {payment.customer_ref} "
            "has no open item that fits the amount."
        )
    return "No invoice number in the payment text and no PayTrace customer to look up."


def _expired_discount_note(payment: Payment, invoices: list[Invoice]) -> str:
    expired = [
        i
        for i in invoices
        if i.discount_bp and i.discount_until is not None and payment.paid_on > i.discount_until
    ]
    if not expired:
        return ""
    last_day = max(i.discount_until for i in expired if i.discount_until is not None)
    return f" A cash discount would explain it, but it ran out on {last_day.isoformat()}."


def _result(
    payment: Payment,
    category: Category,
    rule: str,
    reason: str,
    invoices: list[Invoice] | None = None,
    applied: list[int] | None = None,
    discounts: list[int] | None = None,
    difference_cents: int = 0,
    runner_up: str = "",
    confidence: float = 0.0,
) -> dict[str, Any]:
    invoices = invoices or []
    first_dated = next((i.invoice_date for i in invoices if i.invoice_date is not None), None)
    return {
        "transaction_id": payment.transaction_id,
        "category": category.value,
        "rule": rule,
        "invoice_nos": [invoice.invoice_no for invoice in invoices],
        "applied_cents": applied or [],
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "discount_cents": sum(discounts or []),
        "invoice_discounts_cents": discounts or [],
        "difference_cents": difference_cents,
        "customer_no": invoices[0].customer_no if invoices else "",
        "days_from_invoice": (payment.paid_on - first_dated).days if first_dated else None,
        "confidence": confidence,
        "runner_up": runner_up,
        "reason": reason,
    }


def _looks_like_invoice(token: str, settings: MatchingSettings) -> bool:
    return (
        bool(settings.invoice_pattern) and re.fullmatch(settings.invoice_pattern, token) is not None
    )


def _numbers(invoices: list[Invoice]) -> str:
    return ", ".join(invoice.invoice_no for invoice in invoices)


def _amount(cents: int) -> str:
    return f"{cents_to_decimal(cents):,}"


def _index_open_items(open_items: pd.DataFrame) -> _Book:
    by_number: dict[str, Invoice] = {}
    by_customer: dict[str, list[Invoice]] = {}
    ordered = open_items.sort_values(["invoice_date", "invoice_no"], na_position="last")
    for row in records(ordered):
        invoice = Invoice(
            invoice_no=str(row["invoice_no"]),
            customer_no=str(row["customer_no"]),
            currency=str(row["currency"]),
            open_cents=int(row["open_cents"]),
            gross_cents=int(row["gross_cents"]),
            discount_bp=int(row["discount_bp"]),
            discount_until=_date_or_none(row["discount_until"]),
            invoice_date=_date_or_none(row["invoice_date"]),
        )
        by_number[invoice.invoice_no] = invoice
        if invoice.open_cents > 0:
            by_customer.setdefault(invoice.customer_no, []).append(invoice)
    return _Book(by_number=by_number, by_customer=by_customer)


def _payments_in_paying_order(payments: pd.DataFrame) -> list[Payment]:
    """Earliest first: the first payer of an invoice wins, later ones are duplicates."""
    ordered = payments.sort_values(["created_at", "transaction_id"])
    return [
        Payment(
            transaction_id=str(row["transaction_id"]),
            kind=str(row["kind"]),
            status=str(row["status"]),
            amount_cents=int(row["amount_cents"]),
            currency=str(row["currency"]),
            paid_on=row["paid_on"],
            references=" ".join(str(row[name]) for name in _REFERENCE_FIELDS),
            customer_ref=str(row["customer_ref"]),
        )
        for row in records(ordered)
    ]


def _date_or_none(value: Any) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def category_totals(results: pd.DataFrame) -> pd.DataFrame:
    """Count and amount per category, in the contract's category order, only those present."""
    grouped = results.groupby("category")["amount_cents"].agg(["count", "sum"])
    present = [c.value for c in Category if c.value in grouped.index]
    totals = grouped.loc[present].reset_index()
    totals.columns = pd.Index(["category", "count", "amount_cents"])
    return totals.astype({"count": "int64", "amount_cents": "int64"})


def hit_rate(results: pd.DataFrame) -> float | None:
    """Share of received money (settled sales) that ended ``matched``; None when there was none."""
    received = results[~results["category"].isin([c.value for c in NON_MONEY | MONEY_OUT])]
    total = int(received["amount_cents"].sum())
    if total == 0:
        return None
    matched = int(
        received.loc[received["category"] == Category.MATCHED.value, "amount_cents"].sum()
    )
    return matched / total
