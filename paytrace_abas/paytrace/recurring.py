"""Recurring billing: PayTrace's schedules and their charges, from the API or a file.

No PayTrace document names the fields of a schedule export; what is read here is inferred
(docs/customers.md#recurring-billing lists each field and where the guess comes from). A
record that lacks what a check needs is refused with one line naming the file or request,
the record and the field; a frequency code nobody documented is skipped with a warning.
"""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from paytrace_abas.errors import InputFileError, MoneyError, SourceError
from paytrace_abas.models import SCHEDULE_COLUMNS
from paytrace_abas.money import to_cents
from paytrace_abas.paytrace.files import answer_codes
from paytrace_abas.paytrace.normalize import RawTransaction
from paytrace_abas.paytrace.records import paytrace_day, read_customer
from paytrace_abas.paytrace.transport import PaytraceSession

log = logging.getLogger(__name__)

SCHEDULES_PATH = "/v1/recurrence/export_scheduled"
#: Frequency codes whose meaning a client of PayTrace's legacy API shows (the rest: unknown).
FREQUENCIES: Mapping[str, str] = {"1": "yearly", "3": "monthly"}
_ID_KEYS = ("id", "recurrence_id", "recur_id")
_START_KEYS = ("start_date", "start")


@dataclass(frozen=True)
class RecurringExport:
    """The schedules of a recurring export, and the charges it names (raw transactions)."""

    schedules: pd.DataFrame
    charges: list[RawTransaction]


def fetch_schedules(session: PaytraceSession) -> RecurringExport:
    """Every recurring schedule PayTrace holds (one request; its answer body is inferred)."""
    origin = f"PayTrace POST {SCHEDULES_PATH}"
    body = session.post(SCHEDULES_PATH, {})
    try:
        return read_recurring_body(body, origin)
    except InputFileError as exc:
        raise SourceError(str(exc)) from None


def read_recurring_file(path: Path) -> RecurringExport:
    """The schedules (and charges) in ``[paytrace] recurring_file``: the API's answer body."""
    try:
        text = path.read_bytes().removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except OSError as exc:
        raise InputFileError(
            f"cannot read PayTrace recurring file {path}: {exc.strerror}"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path} is not UTF-8 text at byte {exc.start}") from None
    try:
        body = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path} line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    return read_recurring_body(body, str(path))


def read_recurring_body(body: Any, origin: str) -> RecurringExport:
    """Schedules from ``recurrences`` and charges from ``transactions`` (optional)."""
    if not isinstance(body, dict) or body.get("success") is not True:
        codes = answer_codes(body) if isinstance(body, dict) else "not a JSON object"
        raise InputFileError(f"{origin} is not a PayTrace recurring export ({codes})")
    records = body.get("recurrences", body.get("recurrence"))
    if isinstance(records, dict):
        records = [records]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputFileError(f'{origin}: "recurrences" must be a list of objects')
    charges = body.get("transactions") or []
    if not isinstance(charges, list) or not all(isinstance(c, dict) for c in charges):
        raise InputFileError(f'{origin}: "transactions" must be a list of objects')
    rows = [
        row
        for index, record in enumerate(records)
        if (row := _schedule_row(record, f"{origin}: recurrences[{index}]")) is not None
    ]
    return RecurringExport(
        schedules=pd.DataFrame(rows, columns=SCHEDULE_COLUMNS),
        charges=[
            RawTransaction(record=record, source=f"{origin}: transactions[{index}]")
            for index, record in enumerate(charges)
        ],
    )


def _schedule_row(record: Mapping[str, Any], where: str) -> dict[str, Any] | None:
    """One schedule as a row of SCHEDULE_COLUMNS; None (with a warning) for an unknown
    frequency; InputFileError naming the field for anything the check cannot do without."""
    schedule_id = _required_text(record, _ID_KEYS, where)
    customer_id = _required_text(record, ("customer_id",), where)
    amount_cents = _amount(record.get("amount"), where)
    code = str(record.get("frequency", "")).strip()
    step = FREQUENCIES.get(code)
    if step is None:
        log.warning(
            "%s: schedule %s has frequency %r, whose meaning PayTrace does not document; "
            "it is not checked (known: %s)",
            where,
            schedule_id,
            code,
            ", ".join(f"{key} = {name}" for key, name in FREQUENCIES.items()),
        )
        return None
    start_text = next((record[k] for k in _START_KEYS if record.get(k) not in (None, "")), "")
    start_on = paytrace_day(start_text)
    if start_on is None:
        raise InputFileError(f"{where}: start_date {start_text!r} is not a MM/DD/YYYY date")
    return {
        "schedule_id": schedule_id,
        "paytrace_customer_id": customer_id,
        "amount_cents": amount_cents,
        "start_on": start_on,
        "step": step,
        "total_count": _count(record.get("total_count"), where),
        # the card the schedule charges; the customer profile's, when the record carries it
        "card_expires": read_customer(record, where).card_expires,
        "description": str(record.get("description") or "").strip(),
        "source_line": where,
    }


def _required_text(record: Mapping[str, Any], keys: tuple[str, ...], where: str) -> str:
    for key in keys:
        value = record.get(key)
        if value not in (None, "") and not isinstance(value, dict | list | bool):
            return str(value).strip()
    raise InputFileError(f"{where}: {keys[0]} is missing")


def _amount(value: Any, where: str) -> int:
    if value is None or isinstance(value, bool | dict | list):
        raise InputFileError(f"{where}: amount is missing")
    try:
        cents = to_cents(value if isinstance(value, Decimal) else str(value))
    except MoneyError as exc:
        raise InputFileError(f"{where}: amount {value!r}: {exc}") from None
    if cents <= 0:
        raise InputFileError(f"{where}: amount {value!r} is not a positive amount")
    return cents


def _count(value: Any, where: str) -> int:
    """How many charges the schedule makes; 0 when it runs until deleted (absent or 0)."""
    if value in (None, ""):
        return 0
    try:
        count = int(str(value).strip())
    except ValueError:
        raise InputFileError(f"{where}: total_count {value!r} is not a whole number") from None
    if count < 0:
        raise InputFileError(f"{where}: total_count {value!r} is negative")
    return count
