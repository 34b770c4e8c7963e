"""From an edited workbook to posted receipts: dry run, the clerk's Resolution column, resolve,
apply (import file and REST), and the period report that shows what the decisions closed."""

from __future__ import annotations

from pathlib import Path

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from tests.fake_abas import FakeAbas
from tests.support.cli import run_cli
from tests.support.days import import_file_receipts, write_day
from tests.support.workbooks import sheet_holding, type_decisions

DAY = "2026-11-25"
#: What the clerk types, per sheet and transaction (the sample day's stories).
DECISIONS = {
    "Partial payments": {
        # 1,455.00 of 1,500.00: the rest stays open in abas
        "512330359": ("assign 400164", ""),
        # 800.00 for 840.00: close the invoice and write the 40.00 short off as an expense
        "512330373": ("assign 400171=840.00; write off -40.00 to 6855", "short payment accepted"),
    },
    # 470.00 for 460.00: the 10.00 too much goes to an account
    "Overpayments": {"512330387": ("assign 400175; write off to 4970", "customer keeps credit")},
    "Unmatched": {"512330415": ("ignore", "test payment")},
}
#: transaction -> the receipt lines (invoice, amount, discount) the decisions post
DECIDED_RECEIPTS = {
    "512330359": [("400164", "1455,00", "0,00")],
    "512330373": [("400171", "840,00", "0,00")],
    "512330387": [("400175", "460,00", "0,00")],
}
MATCHED_RECEIPTS = 39  # the sample day's matched payments (tests/golden/sample_day_expected.json)


def decide_and_resolve(config: Path) -> tuple[Path, Path]:
    """The clerk's morning: dry run, decisions typed into the workbook, resolve."""
    out = config.parent.parent / "out"
    dry = run_cli(config, "reconcile", "--date", DAY, "--dry-run", "--out", str(out))
    assert dry.exit_code == 0, dry.output
    workbook = next(out.glob("reconcile-*.xlsx"))
    type_decisions(workbook, DECISIONS)
    resolved = run_cli(config, "resolve", str(workbook))
    assert resolved.exit_code == 0, resolved.output
    assert "4 decision(s) read: 5 posting line(s) added" in resolved.output
    return out, next(out.glob("plan-*-resolved.json"))


def use_fake_abas(config: Path, fake: FakeAbas) -> None:
    text = config.read_text(encoding="utf-8")
    rest = f'sink = "api"\nbase_url = "{fake.base_url}"\nclient = "test"'
    config.write_text(text.replace('sink = "file"', rest), encoding="utf-8")


def import_file_lines(config: Path) -> dict[str, list[tuple[str, str, str, str]]]:
    """beleg -> (counter account, invoice, amount, discount) of each data line."""
    lines = (config.parent.parent / "out" / "demo-abas-import.edp").read_text("utf-8")
    found: dict[str, list[tuple[str, str, str, str]]] = {}
    for line in lines.splitlines()[7:]:
        cells = line.split(";")
        # the file has a decimal point where the REST payload has a comma (docs/posting.md)
        amount, discount = (cell.replace(".", ",") for cell in cells[7:9])
        found.setdefault(cells[0], []).append((cells[3], cells[5], amount, discount))
    return found


def fake_documents(fake: FakeAbas) -> dict[str, list[tuple[str, str, str, str]]]:
    """beleg -> (counter account, invoice, amount, discount) of each row abas committed."""
    found: dict[str, list[tuple[str, str, str, str]]] = {}
    for document in fake.state.documents:
        assert document.reference not in found, f"{document.reference} posted twice"
        found[document.reference] = [
            (document.account, row["tbeleg"], row["opzabetr"], row["skbetr"])
            for row in document.rows
        ]
    return found


def test_an_edited_workbook_ends_in_receipts_in_the_import_file(demo_copy: Path) -> None:
    out, resolved = decide_and_resolve(demo_copy)

    applied = run_cli(demo_copy, "apply", str(resolved))
    assert applied.exit_code == 0, applied.output
    receipts = import_file_lines(demo_copy)
    assert len(receipts) == MATCHED_RECEIPTS + len(DECIDED_RECEIPTS)
    for tid, lines in DECIDED_RECEIPTS.items():
        assert receipts[tid] == [("18100", *line) for line in lines]
    assert "512330415" not in receipts  # ignored
    every_line = [line for lines in receipts.values() for line in lines]
    assert all(invoice for _, invoice, _, _ in every_line)  # no write-off reaches abas
    # The write-offs are listed for booking by hand, as debit and credit of the same reference.
    # ... and with them the dry run's settlement: deposit and fee of the two batches it paired
    # (docs/settlement.md), 998 by its amount (2.9 % fee), 1 by its reference (5 % fee).
    assert "book by hand in abas (6 booking(s) no sink posts)" in applied.output
    printed = [line.split() for line in applied.output.splitlines()]
    booked = [words for words in printed if words and words[0].startswith("5123303")]
    assert [words[:6] for words in booked] == [
        ["512330373", "2026-11-25", "6855", "18100", "40.00", "USD"],
        ["512330387", "2026-11-25", "18100", "4970", "10.00", "USD"],
    ]
    settled = [words for words in printed if words and words[0] == "batch"]
    assert [words[:9] for words in settled] == [
        [
            "batch",
            "998",
            "2026-11-25",
            "18100",
            "deposit",
            "2026-11-26",
            "12000",
            "18100",
            "45,503.68",
        ],
        ["batch", "998", "2026-11-25", "18100", "fee", "2026-11-26", "68550", "18100", "1,359.02"],
        [
            "batch",
            "1",
            "2026-11-25",
            "18100",
            "deposit",
            "2026-11-27",
            "12000",
            "18100",
            "10,096.83",
        ],
        ["batch", "1", "2026-11-25", "18100", "fee", "2026-11-27", "68550", "18100", "531.41"],
    ]

    apply_run = applied.output.split()[1]
    shown = run_cli(demo_copy, "show", apply_run)
    assert shown.exit_code == 0, shown.output
    assert "book by hand in abas (6 booking(s) no sink posts)" in shown.output

    before = (out / "demo-abas-import.edp").read_bytes()
    again = run_cli(demo_copy, "apply", str(resolved))
    assert again.exit_code == 0, again.output
    assert (out / "demo-abas-import.edp").read_bytes() == before
    assert f"already in the ledger: {MATCHED_RECEIPTS + len(DECIDED_RECEIPTS)}" in again.output
    assert "posted now: 0" in again.output
    assert "book by hand" not in again.output


@pytest.mark.usefixtures("abas_env")
def test_an_edited_workbook_ends_in_receipts_in_abas(demo_copy: Path, fake_abas: FakeAbas) -> None:
    use_fake_abas(demo_copy, fake_abas)
    _, resolved = decide_and_resolve(demo_copy)
    assert fake_abas.state.documents == []  # a dry run and resolve post nothing

    applied = run_cli(demo_copy, "apply", str(resolved))
    assert applied.exit_code == 0, applied.output
    documents = fake_documents(fake_abas)
    assert len(documents) == MATCHED_RECEIPTS + len(DECIDED_RECEIPTS)
    for tid, lines in DECIDED_RECEIPTS.items():
        assert documents[tid] == [("18100", *line) for line in lines]

    calls = fake_abas.state.exec_calls
    again = run_cli(demo_copy, "apply", str(resolved))
    assert again.exit_code == 0, again.output
    assert fake_abas.state.exec_calls == calls
    assert fake_documents(fake_abas) == documents


def test_the_period_report_counts_an_applied_dry_run_and_closes_decided_exceptions(
    demo_copy: Path,
) -> None:
    out, resolved = decide_and_resolve(demo_copy)
    with freeze_time("2026-11-26 14:00:00", tick=True):  # applied on the 26th, PayTrace time
        assert run_cli(demo_copy, "apply", str(resolved)).exit_code == 0
    decided = {tid for by_tid in DECISIONS.values() for tid in by_tid}

    # As of the 25th the decided exceptions were still open; as of the 26th they are closed.
    for last_day, still_open in (("2026-11-25", decided), ("2026-11-26", set())):
        report = run_cli(demo_copy, "report", "--from", DAY, "--to", last_day, "--out", str(out))
        assert report.exit_code == 0, report.output
        book = load_workbook(report.output.split("workbook: ")[1].strip())
        rows = list(book["Open exceptions"].iter_rows(min_row=2, values_only=True))[:-1]
        assert len(rows) > len(decided)
        assert decided & {row[0] for row in rows} == still_open

    postings = list(book["Postings"].iter_rows(min_row=2, values_only=True))[:-1]
    by_hand = [(row[0], row[2], row[4], row[7]) for row in postings if row[7] == "book_by_hand"]
    assert sorted(by_hand) == [
        ("512330373", "6855", -40.0, "book_by_hand"),
        ("512330387", "4970", 10.0, "book_by_hand"),
        # batch 998's settlement, deposited on the 26th (batch 1's on the 27th is later)
        ("batch 998 2026-11-25 18100 deposit", "18100", 45503.68, "book_by_hand"),
        ("batch 998 2026-11-25 18100 fee", "18100", 1359.02, "book_by_hand"),
    ]
    assert {row[7] for row in postings} == {"posted", "book_by_hand"}
    # the run's invoice lines, the decided ones, write-offs, batch 998's two bookings
    assert len(postings) == 45 + 3 + 2 + 2


def test_a_payment_the_clerk_ignored_is_not_posted_when_it_matches_later(tmp_path: Path) -> None:
    day = write_day(tmp_path, 3)
    items = tmp_path / "open_items.csv"
    full = items.read_text()
    ignored = "700000000"  # its invoice 500000 is not in abas yet: "Invoice not open"
    items.write_text("".join(line for line in full.splitlines(True) if "500000;" not in line))
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25", "--dry-run").exit_code == 0
    # The clerk ignored it (a test charge) in the workbook, resolved and applied the plan.
    workbook = next(day.out_dir.glob("reconcile-*.xlsx"))
    type_decisions(workbook, {sheet_holding(workbook, ignored): {ignored: ("ignore", "test")}})
    assert run_cli(day.config, "resolve", str(workbook)).exit_code == 0
    resolved = next(day.out_dir.glob("plan-*-resolved.json"))
    assert run_cli(day.config, "apply", str(resolved)).exit_code == 0
    items.write_text(full)  # now the invoice is there and the payment matches

    nightly = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert nightly.exit_code == 0, nightly.output
    assert f"transaction {ignored} matches now but is not posted: a clerk decided it" in (
        nightly.output
    )
    assert import_file_receipts(day.import_file) == {
        tid: invoices for tid, invoices in day.expected.items() if tid != ignored
    }
