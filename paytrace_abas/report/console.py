"""Console text of the commands' outcomes via tabulate, amounts and shares in the locale."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import pandas as pd
from tabulate import tabulate

from paytrace_abas.frames import records
from paytrace_abas.matching import category_totals, hit_rate, payment_hit_rate
from paytrace_abas.models import DeliveryReport, ManualBooking, Outcome
from paytrace_abas.money import cents_to_decimal, format_cents
from paytrace_abas.plan.document import Plan
from paytrace_abas.plan.recheck import PlanReview
from paytrace_abas.report.formats import share_text


def console_summary(results: pd.DataFrame, currency: str, locale: str) -> str:
    """The per-category table a clerk sees after a run, plus the hit-rate lines."""
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
    title = f"book by hand in abas ({len(rows)} write-off(s) no sink posts):"
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
    if review.bookings:
        lines.append(describe_bookings(review.bookings))
    lines.append(describe_retry(outcome.delivery, outcome.dead_letters))
    return "\n".join(lines)
