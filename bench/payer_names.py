"""Time finding payers by name (matching/payers.py) against scoring every customer's name.

    python bench/payer_names.py                       # 40,000 customers, 1,000 billing names
    python bench/payer_names.py --customers 200000

The engine scores only the names that share a word's first two letters with the billing name;
the reference scores every name with the same rapidfuzz scorer. Prints both times, the ratio
and how many of the names found the same customer (a winner the blocking misses would show up
here). The names are made of random syllables (seeded): far more alike than real company
names, so the blocking helps less here than on a real customer master.
"""

from __future__ import annotations

import argparse
import random
import time

import pandas as pd
from rapidfuzz import fuzz, process

from paytrace_abas.matching.payers import CustomerDirectory, customer_directory, normalized_name
from paytrace_abas.models import CUSTOMER_COLUMNS

SYLLABLES = "ka lo mi ner sta vo ri den bur tal hol ter ang por sel wi ko ma ze ul fa gru pe xi"
SYLLABLES_LIST = SYLLABLES.split()
FORMS = ["GmbH", "Inc.", "LLC", "AG", "Co.", ""]
THRESHOLD = 0.9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=40_000)
    parser.add_argument("--names", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    names = [f"{_word(rng)} {_word(rng)} {rng.choice(FORMS)}" for _ in range(args.customers)]
    directory = _directory(names)
    # a third typed like the master, a third with a typo, a third nobody's name
    queries = []
    for n in range(args.names):
        name = rng.choice(names)
        queries.append(name if n % 3 == 0 else _typo(name, rng) if n % 3 == 1 else _word(rng))
    directory.find_by_name("warm up", THRESHOLD)  # builds the name index once, as a run does
    started = time.perf_counter()
    found = [directory.find_by_name(q, THRESHOLD) for q in queries]
    engine = time.perf_counter() - started
    started = time.perf_counter()
    reference = [_everyone(directory, q) for q in queries]
    every = time.perf_counter() - started
    same = sum((f.customer_no if f else "") == r for f, r in zip(found, reference, strict=True))
    print(f"{args.names:,} billing names, {args.customers:,} customers")
    print(f"engine (blocked):      {engine:7.2f} s  ({1000 * engine / args.names:.1f} ms a name)")
    print(f"reference (every one): {every:7.2f} s  ({1000 * every / args.names:.1f} ms a name)")
    print(f"ratio engine/reference: {engine / every:.2f}; same customer found: {same:,}")


def _word(rng: random.Random) -> str:
    return "".join(rng.sample(SYLLABLES_LIST, 3)).title()


def _typo(name: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(name) - 1)
    return name[:at] + name[at + 1 :]


def _directory(names: list[str]) -> CustomerDirectory:
    master = pd.DataFrame({column: "" for column in CUSTOMER_COLUMNS}, index=range(len(names)))
    master["customer_no"] = [str(700_000 + n) for n in range(len(names))]
    master["name"] = names
    items = pd.DataFrame({"customer_no": [], "customer_name": []})
    return customer_directory(items, master, pd.Index([], dtype=object))


def _everyone(directory: CustomerDirectory, billing_name: str) -> str:
    """The same rule scoring every customer's name (what the blocking must agree with)."""
    wanted = normalized_name(billing_name)
    names, owners = directory._names
    equal = {o for n, o in zip(names, owners, strict=True) if n == wanted}
    if equal:
        return equal.pop() if len(equal) == 1 else ""
    best = process.extract(
        wanted,
        names,
        scorer=fuzz.token_set_ratio,
        processor=None,
        score_cutoff=THRESHOLD * 100,
        limit=None,
    )
    if not best:
        return ""
    winners = {owners[i] for _, score, i in best if score == best[0][1]}
    return winners.pop() if len(winners) == 1 else ""


if __name__ == "__main__":
    main()
