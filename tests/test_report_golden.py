"""Golden workbooks: the run workbook read back (values, number formats, sheet names)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from paytrace_abas.report import RunHeader, write_workbook
from tests.support.workbook_data import GENERATED_AT, REPO
from tests.support.workbooks import compact_json, dump_workbook

GOLDEN = REPO / "tests" / "golden"


def write_small_workbook(
    path: Path,
    run: tuple[pd.DataFrame, pd.DataFrame],
    postings: pd.DataFrame,
    dead_letters: pd.DataFrame,
    language: str,
    locale: str,
) -> None:
    results, payments = run
    # An evidence column the matching engine may add: shown, whatever its name.
    results = results.assign(candidate_count=[1, 1, 0, 0, 0, 2])
    # What the pipeline adds once a plan exists: the counter account and the posting state.
    results = results.assign(
        account=["1360", "", "", "", "", ""], posting_state=["posted", "", "", "", "", ""]
    )
    header = RunHeader(
        "20261126T063000Z", "2026-11-25", False, "USD", GENERATED_AT, locale, language
    )
    write_workbook(path, header, results, payments, postings, dead_letters)


@pytest.mark.parametrize(("language", "locale"), [("en", "en_US"), ("de", "de_DE")])
def test_run_workbook_matches_golden_file(
    tmp_path: Path,
    small_run: tuple[pd.DataFrame, pd.DataFrame],
    posting_rows: pd.DataFrame,
    dead_letter_rows: pd.DataFrame,
    language: str,
    locale: str,
) -> None:
    path = tmp_path / "run.xlsx"
    write_small_workbook(path, small_run, posting_rows, dead_letter_rows, language, locale)
    actual = dump_workbook(path)
    golden = GOLDEN / f"workbook_run_{language}.json"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    assert actual == expected, (
        f"{golden.name} differs; the workbook now reads:\n{compact_json(actual)}"
    )
