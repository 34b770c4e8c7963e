"""The export decoder: exact money, PayTrace's varying types, and what it leaves to json.loads."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from paytrace_abas.paytrace.answers import Answer, interpret
from paytrace_abas.paytrace.wire import ExportRecord, decode_export


def test_amounts_stay_exactly_what_paytrace_sent() -> None:
    body = decode_export(
        b'{"success": true, "transactions": ['
        b'{"amount": 1.5}, {"amount": 110}, {"amount": "12.30"}, {"amount": 0.1}]}'
    )
    amounts = [record["amount"] for record in body["transactions"]]
    assert amounts == [Decimal("1.5"), 110, "12.30", Decimal("0.1")]
    assert [type(amount) for amount in amounts] == [Decimal, int, str, Decimal]
    assert str(amounts[3]) == "0.1"


def test_odd_types_pass_through_and_unknown_fields_are_dropped() -> None:
    body = decode_export(
        b'{"success": true, "extra": 1, "transactions": [{"transaction_id": "T-1",'
        b' "credit_card": "n/a", "tax_amount": "0.10", "created": {"at": "x", "by": 7}}]}'
    )
    assert body == {"success": True, "transactions": [body["transactions"][0]]}
    record = body["transactions"][0]
    # only the read fields the record has: a field left out (or null) stays out
    assert set(record) == {"transaction_id", "credit_card", "created"}
    assert set(record) <= set(ExportRecord.__struct_fields__)
    assert record["transaction_id"] == "T-1"
    assert record["credit_card"] == "n/a"
    assert record["created"] == {"at": "x", "by": 7}
    assert record.get("amount") is None
    assert "tax_amount" not in record


def test_a_missing_transactions_key_stays_missing() -> None:
    assert decode_export(b'{"success": true}') == {"success": True}
    assert decode_export(b'{"success": true, "transactions": null}') == {
        "success": True,
        "transactions": None,
    }


@pytest.mark.parametrize(
    "content",
    [b"[1]", b'{"transactions": [1]}', b'{"transactions": "x"}', b'{"a": NaN}', b"{", b""],
)
def test_what_msgspec_refuses_is_a_value_error(content: bytes) -> None:
    with pytest.raises(ValueError):
        decode_export(content)


def test_interpret_falls_back_to_json_loads_with_decimal() -> None:
    content = json.dumps({"success": True, "transactions": [1, 2]}).encode()
    body = interpret("POST /x", Answer(200, None, content), None, str, decode_export)
    assert body["transactions"] == [1, 2]
    nan = b'{"success": true, "transactions": [{"amount": 2.50, "x": NaN}]}'
    body = interpret("POST /x", Answer(200, None, nan), None, str, decode_export)
    assert body["transactions"][0]["amount"] == Decimal("2.50")
    assert "x" in body["transactions"][0]
