"""The PayTrace API source over real loopback HTTP against the fake PayTrace server."""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from paytrace_abas.config import PaytraceSettings, Secrets
from paytrace_abas.errors import SourceError, TransientSourceError
from paytrace_abas.models import Window
from paytrace_abas.paytrace.client import (
    check_connection,
    fetch_batch_transactions,
    fetch_batches,
    fetch_customers,
    fetch_recurring_payments,
    fetch_transactions,
    pull_days,
    pull_transactions,
)
from paytrace_abas.paytrace.normalize import normalize_transactions
from paytrace_abas.paytrace.records import Customer
from paytrace_abas.paytrace.transport import PaytraceSession
from paytrace_abas.paytrace.wire import ExportRecord
from tests.fake_paytrace import FakePaytrace, transaction_record

EXPORT = "/v1/transactions/export/by_date_range"
SECRETS = Secrets(paytrace_username="demo123", paytrace_password="demo-password")
WINDOW = Window(dt.date(2026, 11, 25), dt.date(2026, 11, 25))
PACIFIC = ZoneInfo("America/Los_Angeles")


def settings(fake: FakePaytrace, **overrides: Any) -> PaytraceSettings:
    values: dict[str, Any] = {
        "source": "api",
        "base_url": fake.url,
        "backoff_seconds": 0.001,
        "retry_budget_seconds": 10.0,
        "max_attempts": 4,
        "timeout_seconds": 5.0,
        "parallel_requests": 4,
    }
    return PaytraceSettings(**{**values, **overrides})


def november_transactions() -> list[dict[str, Any]]:
    return [
        transaction_record(1001, 110, "11/23/2026 9:15:00 AM", "11/23/2026 8:13:45 PM", "400101"),
        transaction_record(1002, Decimal("1.5"), "11/24/2026 10:00:00 PM", "11/25/2026 8:13:45 PM"),
        transaction_record(
            1003, Decimal("250.00"), "11/25/2026 7:59:00 AM", "11/25/2026 8:13:45 PM"
        ),
        transaction_record(1004, Decimal("99.99"), "11/25/2026 9:30:00 PM", ""),
        transaction_record(1005, Decimal("12.00"), "11/26/2026 6:00:00 AM", ""),
    ]


def export_requests(fake: FakePaytrace) -> list[dict[str, Any]]:
    return [request.json() for request in fake.requests if request.path == EXPORT]


def test_pull_days_reach_back_by_the_overlap_and_one_day_past_the_window() -> None:
    assert pull_days(WINDOW, overlap_days=2) == [
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 24),
        dt.date(2026, 11, 25),
        dt.date(2026, 11, 26),
    ]


def read_fields(record: dict[str, Any]) -> dict[str, Any]:
    """What the export decoder keeps of a record: the fields the package reads that it has."""
    fields = ExportRecord.__struct_fields__
    return {name: record[name] for name in fields if record.get(name) is not None}


def test_fetch_asks_one_day_per_request_and_returns_records_as_exported(
    fake_paytrace: FakePaytrace,
) -> None:
    fake_paytrace.transactions = november_transactions()
    raw = fetch_transactions(settings(fake_paytrace, parallel_requests=1), SECRETS, WINDOW)

    assert sorted(export_requests(fake_paytrace), key=lambda body: body["start_date"]) == [
        {"start_date": day, "end_date": day}
        for day in ("11/23/2026", "11/24/2026", "11/25/2026", "11/26/2026")
    ]
    assert [item.record for item in raw] == [read_fields(r) for r in november_transactions()]
    assert [item.source for item in raw] == [
        "PayTrace export 11/23/2026: transactions[0]",
        "PayTrace export 11/24/2026: transactions[0]",
        "PayTrace export 11/25/2026: transactions[0]",
        "PayTrace export 11/25/2026: transactions[1]",
        "PayTrace export 11/26/2026: transactions[0]",
    ]
    assert isinstance(raw[1].record["amount"], Decimal)


def test_a_transaction_in_two_day_exports_is_kept_once_in_its_newest_state(
    fake_paytrace: FakePaytrace,
) -> None:
    pending = transaction_record(2001, 40, "11/24/2026 11:00:00 AM", "")
    settled = transaction_record(2001, 40, "11/25/2026 11:00:00 AM", "11/25/2026 8:13:45 PM")
    fake_paytrace.transactions = [pending, settled]
    raw = fetch_transactions(settings(fake_paytrace), SECRETS, WINDOW)
    assert [(item.record["transaction_id"], item.record["settled"]) for item in raw] == [
        (2001, "11/25/2026 8:13:45 PM")
    ]
    assert raw[0].source == "PayTrace export 11/25/2026: transactions[0]"


def test_api_records_normalize_like_export_files(fake_paytrace: FakePaytrace) -> None:
    fake_paytrace.transactions = november_transactions()
    raw = fetch_transactions(settings(fake_paytrace), SECRETS, WINDOW)
    payments = normalize_transactions(raw, PACIFIC, "USD")
    assert payments["amount_cents"].tolist() == [11000, 150, 25000, 9999, 1200]
    assert payments["status"].tolist() == ["settled", "settled", "settled", "pending", "pending"]


def test_parallel_day_requests_are_in_flight_together(fake_paytrace: FakePaytrace) -> None:
    # Each day request waits at the fake for another one: only overlapping requests meet.
    fake_paytrace.rendezvous = 4
    window = Window(dt.date(2026, 11, 1), dt.date(2026, 11, 8))
    fetch_transactions(
        settings(fake_paytrace, parallel_requests=4, overlap_days=0), SECRETS, window
    )
    assert fake_paytrace.max_in_flight == 4


def test_progress_is_reported_after_every_day(fake_paytrace: FakePaytrace) -> None:
    seen: list[tuple[int, int]] = []
    fetch_transactions(settings(fake_paytrace), SECRETS, WINDOW, lambda *step: seen.append(step))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_random_500s_and_a_token_expiry_mid_run_give_the_same_records(
    fake_paytrace: FakePaytrace,
) -> None:
    fake_paytrace.transactions = november_transactions()
    month = Window(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    calm = fetch_transactions(settings(fake_paytrace), SECRETS, month)
    fake_paytrace.requests.clear()
    fake_paytrace.fail_ratio = 0.2
    fake_paytrace.expire_tokens_after(6)
    stormy = fetch_transactions(settings(fake_paytrace, max_attempts=8), SECRETS, month)
    assert [item.record for item in stormy] == [item.record for item in calm]
    statuses = [request.status for request in fake_paytrace.requests]
    assert 500 in statuses and 401 in statuses
    assert len(export_requests(fake_paytrace)) > 32


def test_429_malformed_and_slow_answers_are_retried(fake_paytrace: FakePaytrace) -> None:
    fake_paytrace.transactions = november_transactions()
    fake_paytrace.throttle_next(1, retry_after="0.05")
    fake_paytrace.malform_next(1)
    fake_paytrace.slow_next(1, seconds=60)  # answers when the fake stops: a sure timeout
    # Attempts to spare: on a busy machine a normal answer may miss the short timeout too.
    quick = settings(fake_paytrace, timeout_seconds=0.5, parallel_requests=1, max_attempts=8)
    raw = fetch_transactions(quick, SECRETS, WINDOW)
    assert len(raw) == 5


def test_paytrace_down_fails_with_one_clear_line(fake_paytrace: FakePaytrace) -> None:
    fake_paytrace.down = True
    with pytest.raises(TransientSourceError) as caught:
        fetch_transactions(settings(fake_paytrace, max_attempts=2), SECRETS, WINDOW)
    message = str(caught.value)
    assert message.startswith("PayTrace POST /oauth/token answered HTTP 503 (gave up after 2 ")
    assert "\n" not in message


def test_nothing_listening_is_a_transient_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = PaytraceSettings(
        source="api", base_url=f"http://127.0.0.1:{port}", backoff_seconds=0.001, max_attempts=2
    )
    with pytest.raises(TransientSourceError) as caught:
        fetch_transactions(closed, SECRETS, WINDOW)
    assert str(caught.value).startswith(
        f"PayTrace POST /oauth/token failed: the connection to 127.0.0.1:{port} failed "
        "(gave up after 2 attempt(s)"
    )


def test_wrong_credentials_stop_before_any_export(fake_paytrace: FakePaytrace) -> None:
    fake_paytrace.transactions = november_transactions()
    wrong = Secrets(paytrace_username="demo123", paytrace_password="wrong")
    with pytest.raises(SourceError) as caught:
        fetch_transactions(settings(fake_paytrace), wrong, WINDOW)
    assert "invalid_grant" in str(caught.value)
    assert not any(request.path == EXPORT for request in fake_paytrace.requests)


def test_batches_are_keyed_by_number_and_settlement_day(fake_paytrace: FakePaytrace) -> None:
    fake_paytrace.batches = [
        {
            "number": 7,
            "settled": "11/24/2026 8:13:45 PM",
            "transaction_count": 1,
            "net_amount": 110,
        },
        {
            "number": 7,
            "settled": "11/25/2026 8:13:45 PM",
            "transaction_count": 2,
            "net_amount": Decimal("251.50"),
        },
    ]
    with PaytraceSession(settings(fake_paytrace), SECRETS) as session:
        batches = fetch_batches(session, dt.date(2026, 11, 24), dt.date(2026, 11, 25))
    assert [(batch.key, batch.transaction_count, batch.net_amount_cents) for batch in batches] == [
        ((7, dt.date(2026, 11, 24)), 1, 11000),
        ((7, dt.date(2026, 11, 25)), 2, 25150),
    ]
    assert fake_paytrace.requests[-1].json() == {
        "start_date": "11/24/2026",
        "end_date": "11/25/2026",
    }


def test_batch_transactions_of_a_wrapped_number_keep_only_their_own_day(
    fake_paytrace: FakePaytrace,
) -> None:
    fake_paytrace.transactions = november_transactions()
    fake_paytrace.batches = [
        {"number": 7, "settled": "11/23/2026 8:13:45 PM"},
        {"number": 7, "settled": "11/25/2026 8:13:45 PM"},
    ]
    with PaytraceSession(settings(fake_paytrace), SECRETS) as session:
        older, newer = fetch_batches(session, dt.date(2026, 11, 23), dt.date(2026, 11, 25))
        assert fetch_batch_transactions(session, older) == []
        latest = fetch_batch_transactions(session, newer)
    assert fake_paytrace.requests[-1].json() == {"batch_number": 7}
    assert [(t.record["transaction_id"], t.record["batch_number"]) for t in latest] == [
        (1002, 7),
        (1003, 7),
    ]
    assert latest[0].source == "PayTrace batch 7: transactions[0]"


def test_customers_come_with_masked_cards_and_four_digit_expiry(
    fake_paytrace: FakePaytrace,
) -> None:
    fake_paytrace.customers = [
        {
            "customer_id": "C-100",
            "credit_card": {
                "masked_number": "xxxxxxxxxxxx1111",
                "expiration_month": 3,
                "expiration_year": 27,
            },
            "billing_address": {"name": "Steve Smith"},
            "email": "steve@example.com",
            "unknown_field": {"ignored": True},
        },
        {"customer_id": "C-200"},
    ]
    with PaytraceSession(settings(fake_paytrace), SECRETS) as session:
        customers = fetch_customers(session)
        only = fetch_customers(session, "C-200")
    assert customers == [
        Customer(
            "C-100",
            "Steve Smith",
            "steve@example.com",
            "1111",
            "2027-03",
            "PayTrace customers: customers[0]",
        ),
        Customer("C-200", "", "", "", "", "PayTrace customers: customers[1]"),
    ]
    assert [customer.customer_id for customer in only] == ["C-200"]
    assert fake_paytrace.requests[-1].json() == {"customer_id": "C-200"}


def test_recurring_payments_of_a_customer(fake_paytrace: FakePaytrace) -> None:
    payment = transaction_record(
        3001, Decimal("24.95"), "11/01/2026 3:00:00 AM", "11/01/2026 8:13:45 PM"
    )
    fake_paytrace.recurring = {"C-100": {"transactions": [payment]}}
    with PaytraceSession(settings(fake_paytrace), SECRETS) as session:
        payments = fetch_recurring_payments(session, "C-100")
        with pytest.raises(SourceError) as caught:
            fetch_recurring_payments(session, "C-404")
    assert [item.record for item in payments] == [payment]
    assert payments[0].source == "PayTrace recurring payments of C-100: transactions[0]"
    assert str(caught.value) == (
        "PayTrace POST /v1/recurrence/export_approved failed with HTTP 200: "
        "30 Customer ID, C-404, was not found or is incomplete."
    )


def test_check_connection_reports_each_step(fake_paytrace: FakePaytrace) -> None:
    steps = check_connection(settings(fake_paytrace), SECRETS)
    assert [(step.name, step.ok) for step in steps] == [
        ("PayTrace ping", True),
        ("PayTrace login", True),
    ]
    assert steps[1].detail == "token issued, valid for 7200 s"

    wrong = Secrets(paytrace_username="demo123", paytrace_password="nope")
    failed = check_connection(settings(fake_paytrace), wrong)
    assert [(step.name, step.ok) for step in failed] == [
        ("PayTrace ping", True),
        ("PayTrace login", False),
    ]
    assert "invalid_grant" in failed[1].detail


def test_a_request_that_never_answers_times_out_and_names_the_day(
    fake_paytrace: FakePaytrace,
) -> None:
    quick = settings(fake_paytrace, timeout_seconds=0.2, max_attempts=2)
    with PaytraceSession(quick, SECRETS) as session:
        session.token()
        fake_paytrace.slow_next(2, seconds=1.0)
        with pytest.raises(TransientSourceError) as caught:
            pull_transactions(session, [dt.date(2026, 11, 25)])
    assert str(caught.value).startswith(
        f"PayTrace POST {EXPORT} for 11/25/2026 did not answer within 0.2 s "
        "(gave up after 2 attempt(s) in "
    )


def test_mixed_types_and_missing_fields_are_tolerated(fake_paytrace: FakePaytrace) -> None:
    sparse = {
        "transaction_id": "4001",
        "transaction_type": "SALE",
        "amount": "110.00",
        "tax_amount": 8.1,
        "created": {"at": "11/25/2026 9:05:00 AM"},
        "settled": "11/25/2026 8:13:45 PM",
        "some_new_field": {"nested": [1, 2]},
    }
    two_digit_year = transaction_record(4002, 110, "11/25/2026 9:06:00 AM", "11/25/2026 8:13:45 PM")
    fake_paytrace.transactions = [sparse, two_digit_year]
    raw = fetch_transactions(settings(fake_paytrace), SECRETS, WINDOW)
    payments = normalize_transactions(raw, PACIFIC, "USD")
    assert payments[["transaction_id", "amount_cents", "card_last4", "billing_name"]].to_dict(
        "records"
    ) == [
        {"transaction_id": "4001", "amount_cents": 11000, "card_last4": "", "billing_name": ""},
        {
            "transaction_id": "4002",
            "amount_cents": 11000,
            "card_last4": "5454",
            "billing_name": "Kevin",
        },
    ]
