"""Console tables via tabulate, with amounts and shares in the configured locale."""

from __future__ import annotations

import pandas as pd
from tabulate import tabulate

from paytrace_abas.frames import records
from paytrace_abas.matching import category_totals, hit_rate, payment_hit_rate
from paytrace_abas.money import format_cents
from paytrace_abas.report.formats import share_text


def console_summary(results: pd.DataFrame, currency: str, locale: str) -> str:
    """The per-category table a clerk sees after a run, plus the hit-rate lines."""
    totals = category_totals(results)
    table = [
        (row["category"], row["count"], format_cents(int(row["amount_cents"]), currency, locale))
        for row in records(totals)
    ]
    table.append(
        (
            "total",
            int(totals["count"].sum()),
            format_cents(int(totals["amount_cents"].sum()), currency, locale),
        )
    )
    text = tabulate(
        table, headers=["category", "count", "amount"], colalign=("left", "right", "right")
    )
    lines = []
    payments_rate = payment_hit_rate(results)
    if payments_rate is not None:
        lines.append(f"received payments matched to invoices: {share_text(payments_rate, locale)}")
    money_rate = hit_rate(results)
    if money_rate is not None:
        lines.append(f"matched share of received money: {share_text(money_rate, locale)}")
    return text + ("\n\n" + "\n".join(lines) if lines else "")
