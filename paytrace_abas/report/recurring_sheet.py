"""The Recurring sheet of the run workbook: each schedule's due day and what happened."""

from __future__ import annotations

import pandas as pd

from paytrace_abas.report import labels
from paytrace_abas.report.cells import Kind
from paytrace_abas.report.tables import Column

#: A problem a person acts on (declined, missing, expiring card) colours the tab.
RECURRING_COLOUR = "FCE4D6"

RECURRING_SHEET_COLUMNS = (
    Column("schedule_id"),
    Column("status"),
    Column("due_on", Kind.DATE),
    Column("customer_no"),
    Column("paytrace_customer_id"),
    Column("amount", Kind.MONEY, total=True),
    Column("transaction_id"),
    Column("card_expires"),
    Column("reason", wrap=True),
)


def recurring_sheet_rows(recurring: pd.DataFrame, language: str) -> pd.DataFrame:
    """The rows with their status in the clerk's words."""
    rows = recurring.copy()
    rows["status"] = [
        labels.text(f"recurring_{status}", language) for status in recurring["status"].tolist()
    ]
    return rows
