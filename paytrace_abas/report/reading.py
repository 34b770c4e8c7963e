"""Reading a clerk's edited run workbook back: which run it is, and every filled-in Resolution."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from paytrace_abas.errors import InputFileError
from paytrace_abas.plan.resolutions import DecisionRow
from paytrace_abas.privacy import mask_pans
from paytrace_abas.report.labels import column_labels
from paytrace_abas.report.run_book import PROPERTY_RUN_ID, PROPERTY_WINDOW

_RESOLUTION = column_labels("resolution")
# "Notiz": the German header of workbooks written before it became "Bemerkung"
_NOTE = column_labels("note") | {"Notiz"}
_TRANSACTION = column_labels("transaction_id")


@dataclass(frozen=True)
class WorkbookDecisions:
    """The run a workbook belongs to and the decisions a clerk wrote into it."""

    run_id: str
    window: str
    rows: list[DecisionRow]


def read_decisions(path: Path) -> WorkbookDecisions:
    """Every non-empty Resolution cell of every sheet that has a Resolution column.

    Formulas are read as formulas (not their cached value), so one typed into Resolution is
    refused rather than read as empty. The caller checks what the workbook unpacks to first.
    """
    if not path.exists():
        raise InputFileError(f"workbook {path} does not exist")
    try:
        return _read_decisions(path)
    except (ParseError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # openpyxl reports broken or hostile XML (entity bombs included) in many ways
        reason = f"{type(exc).__name__}: {exc}"[:120]
        raise InputFileError(f"{path} is not a readable Excel workbook (.xlsx): {reason}") from None


def _read_decisions(path: Path) -> WorkbookDecisions:
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(f"{path} is not an Excel workbook (.xlsx): {exc}") from None
    try:
        properties = _custom_properties(workbook)
        run_id = properties.get(PROPERTY_RUN_ID)
        if not run_id:
            raise InputFileError(
                f"{path} was not written by paytrace-abas reconcile (no run id in its properties)"
            )
        rows = [row for sheet in workbook.worksheets for row in _sheet_decisions(sheet)]
        return WorkbookDecisions(run_id, properties.get(PROPERTY_WINDOW, ""), rows)
    finally:
        workbook.close()


def _custom_properties(workbook: Any) -> dict[str, str]:
    props = getattr(workbook, "custom_doc_props", None)
    if props is None:
        return {}
    return {str(p.name): str(p.value) for p in props.props}


def _sheet_decisions(sheet: Any) -> list[DecisionRow]:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    labels = [str(value).strip() if value is not None else "" for value in header]
    positions = {label: index for index, label in enumerate(labels)}
    resolution = _find(positions, _RESOLUTION)
    transaction = _find(positions, _TRANSACTION)
    if resolution is None or transaction is None:
        return []
    note = _find(positions, _NOTE)
    found = []
    for number, values in enumerate(rows, start=2):
        text = _cell_text(values, resolution)
        if not text:
            continue
        if text.startswith("="):
            raise InputFileError(
                f"sheet {sheet.title!r}, row {number}: the Resolution is a formula "
                f"({mask_pans(text)[:40]}); type the decision as plain text"
            )
        found.append(
            DecisionRow(
                sheet=sheet.title,
                row=number,
                resolution_column=_column_name(resolution, labels),
                note_column=_column_name(note, labels) if note is not None else "Note",
                transaction_id=_cell_text(values, transaction),
                # a card number typed by a clerk goes no further than the workbook
                resolution=mask_pans(text),
                note=mask_pans(_cell_text(values, note)) if note is not None else "",
            )
        )
    return found


def _find(positions: dict[str, int], names: set[str]) -> int | None:
    return next((positions[name] for name in names if name in positions), None)


def _column_name(index: int, labels: list[str]) -> str:
    return f"{get_column_letter(index + 1)} ({labels[index]})"


def _cell_text(values: tuple[Any, ...], index: int | None) -> str:
    if index is None or index >= len(values) or values[index] is None:
        return ""
    value = values[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a transaction id that Excel turned into a number
    return str(value).strip()
