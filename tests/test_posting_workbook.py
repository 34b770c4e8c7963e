"""A posting run's workbook shows what the ledger holds: each line's state, abas document,
attempts and last error, and every receipt still in dead letters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.ledger import Ledger
from tests.fake_abas import FakeAbas
from tests.support.cli import run_cli
from tests.support.days import write_day
from tests.support.workbooks import data_rows


def sheet_rows(workbook: Path, name: str) -> list[dict[str, Any]]:
    """Data rows by header."""
    book = load_workbook(workbook)
    header = next(book[name].iter_rows(values_only=True))
    return [dict(zip(map(str, header), row, strict=True)) for row in data_rows(book, name)]


def newest_workbook(out_dir: Path) -> Path:
    return max(out_dir.glob("reconcile-*.xlsx"), key=lambda path: path.stat().st_mtime_ns)


@pytest.mark.usefixtures("abas_env")
def test_postings_and_dead_letters_sheets_show_the_ledger_after_posting(tmp_path: Path) -> None:
    # One worker, so the seeded faults fall on the same requests every time.
    with FakeAbas(failure_rate=0.5, faults=("locked",), seed=3) as fake:
        day = write_day(tmp_path, 10, sink="api", base_url=fake.base_url, workers=1, attempts=2)
        run = run_cli(day.config, "reconcile", "--date", "2026-11-25")
        assert run.exit_code == 3, run.output
        documents = {d.reference: d.document_number for d in fake.state.documents}
    workbook = newest_workbook(day.out_dir)
    with Ledger.open(day.ledger, utc_now) as ledger:
        held = {tid: ledger.posting(tid) for tid in day.expected}
        letters = ledger.open_dead_letters()

    postings = sheet_rows(workbook, "Postings")
    assert {row["Transaction"] for row in postings} == set(day.expected)
    for row in postings:
        record = held[row["Transaction"]]
        assert record is not None
        assert (row["Status"], row["Attempts"]) == (record.state, record.attempts)
        assert row["abas document"] == documents.get(row["Transaction"])
        assert (row["Last error"] or None) == record.last_error
    states = {row["Status"] for row in postings}
    assert states == {"posted", "dead_letter"}
    assert all(
        "RECORD_LOCKED" in row["Last error"] for row in postings if row["Status"] != "posted"
    )

    dead = sheet_rows(workbook, "Dead letters")
    assert [(row["Transaction"], row["Attempts"], row["Last error"]) for row in dead] == [
        (letter.transaction_id, letter.attempts, letter.error) for letter in letters
    ]
    assert {row["Transaction"] for row in dead} == {
        row["Transaction"] for row in postings if row["Status"] == "dead_letter"
    }
    assert all(isinstance(row["Failed on"], dt.datetime) for row in dead)
    summary = list(load_workbook(workbook)["Summary"].iter_rows(values_only=True))
    by_status = {row[0]: row[2] for row in summary if row[0] in ("posted", "dead_letter")}
    assert by_status == {state: sum(row["Status"] == state for row in postings) for state in states}


@pytest.mark.usefixtures("abas_env")
def test_a_rerun_shows_earlier_dead_letters_until_they_are_retried(tmp_path: Path) -> None:
    with FakeAbas(failure_rate=1.0, faults=("locked",)) as fake:
        day = write_day(tmp_path, 2, sink="api", base_url=fake.base_url, workers=1, attempts=1)
        assert run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code == 3
        rerun = run_cli(day.config, "reconcile", "--date", "2026-11-25")
        assert rerun.exit_code == 3, rerun.output
        workbook = newest_workbook(day.out_dir)
        dead = sheet_rows(workbook, "Dead letters")
        assert sorted(row["Transaction"] for row in dead) == sorted(day.expected)
        assert {row["Status"] for row in sheet_rows(workbook, "Postings")} == {"dead_letter"}

        fake.state.failure_rate = 0.0
        assert run_cli(day.config, "retry-dead-letters").exit_code == 0
        assert run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code == 0
    workbook = newest_workbook(day.out_dir)
    assert "Dead letters" not in load_workbook(workbook).sheetnames
    assert sheet_rows(workbook, "Postings") == []  # everything was posted before this run
