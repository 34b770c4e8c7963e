"""What a run saw, saved next to its plan, so that ``resolve`` checks a clerk's decisions
against the run's own payments and open items, without a fresh pull and without API secrets.

Only the columns a decision is checked against are kept: no card number, last four digits,
card holder or billing name.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import msgspec
import pandas as pd

from paytrace_abas.errors import InputFileError

PAYMENT_COLUMNS = ("transaction_id", "kind", "status", "amount_cents", "currency", "card_type")
#: gross and discount terms: a ``skonto`` decision grants the discount they offer
OPEN_ITEM_COLUMNS = (
    "invoice_no",
    "customer_no",
    "currency",
    "open_cents",
    "gross_cents",
    "discount_bp",
)
_ROWS_AT_ONCE = 65_536


def inputs_path(plan_path: Path, run_id: str) -> Path:
    """``inputs-RUN.json`` beside ``plan-RUN.json``."""
    return plan_path.with_name(f"inputs-{run_id}.json")


def write_run_inputs(
    path: Path, run_id: str, payments: pd.DataFrame, open_items: pd.DataFrame
) -> None:
    """Save the run's payments (with the day each was paid) and open items for ``resolve``.

    Written a slice of rows at a time, each built column-wise and encoded by msgspec: a big day
    has a million of each, and a dict per row of all of them at once cost gigabytes.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(msgspec.json.encode({"run_id": run_id})[:-1] + b',"payments":')
        _write_rows(handle, payments, (*PAYMENT_COLUMNS, "paid_on"))
        handle.write(b',"open_items":')
        _write_rows(handle, open_items, OPEN_ITEM_COLUMNS)
        handle.write(b"}\n")


def _write_rows(handle: BinaryIO, frame: pd.DataFrame, keys: Sequence[str]) -> None:
    handle.write(b"[")
    for start in range(0, len(frame), _ROWS_AT_ONCE):
        part = frame.iloc[start : start + _ROWS_AT_ONCE]
        columns = [_json_column(part[key], key) for key in keys]
        rows = [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]
        handle.write((b"," if start else b"") + msgspec.json.encode(rows)[1:-1])
    handle.write(b"]")


def _json_column(series: pd.Series, key: str) -> list[object]:
    if key == "paid_on":
        return [str(day) for day in series.tolist()]
    plain_types = (int, str, bool)
    missing = series.isna().tolist()
    return [
        None if gone else value if type(value) in plain_types else _plain(value)
        for value, gone in zip(series.tolist(), missing, strict=True)
    ]


def read_run_inputs(path: Path, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(payments, open items) saved by :func:`write_run_inputs` for ``run_id``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"run inputs {path} cannot be read: {exc}") from None
    if not isinstance(document, dict) or document.get("run_id") != run_id:
        raise InputFileError(f"{path} holds no inputs of run {run_id}")
    payments = pd.DataFrame(document["payments"], columns=[*PAYMENT_COLUMNS, "paid_on"])
    open_items = pd.DataFrame(document["open_items"], columns=list(OPEN_ITEM_COLUMNS))
    return payments, open_items


def _plain(value: object) -> object:
    """A JSON value: integers stay integers (cents), missing values become None."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value if isinstance(value, int | str | bool) else str(value)
