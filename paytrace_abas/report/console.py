"""Console text of the commands' outcomes via tabulate, amounts and shares in the locale."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from tabulate import tabulate

from paytrace_abas.frames import records
from paytrace_abas.matching import category_totals, hit_rate, payment_hit_rate
from paytrace_abas.matching.settlement import Settlement
from paytrace_abas.models import CheckStep, DeliveryReport, ManualBooking, Outcome, Window
from paytrace_abas.money import cents_to_decimal, format_cents
from paytrace_abas.plan.document import Plan
from paytrace_abas.plan.recheck import PlanReview
from paytrace_abas.report.formats import share_text
from paytrace_abas.report.settlement import batches_json, deposits_json, describe_settlement


def console_summary(results: pd.DataFrame, currency: str, locale: str) -> str:
    """The per-category table a clerk sees after a run, plus the hit-rate lines."""
    if results.empty:
        # an empty table with exit 0 would not say whether anything was looked at
        return "no PayTrace transactions in this window"
    totals = category_totals(results)
    table = [
        (row["category"], row["count"], format_cents(int(row["amount_cents"]), currency, locale))
        for row in records(totals)
    ]
    table.append(
        (
            "total",
            int(totals["count"].sum()),
            format_cents(int(totals["amount_cents"].sum()), currency, locale),
        )
    )
    text = tabulate(
        table, headers=["category", "count", "amount"], colalign=("left", "right", "right")
    )
    lines = []
    payments_rate = payment_hit_rate(results)
    if payments_rate is not None:
        lines.append(f"received payments matched to invoices: {share_text(payments_rate, locale)}")
    money_rate = hit_rate(results)
    if money_rate is not None:
        lines.append(f"matched share of received money: {share_text(money_rate, locale)}")
    return text + ("\n\n" + "\n".join(lines) if lines else "")


def describe_bookings(bookings: Sequence[ManualBooking]) -> str:
    """The write-offs a clerk books by hand in abas, as debit / credit lines."""
    rows = []
    for booking in bookings:
        debit, credit = booking.counter_account, booking.gl_account
        if booking.amount_cents < 0:
            debit, credit = credit, debit
        amount = f"{cents_to_decimal(abs(booking.amount_cents)):,} {booking.currency}"
        day = booking.paid_on.isoformat()
        rows.append((booking.transaction_id, day, debit, credit, amount, booking.note))
    headers = ["reference (beleg)", "day", "debit", "credit", "amount", "note"]
    title = f"book by hand in abas ({len(rows)} booking(s) no sink posts):"
    return title + "\n" + tabulate(rows, headers=headers, disable_numparse=True)


def describe_retry(delivery: DeliveryReport, dead_letters: int) -> str:
    """Posting counts in one line, and how to go on when dead letters remain."""
    text = (
        f"posted now: {delivery.count(Outcome.POSTED)}, "
        f"found already in abas: {delivery.count(Outcome.FOUND)}, "
        f"dead letters: {dead_letters}"
    )
    if dead_letters:
        text += "\n(retry later with: paytrace-abas retry-dead-letters)"
    return text


class AppliedPlan(Protocol):
    """What ``apply`` did, as :func:`describe_apply` reads it (commands.apply.ApplyOutcome)."""

    @property
    def run_id(self) -> str: ...
    @property
    def plan(self) -> Plan: ...
    @property
    def review(self) -> PlanReview: ...
    @property
    def delivery(self) -> DeliveryReport: ...
    @property
    def dead_letters(self) -> int: ...
    @property
    def settlement_bookings(self) -> tuple[ManualBooking, ...]: ...


def describe_apply(outcome: AppliedPlan) -> str:
    """What apply posted, held back and skipped."""
    review = outcome.review
    lines = [
        f"Run {outcome.run_id} · apply plan {outcome.plan.run_id} · "
        f"{len(outcome.plan.receipts())} receipts in the plan"
    ]
    for problem in review.rechecks:
        lines.append(
            f"  not posted: {problem.transaction_id} ({problem.category.value}) {problem.reason}"
        )
    if review.skipped:
        lines.append(f"  already in the ledger: {len(review.skipped)}")
    if review.decisions:
        lines.append(f"  clerk's decisions applied: {len(review.decisions)}")
    for decision in review.decisions:
        if decision.revises:
            lines.append(f"  revised: {decision.transaction_id} (was '{decision.revises}')")
    for tid in review.withdrawn_bookings:
        lines.append(f"  write-off of {tid} withdrawn: reverse it in abas if it was booked by hand")
    if review.bookings or outcome.settlement_bookings:
        lines.append(describe_bookings([*review.bookings, *outcome.settlement_bookings]))
    lines.append(describe_retry(outcome.delivery, outcome.dead_letters))
    return "\n".join(lines)


class TrailLines(Protocol):
    """What a run's refunds, voids and chargebacks ask a person to do (docs/money-trail.md)."""

    @property
    def reversals(self) -> tuple[str, ...]: ...
    @property
    def disputes(self) -> tuple[str, ...]: ...


class FinishedRun(Protocol):
    """A reconcile run as :func:`describe_reconcile` and :func:`run_json` read it
    (commands.reconcile.RunOutcome)."""

    @property
    def run_id(self) -> str: ...
    @property
    def window(self) -> Window: ...
    @property
    def dry_run(self) -> bool: ...
    @property
    def results(self) -> pd.DataFrame: ...
    @property
    def plan(self) -> Plan: ...
    @property
    def workbook_path(self) -> Path: ...
    @property
    def plan_path(self) -> Path | None: ...
    @property
    def delivery(self) -> DeliveryReport | None: ...
    @property
    def dead_letters(self) -> int: ...
    @property
    def recurring(self) -> pd.DataFrame | None: ...
    @property
    def trail(self) -> TrailLines | None: ...
    @property
    def settlement(self) -> Settlement: ...


def describe_reconcile(outcome: FinishedRun, currency: str, locale: str) -> str:
    """What a reconcile run prints: the category table, its files, what it posted."""
    mode = "dry run, nothing posted" if outcome.dry_run else "posted"
    lines = [
        f"Run {outcome.run_id} · window {outcome.window} · {mode}\n",
        console_summary(outcome.results, currency, locale),
        f"\nworkbook: {outcome.workbook_path}",
    ]
    if outcome.plan_path:
        lines.append(f"plan:     {outcome.plan_path} ({len(outcome.plan.postings)} postings)")
    if outcome.recurring is not None:
        counts = outcome.recurring["status"].value_counts()
        found = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing due"
        lines.append(f"recurring: {found}")
    lines += describe_settlement(outcome.settlement)
    if outcome.settlement.to_book:
        lines.append(describe_bookings(outcome.settlement.to_book))
    if outcome.delivery is not None:
        lines.append(describe_retry(outcome.delivery, outcome.dead_letters))
    if outcome.trail is not None:
        for title, said in (
            ("refunds and voids of payments already in abas", outcome.trail.reversals),
            ("disputes", outcome.trail.disputes),
        ):
            lines += [f"\n{title}:", *(f"  {line}" for line in said)] if said else []
    return "\n".join(lines)


def run_json(outcome: FinishedRun) -> dict[str, Any]:
    """The JSON document of a reconcile run (``--format json``, docs/contract.md#json-output)."""
    totals = category_totals(outcome.results)
    items = [
        {
            "transaction_id": row["transaction_id"],
            "category": row["category"],
            "rule": row["rule"],
            "invoice_nos": list(row["invoice_nos"]),
            "amount_cents": int(row["amount_cents"]),
            "discount_cents": int(row["discount_cents"]),
            # in abas now (posted by this run or an earlier one), per the ledger
            "posted": row.get("posting_state") == "posted",
            "reason": row["reason"],
            **_undoing_fields(row),
        }
        for row in records(outcome.results)
    ]
    return {
        "run_id": outcome.run_id,
        "window": {
            "from": outcome.window.first_day.isoformat(),
            "to": outcome.window.last_day.isoformat(),
        },
        "dry_run": outcome.dry_run,
        "counts": {row["category"]: int(row["count"]) for row in records(totals)},
        "amounts_cents": {row["category"]: int(row["amount_cents"]) for row in records(totals)},
        "items": items,
        "report": str(outcome.workbook_path),
        "plan": str(outcome.plan_path) if outcome.plan_path else None,
        "recurring": recurring_json(outcome.recurring),
        "batches": batches_json(outcome.settlement.batches),
        "deposits": deposits_json(outcome.settlement.deposits),
    }


#: Categories whose items name the payment they undo (docs/contract.md#json-output).
_UNDOING = ("refund", "void", "chargeback")


def _undoing_fields(row: dict[str, Any]) -> dict[str, Any]:
    """A refund, void or chargeback: the payment it undoes and that payment's invoices (it pays
    none itself), the candidates when that is ambiguous, a chargeback's dispute status."""
    if row["category"] not in _UNDOING or "original_transaction_id" not in row:
        return {}
    original = row["original_transaction_id"]
    found = isinstance(original, str)
    candidates = list(row["original_candidates"])
    fields: dict[str, Any] = {
        "original_transaction_id": original if found else None,
        "original_status": "found" if found else ("ambiguous" if candidates else "not_found"),
        "invoice_nos": list(row["original_invoice_nos"]),
        "original_candidates": candidates,
    }
    if row["category"] == "chargeback":
        fields["dispute_status"] = row["dispute_status"] or "open"
    return fields


def recurring_json(recurring: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The ``recurring`` list of the JSON document (docs/contract.md#json-output)."""
    if recurring is None:
        return []
    return [
        {
            "schedule_id": row["schedule_id"],
            "customer_no": row["customer_no"] or None,
            "paytrace_customer_id": row["paytrace_customer_id"],
            "amount_cents": int(row["amount_cents"]),
            "due_on": row["due_on"].isoformat(),
            "status": row["status"],
            "transaction_id": row["transaction_id"] or None,
        }
        for row in records(recurring)
    ]


def check_line(step: CheckStep) -> str:
    """One line of check-config: ``name: ok (detail)`` or ``name: FAILED (detail)``."""
    return f"{step.name}: {'ok' if step.ok else 'FAILED'} ({step.detail})"
