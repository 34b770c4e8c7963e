"""The customer pass: no invoice named; the payer's open items that the amount pays.

See docs/matching.md#passes.

One open item that fits best wins (``customer_amount``); items that fit equally well are
``ambiguous``; without a single item, the smallest exact-sum set of up to N items
(``customer_amount_set``; tie-break: smaller difference, then older invoices).

Global assignment: a payer's payments are judged in paying order. All waiting payments are
judged at once against the current claims; a judgement is kept unless an item the payment
looked at may be taken by an earlier payment of the same round (see ``_must_wait``), in which
case the payment is judged again in the next round, against the claims made meanwhile.
"""

from __future__ import annotations

import logging

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.amounts import cash_discount, convert, fits
from paytrace_abas.matching.customer_outcomes import (
    RULE,
    decide_nothing_fits,
    decide_sets,
    decide_singles,
    decide_taken,
)
from paytrace_abas.matching.groups import Groups, Ints, ordered_rows
from paytrace_abas.matching.prepared import OpenItemIndex, Payments
from paytrace_abas.matching.texts import joined_by_payment
from paytrace_abas.matching.verdicts import Verdicts
from paytrace_abas.models import Category

log = logging.getLogger(__name__)


def match_on_customer_amount(
    payments: Payments,
    item_index: OpenItemIndex,
    settings: MatchingSettings,
    verdicts: Verdicts,
    claimed_by: npt.NDArray[np.object_],
) -> None:
    """Decide every undecided payment whose PayTrace customer has open items in abas."""
    waiting = np.flatnonzero(verdicts.pending() & (payments.payer_code >= 0))
    while len(waiting):
        log.debug("customer + amount: %d payments waiting", len(waiting))
        proposal = Verdicts(len(payments))
        looked_at = _judge(waiting, payments, item_index, settings, proposal, claimed_by)
        claims = _claims(proposal)
        kept = ~np.isin(waiting, _must_wait(looked_at, claims, len(item_index)))
        verdicts.adopt(proposal.extract(waiting[kept]))
        kept_claims = claims[np.isin(claims["pay"].to_numpy(), waiting[kept])]
        pays = kept_claims["pay"].to_numpy()
        claimed_by[kept_claims["item"].to_numpy()] = payments.transaction_id[pays]
        waiting = waiting[~kept]


def _claims(proposal: Verdicts) -> pd.DataFrame:
    """(pay, item) of every invoice a proposed match would take."""
    if not proposal.links:
        return pd.DataFrame({"pay": np.zeros(0, np.int64), "item": np.zeros(0, np.int64)})
    links = pd.concat(proposal.links, ignore_index=True)
    matched = proposal.is_matched(links["pay"].to_numpy())
    return pd.DataFrame(links.loc[matched, ["pay", "item"]])


def _must_wait(looked_at: pd.DataFrame, claims: pd.DataFrame, item_count: int) -> Ints:
    """Payments whose proposal may not stand; each waits for the next round.

    A proposal depends only on the items the payment looked at (claim-independent: the items
    that fit the amount, or the whole pool the sets come from). It stands unless an earlier
    payment takes one of them: an earlier proposal that stands takes exactly its claims, an
    earlier one that waits may take any item it looked at. The first waiting payment of each
    customer always stands, so every round makes progress.
    """
    pays = looked_at["pay"].to_numpy()
    items = looked_at["item"].to_numpy()
    blocked = _touched_by(
        pays, items, claims["pay"].to_numpy(), claims["item"].to_numpy(), item_count
    )
    while True:
        mine = np.isin(pays, blocked)
        more = _touched_by(pays, items, pays[mine], items[mine], item_count)
        grown = np.union1d(blocked, more)
        if len(grown) == len(blocked):
            return blocked
        blocked = grown


def _touched_by(pays: Ints, items: Ints, by_pays: Ints, by_items: Ints, item_count: int) -> Ints:
    """Payments that looked at an item which an earlier payment (of ``by_*``) touches."""
    earliest = np.full(item_count, np.iinfo(np.int64).max)
    np.minimum.at(earliest, by_items, by_pays)
    return np.unique(pays[earliest[items] < pays])


def _judge(
    waiting: Ints,
    payments: Payments,
    item_index: OpenItemIndex,
    settings: MatchingSettings,
    proposal: Verdicts,
    claimed_by: npt.NDArray[np.object_],
) -> pd.DataFrame:
    """Propose a decision for each waiting payment; return the (pay, item) rows it looked at.

    A payment looked at the items that fit its amount, or, when none does, the pool of items
    the exact-sum sets are built from.
    """
    pool, nearest = _candidate_rows(waiting, payments, item_index, settings, claimed_by, proposal)
    free = pool[(pool["claimant"] == "").to_numpy()]
    fitting = free[free["fits"].to_numpy()]
    decide_singles(fitting, nearest, payments, item_index, proposal)
    taken = pool[(pool["claimant"] != "").to_numpy() & pool["fits"].to_numpy()]
    decide_taken(taken[proposal.pending()[taken["pay"].to_numpy()]], payments, item_index, proposal)
    search = free[proposal.pending()[free["pay"].to_numpy()]]
    count = search.groupby("pay")["item"].transform("size").to_numpy()
    too_many = search[count > settings.max_items_for_set_search]["pay"].unique()
    search = search[(count >= 2) & (count <= settings.max_items_for_set_search)]
    decide_sets(search, payments, item_index, settings, proposal)
    rest = waiting[proposal.pending()[waiting]]
    decide_nothing_fits(rest, nearest, too_many, payments, item_index, settings, proposal)
    fitting_pays = pool.loc[pool["fits"].to_numpy(), "pay"].unique()
    looked = pool["fits"].to_numpy() | ~pool["pay"].isin(fitting_pays).to_numpy()
    looked_at: pd.DataFrame = pool.loc[looked, ["pay", "item"]]
    return looked_at


def _candidate_rows(
    waiting: Ints,
    payments: Payments,
    item_index: OpenItemIndex,
    settings: MatchingSettings,
    claimed_by: npt.NDArray[np.object_],
    proposal: Verdicts,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pool of each waiting payment's customer, and its two closest unclaimed open items.

    Pool: the customer's open items, in the payment's currency, small enough to be paid by it
    (alone or in a set), sorted by payment, closeness to the amount, date and number. Nearest:
    per payment, the two unclaimed items closest to the amount (for the runner-up).
    Payments whose customer has only items in currencies without a rate are decided here.
    """
    owner, item = item_index.items_of(payments.payer_code[waiting])
    pay = waiting[owner]
    is_open = item_index.open_cents[item] > 0
    pay, item = pay[is_open], item[is_open]
    pay_currency, item_currency = payments.currency[pay], item_index.currency[item]
    open_cents = item_index.open_cents[item]
    discount = np.minimum(
        cash_discount(
            item_index.gross_cents[item],
            item_index.discount_bp[item],
            item_index.discount_until[item],
            payments.paid_day[pay],
        ),
        open_cents,
    )
    full, has_rate, rate = convert(open_cents, item_currency, pay_currency, settings)
    after, _, _ = convert(open_cents - discount, item_currency, pay_currency, settings)
    if not has_rate.all():
        _decide_no_rate(pay, item_currency, has_rate, payments, proposal)
        pay, item, full, after = pay[has_rate], item[has_rate], full[has_rate], after[has_rate]
        rate = rate[has_rate]
    paid = payments.amount[pay]
    fits_full = fits(paid, full, settings)
    fits_after = ~fits_full & (after < full) & fits(paid, after, settings)
    gap = np.abs(paid - np.where(fits_after, after, full))
    day, claimant = item_index.invoice_day[item], claimed_by[item]
    # Invoice numbers are scattered texts: gathered only for ties and for the pool's rows.
    order = ordered_rows(pay, gap, day, item_index.invoice_no, text_at=item)
    rows = {
        "pay": pay,
        "item": item,
        "amount": paid,
        "full": full,
        "after": after,
        "fits": fits_full | fits_after,
        "uses_discount": fits_after,
        "gap": gap,
        "day": day,
        "claimant": claimant,
        "rate": rate,
    }
    # An item above the amount can still be paid in full when the payment is short of it by
    # no more than the under tolerance (its cent limit: a percentage only lowers it).
    chosen = order[(after - paid <= settings.under_tolerance_cents)[order]]
    pool = pd.DataFrame({name: values[chosen] for name, values in rows.items()})
    pool.insert(list(rows).index("day") + 1, "number", item_index.invoice_no[item[chosen]])
    return pool, _nearest(rows, order[(claimant == "")[order]])


def _nearest(rows: dict[str, np.ndarray], order: Ints) -> pd.DataFrame:
    """Per payment (index): count of unclaimed items, the closest two (item, gap, fits)."""
    groups = Groups.of(rows["pay"][order])
    first = order[groups.starts]
    has_second = groups.count() > 1
    second = np.where(has_second, order[np.minimum(groups.starts + 1, len(order) - 1)], -1)
    safe = np.maximum(second, 0)
    return pd.DataFrame(
        {
            "count": groups.count(),
            "first": rows["item"][first],
            "first_gap": rows["gap"][first],
            "first_fits": rows["fits"][first],
            "second": np.where(has_second, rows["item"][safe], -1),
            "second_gap": rows["gap"][safe],
            "second_fits": has_second & rows["fits"][safe],
        },
        index=groups.keys,
    )


def _decide_no_rate(
    pay: Ints,
    currency: npt.NDArray[np.object_],
    has_rate: npt.NDArray[np.bool_],
    payments: Payments,
    proposal: Verdicts,
) -> None:
    """The payer's open items are all in currencies without a configured rate."""
    blind = np.unique(pay[~has_rate])
    blind = blind[~np.isin(blind, pay[has_rate])]
    if not len(blind):
        return
    rows = np.isin(pay, blind)
    codes = joined_by_payment(pay[rows], currency[rows])
    proposal.decide(
        blind,
        Category.CURRENCY_MISMATCH,
        RULE,
        "items_in_other_currency",
        because={
            "customer": payments.payer[blind],
            "detail": codes.reindex(blind).to_numpy(dtype=object),
            "other": payments.currency[blind],
        },
    )
