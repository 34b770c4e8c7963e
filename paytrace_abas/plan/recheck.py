"""What ``apply`` does with each transaction of a plan: post it, book it by hand, skip it, or
hold it back.

Pure: the plan, the current open items and what the ledger already holds in; a PlanReview out.
A transaction is always handled whole: its receipt, its write-off and the clerk's decision go
together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from paytrace_abas.frames import records
from paytrace_abas.models import Category, ManualBooking, Receipt, ReceiptLine
from paytrace_abas.money import cents_to_decimal
from paytrace_abas.plan import N_
from paytrace_abas.plan.document import ClerkDecision, Plan


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
        template = N_(
            "A clerk decided transaction {transaction} ('{resolution}', applied by run {run})."
        )
        values = {"transaction": tid, "resolution": resolution, "run": run_id}
        conflicts.append(Recheck(tid, "", Category.DUPLICATE, template, values))
    return conflicts


def _conflict(decision: ClerkDecision, facts: LedgerFacts) -> Recheck | None:
    """Why a decision not applied yet cannot be, or None (docs/workbook.md)."""
    tid, wanted = decision.transaction_id, decision.resolution
    earlier = facts.decisions.get(tid)
    if earlier is not None and earlier[0] != decision.revises:
        template = N_(
            "A clerk's decision for transaction {transaction} ('{earlier}') was applied by "
            "run {run}; '{resolution}' was not applied."
        )
        values = {"transaction": tid, "earlier": earlier[0], "run": earlier[1]}
        return Recheck(tid, "", Category.DUPLICATE, template, {**values, "resolution": wanted})
    if tid in facts.receipts:
        template = (
            N_(
                "Transaction {transaction} is already in the ledger (run {run}); "
                "'{resolution}' was not applied. A posted receipt is reversed in abas, not "
                "revised."
            )
            if decision.revises
            else N_(
                "Transaction {transaction} is already in the ledger (run {run}); "
                "'{resolution}' was not applied."
            )
        )
        values = {"transaction": tid, "run": facts.receipts[tid], "resolution": wanted}
        return Recheck(tid, "", Category.ALREADY_POSTED, template, values)
    if earlier is None and decision.revises:
        template = N_(
            "Transaction {transaction} has no applied decision to revise; '{resolution}' was "
            "not applied."
        )
        values = {"transaction": tid, "resolution": wanted}
        return Recheck(tid, "", Category.DUPLICATE, template, values)
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
        template = N_("Invoice {invoice} was already paid by transaction {payer}.")
        values = {"invoice": invoice, "payer": payer}
        duplicates.append(
            Recheck(receipt.transaction_id, invoice, Category.DUPLICATE, template, values)
        )
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


@dataclass(frozen=True)
class Recheck:
    """A planned posting that no longer fits abas: it becomes an exception, not a posting."""

    transaction_id: str
    invoice_no: str
    category: Category
    #: why, as an English template marked for the catalogs, and the values that fill it
    #: (``*_cents`` are amounts, formatted where the reason is shown)
    template: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The reason in English, amounts as ``1,234.56``."""
        return fill_reason(self.template, self.values, _amount)


def fill_reason(template: str, values: Mapping[str, Any], amount: Callable[[int], str]) -> str:
    """``template`` filled with ``values``, amounts (``*_cents``) through ``amount``."""
    return template.format(
        **{name: amount(v) if name.endswith("_cents") else v for name, v in values.items()}
    )


def recheck_receipts(
    receipts: Iterable[Receipt], open_items: pd.DataFrame
) -> tuple[list[Receipt], list[Recheck]]:
    """Receipts whose every invoice is still open with the planned amount, and the rest.

    A receipt with one changed invoice is held back whole: posting part of a payment would
    leave the rest of it unexplained.
    """
    current = {str(row["invoice_no"]): row for row in records(open_items)}
    ready: list[Receipt] = []
    changed: list[Recheck] = []
    for receipt in receipts:
        problems = [
            problem
            for line in receipt.lines
            if (problem := _recheck_line(receipt, line, current)) is not None
        ]
        if problems:
            changed.extend(problems)
        else:
            ready.append(receipt)
    return ready, changed


def _recheck_line(
    receipt: Receipt, line: ReceiptLine, current: Mapping[str, Mapping[str, Any]]
) -> Recheck | None:
    item = current.get(line.invoice_no)
    planned = (
        line.open_cents if line.open_cents is not None else line.amount_cents + line.discount_cents
    )
    now_open = int(item["open_cents"]) if item is not None else 0
    tid, invoice = receipt.transaction_id, line.invoice_no
    if item is None or now_open <= 0:
        template = (
            N_("Invoice {invoice} is no longer open in abas; it was open with {planned_cents}.")
            if item is not None
            else N_("Invoice {invoice} is unknown to abas now; it was open with {planned_cents}.")
        )
        values = {"invoice": invoice, "planned_cents": planned}
        return Recheck(tid, invoice, Category.INVOICE_NOT_OPEN, template, values)
    if str(item["currency"]) != receipt.currency:
        template = N_("Invoice {invoice} is now in {currency}, not {planned_currency}.")
        values = {"invoice": invoice, "currency": item["currency"]}
        values["planned_currency"] = receipt.currency
        return Recheck(tid, invoice, Category.CURRENCY_MISMATCH, template, values)
    if now_open == planned:
        return None
    paid = line.amount_cents + line.discount_cents
    category = Category.PARTIAL_PAYMENT if paid < now_open else Category.OVERPAYMENT
    template = N_(
        "The open amount of invoice {invoice} changed from {planned_cents} to {open_cents} "
        "since the plan was made."
    )
    values = {"invoice": invoice, "planned_cents": planned, "open_cents": now_open}
    return Recheck(tid, invoice, category, template, values)


def _amount(cents: int) -> str:
    return f"{cents_to_decimal(cents):,}"
