"""Batch and customer records from PayTrace exports, read tolerantly (their fields are inferred)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from paytrace_abas.errors import MoneyError, SourceError
from paytrace_abas.money import to_cents
from paytrace_abas.privacy import mask_pans

_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")
# No PayTrace document names the JSON fields of a batch; these follow the legacy API
# (BATCHNUM, WHEN, TRANXCOUNT, NETAMOUNT) in the spelling the v1 exports use elsewhere.
_BATCH_NUMBER_KEYS = ("number", "batch_number")
_BATCH_DAY_KEYS = ("settled", "settled_at", "settlement_date", "date", "when", "closed", "created")
_BATCH_COUNT_KEYS = ("transaction_count", "tranx_count", "count")
_BATCH_NET_KEYS = ("net_amount", "net", "amount")
# The legacy API's SALESAMOUNT / REFUNDAMOUNT and, per brand, {VISA|...}{SALESAMOUNT|REFUNDAMOUNT}.
_BATCH_SALES_KEYS = ("sales_amount", "sales")
_BATCH_REFUND_KEYS = ("refund_amount", "refunds_amount", "refunds")
BATCH_CARD_TYPES = ("VISA", "MASTERCARD", "AMEX", "DISCOVER", "DINERS", "JCB", "PRIVATE")

BatchKey = tuple[int, "dt.date | None"]


@dataclass(frozen=True)
class Batch:
    """One settlement batch; numbers are 1-3 digits and wrap, so the key adds the day."""

    number: int
    settled_on: dt.date | None
    transaction_count: int | None
    net_amount_cents: int | None
    source: str
    record: Mapping[str, Any] = field(repr=False, compare=False)
    #: the batch's own totals (None where PayTrace gave none)
    sales_cents: int | None = None
    refunds_cents: int | None = None
    #: card type -> (sales, refunds) in cents, for the brands the batch breaks down
    card_totals: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def key(self) -> BatchKey:
        """Batch number and settlement day: unique where the number alone is not."""
        return (self.number, self.settled_on)


@dataclass(frozen=True)
class Customer:
    """A vault customer profile; only the masked card and its expiry, never a card number."""

    customer_id: str
    name: str
    email: str
    card_last4: str
    #: ``YYYY-MM``; PayTrace exports two-digit years
    card_expires: str
    source: str
    #: the profile's billing address (``billing_address``)
    street: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = ""


def paytrace_day(value: Any) -> dt.date | None:
    """The calendar day of a PayTrace time (``4/10/2015 8:13:45 PM``) or date (``04/10/2015``)."""
    if isinstance(value, Mapping):
        value = value.get("at")
    text = str(value or "").strip()
    for time_format in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, time_format).date()
        except ValueError:
            continue
    return None


def read_batch(record: Mapping[str, Any], source: str) -> Batch:
    """A Batch from one ``batches[]`` object; SourceError if it names no batch number."""
    number = _first(record, _BATCH_NUMBER_KEYS)
    try:
        batch_number = int(str(number).strip())
    except ValueError:
        raise SourceError(f"{source}: batch has no usable number ({number!r})") from None
    return Batch(
        number=batch_number,
        settled_on=paytrace_day(_first(record, _BATCH_DAY_KEYS)),
        transaction_count=_int_or_none(_first(record, _BATCH_COUNT_KEYS)),
        net_amount_cents=_cents_or_none(_first(record, _BATCH_NET_KEYS), source),
        source=source,
        record=record,
        sales_cents=_cents_or_none(_first(record, _BATCH_SALES_KEYS), source),
        refunds_cents=_cents_or_none(_first(record, _BATCH_REFUND_KEYS), source),
        card_totals=_card_totals(record, source),
    )


def _card_totals(record: Mapping[str, Any], source: str) -> dict[str, tuple[int, int]]:
    """Per brand (``visa_sales_amount``, ``visa_refund_amount``, ...) where the batch gives it."""
    totals: dict[str, tuple[int, int]] = {}
    for brand in BATCH_CARD_TYPES:
        prefix = brand.lower()
        sales = _cents_or_none(record.get(f"{prefix}_sales_amount"), source)
        refunds = _cents_or_none(record.get(f"{prefix}_refund_amount"), source)
        if sales is not None or refunds is not None:
            totals[brand] = (abs(sales or 0), abs(refunds or 0))
    return totals


def read_customer(record: Mapping[str, Any], source: str) -> Customer:
    """A Customer from one ``customers[]`` object; unknown fields are ignored."""
    card = _mapping(record.get("credit_card"))
    billing = _mapping(record.get("billing_address"))
    masked = str(card.get("masked_number") or record.get("masked_card_number") or "")
    digits = re.sub(r"\D", "", masked)
    return Customer(
        customer_id=_text(record.get("customer_id")),
        name=_text(billing.get("name") or record.get("name")),
        email=_text(record.get("email")),
        card_last4=digits[-4:] if len(digits) >= 4 else "",
        card_expires=_expiry(card.get("expiration_month"), card.get("expiration_year")),
        source=source,
        street=_street(billing),
        city=_text(billing.get("city")),
        state=_text(billing.get("state")),
        zip=_text(billing.get("zip")),
        country=_text(billing.get("country")),
    )


def _street(billing: Mapping[str, Any]) -> str:
    lines = (_text(billing.get("street_address")), _text(billing.get("street_address2")))
    return " ".join(line for line in lines if line)


def _expiry(month: Any, year: Any) -> str:
    month_number = _int_or_none(month)
    year_number = _int_or_none(year)
    if month_number is None or year_number is None or not 1 <= month_number <= 12:
        return ""
    if year_number < 100:
        year_number += 2000
    return f"{year_number:04d}-{month_number:02d}"


def _first(record: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return mask_pans(str(value or "").strip())


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _cents_or_none(value: Any, source: str) -> int | None:
    if value is None:
        return None
    try:
        return to_cents(value if isinstance(value, Decimal) else str(value))
    except MoneyError as exc:
        raise SourceError(f"{source}: batch amount: {exc}") from None
