"""The invoice passes of a big day in several processes, each with its own share of customers.

Once card states and the ledger are settled and the reference tokens are found, payments
affect each other only through open items: an item is paid by a payment of its customer or by
one that names it. Customers linked by such payments (a payer and the owners of the invoices it
names) form groups that share no item with any other group, so each group can be matched on
its own with the same outcome as all at once. The groups are dealt into shares of about equal
size; the parent process matches the first share while forked children match the others
(parallel.py), and the parent adopts the children's verdicts. Payments stay in paying order
within each share, which is all that global assignment needs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd

from paytrace_abas.matching.groups import Ints
from paytrace_abas.matching.parallel import Background
from paytrace_abas.matching.prepared import OpenItemIndex, Payments
from paytrace_abas.matching.verdicts import DecidedPart, Verdicts

#: matches the payments (paying-order positions) left undecided in the given verdicts
Work = Callable[[Verdicts, Ints], None]


def shares(
    payments: Payments, item_index: OpenItemIndex, tokens: pd.DataFrame, pending: Ints, count: int
) -> Ints:
    """Share number (0 .. count-1) of each ``pending`` payment; linked payments share one."""
    if count <= 1 or len(pending) == 0:
        return np.zeros(len(pending), dtype=np.int64)
    group = _customer_groups(payments, item_index, tokens)[pending]
    # Deal groups in order of their number so that every share holds about as many payments.
    order = np.argsort(group, kind="stable")
    boundary = np.flatnonzero(np.diff(group[order])) + 1
    starts = np.concatenate(([0], boundary))
    share_of_group = (starts * count) // len(pending)
    share = np.empty(len(pending), dtype=np.int64)
    share[order] = np.repeat(share_of_group, np.diff(np.append(starts, len(pending))))
    return share


def _customer_groups(payments: Payments, item_index: OpenItemIndex, tokens: pd.DataFrame) -> Ints:
    """A group number per payment: two payments that may touch one open item share a group."""
    customers = len(item_index.customers)
    named = tokens[tokens["item"].to_numpy() >= 0]
    pay = named["pay"].to_numpy()
    owner = item_index.customer_code[named["item"].to_numpy()]
    # A payment's anchor: its payer, or (payer unknown to abas) the owner of an invoice it names.
    anchor = payments.payer_code.copy()
    unanchored = anchor < 0
    first_owner = np.full(len(payments), customers, dtype=np.int64)
    np.minimum.at(first_owner, pay, owner)
    has_owner = unanchored & (first_owner < customers)
    anchor[has_owner] = first_owner[has_owner]
    label = _components(customers, anchor[pay], owner)
    group = np.arange(customers, customers + len(payments), dtype=np.int64)  # alone
    anchored = anchor >= 0
    group[anchored] = label[anchor[anchored]]
    return group


def _components(size: int, left: Ints, right: Ints) -> Ints:
    """Smallest member of each node's connected component, for the edges ``left[i]-right[i]``."""
    label = np.arange(size, dtype=np.int64)
    while True:
        lowest = np.minimum(label[left], label[right])
        np.minimum.at(label, left, lowest)
        np.minimum.at(label, right, lowest)
        while True:  # point every node at its label's label until nothing moves
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label[left], label[right]):
            return label


def run_in_shares(share: Ints, pending: Ints, verdicts: Verdicts, work: Work) -> None:
    """Run ``work`` for each share of ``pending`` payments; decide them all in ``verdicts``."""
    count = int(share.max()) + 1 if len(share) else 1
    if count == 1:
        work(verdicts, pending)
        return
    mine = [pending[share == number] for number in range(count)]
    children = [
        Background(partial(_decided, verdicts.size, pays, work), forked=True) for pays in mine[1:]
    ]
    try:
        # This process decides its own share in place, the others' payments held meanwhile.
        others = np.concatenate(mine[1:])
        verdicts.hold(others)
        work(verdicts, mine[0])
        verdicts.release(others)
        for child in children:
            verdicts.adopt(child.result())
    finally:
        for child in children:
            child.stop()


def _decided(size: int, pays: Ints, work: Work) -> DecidedPart:
    local = Verdicts.only_for(size, pays)
    work(local, pays)
    return local.extract(pays)
