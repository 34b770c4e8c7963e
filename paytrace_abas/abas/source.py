"""Open items and customers read live from abas into the same frames as the export files.

Tables, extra selection and field names come from ``[abas]`` (docs/abas.md): installations
differ. Every open item the selection returns is kept, also those with nothing left open: a
payment naming a cleared invoice is ``invoice_not_open``, which needs the invoice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from paytrace_abas.abas.client import AbasClient
from paytrace_abas.abas.codec import decode_text, field_entry, field_map, raw_value
from paytrace_abas.abas.columns import OPEN_ITEM_CELLS, open_item_columns
from paytrace_abas.abas.normalize import customers_frame, open_items_from_columns
from paytrace_abas.abas.paging import Page
from paytrace_abas.config.settings import OPEN_ITEMS_TABLE_NAME
from paytrace_abas.errors import InputFileError, MoneyError, SourceError
from paytrace_abas.models import OPEN_ITEM_COLUMNS

log = logging.getLogger(__name__)


def resolve_open_items_table(client: AbasClient) -> str:
    """``[abas] open_items_table``, or the ``tableSpec`` abas' meta data gives for open items."""
    configured = client.settings.open_items_table
    if configured:
        return configured
    wanted = _plain(OPEN_ITEMS_TABLE_NAME)
    for entry in client.table_specs():
        names = {_plain(str(entry.get(key, ""))) for key in ("name", "id", "description")}
        if wanted in names and entry.get("tableSpec"):
            return str(entry["tableSpec"])
    raise SourceError(
        f"abas GET /obj/meta: no table named {OPEN_ITEMS_TABLE_NAME}; "
        "set [abas] open_items_table to its db:group"
    )


def fetch_open_items(client: AbasClient, table: str, max_pages: int | None = None) -> pd.DataFrame:
    """Every open item of the selection (or its first pages) as the canonical frame."""
    settings = client.settings
    names = settings.open_item_fields
    columns: dict[str, list[Any]] = {column: [] for column in OPEN_ITEM_COLUMNS}
    for page in client.query(
        table, settings.open_items_criteria, _head_fields(names), settings.page_size, max_pages
    ):
        read = len(columns["invoice_no"])
        for column, values in page_columns(page, names, table, read).items():
            columns[column].extend(values)
    log.info("read %d open items from abas table %s", len(columns["invoice_no"]), table)
    try:
        return open_items_from_columns(columns)
    except InputFileError as exc:  # abas sent it: abas' data is at fault, not the user's file
        raise SourceError(f"abas sent {exc}") from None


def page_columns(
    page: Page, names: Mapping[str, str], table: str, read: int
) -> dict[str, list[Any]]:
    """A page's new open items as columns: the whole page at once, or (when that gives up)
    record by record, so that a value abas sent wrong is named with its record and field."""
    body = page.answer.body
    columns = None if body is None else open_item_columns(body, page.fresh, names, table)
    if columns is not None:
        return columns
    rows = [
        _open_item(obj.get("head", {}).get("fields"), names, _where(table, obj, read + n))
        for n, obj in enumerate(page.objects())
    ]
    return {column: [row[column] for row in rows] for column in OPEN_ITEM_COLUMNS}


def fetch_customers(client: AbasClient, max_pages: int | None = None) -> pd.DataFrame:
    """The customers table (or its first pages) as the canonical customers frame."""
    settings = client.settings
    names = settings.customer_fields
    table = settings.customers_table
    rows: list[dict[str, str]] = []
    for page in client.query(table, "", _head_fields(names), settings.page_size, max_pages):
        for obj in page.objects():
            fields = obj.get("head", {}).get("fields")
            row = {column: decode_text(field_entry(fields, name)) for column, name in names.items()}
            rows.append({**row, "source_line": _where(table, obj, len(rows))})
    try:
        return customers_frame([row for row in rows if row["customer_no"]])
    except InputFileError as exc:
        raise SourceError(f"abas sent {exc}") from None


def _open_item(fields: Any, names: Mapping[str, str], where: str) -> dict[str, Any]:
    """One record as a row of the frame; a value that cannot be read names record and field.

    Pages are decoded column by column (abas/columns.py); this runs for a page that path
    gives up, with the same table of fields and decoders.
    """
    by_name = field_map(fields)
    row: dict[str, Any] = {}
    for column, (frame_column, decode, required) in OPEN_ITEM_CELLS.items():
        name = names[column]
        try:
            value = decode(raw_value(by_name.get(name)))
        except (MoneyError, ValueError) as exc:
            raise SourceError(f"{where}, field {name} ({column}): {exc}") from None
        if required and value in (None, ""):
            raise SourceError(f"{where}, field {name} ({column}): value is missing")
        row[frame_column] = value
    if row["gross_cents"] is None:
        row["gross_cents"] = row["open_cents"]
    row["source_line"] = where
    return row


def _head_fields(names: Mapping[str, str]) -> str:
    return ",".join(["id", *dict.fromkeys(names.values())])


def _where(table: str, obj: dict[str, Any], index: int) -> str:
    """Where a record came from, for messages: its record id, else its position."""
    record = obj.get("meta", {}).get("id") if isinstance(obj.get("meta"), dict) else None
    record = record or decode_text(field_entry(obj.get("head", {}).get("fields"), "id"))
    return f"abas {table} record {record}" if record else f"abas {table} record #{index + 1}"


def _plain(name: str) -> str:
    return name.replace("(", "").replace(")", "").replace(" ", "").lower()
