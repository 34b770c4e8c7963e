"""What the ``customers`` command shows: its workbook (a sheet per list), JSON and console text."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from tabulate import tabulate

from paytrace_abas.frames import records
from paytrace_abas.matching.profiles import Pairing
from paytrace_abas.models import CustomerLink
from paytrace_abas.report.cells import Kind
from paytrace_abas.report.labels import CATEGORY_COLOURS, NEUTRAL_COLOUR
from paytrace_abas.report.run_book import TableBook
from paytrace_abas.report.styles import Styles
from paytrace_abas.report.tables import EXCEL_MAX_ROWS, Column

#: one row per customer ``--create-missing`` created (or would create)
CREATED_COLUMNS = ["paytrace_customer_id", "name", "state", "customer_no"]
_ADDRESS = tuple(Column(key) for key in ("name", "street", "zip", "city", "country", "email"))
_PROFILE = (
    Column("paytrace_customer_id"),
    *_ADDRESS,
    Column("card_last4"),
    Column("card_expiry"),
)
_CUSTOMER = (Column("customer_no"), *_ADDRESS)
_LINKED = (
    Column("paytrace_customer_id"),
    Column("customer_no"),
    Column("name"),
    Column("linked_by"),
    Column("similarity", Kind.CONFIDENCE),
)
_DIFFERENCES = (
    Column("paytrace_customer_id"),
    Column("customer_no"),
    Column("field"),
    Column("paytrace_value"),
    Column("abas_value"),
)
_CREATED = (
    Column("paytrace_customer_id"),
    Column("name"),
    Column("creation_state"),
    Column("customer_no"),
)
#: the JSON document's lists, in order; each also names a sheet
LISTS = ("linked", "paytrace_only", "abas_only", "differences", "created")


def customer_lists(
    pairing: Pairing, abas_only: pd.DataFrame, created: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The five lists of the ``customers`` command, by their JSON key."""
    return {
        "linked": pairing.linked,
        "paytrace_only": pairing.paytrace_only,
        "abas_only": abas_only.drop(columns=["source_line"], errors="ignore"),
        "differences": pairing.differences,
        "created": created,
    }


def customers_json(lists: dict[str, pd.DataFrame]) -> dict[str, list[dict[str, Any]]]:
    """``{"linked", "paytrace_only", "abas_only", "differences", "created"}``: lists of rows."""
    return {key: [_plain(row) for row in records(lists[key])] for key in LISTS}


def write_customers_workbook(
    path: Path,
    pairing: Pairing,
    abas_only: pd.DataFrame,
    created: pd.DataFrame,
    language: str,
    locale: str,
    currency: str,
) -> None:
    """A sheet per list: linked, PayTrace only, abas only, differences, created."""
    workbook = Workbook(write_only=True)
    book = TableBook(workbook, Styles(currency, locale), language, EXCEL_MAX_ROWS)
    lists = customer_lists(pairing, abas_only, created)
    colours = {"differences": CATEGORY_COLOURS["customer_mismatch"]}
    columns: dict[str, Sequence[Column]] = {
        "linked": _LINKED,
        "paytrace_only": _PROFILE,
        "abas_only": _CUSTOMER,
        "differences": _DIFFERENCES,
        "created": _CREATED,
    }
    for key in LISTS:
        frame = lists[key].rename(columns={"state": "creation_state"})
        book.table(f"customers_{key}", colours.get(key, NEUTRAL_COLOUR), columns[key], frame)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def describe_customers(
    lists: dict[str, pd.DataFrame], links: Sequence[CustomerLink], workbook: Path | None
) -> str:
    """The console summary: how many of each, then every list but the (long, unsurprising)
    linked pairs, then the learned links; the JSON and the workbook hold every pair."""
    counts = [(key.replace("_", " "), len(lists[key])) for key in LISTS]
    counts.append(("links learned from clerks", len(links)))
    parts = [tabulate(counts, headers=["list", "count"])]
    for key, shown in (
        ("paytrace_only", ["paytrace_customer_id", "name", "city"]),
        ("abas_only", ["customer_no", "name", "city"]),
        ("differences", ["paytrace_customer_id", "customer_no", "field", "paytrace_value",
                         "abas_value"]),
        ("created", CREATED_COLUMNS),
    ):  # fmt: skip
        frame = lists[key]
        if len(frame):
            table = tabulate(frame[shown].values.tolist(), headers=shown, disable_numparse=True)
            parts.append(f"{key.replace('_', ' ')}:\n{table}")
    if links:
        parts.append(f"links learned from clerks:\n{links_table(links)}")
    if workbook is not None:
        parts.append(f"workbook: {workbook}")
    return "\n\n".join(parts)


def links_table(links: Sequence[CustomerLink]) -> str:
    """``customers --links``: each learned link with where it came from."""
    if not links:
        return "no links learned from clerks' decisions yet"
    rows = [
        (
            link.paytrace_customer_id,
            link.customer_no,
            link.linked_at.date().isoformat(),
            link.plan_run_id,
            link.place,
            link.note,
        )
        for link in links
    ]
    headers = ["PayTrace customer", "abas customer", "linked on", "run", "row", "note"]
    return tabulate(rows, headers=headers, disable_numparse=True)


def links_json(links: Sequence[CustomerLink]) -> list[dict[str, str]]:
    """The learned links as JSON objects."""
    return [
        {
            "paytrace_customer_id": link.paytrace_customer_id,
            "customer_no": link.customer_no,
            "linked_at": link.linked_at.isoformat(),
            "run_id": link.run_id,
            "plan_run_id": link.plan_run_id,
            "transaction_id": link.transaction_id,
            "row": link.place,
            "note": link.note,
        }
        for link in links
    ]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value.item() if hasattr(value, "item") else value for key, value in row.items()}
