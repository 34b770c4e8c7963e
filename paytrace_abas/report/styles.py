"""Cell styles of a workbook: number formats, fonts, borders and fills per kind and role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from paytrace_abas.report import formats
from paytrace_abas.report.cells import Kind

if TYPE_CHECKING:  # a private module of openpyxl, for annotations only
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

_THIN = Side(style="thin", color="808080")
#: One named font for every cell. An unnamed font leaves the face to the viewer, and
#: LibreOffice picks a serif one for it; Arial is on every Excel machine and maps to the
#: metric-compatible Liberation Sans where LibreOffice renders (tests/test_report_render.py).
FONT_NAME = "Arial"
#: Excel's own "Input" cell style: the cells a clerk types into.
INPUT_FILL = "FFCC99"
_INPUT_SIDE = Side(style="thin", color="7F7F7F")
_INPUT_BORDER = Border(left=_INPUT_SIDE, right=_INPUT_SIDE, top=_INPUT_SIDE, bottom=_INPUT_SIDE)


def font(**options: Any) -> Font:
    """A font of the workbook's family (bold, size, colour… as given)."""
    return Font(name=FONT_NAME, **options)


class Styles:
    """Cell styles of one workbook, registered once and referred to by id."""

    def __init__(self, currency: str, locale: str) -> None:
        self.money_format = formats.excel_money_format(currency, locale)
        self.date_format = formats.excel_date_format(locale)
        self.date_time_format = formats.excel_date_time_format(locale)
        self.locale = locale
        self._ids: dict[tuple[Any, ...], str] = {}

    def id_for(
        self, sheet: WriteOnlyWorksheet, kind: Kind | None, role: str, fill: str = ""
    ) -> str:
        """The style id of a ``role`` (data, wrap, input, header, total, note) cell of ``kind``."""
        key = (kind, role, fill)
        if key not in self._ids:
            cell = WriteOnlyCell(sheet)
            self._apply(cell, kind, role, fill)
            self._ids[key] = str(cell.style_id)
        return self._ids[key]

    def cell(
        self,
        sheet: WriteOnlyWorksheet,
        value: Any,
        kind: Kind | None,
        role: str,
        fill: str = "",
        formula: bool = False,
    ) -> Cell:
        """A styled cell for openpyxl's public ``append``; text stays text unless ``formula``."""
        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, str) and not formula:
            cell.data_type = "s"  # openpyxl would take "=..." for a formula
        self._apply(cell, kind, role, fill)
        return cell

    def _apply(self, cell: Cell, kind: Kind | None, role: str, fill: str) -> None:
        number_format = (
            {
                Kind.MONEY: self.money_format,
                Kind.DATE: self.date_format,
                Kind.DATE_TIME: self.date_time_format,
                Kind.COUNT: formats.COUNT_FORMAT,
                Kind.SHARE: formats.SHARE_FORMAT,
                Kind.CONFIDENCE: formats.CONFIDENCE_FORMAT,
            }.get(kind)
            if kind
            else None
        )
        if number_format:
            cell.number_format = number_format
        # Text is indented one step so it never runs into the right-aligned number on its
        # left: "0,00 $ 18100" or an age of 5 next to invoice 400171 read as one number.
        # (Excel and LibreOffice only indent left-aligned cells, so text says so.)
        text = kind in (Kind.TEXT, None)
        indent, horizontal = (1, "left") if text else (0, None)
        cell.font = font()
        if role == "header":
            cell.font = font(bold=True)
            cell.alignment = Alignment(horizontal, "top", wrap_text=True, indent=indent)
            cell.border = Border(bottom=_THIN)
        elif role == "total":
            cell.font = font(bold=True)
            cell.alignment = Alignment(horizontal, indent=indent)
            cell.border = Border(top=_THIN)
        elif role == "note":
            cell.font = font(italic=True, color="595959")
        elif role in ("wrap", "input"):
            cell.alignment = Alignment(horizontal, "top", wrap_text=True, indent=indent)
        else:
            # data cells sit at the top, level with the first line of a wrapped reason
            cell.alignment = Alignment(horizontal, "top", indent=indent)
        if role == "input":
            cell.border = _INPUT_BORDER
            fill = fill or INPUT_FILL
        if fill:
            cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
