"""How sheets print: paper per locale, page header and footer, scaling, collapsed column groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from paytrace_abas.report import labels
from paytrace_abas.report.styles import FONT_NAME


@dataclass(frozen=True)
class PageLayout:
    """How a sheet prints: paper, page header (the window) and footer (run, sheet, page x of y)."""

    paper_size: int
    header: str = ""
    footer: str = ""
    #: hints of the input columns: (title, message) of a data validation input message
    input_message: tuple[str, str] = ("", "")


#: Excel's paper size codes; A4 where dates are written dd.mm.yyyy, Letter in the US
PAPER_A4 = 9
PAPER_LETTER = 1
#: Column width units a landscape page holds at 100 % (A4 and Letter alike, within a few)
_PAGE_WIDTH_UNITS = 125


def paper_size(locale: str) -> int:
    """Letter for the US and Canada, A4 everywhere else."""
    return PAPER_LETTER if locale.endswith(("_US", "_CA")) else PAPER_A4


def fit_to_page_width(
    sheet: Any, pages: int = 1, page: PageLayout | None = None, orientation: str = "landscape"
) -> None:
    """Print (and convert to PDF) a sheet ``pages`` wide, as many pages long as it takes."""
    sheet.page_setup.orientation = orientation
    sheet.page_setup.fitToWidth = pages
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if page is None:
        return
    sheet.page_setup.paperSize = page.paper_size
    # named like the cells: the workbook's default font (Calibri) would be replaced by the viewer
    for part, text in (
        (sheet.oddHeader.center, page.header),
        (sheet.oddFooter.center, page.footer),
    ):
        if text:
            part.text, part.font, part.size = text, f"{FONT_NAME},Regular", 9


def lay_out_columns(
    sheet: Any, widths: Sequence[float], technical: Sequence[bool], page: PageLayout | None
) -> None:
    """Column widths, the technical columns' collapsed group, and the scale to print at."""
    shown, after_group = 0.0, False
    for index, (width, grouped) in enumerate(zip(widths, technical, strict=True), start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = width
        if grouped:
            dimension.outlineLevel = 1
            dimension.hidden = True
        else:
            shown += width
            # the column after a group carries its "+" button: the group is collapsed
            dimension.collapsed = after_group
        after_group = grouped
    # one page wide while the font stays readable, else two: never 17 columns in 5 pt
    fit_to_page_width(sheet, 1 if shown <= _PAGE_WIDTH_UNITS * 1.3 else 2, page)


def run_page_layout(run_id: str, window: str, locale: str, language: str) -> PageLayout:
    """Paper of the locale, the window on top of every page, run, sheet and page x of y below."""
    return PageLayout(
        paper_size=paper_size(locale),
        header=header_text(f"{labels.text('window', language)}: {window}"),
        footer=f"{header_text(labels.text('run', language))} {header_text(run_id)} · &A · "
        + labels.text("page_of", language),
        input_message=(
            labels.column_label("resolution", language),
            labels.text("resolution_prompt", language),
        ),
    )


def header_text(text: str) -> str:
    """Text for a page header or footer, where ``&`` starts a field code."""
    return text.replace("&", "&&")
