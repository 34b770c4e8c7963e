"""Period report data: many runs' results folded into daily totals and the open exceptions.

Pure pandas. The read interface is deliberately small so any store of past runs can feed it:
a list of RunSnapshot (one per run: its results joined with the payment facts), the postings
frame, and the transactions a clerk has resolved (with the day the resolution was applied).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from paytrace_abas.matching import category_totals
from paytrace_abas.models import (
    ITEM_COLUMNS,
    MONEY_OUT,
    NON_MONEY,
    Category,
    RunSnapshot,
    open_exception_mask,
)


@dataclass(frozen=True)
class PeriodReport:
    """The frames of a period workbook."""

    first_day: dt.date
    last_day: dt.date
    run_count: int
    categories: pd.DataFrame
    daily: pd.DataFrame
    card_types: pd.DataFrame
    batches: pd.DataFrame
    postings: pd.DataFrame
    open_exceptions: pd.DataFrame


def snapshot_items(results: pd.DataFrame, payments: pd.DataFrame, days: pd.Series) -> pd.DataFrame:
    """ITEM_COLUMNS from a run's results and payments; ``days`` is each payment's business day."""
    facts = payments[["transaction_id", "card_type", "batch_number"]].assign(day=days.to_numpy())
    merged = results.merge(facts, on="transaction_id", how="left")
    return merged[ITEM_COLUMNS]


def summarize_period(
    runs: Sequence[RunSnapshot],
    postings: pd.DataFrame,
    resolved: Mapping[str, dt.date],
    first_day: dt.date,
    last_day: dt.date,
) -> PeriodReport:
    """Fold the runs (the latest decision per transaction wins) into the period's frames.

    ``already_posted`` only wins where no run decided anything else about the transaction.

    Open exceptions include earlier days (carried forward) until resolved or matched; their
    age is counted in days up to ``last_day``.
    """
    latest = _latest_decisions(runs)
    in_period = latest[(latest["day"] >= first_day) & (latest["day"] <= last_day)]
    return PeriodReport(
        first_day=first_day,
        last_day=last_day,
        run_count=len(runs),
        categories=category_totals(in_period),
        daily=_daily_totals(in_period),
        card_types=_money_totals(in_period, ["day", "card_type"]),
        # numbers wrap: a batch is its number on its settlement day
        batches=_money_totals(
            in_period[in_period["batch_number"].notna()], ["day", "batch_number"]
        ),
        postings=_postings_in(postings, first_day, last_day),
        open_exceptions=_open_exceptions(latest, resolved, last_day),
    )


def _latest_decisions(runs: Sequence[RunSnapshot]) -> pd.DataFrame:
    frames = [
        run.items.assign(run_id=run.run_id, started_at=run.started_at)
        for run in sorted(runs, key=lambda run: run.started_at)
        if not run.items.empty
    ]
    if not frames:
        return pd.DataFrame(columns=[*ITEM_COLUMNS, "run_id", "started_at", "first_seen"])
    every = pd.concat(frames, ignore_index=True)
    first_seen = every.groupby("transaction_id")["run_id"].first().rename("first_seen")
    # "Already posted" repeats what an earlier run decided (a rerun, an overlapping window);
    # it never replaces that decision, or a rerun would empty the matched totals.
    repeats = every["category"] == Category.ALREADY_POSTED.value
    decided = every["transaction_id"].isin(every.loc[~repeats, "transaction_id"])
    every = every[~(repeats & decided)]
    latest = every.drop_duplicates("transaction_id", keep="last")
    return latest.merge(first_seen, on="transaction_id", how="left").reset_index(drop=True)


def _daily_totals(items: pd.DataFrame) -> pd.DataFrame:
    order = {c.value: n for n, c in enumerate(Category)}
    grouped = (
        items.groupby(["day", "category"])["amount_cents"]
        .agg(count="count", amount_cents="sum")
        .reset_index()
    )
    grouped["order"] = grouped["category"].map(order)
    grouped = grouped.sort_values(["day", "order"]).drop(columns="order")
    return grouped.reset_index(drop=True)


def _money_totals(items: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Received, refunded and net money per key: what a PayTrace batch deposit shows."""
    columns = [*keys, "count", "received_cents", "refunded_cents", "net_cents"]
    money = items[~items["category"].isin([c.value for c in NON_MONEY])]
    if money.empty:
        return pd.DataFrame(columns=columns)
    is_out = money["category"].isin([c.value for c in MONEY_OUT])
    frame = money.assign(
        received_cents=money["amount_cents"].where(~is_out, 0),
        refunded_cents=money["amount_cents"].where(is_out, 0),
    )
    grouped = frame.groupby(keys, dropna=False).agg(
        count=("transaction_id", "count"),
        received_cents=("received_cents", "sum"),
        refunded_cents=("refunded_cents", "sum"),
    )
    grouped["net_cents"] = grouped["received_cents"] - grouped["refunded_cents"]
    totals = grouped.reset_index()[columns]
    if "batch_number" in keys:  # a key of several columns comes back as floats
        totals["batch_number"] = totals["batch_number"].astype("Int64")
    return totals


def _postings_in(postings: pd.DataFrame, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
    if postings.empty or "paid_on" not in postings.columns:
        return postings
    days = pd.to_datetime(postings["paid_on"]).dt.date
    return postings[(days >= first_day) & (days <= last_day)].reset_index(drop=True)


def _open_exceptions(
    latest: pd.DataFrame, resolved: Mapping[str, dt.date], as_of: dt.date
) -> pd.DataFrame:
    columns = ["transaction_id", "day", "category", "amount_cents", "age_days", "invoice_nos"]
    columns += ["reason", "first_seen", "run_id"]
    candidates = latest[latest["day"] <= as_of]
    decided = pd.Series(
        [tid in resolved and resolved[tid] <= as_of for tid in candidates["transaction_id"]],
        index=candidates.index,
        dtype=bool,
    )  # a Series: an empty list would select no columns rather than no rows
    still_open = open_exception_mask(candidates["category"], decided)
    open_rows = candidates[still_open]
    ages = [(as_of - day).days for day in open_rows["day"]]
    result = open_rows.assign(age_days=ages)
    return result.sort_values(["age_days", "transaction_id"], ascending=[False, True])[
        columns
    ].reset_index(drop=True)
