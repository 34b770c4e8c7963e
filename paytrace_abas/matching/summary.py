"""Totals a clerk reads after a run: per category, and the share of money that matched."""

from __future__ import annotations

import pandas as pd

from paytrace_abas.models import MONEY_OUT, NON_MONEY, Category

#: Not received money: never part of a hit rate.
_NOT_COUNTED = {c.value for c in NON_MONEY | MONEY_OUT}
#: Hits: matched now, or matched and posted by an earlier run (a rerun must not read as 0 %).
_HITS = [Category.MATCHED.value, Category.ALREADY_POSTED.value]


def category_totals(results: pd.DataFrame) -> pd.DataFrame:
    """Count and amount per category, in the contract's category order, only those present."""
    grouped = results.groupby("category")["amount_cents"].agg(["count", "sum"])
    present = [c.value for c in Category if c.value in grouped.index]
    totals = grouped.loc[present].reset_index()
    totals.columns = pd.Index(["category", "count", "amount_cents"])
    return totals.astype({"count": "int64", "amount_cents": "int64"})


def payment_hit_rate(results: pd.DataFrame) -> float | None:
    """Share of received payments (counted, not summed) that were matched; see :func:`hit_rate`."""
    received = results[~results["category"].isin(list(_NOT_COUNTED))]
    if received.empty:
        return None
    return float(received["category"].isin(_HITS).sum()) / len(received)


def hit_rate(results: pd.DataFrame) -> float | None:
    """Share of received money that was matched; None when nothing was received.

    Not money (declined, voided, pending) and money out (refunds, chargebacks) are left out of
    both sides; a payment an earlier run matched and posted (``already_posted``) counts as a hit,
    so rerunning a posted day reads the same as the first run.
    """
    received = results[~results["category"].isin(list(_NOT_COUNTED))]
    total = int(received["amount_cents"].sum())
    if total == 0:
        return None
    hits = received["category"].isin(_HITS)
    return int(received.loc[hits, "amount_cents"].sum()) / total
