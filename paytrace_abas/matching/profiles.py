"""PayTrace vault profiles paired with abas customers, and how each pair differs (pure).

See docs/customers.md#matching-order. A profile is paired, in this order, by
``[matching.customer_map]``, by a link a clerk's decision taught, by a PayTrace customer id equal
to an abas customer number, and last by name and address after normalization. Each profile
and each abas customer is in at most one pair; the first rule that pairs one wins.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from functools import cache

import pandas as pd
from babel import Locale
from rapidfuzz import fuzz

from paytrace_abas.matching.payers import normalized_name

#: the profile frame's columns (one row per PayTrace vault profile)
PROFILE_COLUMNS = [
    "paytrace_customer_id",
    "name",
    "street",
    "zip",
    "city",
    "state",
    "country",
    "email",
    "card_last4",
    "card_expiry",
]
LINKED_COLUMNS = ["paytrace_customer_id", "customer_no", "name", "linked_by", "similarity"]
DIFFERENCE_COLUMNS = [
    "paytrace_customer_id",
    "customer_no",
    "field",
    "paytrace_value",
    "abas_value",
]
#: the fields compared in a pair, each normalized before it is compared
COMPARED = ("name", "street", "zip", "city", "country", "email")

_STREET_WORDS = {
    "strasse": "str",
    "straße": "str",
    "street": "st",
    "avenue": "ave",
    "road": "rd",
    "drive": "dr",
    "boulevard": "blvd",
    "platz": "pl",
    "suite": "ste",
}
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_ZIP_PLUS_FOUR = re.compile(r"^(\d{5})-?\d{4}$")
#: country names no locale spells, as people type them
_COUNTRY_ALIASES = {"usa": "US", "u s a": "US", "us of a": "US", "uk": "GB", "brd": "DE"}


@dataclass(frozen=True)
class Pairing:
    """Profiles and customers side by side: pairs, those left alone, and the differences."""

    linked: pd.DataFrame
    paytrace_only: pd.DataFrame
    abas_unpaired: pd.DataFrame
    differences: pd.DataFrame


def normalized_street(street: str) -> str:
    """``Hauptstraße 5`` and ``Hauptstr. 5`` -> ``hauptstr 5``; ``Main Street`` -> ``main st``."""
    text = street.lower()
    for long, short in (("strasse", "str "), ("straße", "str ")):
        text = re.sub(rf"(\w){long}\b", rf"\1{short}", text)  # glued: Hauptstraße
    words = re.sub(r"[\W_]+", " ", text.replace(".", " ")).split()
    return " ".join(_STREET_WORDS.get(word, word) for word in words).translate(_TRANSLITERATION)


def normalized_zip(code: str) -> str:
    """``92101-1234`` (ZIP+4) -> ``92101``; spaces dropped, letters upper case."""
    text = "".join(code.split()).upper()
    plus_four = _ZIP_PLUS_FOUR.match(text)
    return plus_four.group(1) if plus_four else text


def country_code(country: str) -> str:
    """``Germany``, ``Deutschland``, ``DE`` -> ``DE``: ISO code from English or German names."""
    text = " ".join(re.sub(r"[^\w]+", " ", country.lower()).split())
    if not text:
        return ""
    return _country_names().get(text) or _COUNTRY_ALIASES.get(text) or text.upper()


@cache
def _country_names() -> dict[str, str]:
    """Territory names of the English and German locales (babel) -> ISO code."""
    names: dict[str, str] = {}
    for language in ("en", "de"):
        for code, name in Locale(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names[" ".join(re.sub(r"[^\w]+", " ", name.lower()).split())] = code
                names[code.lower()] = code
    return names


def normalized(field: str, value: str) -> str:
    """A compared field as it is compared."""
    if field == "name":
        return normalized_name(value)
    if field == "street":
        return normalized_street(value)
    if field == "zip":
        return normalized_zip(value)
    if field == "country":
        return country_code(value)
    return " ".join(value.lower().translate(_TRANSLITERATION).split())


def pair_profiles(
    profiles: pd.DataFrame,
    customers: pd.DataFrame,
    customer_map: Mapping[str, str],
    learned_links: Mapping[str, str],
    threshold: float,
) -> Pairing:
    """Pair ``profiles`` (PROFILE_COLUMNS) with ``customers`` (the abas customer master)."""
    known = set(customers["customer_no"].astype(str))
    taken: dict[str, tuple[str, str, float]] = {}  # profile -> (customer, rule, similarity)
    used: set[str] = set()
    ids = profiles["paytrace_customer_id"].astype(str).tolist()
    for rule, mapping in (("customer_map", customer_map), ("learned_link", learned_links)):
        for profile in ids:
            customer = mapping.get(profile)
            if profile not in taken and customer in known and customer not in used:
                taken[profile] = (str(customer), rule, 1.0)
                used.add(str(customer))
    for profile in ids:
        if profile not in taken and profile in known and profile not in used:
            taken[profile] = (profile, "same_number", 1.0)
            used.add(profile)
    by_name = _pair_by_name_and_address(
        profiles[~profiles["paytrace_customer_id"].isin(list(taken))],
        customers[~customers["customer_no"].isin(list(used))],
        threshold,
    )
    taken.update(by_name)
    used.update(customer for customer, _, _ in by_name.values())
    return _pairing(profiles, customers, taken, used)


def _pair_by_name_and_address(
    profiles: pd.DataFrame, customers: pd.DataFrame, threshold: float
) -> dict[str, tuple[str, str, float]]:
    """Profile -> its customer, where exactly one customer's name is as similar as the best
    (>= ``threshold``) and the addresses agree (same ZIP, similar street, where both have one);
    a customer two profiles would take goes to neither."""
    candidates = [_address_card(row) for row in customers.to_dict("records")]
    chosen: dict[str, tuple[str, float]] = {}
    for row in profiles.to_dict("records"):
        card = _address_card(row)
        if not card["name"]:
            continue
        scored = [
            (fuzz.token_set_ratio(card["name"], other["name"]) / 100, other["key"])
            for other in candidates
            if other["name"] and _addresses_agree(card, other)
        ]
        best = max((score for score, _ in scored), default=0.0)
        winners = {key for score, key in scored if score == best}
        if best >= threshold and len(winners) == 1:
            chosen[str(row["paytrace_customer_id"])] = (winners.pop(), round(best, 2))
    claimed = pd.Series([customer for customer, _ in chosen.values()], dtype=object)
    twice = set(claimed[claimed.duplicated()])
    return {
        profile: (customer, "name_address", score)
        for profile, (customer, score) in chosen.items()
        if customer not in twice
    }


def _address_card(row: Mapping[Hashable, object]) -> dict[str, str]:
    key = str(row.get("customer_no") or row.get("paytrace_customer_id") or "")
    card = {field: normalized(field, str(row.get(field) or "")) for field in COMPARED}
    return {**card, "key": key}


def _addresses_agree(one: Mapping[str, str], other: Mapping[str, str]) -> bool:
    if one["zip"] and other["zip"] and one["zip"] != other["zip"]:
        return False
    if one["street"] and other["street"]:
        return fuzz.ratio(one["street"], other["street"]) >= 80
    return True


def _pairing(
    profiles: pd.DataFrame,
    customers: pd.DataFrame,
    taken: Mapping[str, tuple[str, str, float]],
    used: set[str],
) -> Pairing:
    by_profile = profiles.set_index(profiles["paytrace_customer_id"].astype(str), drop=False)
    by_customer = customers.set_index(customers["customer_no"].astype(str), drop=False)
    linked_rows, differences = [], []
    for profile, (customer, rule, similarity) in taken.items():
        mine, theirs = by_profile.loc[profile], by_customer.loc[customer]
        name = str(theirs["name"])
        linked_rows.append((profile, customer, name, rule, similarity))
        for field in COMPARED:
            ours, abas = str(mine[field] or ""), str(theirs[field] or "")
            if normalized(field, ours) != normalized(field, abas):
                differences.append((profile, customer, field, ours, abas))
    linked = pd.DataFrame(linked_rows, columns=LINKED_COLUMNS)
    linked = linked.sort_values("paytrace_customer_id", kind="stable", ignore_index=True)
    alone = ~profiles["paytrace_customer_id"].astype(str).isin(list(taken))
    unpaired = ~customers["customer_no"].astype(str).isin(list(used))
    return Pairing(
        linked=linked,
        paytrace_only=profiles[alone].reset_index(drop=True),
        abas_unpaired=customers[unpaired].reset_index(drop=True),
        differences=pd.DataFrame(differences, columns=DIFFERENCE_COLUMNS),
    )
