"""Canonical columns, category codes and the small dataclasses that cross module boundaries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd


class Category(StrEnum):
    """Where a PayTrace transaction ends; the codes are the public contract.

    See docs/contract.md#categories.
    """

    MATCHED = "matched"
    PARTIAL_PAYMENT = "partial_payment"
    OVERPAYMENT = "overpayment"
    AMBIGUOUS = "ambiguous"
    UNMATCHED = "unmatched"
    INVOICE_NOT_OPEN = "invoice_not_open"
    DUPLICATE = "duplicate"
    CUSTOMER_MISMATCH = "customer_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    ALREADY_POSTED = "already_posted"
    REFUND = "refund"
    CHARGEBACK = "chargeback"
    VOID = "void"
    DECLINED = "declined"
    PENDING = "pending"


#: Categories that are not money received: reported, never matched or posted.
NON_MONEY = frozenset({Category.VOID, Category.DECLINED, Category.PENDING})
#: Money that left the merchant: reported (and alerted), never matched.
MONEY_OUT = frozenset({Category.REFUND, Category.CHARGEBACK})
#: Results a clerk must look at.
EXCEPTIONS = frozenset(Category) - {Category.MATCHED} - NON_MONEY

#: ``status`` of a payment whose PayTrace fields contradict each other; ": why: the record's
#: own words" follow it (docs/inputs.md)
CONFLICTING = "conflicting"

#: Parameters of a result's reason, besides ``reason_code``: columns ``reason_<name>`` of the
#: results frame, present when some reason of the run uses them (docs/i18n.md#reasons).
#: Text: invoice numbers, a customer, another id (transaction, document, customer, currency), a
#: billing name, PayTrace's own words; integers: amounts in cents, a count, a day number (days
#: since 1970-01-01); a share (0..1).
REASON_PARAMETERS: dict[str, type] = {
    "invoices": str,
    "customer": str,
    "other": str,
    "name": str,
    "detail": str,
    "paid_cents": np.int64,
    "due_cents": np.int64,
    "gap_cents": np.int64,
    "extra_cents": np.int64,
    "lapsed_cents": np.int64,
    "count": np.int64,
    "day": np.int64,
    "share": np.float64,
    # a payer a clerk's decision linked: when (days since 1970-01-01) and in which run
    "link_day": np.int64,
    "link_run": str,
}

PAYMENT_COLUMNS = [
    "transaction_id",
    "kind",
    "status",
    "amount_cents",
    "currency",
    "created_at",
    "settled_at",
    "invoice_ref",
    "description",
    "purchase_order",
    "paytrace_customer_id",
    "card_type",
    "card_last4",
    "billing_name",
    "approval_code",
    "batch_number",
    "source_line",
]
#: Derived by normalization: the local calendar day the payment was made.
PAID_ON = "paid_on"

OPEN_ITEM_COLUMNS = [
    "invoice_no",
    "customer_no",
    "customer_name",
    "invoice_date",
    "due_date",
    "currency",
    "gross_cents",
    "open_cents",
    "discount_bp",
    "discount_until",
    "source_line",
]

#: The customer master (abas customers table or ``[abas] customers_file``), all text.
CUSTOMER_COLUMNS = [
    "customer_no",
    "name",
    "street",
    "zip",
    "city",
    "country",
    "email",
    "source_line",
]

RESULT_COLUMNS = [
    "transaction_id",
    "category",
    "rule",
    "invoice_nos",
    "applied_cents",
    "amount_cents",
    "currency",
    "discount_cents",
    "invoice_discounts_cents",
    "difference_cents",
    "customer_no",
    "days_from_invoice",
    "rule_confidence",
    "runner_up",
    "runner_up_reason",
    "reason",
    # evidence a clerk can check the decision against (docs/matching.md)
    "payer_customer_no",
    "expected_cents",
    "found_in",
    "exchange_rate",
]

#: Columns of the optional postings frame (the posting step feeds it; a dry run shows the plan).
POSTING_ROW_COLUMNS = [
    "transaction_id",
    "invoice_no",
    "write_off_account",
    "customer_no",
    "amount_cents",
    "discount_cents",
    "paid_on",
    "status",
    "abas_document",
    "attempts",
    "last_error",
]
#: A recurring schedule as PayTrace exports it (docs/customers.md#recurring-billing).
SCHEDULE_COLUMNS = [
    "schedule_id",
    "paytrace_customer_id",
    "amount_cents",
    "start_on",
    "step",
    "total_count",
    "card_expires",
    "description",
    "source_line",
]
#: Columns of the optional dead-letter frame.
DEAD_LETTER_COLUMNS = [
    "transaction_id",
    "invoice_no",
    "amount_cents",
    "attempts",
    "last_error",
    "failed_at",
]


#: Columns of RunSnapshot.items: one row per transaction the run decided.
ITEM_COLUMNS = [
    "transaction_id",
    "day",
    "category",
    "amount_cents",
    "card_type",
    "batch_number",
    "invoice_nos",
    "reason",
]
#: Exceptions that stay open until a clerk resolves them or a later run matches them.
OPEN_CATEGORIES = frozenset(EXCEPTIONS - MONEY_OUT - {Category.ALREADY_POSTED})
#: Columns a run's results gain from the ledger: the clerk's decision ``apply`` accepted
#: (its resolution, note and apply run; empty when none), shown pre-filled on a rerun.
DECISION_COLUMNS = ["decided_resolution", "decided_note", "decided_run"]


def open_exception_mask(categories: pd.Series, decided: pd.Series) -> pd.Series:
    """The one definition of an open exception, for ``show``, the period report and the
    workbook (docs/workbook.md#open-exceptions): a payment whose category waits for a clerk
    (OPEN_CATEGORIES) and that has no applied clerk's decision."""
    waiting = categories.astype(str).isin([c.value for c in OPEN_CATEGORIES])
    return waiting & ~decided.astype(bool)


@dataclass(frozen=True)
class RunSnapshot:
    """What one run decided: ``items`` has ITEM_COLUMNS; ``day`` is the settlement day."""

    run_id: str
    started_at: dt.datetime
    items: pd.DataFrame


@dataclass(frozen=True)
class Window:
    """An inclusive range of settlement days in the PayTrace time zone."""

    first_day: dt.date
    last_day: dt.date

    def __str__(self) -> str:
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()}..{self.last_day.isoformat()}"

    def days(self) -> list[dt.date]:
        """Every day of the window, in order."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + dt.timedelta(days=offset) for offset in range(count)]


@dataclass(frozen=True)
class ReceiptLine:
    """The part of a receipt that clears one invoice."""

    invoice_no: str
    amount_cents: int
    discount_cents: int
    #: the invoice's open amount when the plan was made (re-checked before posting)
    open_cents: int | None = None


@dataclass(frozen=True)
class Receipt:
    """One cash receipt in abas: one PayTrace payment, one abas document, a line per invoice.

    ``transaction_id`` is the idempotency key; it goes into the document reference (``beleg``).
    """

    transaction_id: str
    customer_no: str
    currency: str
    paid_on: dt.date
    account: str
    lines: tuple[ReceiptLine, ...]
    #: the card type the counter account was chosen by; a retry chooses again with it
    card_type: str = ""

    @property
    def amount_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    @property
    def discount_cents(self) -> int:
        return sum(line.discount_cents for line in self.lines)


@dataclass(frozen=True)
class ManualBooking:
    """Money a clerk wrote off to a GL account: booked by hand in abas, never by a sink.

    A positive amount came in on the counter account beyond the invoices it paid (debit the
    counter account, credit ``gl_account``); a negative one closed invoices beyond the payment
    (debit ``gl_account``, credit the counter account).
    """

    transaction_id: str
    counter_account: str
    gl_account: str
    customer_no: str
    amount_cents: int
    currency: str
    paid_on: dt.date
    note: str


@dataclass(frozen=True)
class CustomerLink:
    """A PayTrace customer a clerk's ``assign`` decision tied to one abas customer.

    ``plan_run_id`` is the run whose workbook the clerk decided in, ``place`` the sheet and row.
    """

    paytrace_customer_id: str
    customer_no: str
    run_id: str
    plan_run_id: str
    transaction_id: str
    place: str
    note: str
    linked_at: dt.datetime


@dataclass(frozen=True)
class Deposit:
    """One credit on the merchant's deposit account, from the bank statement."""

    booked_on: dt.date
    amount_cents: int
    currency: str
    #: the bank's reference and remittance text, as one line (may be empty)
    reference: str
    #: where it came from: file and entry or line, for messages
    source: str


@dataclass(frozen=True)
class RunRecord:
    """One row of the runs table."""

    run_id: str
    command: str
    started_at: str
    finished_at: str | None
    window_from: str | None
    window_to: str | None
    dry_run: bool
    status: str
    exit_code: int | None
    counts: dict[str, Any]
    parameters: dict[str, Any]
    input_hash: str | None
    workbook_path: str | None
    plan_path: str | None


@dataclass(frozen=True)
class PostingRecord:
    """A receipt and where it stands in the state machine."""

    receipt: Receipt
    run_id: str
    state: str
    attempts: int
    last_error: str | None
    document: str | None
    updated_at: str


class Outcome(StrEnum):
    """How one receipt's delivery ended."""

    POSTED = "posted"  # sent by this run
    FOUND = "found"  # abas already had it (a crashed or timed-out earlier send arrived)
    DEAD_LETTER = "dead_letter"
    SKIPPED = "skipped"  # already posted before this run


@dataclass
class DeliveryReport:
    """What a delivery did, per transaction id."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def ids(self, outcome: Outcome) -> list[str]:
        return sorted(tid for tid, got in self.outcomes.items() if got is outcome)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for got in self.outcomes.values() if got is outcome)


@dataclass(frozen=True)
class CheckStep:
    """One step of ``check-config``: what was tried, whether it worked, in one line."""

    name: str
    ok: bool
    detail: str


#: PayTrace transaction ids are whole numbers (nine digits today); twelve leaves room to grow and
#: keeps every 13-19 digit run, the length of a card number, out of abas' document reference.
PAYTRACE_ID_DIGITS = 12


def is_paytrace_id(text: str) -> bool:
    """Whether ``text`` can be a PayTrace transaction id: 1 to 12 digits."""
    return text.isascii() and text.isdigit() and len(text) <= PAYTRACE_ID_DIGITS
