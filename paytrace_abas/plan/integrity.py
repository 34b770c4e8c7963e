"""What ``apply`` accepts (docs/posting.md, "What apply accepts").

A plan file is a file anyone can edit. ``apply`` therefore posts only a plan the ledger
recorded — the one its run wrote, or one ``resolve`` checked — less postings a reviewer removed;
and every plan, recorded or not, must hold together on its own: each invoice at most once,
invoice amounts above zero, no payment paying out more than it brought, well-formed accounts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import fields

import msgspec

from paytrace_abas.config import ACCOUNT_RULE_TEXT, is_account
from paytrace_abas.models import is_paytrace_id
from paytrace_abas.money import cents_to_decimal
from paytrace_abas.plan.document import Plan, Posting

RUN_PLAN = "run"


def canonical_plan(plan: Plan) -> str:
    """The plan as one canonical JSON text: what the ledger keeps and compares.

    msgspec writes the same text as ``json.dumps(..., sort_keys=True)`` without a dict per
    posting, as long as nothing in it needs escaping; otherwise ``json`` writes it.
    """
    encoded = msgspec.json.encode(plan.to_json(records=False), order="sorted")
    if encoded.isascii() and b"\\" not in encoded and b"\x7f" not in encoded:
        return encoded.decode("ascii")
    return json.dumps(plan.to_json(), sort_keys=True, separators=(",", ":"))


def resolved_kind(digest: str) -> str:
    """The ledger's name for a plan ``resolve`` checked."""
    return f"resolved {digest[:16]}"


def plan_problems(plan: Plan, payments: Mapping[str, int]) -> list[str]:
    """Why the plan cannot hold on its own, one sentence per problem (empty when it does).

    ``payments`` maps each transaction of the plan's run to the amount PayTrace paid.
    """
    problems: list[str] = []
    payer: dict[str, str] = {}
    totals: Counter[str] = Counter()
    for number, posting in enumerate(plan.postings, start=1):
        where = _where(number, posting)
        if not is_paytrace_id(posting.transaction_id):
            problems.append(f"{where}: the transaction id is not a PayTrace one (1 to 12 digits)")
            continue
        totals[posting.transaction_id] += posting.amount_cents
        problems.extend(_posting_problems(where, posting))
        if posting.write_off_account:
            continue  # a write-off moves money either way; its payment total is checked below
        first = payer.get(posting.invoice_no)
        if first is not None:
            problems.append(
                f"{where}: invoice {posting.invoice_no} is paid a second time in the plan "
                f"(also by transaction {first})"
            )
        payer[posting.invoice_no] = posting.transaction_id
    return problems + _total_problems(plan.run_id, totals, payments)


def _posting_problems(where: str, posting: Posting) -> list[str]:
    """Accounts, cash discount and amount of one posting, each on its own."""
    problems = [
        f"{where}: {account!r} is not an account ({ACCOUNT_RULE_TEXT})"
        for account in (posting.account, posting.write_off_account)
        if account and not is_account(account)
    ]
    if posting.discount_cents < 0:
        problems.append(f"{where}: the cash discount {posting.discount_cents} is negative")
    if not posting.write_off_account and posting.amount_cents <= 0:
        problems.append(f"{where}: the amount {_money(posting.amount_cents)} is not above 0")
    return problems


def _total_problems(
    run_id: str, totals: Mapping[str, int], payments: Mapping[str, int]
) -> list[str]:
    """Each transaction pays out at most what it brought, and belongs to the run."""
    problems: list[str] = []
    for transaction_id, total in totals.items():
        paid = payments.get(transaction_id)
        if paid is None:
            problems.append(
                f"transaction {transaction_id} is not a payment of run {run_id} in the ledger"
            )
        elif total > paid:
            problems.append(
                f"transaction {transaction_id} pays out {_money(total)} but brought {_money(paid)}"
            )
    return problems


def first_difference(plan: Plan, recorded: Mapping[str, Plan]) -> str | None:
    """None when the plan is a recorded one less removed postings; else its first difference.

    Of several recorded plans (the run's, and each one ``resolve`` checked), the one the file
    came from is named: a plan with decisions is compared with the resolved ones first.
    """
    if not recorded:
        return (
            f"run {plan.run_id} recorded no plan in this ledger; apply takes only a plan that "
            "reconcile --dry-run or resolve wrote with this ledger"
        )
    resolved_first = bool(plan.decisions)
    kinds = sorted(recorded, key=lambda kind: (kind == RUN_PLAN) == resolved_first)
    differences = [_difference(plan, recorded[kind], kind) for kind in kinds]
    if any(difference is None for difference in differences):
        return None
    return differences[0]


def _difference(plan: Plan, theirs: Plan, kind: str) -> str | None:
    what = "the plan run" if kind == RUN_PLAN else "the resolved plan of run"
    recorded = f"{what} {theirs.run_id} recorded"
    for name in ("run_id", "window_from", "window_to", "input_hash"):
        if getattr(plan, name) != getattr(theirs, name):
            return (
                f"{name} is {getattr(plan, name)!r}, not {getattr(theirs, name)!r} as in {recorded}"
            )
    left = Counter(theirs.postings)
    by_line = {(p.transaction_id, p.invoice_no, p.write_off_account): p for p in theirs.postings}
    for number, posting in enumerate(plan.postings, start=1):
        if left[posting] > 0:
            left[posting] -= 1
            continue
        where = _where(number, posting)
        known = by_line.get((posting.transaction_id, posting.invoice_no, posting.write_off_account))
        if known is None:
            return f"{where} is not in {recorded}"
        name = next(
            f.name for f in fields(Posting) if getattr(posting, f.name) != getattr(known, f.name)
        )
        mine, planned = getattr(posting, name), getattr(known, name)
        return f"{where}: {name} is {mine!r}, not {planned!r} as in {recorded}"
    checked = set(theirs.decisions)
    for decision in plan.decisions:
        if decision not in checked:
            return (
                f"the decision for transaction {decision.transaction_id} "
                f"({decision.resolution!r}) is not one resolve checked for run {theirs.run_id}"
            )
    return None


def _where(number: int, posting: Posting) -> str:
    return f"posting {number} (transaction {posting.transaction_id}, invoice {posting.invoice_no})"


def _money(cents: int) -> str:
    return f"{cents_to_decimal(cents):,}"
