import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from paytrace_abas.errors import InputFileError
from paytrace_abas.models import Window
from paytrace_abas.paytrace.files import read_export_file, read_export_files
from paytrace_abas.paytrace.normalize import RawTransaction, normalize_transactions, select_window
from tests.support.paths import FIXTURES

PACIFIC = ZoneInfo("America/Los_Angeles")


def transaction(**fields: object) -> RawTransaction:
    record: dict[str, object] = {
        "transaction_id": 1,
        "transaction_type": "SALE",
        "amount": 10,
        "created": {"at": "11/25/2026 2:00:00 PM"},
        "settled": "11/25/2026 8:13:45 PM",
    }
    record.update(fields)
    return RawTransaction(record=record, source="test.json: transactions[0]")


def test_documented_export_body_becomes_one_canonical_payment() -> None:
    raw = read_export_file(FIXTURES / "paytrace_export_documented.json")
    payments = normalize_transactions(raw, PACIFIC, "USD")
    row = payments.iloc[0]
    assert row["transaction_id"] == "79388123"
    assert (row["kind"], row["status"]) == ("sale", "settled")
    assert row["amount_cents"] == 11000
    assert row["created_at"] == pd.Timestamp("2015-04-10 23:06:30", tz="UTC")  # PDT is UTC-7
    assert row["settled_at"] == pd.Timestamp("2015-04-11 03:13:45", tz="UTC")
    assert row["paid_on"] == dt.date(2015, 4, 10)
    assert (row["invoice_ref"], row["purchase_order"]) == ("inv1234", "PO123456")
    assert (row["card_last4"], row["card_type"], row["billing_name"]) == (
        "5454",
        "UNKNOWN",
        "Kevin",
    )
    assert row["source_line"].endswith("paytrace_export_documented.json: transactions[0]")


def test_amounts_never_pass_through_float() -> None:
    payments = normalize_transactions([transaction(amount=json.loads("0.29"))], PACIFIC, "USD")
    assert payments.iloc[0]["amount_cents"] == 29


@pytest.mark.parametrize(
    ("fields", "kind", "status"),
    [
        (
            {"approval_message": "    DECLINE      - Do not honor", "settled": ""},
            "sale",
            "declined",
        ),
        ({"transaction_type": "DECLINED", "settled": ""}, "sale", "declined"),
        ({"response_code": 103}, "sale", "auto_voided"),
        ({"transaction_type": "VOID", "settled": ""}, "void", "voided"),
        ({"settled": ""}, "sale", "pending"),
        ({"transaction_type": "REFUND", "amount": -25}, "refund", "settled"),
        ({"transaction_type": "AUTHORIZATION", "settled": ""}, "authorization", "pending"),
    ],
)
def test_card_state_inference(fields: dict[str, object], kind: str, status: str) -> None:
    row = normalize_transactions([transaction(**fields)], PACIFIC, "USD").iloc[0]
    assert (row["kind"], row["status"]) == (kind, status)
    assert row["amount_cents"] >= 0


def test_duplicates_across_overlapping_pulls_keep_one_row() -> None:
    pulls = [transaction(settled=""), transaction()]
    payments = normalize_transactions(pulls, PACIFIC, "USD")
    assert len(payments) == 1
    assert payments.iloc[0]["status"] == "settled"


def test_free_text_card_numbers_are_masked() -> None:
    row = normalize_transactions([transaction(description="card 4111111111111111")], PACIFIC, "USD")
    assert row.iloc[0]["description"] == "card ************1111"


def test_window_uses_settlement_day_else_creation_day() -> None:
    raw = [
        transaction(transaction_id=1),
        transaction(transaction_id=2, settled="11/26/2026 8:10:00 PM"),
        transaction(transaction_id=3, settled=""),
        transaction(transaction_id=4, created={"at": "11/24/2026 9:00:00 PM"}, settled=""),
    ]
    payments = normalize_transactions(raw, PACIFIC, "USD")
    day = dt.date(2026, 11, 25)
    kept = select_window(payments, Window(day, day), PACIFIC)
    assert list(kept["transaction_id"]) == ["1", "3"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount": "12.345"}, "field amount: '12.345' has more than two decimal places"),
        ({"amount": None}, "field amount is missing"),
        ({"created": {"at": "2026-11-25 14:00"}}, "field created.at: '2026-11-25 14:00' is not"),
        ({"transaction_type": "TELEPORT"}, "transaction_type has an unknown value 'TELEPORT'"),
    ],
)
def test_bad_records_name_source_and_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputFileError, match="^test.json: transactions\\[0\\]: ") as caught:
        normalize_transactions([transaction(**fields)], PACIFIC, "USD")
    assert message in str(caught.value)


def test_error_body_is_not_an_export(tmp_path: Path) -> None:
    with pytest.raises(
        InputFileError,
        match="is a PayTrace error response, not an export: success false, response_code 1, 811: ",
    ):
        read_export_file(FIXTURES / "paytrace_error_body.json")


@pytest.mark.parametrize("text", ['{"customers": []}', "[1, 2]", '{"success": true}'])
def test_other_json_is_not_an_export_body(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(InputFileError, match="is not a PayTrace export body"):
        read_export_file(path)


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"success": true,\n "transactions": [,]}')
    with pytest.raises(InputFileError, match=r"x.json line 2, column 19: not valid JSON"):
        read_export_file(path)


def test_folder_reads_every_json_file_and_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="contains no .json files"):
        read_export_files(tmp_path)
    body = {"success": True, "transactions": [{"transaction_id": 5}]}
    (tmp_path / "a.json").write_text(json.dumps(body))
    (tmp_path / "b.json").write_text(json.dumps(body))
    assert len(read_export_files(tmp_path)) == 2
    with pytest.raises(InputFileError, match="does not exist"):
        read_export_files(tmp_path / "nope.json")


def test_times_in_a_change_of_daylight_saving_time_take_the_first_offset() -> None:
    """1:30 AM on 1 Nov 2026 happens twice in Los Angeles (PDT first); 2:30 AM on 8 Mar 2026
    never does: both are read with the offset in force just before the change."""
    raw = [
        transaction(transaction_id=1, created={"at": "11/01/2026 1:30:00 AM"}, settled=""),
        transaction(transaction_id=2, created={"at": "03/08/2026 2:30:00 AM"}, settled=""),
        transaction(transaction_id=3, created={"at": "11/25/2026 2:00:00 PM"}),
    ]
    payments = normalize_transactions(raw, PACIFIC, "USD")
    assert payments["created_at"].tolist() == [
        pd.Timestamp("2026-11-01 08:30", tz="UTC"),
        pd.Timestamp("2026-03-08 10:30", tz="UTC"),
        pd.Timestamp("2026-11-25 22:00", tz="UTC"),
    ]
    assert payments["status"].tolist() == ["pending", "pending", "settled"]


def test_the_first_bad_record_is_named_whatever_is_wrong_with_later_ones() -> None:
    raw = [
        transaction(transaction_id=1),
        transaction(transaction_id=2, settled="soon"),
        transaction(transaction_id=3, amount=None),
    ]
    with pytest.raises(InputFileError, match="field settled: 'soon' is not a PayTrace time"):
        normalize_transactions(raw, PACIFIC, "USD")


def test_a_decline_body_given_as_an_export_file_is_refused_naming_its_code(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputFileError) as caught:
        read_export_file(FIXTURES / "paytrace" / "decline.json")
    assert str(caught.value) == (
        f"{FIXTURES / 'paytrace' / 'decline.json'} is a PayTrace decline response, not an "
        "export: success false, response_code 102, status_message 'Your transaction was not "
        "approved.', approval_message 'DECLINE - Do not honor'"
    )
