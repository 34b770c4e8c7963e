"""Smallest exact-sum sets: several open items of one customer that a payment pays together.

Sets grow one item at a time, items taken in age order so that every set is built once; a
partial set already above the amount is dropped (open amounts are positive), which keeps the
search small. A payment stops growing at the first size where some set fits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.amounts import fits
from paytrace_abas.matching.groups import ordered_rows

#: columns of the candidate rows handed in
CANDIDATE_COLUMNS = ["pay", "item", "amount", "full", "after", "day", "number"]
#: a set's n-th member (oldest first) is in columns item<n>, day<n> and rank<n>
_MEMBER_PREFIXES = ("item", "day", "rank")


def find_exact_sum_sets(candidates: pd.DataFrame, settings: MatchingSettings) -> pd.DataFrame:
    """The best fitting set per payment and whether another set fits equally well.

    ``candidates``: one row per payment and open item, with the payment's ``amount``, the item's
    open amount ``full`` and its amount after a valid cash discount ``after`` (both in the
    payment's currency), ``day`` (invoice date) and ``number``. Returns one row per payment that
    has a fitting set: ``pay``, ``members`` (items, oldest first), ``uses_discount``,
    ``expected``, ``tied`` (another set of the same size, difference and dates), ``runner_up``
    (the next set's items or empty) and ``runner_up_is_newer``.
    """
    order = ordered_rows(
        candidates["pay"].to_numpy(), candidates["day"].to_numpy(), candidates["number"].to_numpy()
    )
    rows = candidates.iloc[order].reset_index(drop=True)
    rows["rank"] = rows.groupby("pay").cumcount()
    # A set asking more than the amount still fits when the payment is short of it by no more
    # than the under tolerance; partial sets above that can only grow further away.
    ceiling = settings.under_tolerance_cents
    level = pd.DataFrame(
        {
            "pay": rows["pay"],
            "amount": rows["amount"],
            "last": rows["rank"],
            "full": rows["full"],
            "after": rows["after"],
            "item1": rows["item"],
            "day1": rows["day"],
            "rank1": rows["rank"],
        }
    )
    extend = rows[["pay", "rank", "item", "full", "after", "day"]].rename(
        columns={
            "rank": "next_rank",
            "item": "next_item",
            "full": "next_full",
            "after": "next_after",
            "day": "next_day",
        }
    )
    found: list[pd.DataFrame] = []
    for size in range(2, settings.max_invoices_per_payment + 1):
        level = level.merge(extend, on="pay")
        keep = (level["next_rank"] > level["last"]) & (
            level["after"] + level["next_after"] <= level["amount"] + ceiling
        )
        level = level[keep.to_numpy()]
        if level.empty:
            break
        level = pd.DataFrame(
            {
                **{name: level[name] for name in level.columns if _is_member_column(name)},
                "pay": level["pay"],
                "amount": level["amount"],
                "last": level["next_rank"],
                "full": level["full"] + level["next_full"],
                "after": level["after"] + level["next_after"],
                f"item{size}": level["next_item"],
                f"day{size}": level["next_day"],
                f"rank{size}": level["next_rank"],
            }
        )
        fitting = _fitting(level, settings)
        if fitting.any():
            found.append(_best_per_payment(level[fitting], size))
            level = level[~level["pay"].isin(level.loc[fitting, "pay"]).to_numpy()]
    if not found:
        return pd.DataFrame(
            columns=[
                "pay",
                "members",
                "uses_discount",
                "expected",
                "tied",
                "runner_up",
                "runner_up_is_newer",
            ]
        )
    return pd.concat(found, ignore_index=True)


def _is_member_column(name: str) -> bool:
    return name.rstrip("0123456789") in _MEMBER_PREFIXES and name[-1].isdigit()


def _fitting(level: pd.DataFrame, settings: MatchingSettings) -> np.ndarray:
    amount = level["amount"].to_numpy()
    full = level["full"].to_numpy()
    after = level["after"].to_numpy()
    return fits(amount, full, settings) | ((after < full) & fits(amount, after, settings))


def _best_per_payment(sets: pd.DataFrame, size: int) -> pd.DataFrame:
    """Rank the fitting sets of one size: smaller difference, then older invoices."""
    sets = sets.copy()
    full_fit = np.abs(sets["amount"] - sets["full"])
    after_fit = np.abs(sets["amount"] - sets["after"])
    sets["uses_discount"] = after_fit < full_fit
    sets["expected"] = np.where(sets["uses_discount"], sets["after"], sets["full"])
    sets["gap"] = np.abs(sets["amount"] - sets["expected"])
    days = [f"day{n}" for n in range(1, size + 1)]
    members = [f"item{n}" for n in range(1, size + 1)]
    # ``rank`` is by (invoice date, invoice number): the order never depends on input order.
    ranks = [f"rank{n}" for n in range(1, size + 1)]
    sets = sets.sort_values(["pay", "gap", *days, *ranks])
    first = ~sets["pay"].duplicated().to_numpy()
    second = np.zeros(len(sets), dtype=bool)
    second[1:] = first[:-1] & ~first[1:]
    best = sets[first].reset_index(drop=True)
    next_set = sets[second].set_index("pay")
    following = next_set.reindex(best["pay"])
    has_next = following["gap"].notna().to_numpy()
    same = has_next & (following["gap"].to_numpy() == best["gap"].to_numpy())
    for column in days:
        same &= following[column].to_numpy() == best[column].to_numpy()
    runner = following[members].to_numpy()
    return pd.DataFrame(
        {
            "pay": best["pay"].to_numpy(),
            "members": best[members].to_numpy().tolist(),
            "uses_discount": best["uses_discount"].to_numpy(),
            "expected": best["expected"].to_numpy(dtype=np.int64),
            "tied": same,
            "runner_up": [
                list(map(int, r)) if ok else [] for r, ok in zip(runner, has_next, strict=True)
            ],
            "runner_up_is_newer": has_next
            & ~same
            & (following["gap"].to_numpy() == best["gap"].to_numpy()),
        }
    )
