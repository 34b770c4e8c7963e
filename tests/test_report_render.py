"""LibreOffice opens and renders the workbooks.

Skipped where LibreOffice or poppler is not installed, except under ``CI=true`` (.ci/run
installs both): there a missing tool fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from paytrace_abas.cli import cli
from paytrace_abas.report import PeriodHeader, write_period_workbook
from paytrace_abas.report.period import summarize_period
from tests.fake_paytrace import sample_day_config
from tests.support.builders import GENERATED_AT, PERIOD_RUNS, november
from tests.support.paths import SAMPLE_DATA
from tests.support.workbooks import write_small_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
IN_CI = os.environ.get("CI") == "true"


def convert_to_pdf(folder: Path, *books: Path) -> str:
    """``books`` as PDFs in ``folder``/pdf, by LibreOffice with a profile of its own."""
    assert SOFFICE is not None
    completed = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder / "pdf"),
            *map(str, books),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout + completed.stderr


@pytest.mark.slow  # LibreOffice starts in about ten seconds
@pytest.mark.skipif(
    SOFFICE is None and not IN_CI,
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
    output = convert_to_pdf(tmp_path, run_book, period_book)
    for name in ("run.pdf", "period.pdf"):
        pdf = tmp_path / "pdf" / name
        assert pdf.exists(), output
        assert pdf.read_bytes().startswith(b"%PDF")


# --- the demo workbook as a clerk prints it ------------------------------------------------

PRINT_TOOLS = ("soffice", "pdfinfo", "pdffonts", "pdftotext", "fc-match")
#: the paper's sides in points, as pdfinfo reports them
PAGE_POINTS = {"en_US": (792.0, 612.0), "de_DE": (841.89, 595.28)}
#: the demo day's longest sheet has a few dozen rows: two pages wide, two long at most
MAX_PAGES_PER_SHEET = 4
# LibreOffice counts "page x of y" over the whole PDF, Excel per printed sheet
_FOOTER = re.compile(r"(?:Run|Lauf) \S+ · (.+?) · (?:Page|Seite) \d+ (?:of|von) \d+")


def _print_tools_missing() -> list[str]:
    found = {name: shutil.which(name) for name in PRINT_TOOLS}
    if found["soffice"] is None:
        found["soffice"] = shutil.which("libreoffice")
    return [name for name, path in found.items() if path is None]


def demo_pdf(folder: Path, locale: str) -> tuple[Path, list[str]]:
    """The demo day reconciled in ``locale``, its workbook converted to PDF; with sheet names."""
    config = sample_day_config(folder)
    config.write_text(
        config.read_text(encoding="utf-8").replace('locale = "en_US"', f'locale = "{locale}"'),
        encoding="utf-8",
    )
    result = reconcile_sample_day_with(config, folder / "out")
    assert result.exit_code == 0, result.output
    (workbook,) = (folder / "out").glob("reconcile-*.xlsx")
    convert_to_pdf(folder, workbook)
    sheets = load_workbook(workbook, read_only=True).sheetnames
    return folder / "pdf" / f"{workbook.stem}.pdf", sheets


def reconcile_sample_day_with(config: Path, out_dir: Path) -> Any:
    out_dir.mkdir(parents=True, exist_ok=True)
    args = ["--config", str(config), "reconcile", "--date", "2026-11-25", "--dry-run"]
    args += ["--chargebacks", str(SAMPLE_DATA / "chargebacks" / "disputes-2026-11-25.csv")]
    return CliRunner().invoke(cli, [*args, "--out", str(out_dir)])


def _tool(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


@pytest.mark.slow
@pytest.mark.parametrize("locale", ["en_US", "de_DE"])
def test_demo_workbook_prints_on_the_locales_paper_in_one_font(tmp_path: Path, locale: str) -> None:
    missing = _print_tools_missing()
    if missing and not IN_CI:
        pytest.skip(f"not installed: {', '.join(missing)} (.ci/run installs them)")
    assert not missing, f"CI must render the workbook; missing: {', '.join(missing)}"
    pdf, sheets = demo_pdf(tmp_path, locale)

    info = _tool("pdfinfo", "-l", "999", str(pdf))
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert sizes
    paper = sorted(PAGE_POINTS[locale])
    for size in sizes:  # the Summary prints portrait, tables landscape
        assert all(abs(a - b) < 2 for a, b in zip(sorted(map(float, size)), paper, strict=True))

    # Every page's footer names its sheet: count the pages each sheet takes.
    pages: Counter[str] = Counter()
    for number in range(1, len(sizes) + 1):
        text = _tool("pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-")
        footer = _FOOTER.search(text)
        assert footer, f"page {number} has no footer:\n{text[-300:]}"
        pages[footer.group(1)] += 1
    assert set(pages) == set(sheets)
    assert pages[sheets[0]] == 1, pages  # the Summary
    assert max(pages.values()) <= MAX_PAGES_PER_SHEET, pages

    # One named family everywhere: no serif fallback for an unnamed (header) font.
    family = _tool("fc-match", "-f", "%{postscriptname}", "Arial").split("-")[0]
    fonts = [line.split()[0] for line in _tool("pdffonts", str(pdf)).splitlines()[2:]]
    assert fonts
    assert {name.split("+")[-1].split("-")[0] for name in fonts} == {family}, fonts
