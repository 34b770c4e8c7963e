"""Values of typed cells: XML text for numbers and dates, cleaned text, width estimates."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from paytrace_abas.money import cents_to_decimal
from paytrace_abas.privacy import mask_pans

MAX_CELL_TEXT = 32_767
_SHORTEST_PAN = 13
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class Kind(Enum):
    """How a column's values are written and formatted."""

    TEXT = "text"
    MONEY = "money"
    DATE = "date"
    DATE_TIME = "date_time"
    COUNT = "count"
    SHARE = "share"
    CONFIDENCE = "confidence"


def clean_text(value: str) -> str:
    """Card numbers masked, characters XML cannot carry dropped, cut to Excel's cell limit."""
    if len(value) >= _SHORTEST_PAN:
        value = mask_pans(value)
    if not value.isprintable():
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value[:MAX_CELL_TEXT]


def number_text(kind: Kind, value: Any) -> str:
    if kind is Kind.MONEY:
        return str(cents_to_decimal(int(value)))
    if kind is Kind.DATE:
        day = value.date() if isinstance(value, dt.datetime) else value
        return str((day - _EXCEL_EPOCH).days)
    if kind is Kind.DATE_TIME:
        naive = value.replace(tzinfo=None)
        delta = naive - dt.datetime.combine(_EXCEL_EPOCH, dt.time())
        return repr(round(delta.total_seconds() / 86_400, 8))
    if kind is Kind.COUNT:
        return str(int(value))
    return repr(float(value))


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value == ""
    try:
        return bool(value != value)  # NaN, NaT and pd.NA are not equal to themselves
    except TypeError:
        return True


def shown_text(kind: Kind, value: Any) -> str:
    if is_missing(value):
        return ""
    if kind is Kind.MONEY:
        return f"{cents_to_decimal(int(value)):,}   $"
    if kind in (Kind.DATE, Kind.DATE_TIME):
        return "00/00/00000" + (" 00:00" if kind is Kind.DATE_TIME else "")
    return str(value)
