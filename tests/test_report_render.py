"""LibreOffice opens and renders the workbooks (skipped where LibreOffice is not installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from paytrace_abas.report import PeriodHeader, write_period_workbook
from paytrace_abas.report.period import summarize_period
from tests.support.builders import GENERATED_AT, PERIOD_RUNS, november
from tests.support.workbooks import write_small_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow  # LibreOffice starts in about ten seconds
@pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (apt-get install libreoffice-calc-nogui)",
)
def test_libreoffice_converts_run_and_period_workbooks_to_pdf(
    tmp_path: Path,
    small_run: tuple[pd.DataFrame, pd.DataFrame],
    posting_rows: pd.DataFrame,
    dead_letter_rows: pd.DataFrame,
) -> None:
    run_book = tmp_path / "run.xlsx"
    write_small_workbook(run_book, small_run, posting_rows, dead_letter_rows, "de", "de_DE")
    period_book = tmp_path / "period.xlsx"
    report = summarize_period(PERIOD_RUNS, pd.DataFrame(), {}, november(23), november(24))
    write_period_workbook(period_book, PeriodHeader("USD", GENERATED_AT), report)
    assert SOFFICE is not None
    completed = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(run_book),
            str(period_book),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    for name in ("run.pdf", "period.pdf"):
        pdf = tmp_path / "pdf" / name
        assert pdf.exists(), completed.stdout + completed.stderr
        assert pdf.read_bytes().startswith(b"%PDF")
