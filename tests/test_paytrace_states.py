"""PayTrace record states from every signal a record carries, on real PayTrace body shapes.

The bodies under tests/fixtures/paytrace/records/ are public PayTrace answers copied byte for
byte (tests/fixtures/paytrace/records/SOURCES.md names each one's origin); those under
records/derived/ change one or two fields of such a body to state a signal no public body shows
(a missing code, a contradiction), and say which. An answer body has no amount or day, so the
test adds those two fields where a body lacks them, and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from paytrace_abas.config import MatchingSettings
from paytrace_abas.errors import InputFileError
from paytrace_abas.matching import match_payments
from paytrace_abas.paytrace.normalize import RawTransaction, normalize_transactions
from tests.support.builders import open_items_frame

RECORDS = Path(__file__).parent / "fixtures" / "paytrace" / "records"
PACIFIC = ZoneInfo("America/Los_Angeles")
#: what an export record has that an answer body does not
EXPORT_ONLY = {"amount": "125.00", "created": {"at": "11/25/2026 10:15:00 AM"}}


#: the legacy (name~value|) API's keys and the v1 JSON keys for the same values
LEGACY_KEYS = {
    "TRANSACTIONID": "transaction_id",
    "AVSRESPONSE": "avs_response",
    "CSCRESPONSE": "csc_response",
}


def body(name: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads((RECORDS / name).read_text("utf-8"))
    return record


def legacy_body(name: str) -> dict[str, Any]:
    """A legacy answer with its values kept exactly, under the v1 JSON keys.

    ``RESPONSE~105. Your TEST transaction was not approved.`` is the code and the status
    message, separated by ". " as the legacy API writes them.
    """
    text = (RECORDS / name).read_text("utf-8").strip().strip("|")
    pairs = dict(part.split("~", 1) for part in text.split("|"))
    code, message = pairs.pop("RESPONSE").split(". ", 1)
    record: dict[str, Any] = {"response_code": int(code), "status_message": message}
    record.update({LEGACY_KEYS[key]: value for key, value in pairs.items()})
    return record


def categorise(name: str) -> dict[str, Any]:
    return categorise_record({**EXPORT_ONLY, **body(name)}, name)


def categorise_record(record: dict[str, Any], name: str) -> dict[str, Any]:
    payments = normalize_transactions([RawTransaction(record, name)], PACIFIC, "USD")
    results = match_payments(payments, open_items_frame([]), MatchingSettings())
    row: dict[str, Any] = {}
    for frame in (payments, results):
        row.update({str(column): value for column, value in frame.iloc[0].items()})
    return row


@pytest.mark.parametrize(
    ("name", "kind", "status", "category"),
    [
        ("refund_106.json", "refund", "pending", "refund"),
        ("refund_106_newer_wording.json", "refund", "pending", "refund"),
        ("void_109.json", "void", "voided", "void"),
        ("void_109_activemerchant.json", "void", "voided", "void"),
        ("decline_102.json", "sale", "declined", "declined"),
        ("decline_102_purchase.json", "sale", "declined", "declined"),
        ("decline_102_expired_card.json", "sale", "declined", "declined"),
        ("derived/decline_without_code.json", "sale", "declined", "declined"),
        ("derived/auto_void_103.json", "sale", "auto_voided", "void"),
        ("approval_101.json", "sale", "pending", "pending"),
        ("approval_101_dotnet.json", "sale", "pending", "pending"),
        ("capture_112.json", "capture", "pending", "pending"),
        ("capture_112_activemerchant.json", "capture", "pending", "pending"),
    ],
)
def test_each_real_body_kind_gets_its_category(
    name: str, kind: str, status: str, category: str
) -> None:
    row = categorise(name)
    assert (row["kind"], row["status"], row["category"]) == (kind, status, category)


def test_the_legacy_test_decline_105_is_declined_by_its_code_and_words() -> None:
    """It carries no ``success`` flag: code 105 and "not approved" alone make it a decline."""
    record = legacy_body("legacy_decline_105.txt")
    assert record == {
        "response_code": 105,
        "status_message": "Your TEST transaction was not approved.",
        "transaction_id": "89731989",
        "avs_response": "Full Exact Match",
        "csc_response": "Match",
    }
    row = categorise_record({**EXPORT_ONLY, **record}, "legacy_decline_105.txt")
    assert (row["kind"], row["status"], row["category"]) == ("sale", "declined", "declined")


def test_a_settled_capture_is_money_received() -> None:
    record = {**EXPORT_ONLY, **body("capture_112.json"), "settled": "11/26/2026 02:00:00 AM"}
    payments = normalize_transactions([RawTransaction(record, "c")], PACIFIC, "USD")
    results = match_payments(payments, open_items_frame([]), MatchingSettings())
    assert (payments.iloc[0]["status"], results.iloc[0]["category"]) == ("settled", "unmatched")
    assert "contradict" not in results.iloc[0]["reason"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        (
            "derived/contradiction_sale_with_refund_code.json",
            "response_code 106 (refund) on a SALE: transaction_type 'SALE', response_code 106, "
            "success true, status_message 'Your transaction was successfully refunded.'",
        ),
        (
            "derived/contradiction_approved_code_declined_text.json",
            "one field says declined, another approved: response_code 101, success true, "
            "approval_code '', approval_message 'DECLINE - Do not honor', "
            "status_message 'Your transaction was not approved.'",
        ),
    ],
)
def test_a_contradiction_is_an_exception_in_the_records_own_words(name: str, words: str) -> None:
    row = categorise(name)
    assert row["category"] == "unmatched"
    assert row["rule"] == "card_state"
    assert row["reason"] == (
        f"PayTrace's fields contradict each other ({words}); nothing is posted for it: "
        "check it in PayTrace."
    )


@pytest.mark.parametrize(
    ("name", "check_id"),
    [
        ("ach_check_120.json", 981619),
        ("ach_check_122_refunded.json", 9981632),
        ("ach_check_124_managed.json", 9981614),
        ("ach_check_125_failed.json", 981610),
    ],
)
def test_an_ach_record_is_refused_naming_check_transaction_id(name: str, check_id: int) -> None:
    record = {**EXPORT_ONLY, **body(name)}
    words = f"ACH check record \\(check_transaction_id {check_id}\\)"
    with pytest.raises(InputFileError, match=words):
        normalize_transactions([RawTransaction(record, "ach.json")], PACIFIC, "USD")


def test_states_agree_with_the_sample_days_kinds() -> None:
    """The sample's refunds, voids and declines carry approval texts; none is a contradiction."""
    sample = Path(__file__).parent.parent / "sample_data" / "paytrace"
    records = [
        RawTransaction(record, str(path))
        for path in sorted(sample.glob("*.json"))
        for record in json.loads(path.read_text("utf-8"))["transactions"]
    ]
    statuses = normalize_transactions(records, PACIFIC, "USD")["status"]
    assert not statuses.str.startswith("conflicting").any(), statuses[statuses.str.len() > 12]
    assert isinstance(statuses, pd.Series)
