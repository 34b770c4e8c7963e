"""What a run saw, saved next to its plan, so that ``resolve`` checks a clerk's decisions
against the run's own payments and open items, without a fresh pull and without API secrets.

Only the columns a decision is checked against are kept: no card number, last four digits,
card holder or billing name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from paytrace_abas.errors import InputFileError
from paytrace_abas.frames import records

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


def inputs_path(plan_path: Path, run_id: str) -> Path:
    """``inputs-RUN.json`` beside ``plan-RUN.json``."""
    return plan_path.with_name(f"inputs-{run_id}.json")


def write_run_inputs(
    path: Path, run_id: str, payments: pd.DataFrame, open_items: pd.DataFrame
) -> None:
    """Save the run's payments (with the day each was paid) and open items for ``resolve``."""
    document = {
        "run_id": run_id,
        "payments": [
            {**{key: _plain(row[key]) for key in PAYMENT_COLUMNS}, "paid_on": str(row["paid_on"])}
            for row in records(payments)
        ],
        "open_items": [
            {key: _plain(row[key]) for key in OPEN_ITEM_COLUMNS} for row in records(open_items)
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document) + "\n", encoding="utf-8")


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
