"""Totals a clerk reads after a run: per category, and the share of money that matched."""

from __future__ import annotations

import pandas as pd

from paytrace_abas.models import MONEY_OUT, NON_MONEY, Category

#: Received money that is nobody's work today: posted before, so neither hit nor miss.
_NOT_COUNTED = {c.value for c in NON_MONEY | MONEY_OUT} | {Category.ALREADY_POSTED.value}


def category_totals(results: pd.DataFrame) -> pd.DataFrame:
    """Count and amount per category, in the contract's category order, only those present."""
    grouped = results.groupby("category")["amount_cents"].agg(["count", "sum"])
    present = [c.value for c in Category if c.value in grouped.index]
    totals = grouped.loc[present].reset_index()
    totals.columns = pd.Index(["category", "count", "amount_cents"])
    return totals.astype({"count": "int64", "amount_cents": "int64"})


def hit_rate(results: pd.DataFrame) -> float | None:
    """Share of settled sale amounts that ended ``matched``; None when there were none.

    Not money (declined, voided, pending), money out (refunds, chargebacks) and payments an
    earlier run already posted are left out of both sides.
    """
    received = results[~results["category"].isin(list(_NOT_COUNTED))]
    total = int(received["amount_cents"].sum())
    if total == 0:
        return None
    matched = received["category"] == Category.MATCHED.value
    return int(received.loc[matched, "amount_cents"].sum()) / total
