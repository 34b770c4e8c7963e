"""The only place that parses or formats money: exact Decimal <-> integer cents."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency

from paytrace_abas.errors import MoneyError

_CENT = Decimal("0.01")
#: no amount this tool handles reaches a trillion: far larger texts (1e300, 26 digits) are
#: refused before they become integers that overflow totals (``[matching] max_amount`` is lower)
MAX_CENTS = 10**14
_GERMAN_AMOUNT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*(,\d+)?$|^[+-]?\d+(,\d+)?$")


def to_cents(value: Decimal | int | str) -> int:
    """Exact integer cents of an amount; raises MoneyError on sub-cent precision or non-numbers."""
    if type(value) is Decimal:
        cents = _plain_cents(value)
        if cents is not None:
            return cents
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    if abs(amount) * 100 >= MAX_CENTS:
        raise MoneyError(f"{str(value)[:30]!r} is too large to be an amount")
    if amount != amount.quantize(_CENT):
        raise MoneyError(f"{value!r} has more than two decimal places")
    return int(amount.quantize(_CENT) * 100)


def _plain_cents(amount: Decimal) -> int | None:
    """Cents of a finite amount with at most two decimals inside the range, else None (the
    careful path then says what is wrong). Half the time of that path, which counts when an
    abas read brings 200,000 amounts."""
    try:
        rounded = amount.quantize(_CENT)
    except InvalidOperation:  # infinite, or too many digits for the context
        return None
    if rounded != amount:  # sub-cent digits, or NaN
        return None
    cents = int(rounded.scaleb(2))
    return cents if -MAX_CENTS < cents < MAX_CENTS else None


def parse_decimal_comma(text: str) -> int:
    """Cents of a German-formatted amount such as ``1.234,56`` or ``-12,5``."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _GERMAN_AMOUNT.match(cleaned):
        raise MoneyError(f"{text!r} is not an amount with a decimal comma (like 1.234,56)")
    return to_cents(cleaned.replace(".", "").replace(",", "."))


_POINT_AMOUNT = re.compile(r"^[+-]?\d{1,3}(,\d{3})*(\.\d+)?$|^[+-]?\d+(\.\d+)?$")


def parse_amount(text: str, decimal_separator: str) -> int:
    """Cents of ``1.234,56`` (``decimal_separator`` ",") or ``1,234.56`` (".")."""
    if decimal_separator == ",":
        return parse_decimal_comma(text)
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _POINT_AMOUNT.match(cleaned):
        raise MoneyError(f"{text!r} is not an amount with a decimal point (like 1,234.56)")
    return to_cents(cleaned.replace(",", ""))


def parse_percent_basis_points(text: str) -> int:
    """Basis points of a percentage written with a decimal comma or point: ``2,5`` -> 250."""
    cleaned = text.strip().replace(",", ".").rstrip("%").strip()
    if not cleaned:
        return 0
    try:
        percent = Decimal(cleaned)
    except InvalidOperation:
        raise MoneyError(f"{text!r} is not a percentage") from None
    basis_points = percent * 100
    if basis_points != basis_points.to_integral_value() or not 0 <= percent < 100:
        raise MoneyError(f"{text!r} is not a percentage between 0 and 100 with at most 2 decimals")
    return int(basis_points)


def percent_of(cents: int, basis_points: int) -> int:
    """``basis_points`` of ``cents``, rounded half up to a whole cent (how abas rounds Skonto)."""
    share = Decimal(cents) * Decimal(basis_points) / Decimal(10_000)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents_to_decimal(cents: int) -> Decimal:
    """Exact Decimal amount of integer cents."""
    return (Decimal(cents) / 100).quantize(_CENT)


def plain_amount(cents: int) -> str:
    """``1,234.56`` without a currency, from integers alone (for reasons built by the million)."""
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole:,}.{fraction:02d}"


def plain_amounts(cents: Iterable[int]) -> list[str]:
    """:func:`plain_amount` of many values (pass Python ints, e.g. ``array.tolist()``)."""
    return [f"{'-' if c < 0 else ''}{abs(c) // 100:,}.{abs(c) % 100:02d}" for c in cents]


def format_cents(cents: int, currency: str, locale: str = "en_US") -> str:
    """Human text for an amount, in the given locale (``$1,234.56`` / ``1.234,56 $``)."""
    return str(format_currency(cents_to_decimal(cents), currency, locale=locale))


def format_decimal_comma(cents: int) -> str:
    """An amount as abas input takes it: decimal comma, no grouping (``123456`` -> ``1234,56``)."""
    return str(cents_to_decimal(cents)).replace(".", ",")


_CLERK_AMOUNT = re.compile(r"^[+-]?\d+([.,]\d{1,2})?$")


def parse_clerk_amount(text: str) -> int:
    """Cents of an amount a clerk typed: ``100``, ``100.5``, ``-0,50``; no thousands separators.

    Either a point or a comma may be the decimal separator, so that ``1,234`` is refused
    rather than read as 1.234 or 1234.
    """
    cleaned = text.strip()
    if not _CLERK_AMOUNT.match(cleaned):
        raise MoneyError(
            f"{text!r} is not an amount like 100.00 or 100,00 (no thousands separators)"
        )
    return to_cents(cleaned.replace(",", "."))
