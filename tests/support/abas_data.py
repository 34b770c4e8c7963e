"""Put an open-items export (the file source's input) into the fake abas as its open items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from paytrace_abas.config.settings import DEFAULT_OPEN_ITEM_FIELDS
from tests.fake_abas import FakeAbasState

#: export column -> abas field of the fake's open-items table (the default field map)
FIELDS = DEFAULT_OPEN_ITEM_FIELDS


def load_export(state: FakeAbasState, export: Path) -> int:
    """Every row of a ``;`` open-items export as an open item of the fake; returns the count."""
    lines = export.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    count = 0
    for line in lines[1:]:
        if not line.strip():
            continue
        row = dict(zip(header, line.split(";"), strict=True))
        state.add_open_item(**{FIELDS[k]: _value(k, v) for k, v in row.items() if k in FIELDS})
        count += 1
    return count


def _value(column: str, text: str) -> object:
    text = text.strip()
    if not text:
        return None
    if column in ("gross_amount", "open_amount"):
        return int(Decimal(text.replace(".", "").replace(",", ".")) * 100)
    if column in ("invoice_date", "due_date", "discount_until"):
        return dt.datetime.strptime(text, "%d.%m.%Y").date()
    if column == "discount_percent":
        return text.replace(",", ".")
    return text
