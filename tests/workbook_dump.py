"""Read a workbook back into plain JSON-able data: what golden files compare."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def dump_workbook(path: Path) -> dict[str, Any]:
    """Sheet names in order, and per sheet: frozen cell, filter, rows of values, number formats."""
    workbook = load_workbook(path)
    cached = load_workbook(path, data_only=True)
    sheets = []
    for sheet in workbook.worksheets:
        rows = []
        formats = {}
        for row in sheet.iter_rows():
            values = []
            for cell in row:
                if cell.data_type == "f":
                    value = cached[sheet.title][cell.coordinate].value
                    values.append({"formula": cell.value, "cached": value})
                else:
                    values.append(_plain(cell.value))
                if cell.value is not None and cell.number_format != "General":
                    formats[cell.coordinate] = cell.number_format
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        sheets.append(
            {
                "name": sheet.title,
                "freeze": sheet.freeze_panes,
                "filter": sheet.auto_filter.ref,
                "rows": rows,
                "formats": formats,
            }
        )
    return {"sheets": sheets}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return value


def compact_json(document: dict[str, Any]) -> str:
    """JSON with one sheet row per line, so a golden file reads like the sheet."""
    lines = ["{", '  "sheets": [']
    for number, sheet in enumerate(document["sheets"]):
        lines.append("    {")
        for key in ("name", "freeze", "filter"):
            lines.append(f'      "{key}": {json.dumps(sheet[key], ensure_ascii=False)},')
        lines.append('      "rows": [')
        rows = [json.dumps(row, ensure_ascii=False) for row in sheet["rows"]]
        lines.extend(f"        {row}," for row in rows[:-1])
        if rows:
            lines.append(f"        {rows[-1]}")
        lines.append("      ],")
        formats = json.dumps(sheet["formats"], ensure_ascii=False, indent=8)
        lines.append(f'      "formats": {formats[:-1]}      }}')
        lines.append("    }" + ("," if number < len(document["sheets"]) - 1 else ""))
    lines.extend(["  ]", "}"])
    return "\n".join(lines) + "\n"
