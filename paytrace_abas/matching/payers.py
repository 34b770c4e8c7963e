"""Who paid: whether a PayTrace payer is an abas customer, and finding one by name.

See docs/matching.md#the-payer.

A payer is an abas customer when abas lists it: in the customer master (``[abas]
customers_file``) or on an open item. Without a customer master, a payer id of the shape of
this installation's customer numbers (learned from the open items) counts as one too; a
PayTrace vault id of another shape stays an unknown payer.

A payment without a known payer has a card holder / billing name: normalized (case,
punctuation, umlauts and ß, legal forms), an equal name first, then the token-set similarity
(``rapidfuzz``) against every abas customer's name; only a unique winner at or above
``[matching] name_match_threshold`` is the payer. A tie finds nobody.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process

from paytrace_abas.matching.shapes import NumberShape, learn_shape

Flags = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]

#: Legal forms dropped from names (after dots are removed: "e.K." is "ek", "Inc." is "inc").
LEGAL_FORMS = frozenset(
    {"gmbh", "mbh", "ag", "kg", "kgaa", "ohg", "ek", "inc", "llc", "ltd", "limited", "co", "corp"}
)
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_GLUED = re.compile(r"[.'’`´]")
_SEPARATORS = re.compile(r"[\W_]+")


def normalized_name(name: str) -> str:
    """``Müller GmbH & Co. KG`` -> ``mueller``: lower case, umlauts spelled out, accents,
    punctuation and legal forms dropped, words separated by one space."""
    text = name.lower().translate(_TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    words = _SEPARATORS.sub(" ", _GLUED.sub("", text)).split()
    return " ".join(word for word in words if word not in LEGAL_FORMS)


@dataclass(frozen=True)
class NameMatch:
    """The customer a billing name found, and how similar the names are (0..1)."""

    customer_no: str
    similarity: float


@dataclass(frozen=True)
class CustomerDirectory:
    """The abas customers a payer may be: numbers, names, and the customer-number shape."""

    numbers: pd.Index
    named: _Named
    #: learned from the open items; only used without a customer master
    shape: NumberShape | None

    @cached_property
    def _names(self) -> tuple[list[str], list[str]]:
        """Normalized names and their customers (made on first use: most days need none)."""
        named = self.named.pairs()
        normalized = [normalized_name(name) for name in named["name"]]
        owners = named["customer_no"].tolist()
        kept = [n for n, name in enumerate(normalized) if name]
        return [normalized[n] for n in kept], [owners[n] for n in kept]

    @cached_property
    def _names_by_start(self) -> dict[str, list[int]]:
        """The first two letters of a word -> the names having such a word (positions)."""
        starts: dict[str, list[int]] = {}
        for position, name in enumerate(self._names[0]):
            for start in {word[:2] for word in name.split()}:
                starts.setdefault(start, []).append(position)
        return starts

    @cached_property
    def _owners_by_name(self) -> dict[str, set[str]]:
        """Normalized name -> the customers that have it (equal names are looked up by hash)."""
        by_name: dict[str, set[str]] = {}
        for name, owner in zip(*self._names, strict=True):
            by_name.setdefault(name, set()).add(owner)
        return by_name

    def is_customer(self, payers: Texts) -> Flags:
        """Whether each payer id names an abas customer (see the module docstring)."""
        known: Flags = self.numbers.get_indexer(pd.Index(payers, dtype=object)) >= 0
        if self.shape is not None:
            shaped = pd.Series(payers, dtype=object).str.fullmatch(self.shape.pattern)
            known |= shaped.fillna(False).to_numpy(dtype=bool)
        result: Flags = known & (payers != "")
        return result

    def find_by_name(self, billing_name: str, threshold: float) -> NameMatch | None:
        """The one customer whose name is equal or, failing that, most similar (>= threshold)."""
        wanted = normalized_name(billing_name)
        if not wanted:
            return None
        names, owners = self._names
        equal = set(self._owners_by_name.get(wanted, ()))
        if equal:
            return NameMatch(equal.pop(), 1.0) if len(equal) == 1 else None
        # Only names sharing a word's first two letters are scored: as similar a name as the
        # threshold asks has one, and scoring every customer per payment would cost seconds.
        starts = self._names_by_start
        near = sorted({n for word in wanted.split() for n in starts.get(word[:2], ())})
        best = process.extract(
            wanted,
            [names[n] for n in near],
            scorer=fuzz.token_set_ratio,
            processor=None,
            limit=None,
            score_cutoff=threshold * 100,
        )
        if not best:
            return None
        top = best[0][1]
        winners = {owners[near[index]] for _, score, index in best if score == top}
        if len(winners) > 1:
            return None
        return NameMatch(winners.pop(), round(top / 100, 2))


def customer_directory(
    open_items: pd.DataFrame, customers: pd.DataFrame, item_customers: pd.Index
) -> CustomerDirectory:
    """The directory from the customer master and the open items' customers
    (``item_customers``: each once, as the open-item index holds them)."""
    master = customers["customer_no"].astype(str).to_numpy(dtype=object)
    numbers = item_customers.append(pd.Index(master, dtype=object)).unique()
    # With a customer master abas says who its customers are; without one, the shape of the
    # customer numbers on the open items stands in for it.
    shape = None if len(customers) else learn_shape(item_customers.to_numpy(dtype=object))
    return CustomerDirectory(numbers, _Named(open_items, customers), shape)


@dataclass(frozen=True)
class _Named:
    """Where the customers' names are: read only when a payer is looked up by name."""

    open_items: pd.DataFrame
    customers: pd.DataFrame

    def pairs(self) -> pd.DataFrame:
        """(customer_no, name) of every customer, from the master and the open items, once."""
        on_items = self.open_items[["customer_no", "customer_name"]].rename(
            columns={"customer_name": "name"}
        )
        named = pd.concat([self.customers[["customer_no", "name"]], on_items])
        return named.astype(str).drop_duplicates()
