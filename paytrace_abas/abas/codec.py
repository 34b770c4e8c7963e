"""The one value codec for abas REST fields (docs/abas.md, "Values").

A field entry carries a typed ``value`` and a ``text`` formatted for the operating language.
The typed value is read first; the text only when the value is missing, and then in the forms
abas writes for a German session: decimal comma, ``DD.MM.YYYY``, ``ja``/``nein``. Writing goes
the other way: amounts with a decimal comma, dates ``DD.MM.YYYY`` (what abas takes as input).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Any

import msgspec

from paytrace_abas.errors import MoneyError
from paytrace_abas.money import (
    format_decimal_comma,
    parse_decimal_comma,
    parse_percent_basis_points,
    to_cents,
)

_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$")
# YYYYMMDD, YYYY-MM-DD, or an ISO timestamp such as 2026-11-25T00:00:00+01:00
_ISO_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:$|T)")
_RECORD_ID = re.compile(r"^\(\d+,\d+,\d+\)$")
_ENUM = re.compile(r"^\(([A-Za-z][A-Za-z0-9_]*)\)$")
_TRUE = frozenset({"ja", "yes", "true", "1", "j", "y"})
_FALSE = frozenset({"nein", "no", "false", "0", "n"})

#: JSON numbers become Decimal straight from their text: amounts never pass through a float
decode_json = msgspec.json.Decoder(float_hook=Decimal).decode


def field_entry(fields: Any, name: str) -> dict[str, Any] | None:
    """The entry of field ``name``; ``fields`` is an object keyed by name or a list of entries."""
    if isinstance(fields, dict):
        entry = fields.get(name)
        return entry if isinstance(entry, dict) else None
    if isinstance(fields, list):
        for entry in fields:
            if isinstance(entry, dict) and entry.get("name") == name:
                return entry
    return None


def field_map(fields: Any) -> dict[str, Any]:
    """Fields keyed by name, whichever of the two shapes abas sent."""
    if isinstance(fields, dict):
        return fields
    if isinstance(fields, list):
        return {e["name"]: e for e in fields if isinstance(e, dict) and "name" in e}
    return {}


def raw_value(entry: dict[str, Any] | None) -> Any:
    """The typed ``value`` if abas sent one, else the ``text``; None when both are empty."""
    if not isinstance(entry, dict):
        return None
    return pick(entry.get("value"), entry.get("text"))


def pick(value: Any, text: Any) -> Any:
    """Of a field's ``value`` and ``text``, the one to read (the rule of :func:`raw_value`)."""
    if value is not None and value != "":
        return value
    return text if text not in (None, "") else None


# Each decoder comes twice: ``decode_*`` takes a field entry, ``*_of`` the value :func:`pick`
# chose. A page decoded column by column (abas/columns.py) calls the ``*_of`` ones.


def decode_text(entry: dict[str, Any] | None) -> str:
    """A field as plain text: ``(Identifier)`` enums unwrapped, surrounding blanks cut."""
    return text_of(raw_value(entry))


def text_of(value: Any) -> str:
    """:func:`decode_text` of a picked value."""
    if value is None:
        return ""
    if type(value) is str and not value.startswith("("):
        return value.strip()  # the common case, without the checks below
    if isinstance(value, bool):
        return "ja" if value else "nein"
    text = str(value).strip()
    enum = _ENUM.match(text)
    return enum.group(1) if enum else text


def decode_cents(entry: dict[str, Any] | None) -> int | None:
    """Integer cents of an amount: a JSON number exactly, or text with a decimal comma."""
    return cents_of(raw_value(entry))


def cents_of(value: Any) -> int | None:
    """:func:`decode_cents` of a picked value."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise MoneyError(f"{value!r} is not an amount")
    if isinstance(value, Decimal | int):
        return to_cents(value)
    if isinstance(value, float):
        # repr() is the shortest exact round trip of a binary float: 1234.5 -> "1234.5"
        return to_cents(Decimal(repr(value)))
    text = str(value).strip()
    if "," in text or "." not in text:
        return parse_decimal_comma(text)
    return to_cents(text)


def decode_percent_bp(entry: dict[str, Any] | None) -> int:
    """Basis points of a percentage (a number, or text like ``2,5``); 0 when empty."""
    return percent_bp_of(raw_value(entry))


def percent_bp_of(value: Any) -> int:
    """:func:`decode_percent_bp` of a picked value."""
    return 0 if value is None else parse_percent_basis_points(str(value))


def decode_date(entry: dict[str, Any] | None) -> dt.date | None:
    """A date from ``DD.MM.YYYY``, ``DD.MM.YY``, ``YYYYMMDD`` or ISO text; None when empty."""
    return date_of(raw_value(entry))


def date_of(value: Any) -> dt.date | None:
    """:func:`decode_date` of a picked value."""
    if value is None:
        return None
    return _date(str(value).strip())


@functools.lru_cache(maxsize=4096)
def _date(text: str) -> dt.date:
    """Cached: a day's open items share few dates, and strptime is slow (locale look-ups)."""
    german = _GERMAN_DATE.match(text)
    iso = _ISO_DATE.match(text)
    try:
        if german:
            day, month, year = (int(part) for part in german.groups())
            return dt.date(year + 2000 if year < 100 else year, month, day)
        if iso:
            year, month, day = (int(part) for part in iso.groups())
            return dt.date(year, month, day)
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date abas writes (DD.MM.YYYY)")


def decode_bool(entry: dict[str, Any] | None) -> bool | None:
    """``true``/``false`` values, or ``ja``/``nein`` (``yes``/``no``) texts."""
    value = raw_value(entry)
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"{value!r} is not ja/nein")


def is_record_id(text: str) -> bool:
    """True for a record id like ``(539676,2,0)``, as opposed to an ident number."""
    return bool(_RECORD_ID.match(text.strip()))


def encode_cents(cents: int) -> str:
    """An amount as abas input takes it: ``1234,56``."""
    return format_decimal_comma(cents)


def encode_date(day: dt.date) -> str:
    """A date as abas input takes it: ``25.11.2026``."""
    return day.strftime("%d.%m.%Y")
