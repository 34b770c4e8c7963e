"""A clerk's decisions from the workbook's Resolution column -> checked postings in a plan.

Pure: decision rows, payments, open items and the run's plan in; a new plan out, or a
ResolutionError with one sentence per bad row naming sheet, row and column. The syntax
(``syntax.py``) is documented in docs/workbook.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import pandas as pd

from paytrace_abas.config import AccountSettings
from paytrace_abas.errors import ResolutionError
from paytrace_abas.frames import records
from paytrace_abas.plan import N_
from paytrace_abas.plan.allocation import (
    LOCATION,
    Allocation,
    DecisionRow,
    OpenBalances,
    RowError,
)
from paytrace_abas.plan.document import ClerkDecision, Plan, Posting
from paytrace_abas.plan.syntax import (
    ACTION_NAMES,
    ClerkTextError,
    parse_resolution,
    same_decision,
    split_revision,
)

_RECEIVED_KINDS = {"sale", "capture", "check"}
__all__ = ["LOCATION", "DecisionRow", "LedgerState", "pending_rows", "resolve_decisions"]


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
    parts: list[tuple[dict[str, str], str, dict[str, str]]] = []
    earlier = ledger or {}
    for row in rows:
        try:
            state = earlier.get(row.transaction_id, LedgerState())
            new_postings, decision = _decide(row, by_id, planned, balances, currency_format, state)
        except RowError as problem:
            problems.append(f"{row.at(problem.column)}: {problem}")
            parts.append((row.where(problem.column), problem.template, problem.values))
            continue
        postings.extend(new_postings)
        decisions.append(decision)
    if problems:
        raise ResolutionError(problems, parts)
    return replace(
        run_plan,
        postings=(*run_plan.postings, *postings),
        decisions=(*run_plan.decisions, *decisions),
    )


def _open_balances(
    open_items: pd.DataFrame, run_plan: Plan, accounts: AccountSettings
) -> OpenBalances:
    invoices = {str(item["invoice_no"]): item for item in records(open_items)}
    open_cents = {number: int(item["open_cents"]) for number, item in invoices.items()}
    balances = OpenBalances(open_cents, invoices, accounts)
    for posting in run_plan.postings:
        if posting.invoice_no in open_cents:
            open_cents[posting.invoice_no] -= posting.amount_cents + posting.discount_cents
            balances.paid_by[posting.invoice_no] = posting.transaction_id
    return balances


def _decide(
    row: DecisionRow,
    payments: Mapping[str, dict[str, object]],
    planned: set[str],
    balances: OpenBalances,
    currency_format: tuple[str, str],
    state: LedgerState,
) -> tuple[list[Posting], ClerkDecision]:
    column, tid = row.resolution_column, row.transaction_id
    payment = payments.get(tid)
    if payment is None:
        raise RowError(
            column, N_("transaction '{transaction}' is not in the run's data"), transaction=tid
        )
    if row.transaction_id in planned:
        raise RowError(
            column, N_("transaction {transaction} is already in the plan"), transaction=tid
        )
    if row.transaction_id in balances.decided:
        first = balances.decided[row.transaction_id]
        raise RowError(
            column,
            N_("transaction {transaction} was already decided on {cell}"),
            transaction=tid,
            cell=first.at(column),
        )
    if payment["kind"] not in _RECEIVED_KINDS or payment["status"] != "settled":
        raise RowError(column, N_("only settled, received payments can be resolved here"))
    revising, text = split_revision(row.resolution)
    _check_against_ledger(row, revising, text, state)
    try:
        instructions = parse_resolution(text)
    except ClerkTextError as exc:
        raise RowError(column, exc.template, **exc.values) from None
    plan = Allocation(row, payment, balances, currency_format)
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
        raise RowError(
            column,
            N_(
                "transaction {transaction} already has a receipt ({state}, abas document "
                "{document}); reverse it in abas first and book the correction there"
            ),
            transaction=tid,
            state=state.receipt_state,
            document=document,
        )
    if state.resolution and not revising:
        raise RowError(
            column,
            N_(
                "transaction {transaction} was decided '{resolution}' (applied by run {run}); "
                "to change it write 'revise {text}'"
            ),
            transaction=tid,
            resolution=state.resolution,
            run=state.run_id,
            text=text,
        )
    if revising and not state.resolution:
        raise RowError(
            column,
            N_("transaction {transaction} has no applied decision to revise"),
            transaction=tid,
        )
