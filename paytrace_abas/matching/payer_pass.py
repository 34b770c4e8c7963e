"""Payer by name: a payment without a known abas customer, found by its billing name.

See docs/matching.md#the-payer. Runs after the reference pass (a named invoice is stronger
evidence than a name) and before the customer + amount pass, which then runs for the payer
found. The name never makes a payment a ``customer_mismatch``: it only says whose open items
the amount is compared with.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.groups import Ints
from paytrace_abas.matching.payers import CustomerDirectory
from paytrace_abas.matching.prepared import OpenItemIndex, Payments
from paytrace_abas.matching.verdicts import Verdicts
from paytrace_abas.models import CustomerLink


@dataclass(frozen=True)
class PayersByName:
    """The payments with the payers found by name filled in, and what says so."""

    payments: Payments
    #: paying-order positions of the payments whose payer was found by name
    found: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: per found payment: the billing name and how similar the customer's name is (0..1)
    names: npt.NDArray[np.object_] = field(default_factory=lambda: np.zeros(0, dtype=object))
    similarity: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def add_evidence(self, verdicts: Verdicts) -> None:
        """Each such payment's reason says whom the name found, and how similar it was."""
        verdicts.add_to_reason(
            self.found,
            "payer_by_name",
            name=self.names,
            customer=self.payments.payer[self.found],
            share=self.similarity,
        )


def find_payers_by_name(
    payments: Payments,
    item_index: OpenItemIndex,
    directory: CustomerDirectory,
    settings: MatchingSettings,
    verdicts: Verdicts,
) -> PayersByName:
    """Undecided payments of no abas customer whose billing name finds exactly one customer."""
    asking = np.flatnonzero(
        verdicts.pending() & ~payments.payer_is_customer & (payments.billing_name != "")
    )
    if not len(asking):
        return PayersByName(payments)
    names = pd.unique(payments.billing_name[asking])
    matches = {name: directory.find_by_name(name, settings.name_match_threshold) for name in names}
    found_names = [matches[name] for name in payments.billing_name[asking]]
    hit = np.fromiter((m is not None for m in found_names), dtype=bool, count=len(asking))
    if not hit.any():
        return PayersByName(payments)
    found = asking[hit]
    customer = np.asarray([m.customer_no for m in found_names if m is not None], dtype=object)
    similarity = np.asarray([m.similarity for m in found_names if m is not None], dtype=float)
    return PayersByName(
        _with_payers(payments, item_index, found, customer),
        found,
        payments.billing_name[found],
        similarity,
    )


def _with_payers(
    payments: Payments, item_index: OpenItemIndex, pays: Ints, customer: npt.NDArray[np.object_]
) -> Payments:
    """``payments`` with ``customer`` as the payer of ``pays`` (and in the evidence column)."""
    payer = payments.payer.copy()
    payer[pays] = customer
    payer_code = payments.payer_code.copy()
    payer_code[pays] = item_index.customers.get_indexer(pd.Index(customer, dtype=object))
    in_input = payments.input_columns["payer"].copy()
    in_input[payments.order[pays]] = customer
    return dataclasses.replace(
        payments,
        payer=payer,
        payer_code=payer_code,
        input_columns={**payments.input_columns, "payer": in_input},
    )


def add_link_evidence(
    payments: pd.DataFrame,
    prepared: Payments,
    settings: MatchingSettings,
    learned_links: Mapping[str, CustomerLink],
    verdicts: Verdicts,
) -> None:
    """The reason of each payment whose payer a clerk's link named says so, with when and where
    (not where ``[matching.customer_map]`` names the payer: the map wins)."""
    if not learned_links:
        return
    ids = payments["paytrace_customer_id"].to_numpy(dtype=object, na_value="")[prepared.order]
    linked = pd.Series(ids, dtype=object).isin(list(learned_links)).to_numpy()
    pays = np.asarray(
        [pay for pay in np.flatnonzero(linked) if str(ids[pay]) not in settings.customer_map],
        dtype=np.int64,
    )
    links = [learned_links[str(ids[pay])] for pay in pays]
    verdicts.add_to_reason(
        pays,
        "payer_linked",
        link_day=[(link.linked_at.date() - dt.date(1970, 1, 1)).days for link in links],
        link_run=[link.plan_run_id for link in links],
    )
