"""Canonical columns, category codes and the small dataclasses that cross module boundaries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """Where a PayTrace transaction ends; the codes are the public contract (DESIGN §5)."""

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
    "customer_reference_id",
    "customer_ref",
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
    "confidence",
    "runner_up",
    "runner_up_reason",
    "reason",
    # evidence a clerk can check the decision against (docs/matching.md)
    "payer_customer_no",
    "expected_cents",
    "found_in",
    "exchange_rate",
]


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


#: PayTrace transaction ids are whole numbers (nine digits today); twelve leaves room to grow and
#: keeps every 13-19 digit run, the length of a card number, out of abas' document reference.
PAYTRACE_ID_DIGITS = 12


def is_paytrace_id(text: str) -> bool:
    """Whether ``text`` can be a PayTrace transaction id: 1 to 12 digits."""
    return text.isascii() and text.isdigit() and len(text) <= PAYTRACE_ID_DIGITS
