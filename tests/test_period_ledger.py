"""The period report read from the run ledger: nightly runs on the sample data, then ``report``.

Expected totals come from the hand-written expectations of the sample day
(tests/golden/sample_day_expected.json) and the amounts in the sample files, not from the
program's own output.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from paytrace_abas.models import MONEY_OUT, NON_MONEY, OPEN_CATEGORIES
from paytrace_abas.report.labels import category_name
from tests.support.cli import run_cli
from tests.support.workbooks import data_rows

GOLDEN = Path(__file__).parent / "golden" / "sample_day_expected.json"
#: Settlement day -> the PayTrace batch it closed in (the sample export carries none; the
#: batch export would give them).
BATCHES = {"11/24/2026": 101, "11/25/2026": 102, "11/26/2026": 103}
#: The two transactions outside the sample day (sample_data/generate.py): 1,000.00 on the 24th
#: and 222.00 on the 26th, each paying part of an invoice.
OUTSIDE = {
    "512330583": (dt.date(2026, 11, 24), "partial_payment"),
    "512330590": (dt.date(2026, 11, 26), "partial_payment"),
    # the money trail's payments of the day before, refunded on the sample day
    "512330618": (dt.date(2026, 11, 24), "matched"),
    "512330632": (dt.date(2026, 11, 24), "matched"),
    "512330639": (dt.date(2026, 11, 24), "matched"),
}
SAMPLE_DAY = dt.date(2026, 11, 25)
NOT_MONEY = {c.value for c in NON_MONEY}
OUT = {c.value for c in MONEY_OUT}
OPEN = {c.value for c in OPEN_CATEGORIES}


def with_batch_numbers(config: Path) -> dict[str, dict[str, Any]]:
    """Give the copied export's settled transactions their batch; return the export by id."""
    export = next((config.parent.parent / "sample_data" / "paytrace").glob("*.json"))
    document = json.loads(export.read_text(encoding="utf-8"))
    for transaction in document["transactions"]:
        settled = (transaction.get("settled") or "")[:10]
        if settled:
            transaction["batch_number"] = BATCHES[settled]
    export.write_text(json.dumps(document), encoding="utf-8")
    return {str(t["transaction_id"]): t for t in document["transactions"]}


def expected_items(export: dict[str, dict[str, Any]], chargebacks: Path) -> list[dict[str, Any]]:
    """(transaction, day, category, cents, batch) of every transaction the three days decide."""
    disputed = {f"CB-{row['case_number']}": row for row in csv.DictReader(chargebacks.open())}
    golden = json.loads(GOLDEN.read_text())["items"]
    decided = {item["transaction_id"]: (SAMPLE_DAY, item["category"]) for item in golden}
    items = []
    for tid, (day, category) in (decided | OUTSIDE).items():
        raw = export.get(tid) or disputed[tid]
        items.append(
            {
                "transaction_id": tid,
                "day": day,
                "category": category,
                "cents": int(Decimal(str(raw["amount"])) * 100),
                "batch": raw.get("batch_number"),
            }
        )
    return items


def cents(value: object) -> int:
    return int(Decimal(str(value)) * 100)


def test_period_report_from_nightly_runs_and_a_rerun(demo_copy: Path) -> None:
    export = with_batch_numbers(demo_copy)
    chargebacks = (
        demo_copy.parent.parent / "sample_data" / "chargebacks" / "disputes-2026-11-25.csv"
    )
    out = demo_copy.parent.parent / "out"
    nights = [["--date", "2026-11-24"], ["--date", "2026-11-25", "--chargebacks", str(chargebacks)]]
    nights += [["--date", "2026-11-26"], ["--date", "2026-11-25"]]  # the last one reruns a day
    nights += [["--date", "2026-11-26", "--dry-run"]]  # a preview nobody applied: not counted
    for options in nights:
        result = run_cli(demo_copy, "reconcile", *options, "--out", str(out))
        assert result.exit_code == 0, result.output
    expected = expected_items(export, chargebacks)

    report = run_cli(demo_copy, "report", "--from", "2026-11-24", "--to", "2026-11-26")
    assert report.exit_code == 0, report.output
    book = load_workbook(report.output.split("workbook: ")[1].strip())

    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Runs"][0] == 4
    by_category = totals(expected, "category")
    assert {
        code: (summary[category_name(code, "en")][0], cents(summary[category_name(code, "en")][1]))
        for code in by_category
    } == by_category

    daily = {
        (row[0].date(), row[1]): (row[2], cents(row[3])) for row in data_rows(book, "Daily totals")
    }
    assert daily == {
        (day, category_name(code, "en")): value
        for (day, code), value in totals(expected, "day", "category").items()
    }

    # a batch is its number on its day (numbers wrap); each day here closed one batch
    batches = {row[1]: tuple(cents(v) for v in row[3:]) for row in data_rows(book, "Batches")}
    assert batches == batch_totals(expected)

    every_line = data_rows(book, "Postings")
    postings = [row for row in every_line if row[7] != "book_by_hand"]
    # the sample day's matched invoices and the three of the day before, each posted once
    assert len(postings) == 48
    assert {row[7] for row in postings} == {"posted"}
    assert all(str(row[8]).startswith("demo-abas-import.edp line ") for row in postings)
    # and, once however often the 25th ran, batch 998's deposit and fee, deposited on the 26th
    # (batch 1's on the 27th is after the period; docs/settlement.md)
    by_hand = [(row[0], row[4]) for row in every_line if row[7] == "book_by_hand"]
    assert by_hand == [
        ("batch 998 2026-11-25 18100 deposit", 45503.68),
        ("batch 998 2026-11-25 18100 fee", 1359.02),
    ]

    carried = [i for i in expected if i["category"] in OPEN]
    last_day = dt.date(2026, 11, 26)
    ages = {i["transaction_id"]: (last_day - i["day"]).days for i in carried}
    opened = data_rows(book, "Open exceptions")
    assert {row[0]: row[4] for row in opened} == ages
    assert [row[4] for row in opened] == sorted(ages.values(), reverse=True)  # oldest first

    # A report of the last day alone still carries the earlier days' open exceptions.
    report = run_cli(demo_copy, "report", "--from", "2026-11-26", "--to", "2026-11-26")
    book = load_workbook(report.output.split("workbook: ")[1].strip())
    assert {row[0]: row[4] for row in data_rows(book, "Open exceptions")} == ages
    assert [row[:3] for row in data_rows(book, "Daily totals")] == [
        (dt.datetime(2026, 11, 26), "Partial payment", 1)
    ]


def totals(items: list[dict[str, Any]], *keys: str) -> dict[Any, tuple[int, int]]:
    """(count, cents) per key."""
    grouped: dict[Any, tuple[int, int]] = {}
    for item in items:
        key = item[keys[0]] if len(keys) == 1 else tuple(item[k] for k in keys)
        count, amount = grouped.get(key, (0, 0))
        grouped[key] = (count + 1, amount + item["cents"])
    return grouped


def batch_totals(items: list[dict[str, Any]]) -> dict[int, tuple[int, int, int]]:
    """(received, refunded, net) cents per batch: what each batch deposit shows."""
    money: dict[int, tuple[int, int]] = {}
    for item in items:
        if item["batch"] is None or item["category"] in NOT_MONEY:
            continue
        received, refunded = money.get(item["batch"], (0, 0))
        if item["category"] in OUT:
            refunded += item["cents"]
        else:
            received += item["cents"]
        money[item["batch"]] = (received, refunded)
    return {batch: (inn, out, inn - out) for batch, (inn, out) in money.items()}
