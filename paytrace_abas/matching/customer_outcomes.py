"""What the customer + amount pass decides, once the candidate items are known."""

from __future__ import annotations

import numpy as np
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.groups import Groups, Ints
from paytrace_abas.matching.prepared import OpenItemIndex, Payments, take
from paytrace_abas.matching.sets import find_exact_sum_sets
from paytrace_abas.matching.texts import (
    amounts,
    filled,
    how_many,
    joined_by_payment,
    matched_code,
)
from paytrace_abas.matching.verdicts import Verdicts
from paytrace_abas.models import Category

RULE = "customer_amount"
RULE_SET = "customer_amount_set"


def decide_singles(
    fitting: pd.DataFrame,
    nearest: pd.DataFrame,
    payments: Payments,
    item_index: OpenItemIndex,
    proposal: Verdicts,
) -> None:
    """One open item fits best: matched; several fit equally well: ambiguous."""
    if fitting.empty:
        return
    groups = Groups.of(fitting["pay"].to_numpy())
    gap = fitting["gap"].to_numpy()
    best_gap = groups.spread(gap[groups.starts])
    is_best = gap == best_gap
    ties = groups.sum(is_best.astype(np.int64))
    best = fitting.iloc[groups.starts]
    single = ties == 1
    _decide_single_match(best[single], nearest, payments, item_index, proposal)
    tied_rows = fitting[is_best & groups.spread(~single)]
    _decide_ambiguous_items(tied_rows, payments, proposal)


def _decide_single_match(
    best: pd.DataFrame,
    nearest: pd.DataFrame,
    payments: Payments,
    item_index: OpenItemIndex,
    proposal: Verdicts,
) -> None:
    if best.empty:
        return
    pays = best["pay"].to_numpy()
    items = best["item"].to_numpy()
    expected = np.where(best["uses_discount"], best["after"], best["full"]).astype(np.int64)
    discount = (best["full"].to_numpy() - expected).astype(np.int64)
    difference = payments.amount[pays] - expected
    runner, why = _runner_up_items(nearest, pays, items, item_index)
    rate = best["rate"].to_numpy(dtype=object)
    proposal.decide(
        pays,
        Category.MATCHED,
        RULE,
        matched_code("fits_one_item", discount, rate, difference),
        because={
            "invoices": item_index.invoice_no[items].astype(object),
            "count": np.ones(len(pays), dtype=np.int64),
            "customer": payments.payer[pays],
        },
        rule_confidence=0.9,
        difference=difference,
        expected=expected,
        runner_up=runner,
        runner_up_reason=why,
        exchange_rate=best["rate"].to_numpy(dtype=object),
    )
    proposal.link(pays, items, expected, discount)


def _runner_up_items(
    nearest: pd.DataFrame, pays: Ints, chosen: Ints, item_index: OpenItemIndex
) -> tuple[np.ndarray, np.ndarray]:
    """The payer's next-closest open item to the amount, and by how much it misses."""
    near = nearest.reindex(pays)
    use_second = near["first"].to_numpy() == chosen
    item = np.where(use_second, near["second"], near["first"]).astype(np.int64)
    gap = np.where(use_second, near["second_gap"], near["first_gap"]).astype(np.int64)
    fitted = np.where(use_second, near["second_fits"], near["first_fits"]).astype(bool)
    runner = take(item_index.invoice_no, item, "")
    why = filled(len(pays))
    why[(item >= 0) & fitted] = "fits too, but less closely"
    differs = np.flatnonzero((item >= 0) & ~fitted)
    why[differs] = ["differs by " + text for text in amounts(gap[differs])]
    return runner, why


def _decide_ambiguous_items(tied: pd.DataFrame, payments: Payments, proposal: Verdicts) -> None:
    if tied.empty:
        return
    pays_all = tied["pay"].to_numpy()
    numbers = joined_by_payment(pays_all, list(tied["number"]))
    second = tied[tied["pay"].duplicated().to_numpy()].drop_duplicates("pay").set_index("pay")
    pays = numbers.index.to_numpy()
    proposal.decide(
        pays,
        Category.AMBIGUOUS,
        RULE,
        "items_tie",
        because={
            "invoices": numbers.to_numpy(dtype=object),
            "count": how_many(numbers.to_numpy(dtype=object)),
            "customer": payments.payer[pays],
        },
        rule_confidence=0.5,
        runner_up=second["number"].reindex(pays).to_numpy(dtype=object),
        runner_up_reason="fits equally well",
    )
    proposal.link(pays_all, tied["item"].to_numpy())


def decide_taken(
    taken: pd.DataFrame, payments: Payments, item_index: OpenItemIndex, proposal: Verdicts
) -> None:
    """Only items that an earlier payment already paid fit: a second payment of them."""
    if taken.empty:
        return
    first = taken.drop_duplicates("pay")
    pays = first["pay"].to_numpy()
    proposal.decide(
        pays,
        Category.DUPLICATE,
        RULE,
        "fits_but_paid",
        because={
            "invoices": first["number"].to_numpy(dtype=object),
            "count": np.ones(len(pays), dtype=np.int64),
            "customer": payments.payer[pays],
            "other": first["claimant"].to_numpy(dtype=object),
        },
        runner_up=first["claimant"].to_numpy(dtype=object),
        runner_up_reason="paid that invoice first",
    )
    proposal.link(pays, first["item"].to_numpy())


def decide_sets(
    search: pd.DataFrame,
    payments: Payments,
    item_index: OpenItemIndex,
    settings: MatchingSettings,
    proposal: Verdicts,
) -> None:
    """Smallest exact-sum sets of the payer's unclaimed open items."""
    if search.empty:
        return
    sets = find_exact_sum_sets(search, settings)
    if sets.empty:
        return
    tied = sets["tied"].to_numpy(dtype=bool)
    _decide_set_matches(sets[~tied], search, payments, item_index, proposal)
    _decide_ambiguous_sets(sets[tied], payments, item_index, proposal)


def _decide_set_matches(
    sets: pd.DataFrame,
    search: pd.DataFrame,
    payments: Payments,
    item_index: OpenItemIndex,
    proposal: Verdicts,
) -> None:
    if sets.empty:
        return
    pays = sets["pay"].to_numpy()
    members = sets["members"].tolist()
    size = np.fromiter((len(m) for m in members), dtype=np.int64, count=len(members))
    link_pay = np.repeat(pays, size)
    link_item = np.concatenate([np.asarray(m, dtype=np.int64) for m in members])
    rows = search.set_index(["pay", "item"]).loc[list(zip(link_pay, link_item, strict=True))]
    uses_discount = np.repeat(sets["uses_discount"].to_numpy(dtype=bool), size)
    applied = np.where(uses_discount, rows["after"], rows["full"]).astype(np.int64)
    discount = (rows["full"].to_numpy() - applied).astype(np.int64)
    expected = sets["expected"].to_numpy(dtype=np.int64)
    difference = payments.amount[pays] - expected
    per_pay_discount = np.add.reduceat(discount, np.cumsum(size) - size)
    numbers = [", ".join(item_index.invoice_no[m]) for m in members]
    runner = [", ".join(item_index.invoice_no[r]) if len(r) else "" for r in sets["runner_up"]]
    why = [
        ("same size, but newer invoices" if newer else "fits less closely") if r else ""
        for r, newer in zip(runner, sets["runner_up_is_newer"], strict=True)
    ]
    rate = rows["rate"].to_numpy(dtype=object)[np.cumsum(size) - size]
    proposal.decide(
        pays,
        Category.MATCHED,
        RULE_SET,
        matched_code("fits_set", per_pay_discount, rate, difference),
        because={
            "invoices": np.asarray(numbers, dtype=object),
            "count": size,
            "customer": payments.payer[pays],
        },
        rule_confidence=0.8,
        difference=difference,
        expected=expected,
        runner_up=np.asarray(runner, dtype=object),
        runner_up_reason=np.asarray(why, dtype=object),
    )
    proposal.link(link_pay, link_item, applied, discount)


def _decide_ambiguous_sets(
    sets: pd.DataFrame, payments: Payments, item_index: OpenItemIndex, proposal: Verdicts
) -> None:
    if sets.empty:
        return
    pays = sets["pay"].to_numpy()
    first = [", ".join(item_index.invoice_no[m]) for m in sets["members"]]
    second = [", ".join(item_index.invoice_no[m]) for m in sets["runner_up"]]
    proposal.decide(
        pays,
        Category.AMBIGUOUS,
        RULE_SET,
        "sets_tie",
        because={
            "invoices": np.asarray(first, dtype=object),
            "count": how_many(first),
            "detail": np.asarray(second, dtype=object),
            "customer": payments.payer[pays],
        },
        rule_confidence=0.5,
        runner_up=np.asarray(second, dtype=object),
        runner_up_reason="fits equally well",
    )
    for pay, a, b in zip(pays, sets["members"], sets["runner_up"], strict=True):
        items = np.unique(np.concatenate([np.asarray(a), np.asarray(b)])).astype(np.int64)
        proposal.link(np.full(len(items), pay, dtype=np.int64), items)


def decide_nothing_fits(
    rest: Ints,
    nearest: pd.DataFrame,
    too_many: np.ndarray,
    payments: Payments,
    item_index: OpenItemIndex,
    settings: MatchingSettings,
    proposal: Verdicts,
) -> None:
    if not len(rest):
        return
    near = nearest.reindex(rest)
    count = near["count"].fillna(0).to_numpy(dtype=np.int64)
    item = near["first"].fillna(-1).to_numpy(dtype=np.int64)
    gap = near["first_gap"].fillna(0).to_numpy(dtype=np.int64)
    runner = take(item_index.invoice_no, item, "")
    skipped = np.isin(rest, too_many)
    gap_text = amounts(gap)
    code = np.full(len(rest), "no_item_fits", dtype=object)
    code += np.where(skipped, "+too_many_for_sets", "+no_set_fits")
    code += np.where(runner != "", "+closest_differs", "")
    proposal.decide(
        rest,
        Category.UNMATCHED,
        "none",
        code,
        because={
            "customer": payments.payer[rest],
            "count": count,
            "detail": str(settings.max_invoices_per_payment),
            "other": runner,
            "gap_cents": gap,
        },
        runner_up=runner,
        runner_up_reason=np.asarray(
            [f"differs by {g}" if r else "" for r, g in zip(runner, gap_text, strict=True)],
            dtype=object,
        ),
    )
