"""A clerk's decisions from the workbook's Resolution column -> checked postings in a plan.

Pure: decision rows, payments, open items and the run's plan in; a new plan out, or a
ResolutionError with one sentence per bad row naming sheet, row and column. The syntax
(``syntax.py``) is documented in docs/workbook.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from paytrace_abas.config import AccountSettings
from paytrace_abas.errors import ResolutionError
from paytrace_abas.frames import records
from paytrace_abas.money import format_cents
from paytrace_abas.plan.document import ClerkDecision, Plan, Posting
from paytrace_abas.plan.syntax import (
    ACTION_NAMES,
    Assign,
    Ignore,
    Instruction,
    Skonto,
    WriteOff,
    parse_resolution,
    same_decision,
    split_revision,
)

_RECEIVED_KINDS = {"sale", "capture", "check"}


@dataclass(frozen=True)
class DecisionRow:
    """One filled-in Resolution cell, with where it is so errors can point at it."""

    sheet: str
    row: int
    resolution_column: str
    note_column: str
    transaction_id: str
    resolution: str
    note: str

    def at(self, column: str) -> str:
        return f"sheet {self.sheet!r}, row {self.row}, column {column}"


@dataclass(frozen=True)
class LedgerState:
    """What the ledger holds about a transaction a clerk decides: the decision ``apply``
    accepted (empty if none), and its receipt's state and abas document (empty if none)."""

    resolution: str = ""
    run_id: str = ""
    receipt_state: str = ""
    document: str = ""


def pending_rows(
    rows: Iterable[DecisionRow], ledger: Mapping[str, LedgerState]
) -> list[DecisionRow]:
    """The rows that say something new: a rerun's workbook shows applied decisions pre-filled,
    and such a row left as it is was decided already (docs/workbook.md#decisions-that-stick)."""
    return [
        row
        for row in rows
        if not (
            (state := ledger.get(row.transaction_id)) is not None
            and state.resolution
            and same_decision(row.resolution, state.resolution)
        )
    ]


@dataclass
class _OpenBalances:
    """What is still open per invoice while decisions are applied in workbook order."""

    open_cents: dict[str, int]
    invoices: dict[str, dict[str, object]]
    accounts: AccountSettings
    decided: dict[str, DecisionRow] = field(default_factory=dict)
    paid_by: dict[str, str] = field(default_factory=dict)


def resolve_decisions(
    rows: Iterable[DecisionRow],
    payments: pd.DataFrame,
    open_items: pd.DataFrame,
    run_plan: Plan,
    currency_format: tuple[str, str] = ("USD", "en_US"),
    accounts: AccountSettings | None = None,
    ledger: Mapping[str, LedgerState] | None = None,
) -> Plan:
    """The run's plan plus the postings and decisions of every filled-in Resolution cell.

    ``ledger`` holds what earlier ``apply`` runs settled for the rows' transactions: a new
    decision for one of them must say ``revise``, and may replace only a decision no receipt
    was posted for (leave rows a rerun pre-filled out first, :func:`pending_rows`).

    The run's own postings are assumed to go through, so an invoice they pay is not open for
    a decision. Each posting gets its counter account from ``accounts`` (as the run's own do)
    and each invoice line the open amount abas showed, which ``apply`` re-checks. Raises
    ResolutionError listing every bad row.
    """
    balances = _open_balances(open_items, run_plan, accounts or AccountSettings())
    by_id = {str(p["transaction_id"]): p for p in records(payments)}
    planned = {posting.transaction_id for posting in run_plan.postings}
    postings: list[Posting] = []
    decisions: list[ClerkDecision] = []
    problems: list[str] = []
    earlier = ledger or {}
    for row in rows:
        try:
            state = earlier.get(row.transaction_id, LedgerState())
            new_postings, decision = _decide(row, by_id, planned, balances, currency_format, state)
        except _RowError as problem:
            problems.append(f"{row.at(problem.column)}: {problem}")
            continue
        postings.extend(new_postings)
        decisions.append(decision)
    if problems:
        raise ResolutionError(problems)
    return replace(
        run_plan,
        postings=(*run_plan.postings, *postings),
        decisions=(*run_plan.decisions, *decisions),
    )


class _RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _open_balances(
    open_items: pd.DataFrame, run_plan: Plan, accounts: AccountSettings
) -> _OpenBalances:
    invoices = {str(item["invoice_no"]): item for item in records(open_items)}
    open_cents = {number: int(item["open_cents"]) for number, item in invoices.items()}
    balances = _OpenBalances(open_cents, invoices, accounts)
    for posting in run_plan.postings:
        if posting.invoice_no in open_cents:
            open_cents[posting.invoice_no] -= posting.amount_cents + posting.discount_cents
            balances.paid_by[posting.invoice_no] = posting.transaction_id
    return balances


def _decide(
    row: DecisionRow,
    payments: Mapping[str, dict[str, object]],
    planned: set[str],
    balances: _OpenBalances,
    currency_format: tuple[str, str],
    state: LedgerState,
) -> tuple[list[Posting], ClerkDecision]:
    column = row.resolution_column
    payment = payments.get(row.transaction_id)
    if payment is None:
        raise _RowError(column, f"transaction {row.transaction_id!r} is not in the run's data")
    if row.transaction_id in planned:
        raise _RowError(column, f"transaction {row.transaction_id} is already in the plan")
    if row.transaction_id in balances.decided:
        first = balances.decided[row.transaction_id]
        raise _RowError(
            column, f"transaction {row.transaction_id} was already decided on {first.at(column)}"
        )
    if payment["kind"] not in _RECEIVED_KINDS or payment["status"] != "settled":
        raise _RowError(column, "only settled, received payments can be resolved here")
    revising, text = split_revision(row.resolution)
    _check_against_ledger(row, revising, text, state)
    try:
        instructions = parse_resolution(text)
    except ValueError as exc:
        raise _RowError(column, str(exc)) from None
    plan = _Allocation(row, payment, balances, currency_format)
    for instruction in instructions:
        plan.apply(instruction)
    plan.check_complete()
    balances.decided[row.transaction_id] = row
    for invoice_no, cents in plan.assigned:
        balances.open_cents[invoice_no] -= cents + plan.discounts.get(invoice_no, 0)
    action = "+".join(ACTION_NAMES[type(i)] for i in instructions)
    revises = state.resolution if revising else ""
    decision = ClerkDecision(
        row.transaction_id, action, text, row.note, f"{row.sheet}!{row.row}", revises
    )
    return plan.postings(), decision


def _check_against_ledger(row: DecisionRow, revising: bool, text: str, state: LedgerState) -> None:
    """A decision contradicting one ``apply`` accepted must say ``revise``; a posted receipt
    is never replaced (docs/workbook.md#revising-a-decision)."""
    column, tid = row.resolution_column, row.transaction_id
    if state.receipt_state:
        document = state.document or "-"
        raise _RowError(
            column,
            f"transaction {tid} already has a receipt ({state.receipt_state}, abas document "
            f"{document}); reverse it in abas first and book the correction there",
        )
    if state.resolution and not revising:
        raise _RowError(
            column,
            f"transaction {tid} was decided '{state.resolution}' (applied by run "
            f"{state.run_id}); to change it write 'revise {text}'",
        )
    if revising and not state.resolution:
        raise _RowError(column, f"transaction {tid} has no applied decision to revise")


class _Allocation:
    """Money of one payment being spread over invoices and an account."""

    def __init__(
        self,
        row: DecisionRow,
        payment: Mapping[str, object],
        balances: _OpenBalances,
        currency_format: tuple[str, str],
    ) -> None:
        self.row = row
        self.payment = payment
        self.balances = balances
        self.amount_cents = int(str(payment["amount_cents"]))
        self.currency = str(payment["currency"])
        self.locale = currency_format[1]
        self.assigned: list[tuple[str, int]] = []
        #: invoice -> cash discount granted by a ``skonto`` decision
        self.discounts: dict[str, int] = {}
        self.written_off: tuple[str, int] | None = None
        self.ignored = False

    @property
    def left_cents(self) -> int:
        used = sum(c for _, c in self.assigned) + (self.written_off[1] if self.written_off else 0)
        return self.amount_cents - used

    def money(self, cents: int) -> str:
        return format_cents(cents, self.currency, self.locale)

    def apply(self, instruction: Instruction) -> None:
        if isinstance(instruction, Ignore):
            self.ignored = True
        elif isinstance(instruction, Assign):
            for invoice_no, cents in instruction.targets:
                self.assign(invoice_no, cents)
        elif isinstance(instruction, Skonto):
            for invoice_no in instruction.invoices:
                self.grant_skonto(invoice_no)
        else:
            self.write_off(instruction)

    def assign(self, invoice_no: str, cents: int | None) -> None:
        column = self.row.resolution_column
        open_cents = self._open_cents_to_assign(invoice_no)
        if cents is None:
            cents = min(open_cents, self.left_cents)
            if cents <= 0:
                raise _RowError(column, f"nothing of the payment is left for invoice {invoice_no}")
        if cents <= 0:
            raise _RowError(column, f"the amount for invoice {invoice_no} must be positive")
        if cents > open_cents:
            raise _RowError(
                column,
                f"assigns {self.money(cents)} to invoice {invoice_no}, "
                f"but only {self.money(open_cents)} is open",
            )
        self.assigned.append((invoice_no, cents))

    def grant_skonto(self, invoice_no: str) -> None:
        """Pay the open amount less the discount the invoice's terms offer, as an in-time
        cash discount is posted (docs/matching.md), though its date has passed."""
        open_cents = self._open_cents_to_assign(invoice_no)
        discount = min(_terms_discount(self.balances.invoices[invoice_no]), open_cents)
        if discount <= 0:
            raise _RowError(
                self.row.resolution_column,
                f"invoice {invoice_no} offers no cash discount; use assign and write off",
            )
        self.assigned.append((invoice_no, open_cents - discount))
        self.discounts[invoice_no] = discount

    def _open_cents_to_assign(self, invoice_no: str) -> int:
        """What is still open on an invoice this payment may be assigned to, or why it may not."""
        column = self.row.resolution_column
        item = self.balances.invoices.get(invoice_no)
        if item is None:
            raise _RowError(column, f"abas has no open item {invoice_no}")
        if any(number == invoice_no for number, _ in self.assigned):
            raise _RowError(column, f"invoice {invoice_no} is named twice")
        open_cents = self.balances.open_cents[invoice_no]
        if open_cents <= 0:
            payer = self.balances.paid_by.get(invoice_no)
            why = f"paid by transaction {payer}" if payer else "cleared in abas"
            raise _RowError(column, f"invoice {invoice_no} is not open any more ({why})")
        if str(item["currency"]) != self.currency:
            raise _RowError(
                column,
                f"invoice {invoice_no} is in {item['currency']}, the payment in {self.currency}",
            )
        return open_cents

    def write_off(self, instruction: WriteOff) -> None:
        if not self.row.note.strip():
            raise _RowError(self.row.note_column, "a write-off needs a note saying why")
        cents = instruction.amount_cents
        if cents is None:
            cents = self.left_cents
            if cents == 0:
                raise _RowError(
                    self.row.resolution_column,
                    "nothing is left of the payment to write off; give an amount to close "
                    "an invoice beyond the payment (assign INVOICE=AMOUNT)",
                )
        self.written_off = (instruction.account, cents)

    def check_complete(self) -> None:
        if self.ignored:
            return
        left = self.left_cents
        if left == 0:
            return
        used = self.amount_cents - left
        hint = "add an invoice or 'write off to ACCOUNT'" if left > 0 else "lower an amount"
        raise _RowError(
            self.row.resolution_column,
            f"the decisions use {self.money(used)} of a payment of "
            f"{self.money(self.amount_cents)}; {hint}",
        )

    def postings(self) -> list[Posting]:
        payment = self.payment
        card_type = str(payment["card_type"])
        common = {
            "transaction_id": self.row.transaction_id,
            "currency": self.currency,
            "paid_on": _iso_day(payment["paid_on"]),
            "card_type": card_type,
            "account": self.balances.accounts.account_for(card_type, self.currency),
            "source": "resolution",
            "note": self.row.note,
        }
        invoices = self.balances.invoices
        lines = [
            Posting(
                invoice_no=invoice_no,
                customer_no=str(invoices[invoice_no]["customer_no"]),
                amount_cents=cents,
                discount_cents=self.discounts.get(invoice_no, 0),
                open_cents=int(str(invoices[invoice_no]["open_cents"])),
                **common,
            )
            for invoice_no, cents in self.assigned
        ]
        if self.written_off is not None:
            account, cents = self.written_off
            customer = lines[0].customer_no if lines else ""
            lines.append(
                Posting(
                    invoice_no="",
                    customer_no=customer,
                    amount_cents=cents,
                    discount_cents=0,
                    write_off_account=account,
                    **common,  # type: ignore[arg-type]
                )
            )
        return lines


def _terms_discount(item: Mapping[str, object]) -> int:
    """The invoice's cash discount: basis points of gross, rounded half up, as matching
    computes it (matching/amounts.py); 0 without terms (or from inputs saved before them)."""
    try:
        gross, points = int(str(item.get("gross_cents"))), int(str(item.get("discount_bp")))
    except ValueError:  # None, NaN or <NA>: no terms
        return 0
    return (2 * gross * points + 10_000) // 20_000


def _iso_day(value: object) -> str:
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)
