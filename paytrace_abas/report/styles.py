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


class Styles:
    """Cell styles of one workbook, registered once and referred to by id."""

    def __init__(self, currency: str, locale: str) -> None:
        self.money_format = formats.excel_money_format(currency, locale)
        self.date_format = formats.excel_date_format(locale)
        self.date_time_format = formats.excel_date_time_format(locale)
        self._ids: dict[tuple[Any, ...], str] = {}

    def id_for(
        self, sheet: WriteOnlyWorksheet, kind: Kind | None, role: str, fill: str = ""
    ) -> str:
        """The style id of a ``role`` (data, header, total, note) cell of ``kind``."""
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
        if role == "header":
            cell.font = Font(bold=True)
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.border = Border(bottom=_THIN)
        elif role == "total":
            cell.font = Font(bold=True)
            cell.border = Border(top=_THIN)
        elif role == "note":
            cell.font = Font(italic=True, color="595959")
        elif role == "wrap":
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        else:
            # data cells sit at the top, level with the first line of a wrapped reason
            cell.alignment = Alignment(vertical="top")
        if fill:
            cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
