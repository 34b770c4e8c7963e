"""What ``apply`` does with each transaction of a plan: post it, book it by hand, skip it, or
hold it back.

Pure: the plan, the current open items and what the ledger already holds in; a PlanReview out.
A transaction is always handled whole: its receipt, its write-off and the clerk's decision go
together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from paytrace_abas.models import Category, ManualBooking, Receipt, ReceiptLine
from paytrace_abas.plan.document import ClerkDecision, Plan, Recheck, recheck_receipts


@dataclass(frozen=True)
class PaidLine:
    """A receipt line the ledger holds: who paid an invoice, how much, from which open amount."""

    transaction_id: str
    paid_cents: int
    open_cents: int | None


@dataclass(frozen=True)
class LedgerFacts:
    """What the ledger holds that decides whether a plan's transaction is new."""

    #: transaction id -> the run that recorded its receipt
    receipts: Mapping[str, str] = field(default_factory=dict)
    #: transaction ids whose write-off is already on the book-by-hand list
    bookings: frozenset[str] = frozenset()
    #: transaction id -> (resolution text, run) of a clerk's decision already applied
    decisions: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: invoice number -> the receipt lines that pay it
    paid_lines: Mapping[str, Sequence[PaidLine]] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanReview:
    """The plan split by what ``apply`` does with it."""

    receipts: tuple[Receipt, ...]
    bookings: tuple[ManualBooking, ...]
    decisions: tuple[ClerkDecision, ...]
    rechecks: tuple[Recheck, ...]
    skipped: tuple[str, ...]
    #: revised transactions whose earlier write-off was on the book-by-hand list
    withdrawn_bookings: tuple[str, ...] = ()


def review_plan(plan: Plan, open_items: pd.DataFrame, facts: LedgerFacts) -> PlanReview:
    """New receipts that still fit abas, write-offs to book by hand, and what is held back."""
    conflicts = _decision_conflicts(plan, facts)
    held = {conflict.transaction_id for conflict in conflicts}
    fresh = [
        receipt
        for receipt in plan.receipts()
        if receipt.transaction_id not in held and receipt.transaction_id not in facts.receipts
    ]
    ready, changed = recheck_receipts(fresh, open_items)
    ready, duplicates = _not_paid_before(ready, facts.paid_lines)
    rechecks = (*conflicts, *changed, *duplicates)
    held = {recheck.transaction_id for recheck in rechecks}
    # a revision's write-off replaces the booking of the decision it revises
    revising = {d.transaction_id for d in plan.decisions if d.revises and not _applied(d, facts)}
    booked = facts.bookings - revising
    skipped = {r.transaction_id for r in plan.receipts() if r.transaction_id in facts.receipts}
    skipped |= {b.transaction_id for b in plan.write_offs() if b.transaction_id in booked}
    return PlanReview(
        receipts=tuple(r for r in ready if r.transaction_id not in held),
        bookings=tuple(
            booking for booking in plan.write_offs() if booking.transaction_id not in held | booked
        ),
        decisions=tuple(
            decision
            for decision in plan.decisions
            if decision.transaction_id not in held and not _applied(decision, facts)
        ),
        rechecks=rechecks,
        skipped=tuple(sorted(skipped - held)),
        withdrawn_bookings=tuple(sorted((revising & facts.bookings) - held)),
    )


def _applied(decision: ClerkDecision, facts: LedgerFacts) -> bool:
    """Whether the ledger holds exactly this decision already (a rerun of ``apply``)."""
    earlier = facts.decisions.get(decision.transaction_id)
    return earlier is not None and earlier[0] == decision.resolution


def _decision_conflicts(plan: Plan, facts: LedgerFacts) -> list[Recheck]:
    """Transactions the ledger already settled otherwise than this plan wants."""
    conflicts: list[Recheck] = []
    decided_here = {decision.transaction_id for decision in plan.decisions}
    for decision in plan.decisions:
        if _applied(decision, facts):
            continue
        conflict = _conflict(decision, facts)
        if conflict is not None:
            conflicts.append(conflict)
    for receipt in plan.receipts():
        tid = receipt.transaction_id
        if tid in decided_here or tid in facts.receipts or tid not in facts.decisions:
            continue
        resolution, run_id = facts.decisions[tid]
        reason = f"A clerk decided transaction {tid} ('{resolution}', applied by run {run_id})."
        conflicts.append(Recheck(tid, "", Category.DUPLICATE, reason))
    return conflicts


def _conflict(decision: ClerkDecision, facts: LedgerFacts) -> Recheck | None:
    """Why a decision not applied yet cannot be, or None (docs/workbook.md)."""
    tid, wanted = decision.transaction_id, decision.resolution
    earlier = facts.decisions.get(tid)
    if earlier is not None and earlier[0] != decision.revises:
        reason = (
            f"A clerk's decision for transaction {tid} ('{earlier[0]}') was applied by run "
            f"{earlier[1]}; '{wanted}' was not applied."
        )
        return Recheck(tid, "", Category.DUPLICATE, reason)
    if tid in facts.receipts:
        reason = (
            f"Transaction {tid} is already in the ledger (run {facts.receipts[tid]}); "
            f"'{wanted}' was not applied."
        )
        if decision.revises:
            reason += " A posted receipt is reversed in abas, not revised."
        return Recheck(tid, "", Category.ALREADY_POSTED, reason)
    if earlier is None and decision.revises:
        reason = f"Transaction {tid} has no applied decision to revise; '{wanted}' was not applied."
        return Recheck(tid, "", Category.DUPLICATE, reason)
    return None


def _not_paid_before(
    receipts: list[Receipt], paid_lines: Mapping[str, Sequence[PaidLine]]
) -> tuple[list[Receipt], list[Recheck]]:
    """Receipts whose invoices the ledger's receipts have not paid already, and the rest."""
    ready: list[Receipt] = []
    duplicates: list[Recheck] = []
    for receipt in receipts:
        taken = [
            (line.invoice_no, payer)
            for line in receipt.lines
            if (payer := _earlier_payer(line, paid_lines.get(line.invoice_no, ()))) is not None
        ]
        if not taken:
            ready.append(receipt)
            continue
        invoice, payer = taken[0]
        reason = f"Invoice {invoice} was already paid by transaction {payer}."
        duplicates.append(Recheck(receipt.transaction_id, invoice, Category.DUPLICATE, reason))
    return ready, duplicates


def _earlier_payer(line: ReceiptLine, earlier: Sequence[PaidLine]) -> str | None:
    """The transaction that already paid what ``line`` wants to pay, if any.

    Lines planned from the same open amount share it: a clerk may split one invoice over
    several partial payments, but together they never pay more than was open. Without open
    amounts to compare, any earlier payer counts.
    """
    if line.open_cents is None:
        return earlier[0].transaction_id if earlier else None
    unknown = [e for e in earlier if e.open_cents is None]
    if unknown:
        return unknown[0].transaction_id
    sharing = [e for e in earlier if e.open_cents == line.open_cents]
    paid = sum(e.paid_cents for e in sharing) + line.amount_cents + line.discount_cents
    return sharing[0].transaction_id if sharing and paid > line.open_cents else None
