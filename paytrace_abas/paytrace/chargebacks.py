"""Chargeback files from the processor or merchant portal (PayTrace has no chargeback API)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from paytrace_abas.errors import InputFileError, MoneyError
from paytrace_abas.models import PAYMENT_COLUMNS
from paytrace_abas.money import to_cents
from paytrace_abas.privacy import mask_pans

REQUIRED = ("case_number", "transaction_id", "dispute_date", "amount")
#: What the optional ``status`` column may say of a dispute (blank: open).
DISPUTE_STATUSES = ("open", "won", "lost")
_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d")


def read_chargebacks(path: Path, zone: ZoneInfo, currency: str) -> pd.DataFrame:
    """Every chargeback of the file as a row of the payments frame (kind chargeback).

    A chargeback's day is its dispute date: its timestamps are noon of that day in ``zone``.
    """
    rows = _read_rows(path, zone, currency)
    frame = pd.DataFrame(rows, columns=[*PAYMENT_COLUMNS, "paid_on", "dispute_status"])
    frame["amount_cents"] = frame["amount_cents"].astype("Int64")
    frame["batch_number"] = frame["batch_number"].astype("Int64")
    for column in ("created_at", "settled_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def with_original_payer(chargebacks: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Chargebacks with customer, card and name copied from the disputed sale when it was pulled."""
    if chargebacks.empty:
        return chargebacks
    originals = payments.set_index("transaction_id")
    enriched = chargebacks.copy()
    known = enriched["purchase_order"].isin(originals.index)
    for column in (
        "paytrace_customer_id",
        "card_type",
        "card_last4",
        "billing_name",
        "invoice_ref",
    ):
        source = enriched.loc[known, "purchase_order"].map(originals[column])
        enriched.loc[known, column] = source
    return enriched


def _read_rows(path: Path, zone: ZoneInfo, currency: str) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
            if missing:
                raise InputFileError(f"{path} line 1: missing column(s) {', '.join(missing)}")
            return [
                _row(record, f"{path} line {reader.line_num}", zone, currency)
                for record in reader
                if any((value or "").strip() for value in record.values())
            ]
    except FileNotFoundError:
        raise InputFileError(f"chargeback file {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path} is not UTF-8 text (byte {exc.start})") from None


def _row(record: dict[str, str], where: str, zone: ZoneInfo, currency: str) -> dict[str, Any]:
    def text(name: str) -> str:
        return mask_pans((record.get(name) or "").strip())

    for name in REQUIRED:
        if not text(name):
            raise InputFileError(f"{where}, column {name}: value is missing")
    try:
        amount_cents = abs(to_cents(text("amount")))
    except MoneyError as exc:
        raise InputFileError(f"{where}, column amount: {exc}") from None
    disputed_on = _parse_date(text("dispute_date"), where)
    moment = pd.Timestamp(dt.datetime.combine(disputed_on, dt.time(12), tzinfo=zone)).tz_convert(
        "UTC"
    )
    reason = " ".join(part for part in (text("reason_code"), text("reason")) if part)
    return {
        "transaction_id": f"CB-{text('case_number')}",
        "kind": "chargeback",
        "status": "settled",
        "amount_cents": amount_cents,
        "currency": (text("currency") or currency).upper(),
        "created_at": moment,
        "settled_at": moment,
        "invoice_ref": "",
        "description": f"Chargeback of transaction {text('transaction_id')}: {reason}".strip(),
        # The disputed sale's id; with_original_payer() looks the sale up by it.
        "purchase_order": text("transaction_id"),
        "paytrace_customer_id": "",
        "card_type": "",
        "card_last4": "",
        "billing_name": "",
        "approval_code": "",
        "batch_number": None,
        "source_line": where,
        "paid_on": disputed_on,
        "dispute_status": _status(text("status"), where),
    }


def _status(text: str, where: str) -> str:
    status = text.lower() or "open"
    if status not in DISPUTE_STATUSES:
        raise InputFileError(
            f"{where}, column status: {text!r} is not one of {', '.join(DISPUTE_STATUSES)}"
        )
    return status


def dispute_files(folder: Path) -> list[Path]:
    """The processor's dispute files (``*.csv``) in ``folder``, by name."""
    try:
        return sorted(
            path for path in folder.iterdir() if path.suffix.lower() == ".csv" and path.is_file()
        )
    except FileNotFoundError:
        raise InputFileError(f"chargebacks folder {folder} does not exist") from None
    except NotADirectoryError:
        raise InputFileError(f"chargebacks folder {folder} is a file, not a folder") from None


def content_hash(path: Path) -> str:
    """The SHA-256 of a file's bytes: the same dispute file under another name or place."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise InputFileError(f"chargeback file {path} cannot be read: {exc.strerror}") from None


def _parse_date(text: str, where: str) -> dt.date:
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise InputFileError(
        f"{where}, column dispute_date: {text!r} is not a date like 11/25/2026 or 2026-11-25"
    )
