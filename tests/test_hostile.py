"""The hostile input corpus (tests/hostile/) through the real CLI: each case ends in exit 2 and
one line naming what is wrong — no traceback — and posts nothing (issue 18, findings 9 and 10).

The corpus holds one file per case; the zip bombs are built here, by the same recipe every time,
rather than stored.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import run_cli
from tests.posting_data import Day, write_day
from tests.workbook_dump import sheet_holding

CORPUS = Path(__file__).resolve().parent / "hostile"
DAY = ["reconcile", "--date", "2026-11-25"]


def assert_refused(result: Result, day: Day, *words: str) -> None:
    """Exit 2, one line ``error: …`` naming the culprit, no traceback, nothing posted."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output
    assert not day.import_file.exists()
    if day.ledger.exists():
        db = sqlite3.connect(day.ledger)
        try:
            assert db.execute("SELECT COUNT(*) FROM postings").fetchone() == (0,)
        finally:
            db.close()


def _export(day: Day, *names: str) -> Path:
    folder = day.config.parent / "paytrace"
    shutil.rmtree(folder)
    folder.mkdir()
    for name in names:
        shutil.copy(CORPUS / name, folder / name)
    return folder / names[0]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("export-binary.json", ["export-binary.json"]),
        ("export-utf16.json", ["export-utf16.json", "UTF-8"]),
        ("export-nested.json", ["export-nested.json", "nested"]),
        ("export-amount-1e300.json", ["export-amount-1e300.json", "amount"]),
        ("export-amount-26-digits.json", ["export-amount-26-digits.json", "amount"]),
        ("export-amount-over-max.json", ["export-amount-over-max.json", "max_amount"]),
        ("export-amount-int64.json", ["export-amount-int64.json", "too large"]),
    ],
)
def test_a_hostile_export_file_is_refused_in_one_line(
    tmp_path: Path, name: str, words: list[str]
) -> None:
    day = write_day(tmp_path, 2)
    _export(day, name)
    assert_refused(run_cli(day.config, "-q", *DAY), day, *words)


def test_two_export_files_with_different_amounts_for_one_transaction_are_refused(
    tmp_path: Path,
) -> None:
    day = write_day(tmp_path, 2)
    _export(day, "export-conflict-a.json", "export-conflict-b.json")
    result = run_cli(day.config, "-q", *DAY)
    assert_refused(result, day, "700000000", "export-conflict-a.json", "export-conflict-b.json")


def test_a_negative_sale_is_an_exception_never_a_receipt(tmp_path: Path) -> None:
    day = write_day(tmp_path, 2)
    _export(day, "export-negative-sale.json")
    result = run_cli(day.config, *DAY, "--format", "json")
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)["items"]
    assert (item["category"], item["amount_cents"], item["posted"]) == ("unmatched", -10000, False)
    assert "negative amount" in item["reason"]
    assert not day.import_file.exists()


def _open_items(day: Day, target: Path) -> None:
    text = day.config.read_text().replace('open_items_file = "open_items.csv"', "")
    day.config.write_text(text.replace("[abas]\n", f'[abas]\nopen_items_file = "{target}"\n'))


def _xlsx_bomb(path: Path, megabytes: int) -> Path:
    """A tiny .xlsx whose one sheet inflates to ``megabytes`` of blanks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                sheet.write(block)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: tmp, ["is a folder"]),
        (lambda tmp: _xlsx_bomb(tmp / "bomb.xlsx", 300), ["bomb.xlsx", "max_xlsx_bytes"]),
    ],
)
def test_a_hostile_open_items_input_is_refused(
    tmp_path: Path, make: Callable[[Path], Path], words: list[str]
) -> None:
    day = write_day(tmp_path, 2)
    _open_items(day, make(tmp_path))
    assert_refused(run_cli(day.config, "-q", *DAY), day, *words)


@pytest.mark.parametrize("name", ["config-binary.toml", "config-utf16.toml", "."])
def test_a_hostile_config_file_is_refused(tmp_path: Path, name: str) -> None:
    day = write_day(tmp_path, 2)
    config = CORPUS / name if name != "." else tmp_path
    result = run_cli(config, "-q", *DAY)
    assert_refused(result, day, str(config))


def test_an_unwritable_out_folder_is_refused(tmp_path: Path) -> None:
    day = write_day(tmp_path, 2)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = run_cli(day.config, "-q", *DAY, "--dry-run", "--out", str(blocker / "out"))
    assert_refused(result, day, str(blocker / "out"))


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("plan-bad-date.json", ["plan-bad-date.json", "2026-02-30"]),
        ("plan-bad-paid-on.json", ["plan-bad-paid-on.json", "25.11.2026"]),
        ("plan-huge-amount.json", ["plan-huge-amount.json", "amount_cents"]),
    ],
)
def test_a_hostile_plan_is_refused(tmp_path: Path, name: str, words: list[str]) -> None:
    day = write_day(tmp_path, 2)
    result = run_cli(day.config, "-q", "apply", str(CORPUS / name))
    assert_refused(result, day, *words)


@pytest.mark.parametrize(
    "name",
    ["workbook-broken-xml.xlsx", "workbook-billion-laughs.xlsx", "workbook-external-entity.xlsx"],
)
def test_a_hostile_workbook_given_to_resolve_is_refused(tmp_path: Path, name: str) -> None:
    day = write_day(tmp_path, 2)
    result = run_cli(day.config, "-q", "resolve", str(CORPUS / name))
    assert_refused(result, day, name)


def test_a_resolution_written_as_a_formula_is_refused_not_read_as_empty(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    day = write_day(tmp_path, 3)
    items = tmp_path / "open_items.csv"
    items.write_text("".join(items.read_text().splitlines(True)[:-1]))
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25", "--dry-run").exit_code == 0
    workbook = next(day.out_dir.glob("reconcile-*.xlsx"))
    book = load_workbook(workbook)
    sheet = book[sheet_holding(workbook, "700000002")]
    header = [cell.value for cell in sheet[1]]
    row = next(cell.row for cell in sheet["A"] if str(cell.value) == "700000002")
    sheet.cell(row, header.index("Resolution") + 1, '="ignore"')
    book.save(workbook)
    result = run_cli(day.config, "-q", "resolve", str(workbook))
    assert_refused(result, day, "formula")


def test_report_over_a_ledger_with_only_dry_runs_writes_its_workbook(tmp_path: Path) -> None:
    day = write_day(tmp_path, 2)
    assert run_cli(day.config, *DAY, "--dry-run").exit_code == 0
    result = run_cli(day.config, "report", "--from", "2026-11-01", "--to", "2026-11-30")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("workbook: ")


def test_a_symlinked_ledger_works_and_shares_one_lock_with_its_target(tmp_path: Path) -> None:
    from paytrace_abas.ledger import RunLock

    day = write_day(tmp_path, 2)
    real = tmp_path / "data" / "ledger.sqlite3"
    real.parent.mkdir()
    assert run_cli(day.config, *DAY, "--dry-run").exit_code == 0
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{day.ledger}{suffix}").exists():
            shutil.move(f"{day.ledger}{suffix}", f"{real}{suffix}")
    day.ledger.symlink_to(real)
    with RunLock.beside(real):
        locked = run_cli(day.config, *DAY)
    assert locked.exit_code == 4, locked.output
    posted = run_cli(day.config, *DAY)
    assert posted.exit_code == 0, posted.output
    assert day.import_file.exists()


@pytest.mark.parametrize(("setting", "mode"), [("", 0o600), ('file_mode = "0640"\n', 0o640)])
def test_output_files_are_private_unless_report_file_mode_says_otherwise(
    tmp_path: Path, setting: str, mode: int
) -> None:
    day = write_day(tmp_path, 2)
    day.config.write_text(day.config.read_text().replace("[report]\n", f"[report]\n{setting}"))
    assert run_cli(day.config, *DAY).exit_code == 0
    written = [*day.out_dir.iterdir(), day.import_file]  # workbook, plan, run inputs, import
    assert {path.suffix for path in written} >= {".xlsx", ".json", ".edp"}
    assert {path.name: path.stat().st_mode & 0o777 for path in written} == {
        path.name: mode for path in written
    }
