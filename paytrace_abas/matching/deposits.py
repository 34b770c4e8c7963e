"""Batches paired with the deposits on the bank statement; the fee is the difference
(pure; the rules are in docs/settlement.md#pairing)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from paytrace_abas.matching.batches import (
    AWAITING_DEPOSIT,
    DEPOSIT_MISSING,
    FEE_OUT_OF_BAND,
    BatchResult,
)
from paytrace_abas.models import Deposit
from paytrace_abas.money import percent_of, plain_amount

OK = "ok"
DEPOSIT_UNMATCHED = "deposit_unmatched"
#: the most batches one deposit is tried against as a sum
MAX_BATCHES_PER_DEPOSIT = 3
_BATCH_IN_TEXT = re.compile(r"(?i)\b(?:batch|btch)\s*(?:no\.?|nr\.?|#)?\s*(\d{1,4})\b")


@dataclass(frozen=True)
class PairingRules:
    """``[settlement]`` as the pairing needs it."""

    fee_basis_points: int
    deposit_days: int


@dataclass(frozen=True)
class DepositResult:
    """One deposit of the statement and the batches it paid."""

    deposit: Deposit
    status: str = OK
    batches: tuple[str, ...] = ()
    reason: str = ""


def add_business_days(day: dt.date, count: int) -> dt.date:
    """``count`` weekdays after ``day`` (bank holidays are not known: docs/settlement.md)."""
    while count > 0:
        day += dt.timedelta(days=1)
        count -= day.weekday() < 5
    return day


def pair_deposits(
    batches: Sequence[BatchResult],
    deposits: Sequence[Deposit],
    rules: PairingRules,
    statement_through: dt.date | None,
) -> tuple[list[BatchResult], list[DepositResult]]:
    """Every batch with its deposit and fee (or why none), and the deposits that paid none.

    Passes, each on what the ones before left: the batch number in the deposit's text, one
    batch whose net less a fee in the band is the deposit, up to three batches together, and
    a batch and a deposit that are each other's only candidate (its fee out of the band).
    """
    pairing = _Pairing(list(batches), list(deposits), rules)
    pairing.by_reference()
    pairing.one_to_one()
    pairing.several_batches()
    pairing.only_candidates()
    return pairing.batch_results(statement_through), pairing.deposit_results(batches)


class _Pairing:
    def __init__(self, batches: list[BatchResult], deposits: list[Deposit], rules: PairingRules):
        self.batches = batches
        self.deposits = deposits
        self.rules = rules
        self.paid_by: dict[int, int] = {}  # batch index -> deposit index
        self.groups: dict[int, tuple[int, ...]] = {}  # deposit index -> batch indexes

    def fits_date(self, batch: BatchResult, deposit: Deposit) -> bool:
        due = add_business_days(batch.settled_on, self.rules.deposit_days)
        return (
            batch.settled_on < deposit.booked_on <= due
            and batch.currency == deposit.currency
            and batch.net_cents > 0
        )

    def fee(self, group: Sequence[int], deposit: int) -> int:
        return sum(self.batches[b].net_cents for b in group) - self.deposits[deposit].amount_cents

    def in_band(self, group: Sequence[int], deposit: int) -> bool:
        net = sum(self.batches[b].net_cents for b in group)
        return 0 <= self.fee(group, deposit) <= percent_of(net, self.rules.fee_basis_points)

    def open_batches(self, deposit: int) -> list[int]:
        return [
            b
            for b, batch in enumerate(self.batches)
            if b not in self.paid_by and self.fits_date(batch, self.deposits[deposit])
        ]

    def open_deposits(self) -> list[int]:
        return [d for d in range(len(self.deposits)) if d not in self.groups]

    def pair(self, group: Sequence[int], deposit: int) -> None:
        self.groups[deposit] = tuple(group)
        self.paid_by.update(dict.fromkeys(group, deposit))

    def by_reference(self) -> None:
        for d in self.open_deposits():
            named = {int(n) for n in _BATCH_IN_TEXT.findall(self.deposits[d].reference)}
            group = [b for b in self.open_batches(d) if self.batches[b].number in named]
            if group:
                self.pair(group, d)

    def one_to_one(self) -> None:
        candidates = sorted(
            (self.fee([b], d), self.deposits[d].booked_on, b, d)
            for d in self.open_deposits()
            for b in self.open_batches(d)
            if self.in_band([b], d)
        )
        for _, _, b, d in candidates:
            if b not in self.paid_by and d not in self.groups:
                self.pair([b], d)

    def several_batches(self) -> None:
        for d in self.open_deposits():
            fitting = [
                group
                for size in range(2, MAX_BATCHES_PER_DEPOSIT + 1)
                for group in itertools.combinations(self.open_batches(d), size)
                if self.in_band(group, d)
            ]
            if fitting:
                self.pair(min(fitting, key=lambda group: (self.fee(group, d), len(group))), d)

    def only_candidates(self) -> None:
        for d in self.open_deposits():
            batches = self.open_batches(d)
            if len(batches) != 1:
                continue
            others = [
                other
                for other in self.open_deposits()
                if self.fits_date(self.batches[batches[0]], self.deposits[other])
            ]
            # A stranger's credit is no batch's deposit: only a fee below ten times the band
            # makes the two each other's (docs/settlement.md#pairing).
            fee, net = self.fee(batches, d), self.batches[batches[0]].net_cents
            plausible = 0 <= fee <= percent_of(net, 10 * self.rules.fee_basis_points)
            if others == [d] and plausible:
                self.pair(batches, d)

    def batch_results(self, statement_through: dt.date | None) -> list[BatchResult]:
        results = list(self.batches)
        for d, group in self.groups.items():
            for b, fee in zip(group, self.fee_shares(group, d), strict=True):
                results[b] = self.paid(results[b], fee, d, group)
        for b, batch in enumerate(results):
            if b not in self.paid_by and batch.net_cents > 0:
                results[b] = _unpaid(batch, self.rules, statement_through)
        return results

    def paid(self, batch: BatchResult, fee: int, d: int, group: tuple[int, ...]) -> BatchResult:
        deposit = self.deposits[d]
        paid = replace(
            batch,
            deposit_cents=batch.net_cents - fee,
            fee_cents=fee,
            deposit_on=deposit.booked_on,
            deposit_source=deposit.source,
        )
        if self.in_band(group, d):
            return paid
        net = sum(self.batches[b].net_cents for b in group)
        limit = percent_of(net, self.rules.fee_basis_points)
        return paid.with_problem(
            FEE_OUT_OF_BAND,
            f"deposit {plain_amount(deposit.amount_cents)} on {deposit.booked_on} for net "
            f"{plain_amount(net)} leaves a fee of {plain_amount(self.fee(group, d))}, outside "
            f"0.00 to {plain_amount(limit)} ([settlement] fee_percent_max)",
        )

    def fee_shares(self, group: tuple[int, ...], d: int) -> list[int]:
        """The deposit's fee split over its batches by their net, to the cent (largest rest)."""
        total = self.fee(group, d)
        nets = [self.batches[b].net_cents for b in group]
        whole = sum(nets)
        shares = [total * net // whole for net in nets]
        rests = sorted(range(len(nets)), key=lambda i: -(total * nets[i] % whole))
        for i in rests[: total - sum(shares)]:
            shares[i] += 1
        return shares

    def deposit_results(self, batches: Sequence[BatchResult]) -> list[DepositResult]:
        """Deposits that paid a batch, and those dated where a window's batch could have
        been paid that paid none; deposits of other days are not the window's."""
        if not batches:
            return []
        first = min(batch.settled_on for batch in batches)
        last = add_business_days(max(b.settled_on for b in batches), self.rules.deposit_days)
        results = []
        for d, deposit in enumerate(self.deposits):
            if d in self.groups:
                labels = tuple(batches[b].label for b in self.groups[d])
                results.append(DepositResult(deposit, OK, labels))
            elif first < deposit.booked_on <= last:
                reason = (
                    f"deposit {plain_amount(deposit.amount_cents)} {deposit.currency} on "
                    f"{deposit.booked_on} ({deposit.reference or 'no reference'}) pays no "
                    "batch of the window"
                )
                results.append(DepositResult(deposit, DEPOSIT_UNMATCHED, (), reason))
        return results


def _unpaid(
    batch: BatchResult, rules: PairingRules, statement_through: dt.date | None
) -> BatchResult:
    due = add_business_days(batch.settled_on, rules.deposit_days)
    if statement_through is None or statement_through < due:
        return batch.with_problem(
            AWAITING_DEPOSIT,
            f"no deposit yet for net {plain_amount(batch.net_cents)}; due by {due}",
        )
    return batch.with_problem(
        DEPOSIT_MISSING,
        f"no deposit of net {plain_amount(batch.net_cents)} less a fee in the band "
        f"between {batch.settled_on} and {due} on the statement through {statement_through}",
    )
