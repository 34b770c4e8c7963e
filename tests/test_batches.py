"""Settlement batches in every run (docs/settlement.md#batches): pulled over the API from the
fake PayTrace or read from ``[paytrace] batches_file``, joined to the payments by number and
day, and their bookings listed to book by hand once."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from paytrace_abas.cli import cli
from paytrace_abas.errors import InputFileError
from paytrace_abas.models import Window
from paytrace_abas.paytrace.batches import fetch_window_batches, read_batches_file
from paytrace_abas.paytrace.transport import PaytraceSession
from tests.fake_paytrace import FakePaytrace, dump_json, sample_day_config, transaction_record
from tests.support.cli import run_cli
from tests.test_paytrace_client import SECRETS, settings

ENV = {"PAYTRACE_USERNAME": "demo123", "PAYTRACE_PASSWORD": "demo-password"}
NOV_24, NOV_25 = dt.date(2026, 11, 24), dt.date(2026, 11, 25)


def sale(tid: int, amount: str, day: str, kind: str = "SALE") -> dict[str, Any]:
    return transaction_record(
        tid, Decimal(amount), f"{day} 10:00:00 AM", f"{day} 8:00:12 PM", transaction_type=kind
    )


def summary(number: int, day: str, sales: str, refunds: str = "0.00") -> dict[str, Any]:
    """A ``batches[]`` object: the legacy API's fields in the v1 spelling (docs/paytrace.md)."""
    net = Decimal(sales) - Decimal(refunds)
    return {
        "number": number,
        "settled": f"{day} 8:00:12 PM",
        "sales_amount": Decimal(sales),
        "refund_amount": Decimal(refunds),
        "net_amount": net,
    }


def write_batches(path: Path, *batches: dict[str, Any]) -> Path:
    body = {"success": True, "response_code": 1, "status_message": "ok", "batches": list(batches)}
    path.write_bytes(dump_json(body))
    return path


def test_the_api_pulls_each_batch_of_the_window_with_its_transactions(
    fake_paytrace: FakePaytrace,
) -> None:
    # 999 closes on the 24th, the counter wraps: 1 closes on the 25th
    fake_paytrace.transactions = [
        sale(101, "250.00", "11/24/2026"),
        sale(102, "40.00", "11/25/2026"),
        sale(103, "15.00", "11/25/2026", "REFUND"),
    ]
    fake_paytrace.batches = [
        summary(999, "11/24/2026", "250.00"),
        summary(1, "11/25/2026", "40.00", "15.00"),
    ]
    with PaytraceSession(settings(fake_paytrace), SECRETS) as session:
        pulls = fetch_window_batches(session, Window(NOV_24, NOV_25))
    assert [(p.batch.key, p.batch.net_amount_cents, p.batch.sales_cents) for p in pulls] == [
        ((999, NOV_24), 25000, 25000),
        ((1, NOV_25), 2500, 4000),
    ]
    assert [[t.record["transaction_id"] for t in p.transactions] for p in pulls] == [
        [101],
        [102, 103],
    ]
    asked = [r.json() for r in fake_paytrace.requests if r.path.endswith("transaction_list")]
    assert asked == [{"batch_number": 999}, {"batch_number": 1}]


def test_the_batches_file_tells_a_wrapped_number_apart_by_its_day(tmp_path: Path) -> None:
    path = write_batches(
        tmp_path / "batches.json",
        {**summary(7, "11/24/2026", "250.00"), "transactions": [sale(101, "250.00", "11/24/2026")]},
        {**summary(7, "11/25/2026", "40.00"), "transactions": [sale(102, "40.00", "11/25/2026")]},
        {**summary(8, "11/26/2026", "10.00"), "transactions": []},
    )
    pulls = read_batches_file(path, Window(NOV_24, NOV_25))  # the 26th is outside
    assert [p.batch.key for p in pulls] == [(7, NOV_24), (7, NOV_25)]
    assert [[t.record["batch_number"] for t in p.transactions] for p in pulls] == [[7], [7]]
    assert pulls[1].transactions[0].source == f"{path}: batches[1]: transactions[0]"


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        (
            {**summary(7, "11/25/2026", "40.00"), "transactions": [sale(1, "40.00", "11/24/2026")]},
            "batches[0]: transactions[0] settled on 2026-11-24, not on the batch's day 2026-11-25",
        ),
        ({"number": 7, "net_amount": 1}, "batches[0]: field settled is missing"),
        ({"number": "seven", "settled": "11/25/2026"}, "batch has no usable number ('seven')"),
        (
            {**summary(7, "11/25/2026", "40.00"), "net_amount": "40.001"},
            "batch amount: '40.001' has more than two decimal places",
        ),
    ],
)
def test_a_bad_batches_file_names_the_batch(
    tmp_path: Path, batch: dict[str, Any], message: str
) -> None:
    path = write_batches(tmp_path / "batches.json", batch)
    with pytest.raises(InputFileError, match="batches.json") as caught:
        read_batches_file(path, Window(NOV_24, NOV_25))
    assert message in str(caught.value)


def test_payments_carry_their_batch_and_the_workbook_a_settlement_sheet(demo_copy: Path) -> None:
    out = demo_copy.parent.parent / "out"
    result = run_cli(demo_copy, "reconcile", "--date", "2026-11-25", "--dry-run", "--out", str(out))
    assert result.exit_code == 0, result.output
    book = load_workbook(next(out.glob("reconcile-*.xlsx")))
    rows = list(book["Settlement"].iter_rows(min_row=2, values_only=True))
    # batch, day, card types, count, sales, refunds, net, deposit, fee, deposited on, status
    assert [row[:2] + row[3:11] for row in rows[:3]] == [
        (
            998,
            dt.datetime(2026, 11, 25),
            21,
            46862.70,
            0,
            46862.70,
            45503.68,
            1359.02,
            dt.datetime(2026, 11, 26),
            "Batch does not add up",
        ),
        (
            999,
            dt.datetime(2026, 11, 25),
            21,
            41897.80,
            0,
            41897.80,
            None,
            None,
            None,
            "Deposit missing",
        ),
        (
            1,
            dt.datetime(2026, 11, 25),
            21,
            11773.74,
            1145.50,
            10628.24,
            10096.83,
            531.41,
            dt.datetime(2026, 11, 27),
            "Fee outside the band",
        ),
    ]
    assert rows[3][7:11] == (25000, None, dt.datetime(2026, 11, 26), "Deposit pays no batch")
    assert rows[2][11] == (
        "deposit 10,096.83 on Nov 27, 2026 for net 10,628.24 leaves a fee of 531.41, outside "
        "0.00 to 371.99 ([settlement] fee_percent_max)"
    )
    summary_rows = {row[0]: row[2:4] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary_rows["Net settled in batches (sales - refunds)"] == (3, 99388.74)
    assert "Deposited by the bank" not in summary_rows  # the Settlement sheet totals it


def test_the_german_settlement_sheet_and_console_speak_german(demo_copy: Path) -> None:
    text = demo_copy.read_text(encoding="utf-8")
    demo_copy.write_text(text.replace('locale = "en_US"', 'locale = "de_DE"'), encoding="utf-8")
    out = demo_copy.parent.parent / "out"
    result = run_cli(demo_copy, "reconcile", "--date", "2026-11-25", "--dry-run", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (
        "  Batch 1 vom 25.11.2026: Gebühr außerhalb der Spanne — Gutschrift 10.096,83 am "
        "27.11.2026 für netto 10.628,24 ergibt eine Gebühr von 531,41, außerhalb von 0,00 bis "
        "371,99 ([settlement] fee_percent_max)"
    ) in result.output
    book = load_workbook(next(out.glob("reconcile-*.xlsx")))
    rows = list(book["Abrechnung"].iter_rows(min_row=2, max_row=5, values_only=True))
    assert [row[10] for row in rows] == [
        "Batch-Summen weichen ab",
        "Gutschrift fehlt",
        "Gebühr außerhalb der Spanne",
        "Gutschrift ohne Batch",
    ]
    assert str(rows[0][11]).startswith(
        "PayTrace-Batch 998 vom 25.11.2026 geht nicht auf: Erstattungen:"
    )


def test_a_posting_run_lists_the_settlement_bookings_once(demo_copy: Path) -> None:
    out = demo_copy.parent.parent / "out"
    first = run_cli(demo_copy, "reconcile", "--date", "2026-11-25", "--out", str(out))
    again = run_cli(demo_copy, "reconcile", "--date", "2026-11-25", "--out", str(out))
    assert first.exit_code == again.exit_code == 0, first.output + again.output
    assert "book by hand in abas (4 booking(s) no sink posts)" in first.output
    assert "batch 1 2026-11-25 18100 fee" in first.output
    assert "book by hand" not in again.stdout  # the ledger has listed them
    shown = run_cli(demo_copy, "show", first.stdout.split()[1])
    assert "book by hand in abas (4 booking(s) no sink posts)" in shown.output


def test_the_api_source_checks_the_fakes_batches_end_to_end(
    fake_paytrace: FakePaytrace, tmp_path: Path
) -> None:
    fake_paytrace.transactions = [sale(102, "40.00", "11/25/2026")]
    fake_paytrace.batches = [summary(1, "11/25/2026", "45.00")]  # PayTrace says 5.00 more
    config = sample_day_config(tmp_path, fake_paytrace, backoff_seconds=0.001)
    args = ["reconcile", "--date", "2026-11-25", "--dry-run", "--format", "json"]
    result = CliRunner().invoke(
        cli, ["--config", str(config), *args, "--out", str(tmp_path)], env=ENV
    )
    assert result.exit_code == 0, result.output
    batches = json.loads(result.stdout)["batches"]
    assert [(b["batch_number"], b["net_cents"], b["status"]) for b in batches] == [
        (1, 4000, "batch_mismatch")
    ]
    assert "sales: batch says 45.00, its transactions add up to 40.00" in batches[0]["reason"]


def test_without_bank_and_fee_accounts_no_booking_is_made(demo_copy: Path) -> None:
    text = demo_copy.read_text(encoding="utf-8")
    demo_copy.write_text(text.replace('bank = "12000"\n', ""), encoding="utf-8")
    out = demo_copy.parent.parent / "out"
    result = run_cli(demo_copy, "reconcile", "--date", "2026-11-25", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "book by hand" not in result.stdout
    assert "2 paired batch(es) need bookings to the bank and fee accounts" in result.stderr
    book = load_workbook(next(out.glob("reconcile-*.xlsx")))
    deposits = [row[7] for row in book["Settlement"].iter_rows(min_row=2, values_only=True)]
    assert deposits[:3] == [45503.68, None, 10096.83]  # the pairing does not need the accounts
