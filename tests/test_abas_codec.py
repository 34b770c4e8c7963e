"""The abas value codec: typed value before text, decimal comma, dates, ja/nein, enums, ids."""

from __future__ import annotations

import datetime as dt

import pytest

from paytrace_abas.abas.codec import (
    decode_bool,
    decode_cents,
    decode_date,
    decode_percent_bp,
    decode_text,
    encode_cents,
    encode_date,
    field_entry,
    is_record_id,
)
from paytrace_abas.errors import MoneyError


def test_fields_are_found_in_an_object_or_a_list() -> None:
    entry = {"value": "70001", "text": "70001"}
    assert field_entry({"nummer": entry}, "nummer") == entry
    assert field_entry([{"name": "such"}, {"name": "nummer", **entry}], "nummer")["value"] == (
        "70001"
    )
    assert field_entry({"nummer": entry}, "such") is None


@pytest.mark.parametrize(
    ("entry", "cents"),
    [
        ({"value": 1248.5, "text": "1.248,50"}, 124850),
        ({"value": 0, "text": "0,00"}, 0),
        ({"value": -12.34, "text": "-12,34"}, -1234),
        ({"value": "1248.50", "text": "?"}, 124850),
        ({"value": "1.248,50"}, 124850),
        ({"value": None, "text": "1.248,50"}, 124850),  # no typed value: the text is read
        ({"value": "", "text": ""}, None),
        (None, None),
    ],
)
def test_amounts_prefer_the_typed_value_and_read_a_decimal_comma(
    entry: dict[str, object] | None, cents: int | None
) -> None:
    assert decode_cents(entry) == cents


def test_sub_cent_amounts_are_refused() -> None:
    with pytest.raises(MoneyError):
        decode_cents({"value": 1.005})


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("25.11.2026", dt.date(2026, 11, 25)),
        ("25.11.26", dt.date(2026, 11, 25)),
        ("20261125", dt.date(2026, 11, 25)),
        ("2026-11-25", dt.date(2026, 11, 25)),
        ("2026-11-25T00:00:00+01:00", dt.date(2026, 11, 25)),
    ],
)
def test_dates_in_every_form_abas_writes(text: str, day: dt.date) -> None:
    assert decode_date({"value": text}) == day


def test_a_date_that_is_none_of_them_says_so() -> None:
    with pytest.raises(ValueError, match="DD.MM.YYYY"):
        decode_date({"value": "11/25/2026"})


def test_booleans_enums_percentages_and_record_ids() -> None:
    assert decode_bool({"value": True, "text": "Yes"}) is True
    assert decode_bool({"text": "nein"}) is False
    assert decode_bool({"text": "ja"}) is True
    assert decode_text({"value": "(Zahlungseingang)", "text": "Zahlungseingang"}) == (
        "Zahlungseingang"
    )
    assert decode_text({"value": True}) == "ja"
    assert decode_percent_bp({"value": 2.5, "text": "2,50"}) == 250
    assert decode_percent_bp({"text": "3,25"}) == 325
    assert decode_percent_bp({"value": ""}) == 0
    assert is_record_id("(539676,2,0)") and not is_record_id("70001")


def test_values_are_written_as_abas_input_takes_them() -> None:
    assert encode_cents(124850) == "1248,50"
    assert encode_cents(-5) == "-0,05"
    assert encode_date(dt.date(2026, 3, 5)) == "05.03.2026"
