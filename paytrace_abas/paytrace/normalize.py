"""Raw PayTrace export records -> the canonical ``payments`` frame (docs/contract.md#payments)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from paytrace_abas.errors import InputFileError, MoneyError
from paytrace_abas.models import (
    PAYMENT_COLUMNS,
    PAYTRACE_ID_DIGITS,
    Window,
    is_paytrace_id,
)
from paytrace_abas.money import to_cents
from paytrace_abas.paytrace.signals import Signals, kind_of, status_of
from paytrace_abas.privacy import mask_pans

#: kinds that bring money in, and the kind a negative amount of one of them becomes
_RECEIVED_KINDS = frozenset({"sale", "capture", "check"})
NEGATIVE_SALE = "negative_sale"
_TIMESTAMP_FORMAT = "%m/%d/%Y %I:%M:%S %p"
#: an amount as PayTrace usually writes it: two decimals, far below MAX_CENTS
_PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,12}\.[0-9][0-9]")
_SHORTEST_PAN = 13
_CARD_TYPE_BY_PREFIX = (
    ("34", "AMEX"),
    ("37", "AMEX"),
    ("4", "VISA"),
    ("5", "MASTERCARD"),
    ("2", "MASTERCARD"),
    ("6", "DISCOVER"),
)


@dataclass(frozen=True)
class RawTransaction:
    """One transaction object as PayTrace sent it, with where it came from."""

    record: dict[str, Any]
    source: str


def normalize_transactions(
    raw: Iterable[RawTransaction], zone: ZoneInfo, currency: str
) -> pd.DataFrame:
    """The payments frame, de-duplicated on transaction_id (the last copy wins: it is newest)."""
    items = raw if isinstance(raw, list) else list(raw)
    frame = _normalize_columns(items, zone, currency)
    if frame is None:  # something is wrong: the record by record path words the first error
        frame = pd.DataFrame(
            [_normalize_one(item, zone, currency) for item in items], columns=PAYMENT_COLUMNS
        )
    _refuse_conflicting_copies(frame)
    frame = frame.drop_duplicates("transaction_id", keep="last").reset_index(drop=True)
    frame = _with_dtypes(frame)
    # The day the customer paid, in PayTrace's zone: what a cash-discount date is compared with.
    frame["paid_on"] = frame["created_at"].dt.tz_convert(zone).dt.date
    return frame


def _refuse_conflicting_copies(frame: pd.DataFrame) -> None:
    """Copies of one transaction (overlapping exports) must agree on its amount and kind.

    The newest copy wins its status; an amount that differs means one export is wrong, and
    keeping either silently could post the wrong money.
    """
    copies = frame[frame.duplicated("transaction_id", keep=False)]
    if copies.empty:
        return
    for transaction_id, group in copies.groupby("transaction_id", sort=False):
        if group["amount_cents"].nunique() > 1 or group["kind"].nunique() > 1:
            sources = " and ".join(str(source) for source in group["source_line"].head(2))
            raise InputFileError(
                f"transaction {transaction_id} appears with different amounts or types in "
                f"{sources}; keep the right export only"
            )


def business_day(payments: pd.DataFrame, zone: ZoneInfo) -> pd.Series:
    """The day a payment belongs to: its settlement day, or its creation day if never settled."""
    moment = payments["settled_at"].fillna(payments["created_at"])
    days: pd.Series = moment.dt.tz_convert(zone).dt.date
    return days


def select_window(payments: pd.DataFrame, window: Window, zone: ZoneInfo) -> pd.DataFrame:
    """Only the payments whose business day falls inside the window."""
    day = business_day(payments, zone)
    inside = (day >= window.first_day) & (day <= window.last_day)
    return payments.loc[inside].reset_index(drop=True)


def _normalize_columns(
    items: list[RawTransaction], zone: ZoneInfo, currency: str
) -> pd.DataFrame | None:
    """The records' frame with both times parsed for all rows at once (strptime per row was
    most of the time of a big day); None if any record is bad, for ``_normalize_one`` to word.
    """
    try:
        created = [_time_text(_object(item.record, "created").get("at")) for item in items]
        settled = [_time_text(item.record.get("settled")) for item in items]
        # a tuple per record, not a dict: a big day holds a million of them at once
        rows = [
            tuple(_fields(item, currency, bool(text)).values())
            for item, text in zip(items, settled, strict=True)
        ]
    except InputFileError:
        return None
    created_at = _local_times(created, items, zone, "created.at")
    settled_at = _local_times(settled, items, zone, "settled")
    if created_at is None or settled_at is None or "" in created:
        return None
    frame = pd.DataFrame(rows, columns=_FIELD_COLUMNS).reindex(columns=PAYMENT_COLUMNS)
    del rows
    frame["created_at"] = created_at
    frame["settled_at"] = settled_at
    return frame


def _time_text(value: Any) -> str:
    return str(value or "").strip()


def _local_times(
    texts: list[str], items: list[RawTransaction], zone: ZoneInfo, field: str
) -> pd.Series | None:
    """PayTrace's local wall-clock times as UTC (NaT where empty); None if one does not parse.

    A time that falls into a change of daylight saving time is taken as ``_timestamp`` takes
    it (its first occurrence), row by row.
    """
    given = pd.Series(texts, dtype=object)
    present = (given != "").to_numpy()
    local = pd.to_datetime(given.where(present), format=_TIMESTAMP_FORMAT, errors="coerce")
    if bool((local.isna().to_numpy() & present).any()):
        return None
    localized = local.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    moments = localized.astype(object).to_numpy(copy=True)
    for row in np.flatnonzero(localized.isna().to_numpy() & present):
        moments[row] = _timestamp(texts[row], zone, items[row].source, field)
    return pd.to_datetime(pd.Series(moments, dtype=object), utc=True)


def _normalize_one(item: RawTransaction, zone: ZoneInfo, currency: str) -> dict[str, Any]:
    record = item.record
    kind_of(record, Signals.of(record), item.source)  # an unknown type is said before the times
    settled_at = _timestamp(record.get("settled"), zone, item.source, "settled")
    created = _object(record, "created")
    return {
        **_fields(item, currency, settled_at is not None),
        "created_at": _required_timestamp(created.get("at"), zone, item.source, "created.at"),
        "settled_at": settled_at,
    }


def _fields(item: RawTransaction, currency: str, is_settled: bool) -> dict[str, Any]:
    """Every column but the two times."""
    record = item.record
    signals = Signals.of(record)
    kind = kind_of(record, signals, item.source)
    amount_cents = _amount_cents(record, item.source)
    if kind in _RECEIVED_KINDS and _is_negative(record.get("amount")):
        # Money received is positive; a negative sale is something to look at, never a receipt.
        kind, amount_cents = NEGATIVE_SALE, -amount_cents
    card = _object(record, "credit_card")
    masked = str(card.get("masked_number") or record.get("masked_card_number") or "")
    billing = _object(record, "billing_address")
    return {
        "transaction_id": _transaction_id(record, item.source),
        "kind": kind,
        "status": status_of(record, signals, kind, is_settled),
        "amount_cents": amount_cents,
        "currency": str(record.get("currency") or currency).upper(),
        "invoice_ref": _text(record.get("invoice_id")),
        "description": _text(record.get("description")),
        "purchase_order": _text(record.get("customer_reference_id")),
        "paytrace_customer_id": _text(record.get("customer_id")),
        "card_type": _card_type(masked, record),
        "card_last4": _last4(masked),
        "billing_name": _text(billing.get("name")),
        "approval_code": _text(record.get("approval_code")),
        "batch_number": record.get("batch_number"),
        "source_line": item.source,
    }


#: the columns ``_fields`` gives, in its order (the contract's, less the two times)
_FIELD_COLUMNS = [c for c in PAYMENT_COLUMNS if c not in ("created_at", "settled_at")]


def _object(record: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested object of the record, or an empty one where PayTrace left it out."""
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _transaction_id(record: dict[str, Any], source: str) -> str:
    value = record.get("transaction_id")
    if value in (None, "") and record.get("check_transaction_id") not in (None, ""):
        raise InputFileError(
            f"{source}: an ACH check record (check_transaction_id "
            f"{mask_pans(str(record['check_transaction_id']))[:20]}), not a card payment; "
            "checks are not read (docs/inputs.md)"
        )
    if value in (None, ""):
        raise InputFileError(f"{source}: field transaction_id is missing")
    text = str(value).strip()
    if not is_paytrace_id(text):
        # It becomes the abas document reference: a card number there would be stored for good.
        raise InputFileError(
            f"{source}: field transaction_id {mask_pans(text)[:40]!r} is not a PayTrace "
            f"transaction id (1 to {PAYTRACE_ID_DIGITS} digits)"
        )
    return text


def _is_negative(value: Any) -> bool:
    return str(value).strip().startswith("-")


def _amount_cents(record: dict[str, Any], source: str) -> int:
    value = record.get("amount")
    if value is None or isinstance(value, bool):
        raise InputFileError(f"{source}: field amount is missing")
    if isinstance(value, str) and _PLAIN_AMOUNT.fullmatch(value):
        return abs(int(value.replace(".", "")))  # "485.18", what to_cents reads, without Decimal
    try:
        # PayTrace's sign for refunds is undocumented; the kind carries the direction.
        return abs(to_cents(value if isinstance(value, Decimal) else str(value)))
    except MoneyError as exc:
        raise InputFileError(f"{source}: field amount: {exc}") from None


def _timestamp(value: Any, zone: ZoneInfo, source: str, field: str) -> pd.Timestamp | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        local = dt.datetime.strptime(text, _TIMESTAMP_FORMAT)
    except ValueError:
        raise InputFileError(
            f"{source}: field {field}: {text!r} is not a PayTrace time like 4/10/2015 4:06:30 PM"
        ) from None
    return pd.Timestamp(local.replace(tzinfo=zone)).tz_convert("UTC")


def _required_timestamp(value: Any, zone: ZoneInfo, source: str, field: str) -> pd.Timestamp:
    stamp = _timestamp(value, zone, source, field)
    if stamp is None:
        raise InputFileError(f"{source}: field {field} is missing")
    return stamp


def _text(value: Any) -> str:
    text = str(value or "").strip()
    # a card number has 13 digits at least: a shorter text holds none (most fields of a day)
    return mask_pans(text) if len(text) >= _SHORTEST_PAN else text


def _last4(masked: str) -> str:
    if masked[-4:].isdecimal() and masked[-4:].isascii():  # the usual ************4242
        return masked[-4:]
    digits = re.sub(r"\D", "", masked)
    return digits[-4:] if len(digits) >= 4 else ""


def _card_type(masked: str, record: dict[str, Any]) -> str:
    explicit = str(record.get("card_type") or "").strip().upper()
    if explicit:
        return explicit
    # Only an export with include_bin shows leading digits; otherwise the brand is unknown.
    leading = re.match(r"\d+", masked) if masked[:1].isdecimal() else None
    if leading:
        for prefix, name in _CARD_TYPE_BY_PREFIX:
            if leading.group().startswith(prefix):
                return name
    return "UNKNOWN"


def _with_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["amount_cents"] = frame["amount_cents"].astype("Int64")
    frame["batch_number"] = pd.to_numeric(frame["batch_number"], errors="coerce").astype("Int64")
    for column in ("created_at", "settled_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
