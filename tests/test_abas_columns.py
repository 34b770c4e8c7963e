"""A page of open items decoded column by column gives exactly what record by record gives.

Pages as abas sends them (docs/abas.md, "Values"): a typed ``value`` or only a ``text``,
decimal comma, ``DD.MM.YYYY`` and the other date forms, empty and missing fields,
``(Identifier)`` enums, numbers for idents. A page with a value abas sent wrong is given up by
the column path and decoded record by record, whose message names the record and the field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paytrace_abas.abas.codec import decode_json
from paytrace_abas.abas.columns import open_item_columns
from paytrace_abas.abas.paging import Page, decoded_answer, usual_answer
from paytrace_abas.abas.source import page_columns
from paytrace_abas.config import AbasSettings
from paytrace_abas.errors import SourceError

NAMES = AbasSettings().open_item_fields
TABLE = "160:1"
_encode = msgspec.json.Encoder(decimal_format="number").encode  # amounts as JSON numbers


def _german(cents: int) -> str:
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole:,}".replace(",", ".") + f",{fraction:02d}"


def _amount(cents: int) -> st.SearchStrategy[dict[str, Any]]:
    number = Decimal(cents).scaleb(-2)
    forms = [
        {"value": number, "text": _german(cents)},
        {"value": "", "text": _german(cents)},
        {"value": None, "text": _german(cents).replace(".", "")},
        {"value": f"{number}", "text": ""},  # a number as text with a decimal point
    ]
    if cents % 100 == 0:
        forms.append({"value": cents // 100, "text": ""})  # a whole number
    return st.sampled_from(forms)


def _date(day: dt.date) -> st.SearchStrategy[dict[str, Any]]:
    german = day.strftime("%d.%m.%Y")
    return st.sampled_from(
        [
            {"value": "", "text": german},
            {"value": day.strftime("%Y%m%d"), "text": german},
            {"value": day.isoformat(), "text": ""},
            {"value": f"{day.isoformat()}T00:00:00+01:00", "text": german},
            {"value": "", "text": f"{day.day}.{day.month}.{day.year % 100:02d}"},
            {"value": f" {german} ", "text": ""},
        ]
    )


def _text(text: str) -> st.SearchStrategy[dict[str, Any]]:
    forms: list[dict[str, Any]] = [
        {"value": text, "text": text},
        {"value": "", "text": text},
        {"value": f"  {text} ", "text": ""},
        {"value": f"({text})", "text": text},  # an (Identifier) enum
    ]
    if text.isdigit():
        forms.append({"value": int(text), "text": text})  # an ident sent as a number
    return st.sampled_from(forms)


_EMPTY = st.sampled_from([None, {"value": "", "text": ""}, {"value": None}, {"text": ""}])
_DAYS = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))
_IDENT = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8)


@st.composite
def _record(draw: st.DrawFn, number: int) -> dict[str, Any]:
    """One open item with every field in one of the forms abas may send."""
    optional_date = st.one_of(_EMPTY, _DAYS.flatmap(_date))
    fields: dict[str, Any] = {
        "id": {"value": f"({number},160,0)", "text": str(number)},
        "nummer": draw(_text(str(400000 + number))),
        "kunde^nummer": draw(_IDENT.flatmap(_text)),
        "kunde^namebspr": draw(
            st.one_of(_EMPTY, st.sampled_from(["Acme", "Müller GmbH"]).flatmap(_text))
        ),
        "vom": draw(optional_date),
        "faelldat": draw(optional_date),
        "waehr": draw(st.sampled_from(["USD", "EUR", "usd"]).flatmap(_text)),
        "rebetr": draw(st.one_of(_EMPTY, st.integers(-(10**9), 10**9).flatmap(_amount))),
        "ofbetr": draw(st.integers(-(10**9), 10**9).flatmap(_amount)),
        "sksatz": draw(
            st.one_of(
                _EMPTY,
                st.sampled_from(
                    [
                        {"value": Decimal("2.5")},
                        {"value": 3, "text": "3"},
                        {"value": "", "text": "2,5"},
                    ]
                ),
            )
        ),
        "skdat": draw(optional_date),
    }
    present = {name: entry for name, entry in fields.items() if entry is not None}
    return {"meta": {"id": f"({number},160,0)"}, "head": {"fields": present}}


@st.composite
def _page(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    size = draw(st.integers(1, 12))
    records = [draw(_record(number)) for number in range(size)]
    fresh = sorted(draw(st.sets(st.integers(0, size - 1), min_size=1)))
    return _encode({"content": {"data": {"erpDataObjects": records}}}), fresh


def _record_by_record(body: bytes, fresh: list[int]) -> dict[str, list[Any]]:
    objects = decode_json(body)["content"]["data"]["erpDataObjects"]
    return page_columns(Page(decoded_answer(objects), fresh), NAMES, TABLE, 0)


@settings(max_examples=150, deadline=None)
@given(_page())
def test_a_page_by_columns_equals_the_page_record_by_record(page: tuple[bytes, list[int]]) -> None:
    body, fresh = page
    by_columns = open_item_columns(body, fresh, NAMES, TABLE)
    assert by_columns is not None  # every form above is one the column path reads
    assert repr(by_columns) == repr(_record_by_record(body, fresh))  # values and their types


def test_a_page_in_every_form_gives_these_columns() -> None:
    page = {
        "content": {
            "data": {
                "erpDataObjects": [
                    {
                        "meta": {"id": "(7,160,0)"},
                        "head": {
                            "fields": {
                                "nummer": {"value": 400123, "text": "400123"},
                                "kunde^nummer": {"value": " 70001 ", "text": "70001"},
                                "kunde^namebspr": {"value": "", "text": "Cascade Inc."},
                                "vom": {"value": "", "text": "01.10.2026"},
                                "faelldat": {"value": "20261101"},
                                "waehr": {"value": "(USD)", "text": "USD"},
                                "rebetr": {"value": "", "text": "1.248,50"},
                                "ofbetr": {"value": Decimal("1248.5"), "text": "1.248,50"},
                                "sksatz": {"value": "", "text": "2,5"},
                                "skdat": {"value": "", "text": ""},
                            }
                        },
                    }
                ]
            }
        }
    }
    assert open_item_columns(_encode(page), [0], NAMES, TABLE) == {
        "invoice_no": ["400123"],
        "customer_no": ["70001"],
        "customer_name": ["Cascade Inc."],
        "invoice_date": [dt.date(2026, 10, 1)],
        "due_date": [dt.date(2026, 11, 1)],
        "currency": ["USD"],
        "gross_cents": [124850],
        "open_cents": [124850],
        "discount_bp": [250],
        "discount_until": [None],
        "source_line": ["abas 160:1 record (7,160,0)"],
    }


@pytest.mark.parametrize(
    ("field", "entry", "problem"),
    [
        ("ofbetr", {"value": "", "text": "zwölf"}, "field ofbetr (open_amount): 'zwölf' is not"),
        ("ofbetr", {"value": Decimal("1.005")}, "field ofbetr (open_amount): Decimal('1.005')"),
        ("ofbetr", {"value": "", "text": ""}, "field ofbetr (open_amount): value is missing"),
        ("vom", {"value": "", "text": "31.02.2026"}, "field vom (invoice_date): '31.02.2026'"),
        ("waehr", {"value": "(EURO)"}, "field waehr (currency): 'EURO' is not a 3-letter"),
        ("sksatz", {"value": "", "text": "150"}, "field sksatz (discount_percent): '150'"),
        ("nummer", {"value": True}, None),  # a yes/no where a number belongs: read as text
    ],
)
def test_a_value_abas_sent_wrong_is_named_with_its_record_and_field(
    field: str, entry: dict[str, Any], problem: str | None
) -> None:
    good = {"value": "", "text": "10,00"}
    records: list[dict[str, Any]] = [
        {
            "meta": {"id": f"({n},160,0)"},
            "head": {
                "fields": {
                    "nummer": {"value": str(400000 + n)},
                    "kunde^nummer": {"value": "70001"},
                    "waehr": {"value": "USD"},
                    "ofbetr": good,
                }
            },
        }
        for n in range(3)
    ]
    records[1]["head"]["fields"][field] = entry
    body = _encode({"content": {"data": {"erpDataObjects": records}}})
    answer = usual_answer(body)
    assert answer is not None
    if problem is None:
        assert open_item_columns(body, [0, 1, 2], NAMES, TABLE) == _record_by_record(
            body, [0, 1, 2]
        )
        return
    assert open_item_columns(body, [0, 1, 2], NAMES, TABLE) is None  # given up: record by record
    with pytest.raises(SourceError) as failure:
        page_columns(Page(answer, [0, 1, 2]), NAMES, TABLE, 0)
    assert str(failure.value).startswith(f"abas 160:1 record (1,160,0), {problem}")
