"""Data rows of a table as sheet XML, prepared a column at a time.

A big day writes hundreds of thousands of rows; a function call per cell (type checks, cleaning,
escaping, formatting) was most of a run's workbook time. Here each column of a block of rows is
prepared in one pass: text is cleaned and escaped only when the column's joined text shows that
some value needs it, numbers of a few distinct values (days, counts, shares) are formatted once
each, amounts from integer cents without Decimal. The cells are the ones ``tables._data_row``
made one by one before (tests/test_report_tables.py reads every kind back from both paths).
The rows go into the sheet's file as the text they are (``install_writer``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet import _writer

from paytrace_abas.report.cells import MAX_CELL_TEXT, Kind, clean_text, number_text

if TYPE_CHECKING:  # a private module of openpyxl, for annotations only
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: anything that could be the start of a card number: a run of 13 digits, maybe grouped
_DIGIT_RUN = re.compile(r"(?:\d[ -]?){12}\d")
_XML_SPECIAL = re.compile(r"[&<>]")
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


class ColumnCells:
    """How one column's cells are written: its letter, style, kind, and what it adds up."""

    def __init__(
        self, letter: str, style: str, kind: Kind, empty_cell: bool, wrap_width: float, total: bool
    ) -> None:
        self.letter = letter
        self.style = style
        self.kind = kind
        #: written as an empty styled cell when missing (columns the clerk types into)
        self.empty_cell = empty_cell
        #: characters per line of a wrapped column (0: not wrapped)
        self.wrap_width = wrap_width
        #: summed for the totals row
        self.total = total


def rows_xml(
    cells: Sequence[ColumnCells],
    columns: Sequence[Sequence[Any]],
    first_row: int,
    sums: list[Any] | None,
) -> str:
    """``<row>`` elements for the rows whose values ``columns`` holds, numbered from
    ``first_row``; adds each money column's values to ``sums[position]`` when given."""
    count = len(columns[0]) if columns else 0
    numbers = [str(n) for n in range(first_row, first_row + count)]
    prepared: list[list[str]] = []
    heights: list[list[int]] = []
    for position, (cell, values) in enumerate(zip(cells, columns, strict=True)):
        missing = pd.isna(np.asarray(values, dtype=object)).tolist()
        if cell.kind is Kind.TEXT:
            texts = _texts(values, missing)
            prepared.append(_text_cells(cell, texts, numbers))
            if cell.wrap_width:
                width = cell.wrap_width
                heights.append([math.ceil(len(text) / width) for text in texts])
            continue
        missing = [gone or v == "" for v, gone in zip(values, missing, strict=True)]
        if cell.total and sums is not None:
            sums[position] += sum(
                int(v) for v, gone in zip(values, missing, strict=True) if not gone
            )
        prepared.append(_number_cells(cell, values, missing, numbers))
    lines = [max(row) for row in zip(*heights, strict=True)] if heights else [1] * count
    bodies = map("".join, zip(*prepared, strict=True)) if prepared else iter([""] * count)
    return "".join(
        f'<row r="{number}"{_height(height)}>{body}</row>'
        for number, height, body in zip(numbers, lines, bodies, strict=True)
    )


def _height(lines: int) -> str:
    # Neither Excel nor LibreOffice grows a row for wrapped text on opening a file, so the
    # height is estimated here (a character is about one unit of column width).
    return f' ht="{15 * min(lines, 8)}" customHeight="1"' if lines > 1 else ""


def _texts(values: Sequence[Any], missing: list[bool]) -> list[str]:
    """The column as cleaned text ('' where missing); cleaning only where some value needs it."""
    texts = [
        "" if gone or value == "" else value if isinstance(value, str) else str(value)
        for value, gone in zip(values, missing, strict=True)
    ]
    joined = "\n".join(texts)
    if (
        _DIGIT_RUN.search(joined)
        or ILLEGAL_CHARACTERS_RE.search(joined)
        or max(map(len, texts), default=0) > MAX_CELL_TEXT
    ):
        texts = [clean_text(text) if text else "" for text in texts]
    return texts


def _text_cells(cell: ColumnCells, texts: list[str], numbers: list[str]) -> list[str]:
    letter, style = cell.letter, cell.style
    escape = _XML_SPECIAL.search("".join(texts)) is not None
    empty = f' s="{style}"/>' if cell.empty_cell else None
    out = []
    for text, number in zip(texts, numbers, strict=True):
        if not text:
            out.append(f'<c r="{letter}{number}"{empty}' if empty else "")
            continue
        space = ' xml:space="preserve"' if text != text.strip() else ""
        shown = text.translate(_XML_ESCAPES) if escape else text
        out.append(
            f'<c r="{letter}{number}" t="inlineStr" s="{style}"><is><t{space}>{shown}</t></is></c>'
        )
    return out


def _number_cells(
    cell: ColumnCells, values: Sequence[Any], missing: list[bool], numbers: list[str]
) -> list[str]:
    letter, style, kind = cell.letter, cell.style, cell.kind
    empty = f'<c r="{letter}{{}}" s="{style}"/>' if cell.empty_cell else ""
    texts: dict[Any, str] = {}
    out = []
    for value, gone, number in zip(values, missing, numbers, strict=True):
        if gone:
            out.append(empty.format(number) if empty else "")
            continue
        text = texts.get(value)
        if text is None:
            text = texts[value] = _amount(value) if kind is Kind.MONEY else number_text(kind, value)
        out.append(f'<c r="{letter}{number}" s="{style}" t="n"><v>{text}</v></c>')
    return out


def _amount(cents: Any) -> str:
    """``number_text(Kind.MONEY, …)`` from the integer alone: ``-0.05``, ``1234.56``."""
    value = int(cents)
    whole, fraction = divmod(abs(value), 100)
    return f"{'-' if value < 0 else ''}{whole}.{fraction:02d}"


def install_writer(sheet: WriteOnlyWorksheet, write_row: Any) -> BinaryIO | None:
    """Put our serializer in place of openpyxl's per-cell one; None if its hooks are gone.

    The sheet's stream writes to a file we hold, so that a block of rows goes in as the XML
    text it is (parsing it into elements only for lxml to write them out again cost more than
    making it). These are private hooks of openpyxl 3.1; tests/test_report_tables.py reads
    every kind of cell back from both paths so that a change there fails loudly.
    """
    hooks: Any = sheet
    if not all(hasattr(hooks, name) for name in ("_writer", "_values_to_row", "_get_writer")):
        return None
    if hooks._writer is not None or not hasattr(_writer, "create_temporary_file"):
        return None
    path = _writer.create_temporary_file()
    handle = open(path, "wb")  # noqa: SIM115  # closed with the sheet, below
    writer: Any = _writer.WorksheetWriter(sheet, out=handle)
    writer.out = path  # what the workbook reads into its archive once the sheet is closed
    close_stream = writer.close

    def close() -> None:
        close_stream()
        handle.close()

    writer.close = close
    hooks._writer = writer
    writer.write_top()
    writer.write_row = write_row
    hooks._values_to_row = lambda values, row_index: values
    return handle
