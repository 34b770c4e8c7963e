"""Golden workbooks: the run workbook read back (values, number formats, sheet names)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.support.paths import GOLDEN
from tests.support.workbooks import compact_json, dump_workbook, write_small_workbook


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
