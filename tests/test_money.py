from decimal import Decimal

import pytest

from paytrace_abas.errors import MoneyError
from paytrace_abas.money import (
    format_cents,
    parse_decimal_comma,
    parse_percent_basis_points,
    percent_of,
    to_cents,
)


@pytest.mark.parametrize(
    ("value", "cents"),
    [(Decimal("110"), 11000), (Decimal("1.5"), 150), ("0.01", 1), ("-12.30", -1230), (7, 700)],
)
def test_to_cents_is_exact(value: Decimal | str | int, cents: int) -> None:
    assert to_cents(value) == cents


@pytest.mark.parametrize("value", ["0.001", "abc", "NaN", "Infinity", ""])
def test_to_cents_rejects_what_is_not_whole_cents(value: str) -> None:
    with pytest.raises(MoneyError):
        to_cents(value)


@pytest.mark.parametrize(
    ("text", "cents"),
    [("1.234,56", 123456), ("386,00", 38600), ("12", 1200), ("-0,5", -50), ("1234,56", 123456)],
)
def test_parse_decimal_comma(text: str, cents: int) -> None:
    assert parse_decimal_comma(text) == cents


@pytest.mark.parametrize("text", ["12a", "1,234.56", "1.23", "", "1,234"])
def test_parse_decimal_comma_rejects_other_notations(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_decimal_comma(text)


def test_percent_basis_points_and_rounding_half_up() -> None:
    assert parse_percent_basis_points("2,00") == 200
    assert parse_percent_basis_points("2.5%") == 250
    assert parse_percent_basis_points("") == 0
    assert percent_of(31850, 200) == 637  # 6.37 exactly
    assert percent_of(125, 200) == 3  # 2.5 cents rounds half up


def test_format_cents_follows_locale() -> None:
    assert format_cents(123456, "USD", "en_US") == "$1,234.56"
    assert format_cents(123456, "EUR", "de_DE") == "1.234,56\xa0€"
