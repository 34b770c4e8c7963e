"""abas open-items export files (``;`` CSV with decimal comma, or .xlsx) as raw text rows."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from paytrace_abas.errors import InputFileError

EXPORT_COLUMNS = (
    "invoice_no",
    "customer_no",
    "customer_name",
    "invoice_date",
    "due_date",
    "currency",
    "gross_amount",
    "open_amount",
    "discount_percent",
    "discount_until",
)
REQUIRED_COLUMNS = ("invoice_no", "customer_no", "currency", "open_amount")
DEFAULT_MAX_XLSX_BYTES = 200 * 1000 * 1000


@dataclass(frozen=True)
class ExportTable:
    """Rows of an export with canonical column names; cells are text as a clerk would type it."""

    path: Path
    rows: list[dict[str, str]]
    line_numbers: list[int]


def read_open_items_export(
    path: Path, columns: Mapping[str, str], max_xlsx_bytes: int = DEFAULT_MAX_XLSX_BYTES
) -> ExportTable:
    """Read a CSV or .xlsx open-items export; ``columns`` maps canonical names to its headers.

    A workbook that unpacks to more than ``max_xlsx_bytes`` is refused before it is opened.
    """
    if not path.exists():
        raise InputFileError(f"abas open-items file {path} does not exist")
    if path.is_dir():
        raise InputFileError(f"abas open-items file {path} is a folder, not an export file")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        check_unpacked_size(path, max_xlsx_bytes, "[abas] max_xlsx_bytes")
        header, body = _read_xlsx(path)
    else:
        header, body = _read_csv(path)
    rename = _header_mapping(path, header, columns)
    rows = [
        {rename[h]: cell for h, cell in zip(header, cells, strict=False) if h in rename}
        for cells in body
    ]
    # line 1 is the header; data lines follow it one by one
    return ExportTable(path=path, rows=rows, line_numbers=list(range(2, len(rows) + 2)))


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            lines = list(csv.reader(handle, delimiter=";"))
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path} is not UTF-8 text (byte {exc.start})") from None
    except (OSError, csv.Error) as exc:
        raise InputFileError(f"abas open-items file {path} cannot be read: {exc}") from None
    if not lines:
        raise InputFileError(f"{path} is empty; expected a header line")
    header = [cell.strip() for cell in lines[0]]
    body = [[cell.strip() for cell in line] for line in lines[1:] if any(c.strip() for c in line)]
    return header, body


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        sheet = pd.read_excel(path, dtype=object, header=None, keep_default_na=False)
    except Exception as exc:  # pandas raises many kinds for a broken workbook
        raise InputFileError(f"{path} is not a readable .xlsx workbook: {exc}") from None
    values = sheet.to_numpy().tolist()
    if not values:
        raise InputFileError(f"{path} is empty; expected a header row")
    header = [str(cell).strip() for cell in values[0]]
    body = [[_xlsx_cell_text(cell) for cell in row] for row in values[1:]]
    return header, [row for row in body if any(row)]


def _xlsx_cell_text(cell: object) -> str:
    """Cells as the text a CSV would carry: dates DD.MM.YYYY, numbers with a decimal comma."""
    if isinstance(cell, dt.datetime | dt.date):
        return cell.strftime("%d.%m.%Y")
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, int | float):
        # Excel stores numbers as binary floats; repr() is the shortest exact round trip,
        # so 1234.5 reads back as "1234.5" and the cents parser still rejects sub-cent noise.
        return str(Decimal(repr(cell))).replace(".", ",")
    return str(cell).strip()


def _header_mapping(path: Path, header: list[str], columns: Mapping[str, str]) -> dict[str, str]:
    """file header -> canonical name, after the configured renames."""
    wanted = {columns.get(name, name): name for name in EXPORT_COLUMNS}
    missing = [
        wanted_header
        for wanted_header, name in wanted.items()
        if name in REQUIRED_COLUMNS and wanted_header not in header
    ]
    if missing:
        raise InputFileError(
            f"{path} line 1: missing column(s) {', '.join(missing)} "
            f"(found {', '.join(header) or 'none'}; rename with [abas.columns])"
        )
    return {h: wanted[h] for h in header if h in wanted}


CUSTOMER_FILE_COLUMNS = ("customer_no", "name", "street", "zip", "city", "country", "email")


def read_customers_file(path: Path) -> list[dict[str, str]]:
    """A ``;`` CSV customer master (``customer_no;name;street;zip;city;country;email``) as rows.

    Each row also carries ``source_line`` (file and line), like the open-items export.
    """
    if not path.exists():
        raise InputFileError(f"abas customers file {path} does not exist")
    header, body = _read_csv(path)
    missing = [name for name in ("customer_no", "name") if name not in header]
    if missing:
        raise InputFileError(
            f"{path} line 1: missing column(s) {', '.join(missing)} "
            f"(expected {';'.join(CUSTOMER_FILE_COLUMNS)})"
        )
    rows = []
    for line, cells in enumerate(body, start=2):
        row = {h: c for h, c in zip(header, cells, strict=False) if h in CUSTOMER_FILE_COLUMNS}
        if not row.get("customer_no"):
            raise InputFileError(f"{path} line {line}, column customer_no: value is missing")
        rows.append({**row, "source_line": f"{path} line {line}"})
    return rows


def check_unpacked_size(path: Path, limit: int, setting: str) -> None:
    """InputFileError when ``path`` is no zip archive or unpacks to more than ``limit`` bytes."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputFileError(f"{path} is not a readable .xlsx workbook: {exc}") from None
    if unpacked > limit:
        raise InputFileError(
            f"{path} unpacks to {unpacked:,} bytes, more than {setting} ({limit:,}); "
            "it is refused unopened"
        )
