"""Console text of the commands' outcomes via tabulate, amounts and shares in the locale."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from tabulate import tabulate

from paytrace_abas.frames import records
from paytrace_abas.matching import category_totals, hit_rate, payment_hit_rate
from paytrace_abas.matching.settlement import Settlement
from paytrace_abas.models import CheckStep, DeliveryReport, ManualBooking, Outcome, Window
from paytrace_abas.money import cents_to_decimal, format_cents
from paytrace_abas.plan.document import Plan
from paytrace_abas.plan.recheck import PlanReview, fill_reason
from paytrace_abas.report import labels
from paytrace_abas.report.catalog import N_, NC_, translate
from paytrace_abas.report.formats import share_text
from paytrace_abas.report.reasons import amount_texts
from paytrace_abas.report.settlement import batches_json, deposits_json, describe_settlement


def console_summary(results: pd.DataFrame, currency: str, locale: str, language: str = "en") -> str:
    """The per-category table a clerk sees after a run, plus the hit-rate lines."""
    if results.empty:
        # an empty table with exit 0 would not say whether anything was looked at
        return labels.text("no_transactions", language)
    totals = category_totals(results)
    table = [
        (
            labels.category_name(row["category"], language),
            row["count"],
            format_cents(int(row["amount_cents"]), currency, locale),
        )
        for row in records(totals)
    ]
    table.append(
        (
            labels.text("total", language),
            int(totals["count"].sum()),
            format_cents(int(totals["amount_cents"].sum()), currency, locale),
        )
    )
    headers = [labels.column_label(key, language) for key in ("category", "count", "amount")]
    text = tabulate(table, headers=headers, colalign=("left", "right", "right"))
    lines = []
    for key, share in (("hit_rate", payment_hit_rate(results)), ("money_rate", hit_rate(results))):
        if share is not None:
            lines.append(f"{labels.text(key, language)}: {share_text(share, locale)}")
    return text + ("\n\n" + "\n".join(lines) if lines else "")


def describe_bookings(bookings: Sequence[ManualBooking], language: str = "en") -> str:
    """The write-offs a clerk books by hand in abas, as debit / credit lines."""
    rows = []
    for booking in bookings:
        debit, credit = booking.counter_account, booking.gl_account
        if booking.amount_cents < 0:
            debit, credit = credit, debit
        amount = f"{cents_to_decimal(abs(booking.amount_cents)):,} {booking.currency}"
        day = booking.paid_on.isoformat()
        rows.append((booking.transaction_id, day, debit, credit, amount, booking.note))
    headers = [
        translate(word, language)
        for word in (
            N_("reference (beleg)"),
            N_("day"),
            N_("debit"),
            N_("credit"),
            N_("amount"),
            N_("note"),
        )
    ]
    title = translate(N_("book by hand in abas ({count} booking(s) no sink posts):"), language)
    title = title.format(count=len(rows))
    return title + "\n" + tabulate(rows, headers=headers, disable_numparse=True)


def describe_retry(delivery: DeliveryReport, dead_letters: int, language: str = "en") -> str:
    """Posting counts in one line, and how to go on when dead letters remain."""
    text = translate(
        N_("posted now: {posted}, found already in abas: {found}, dead letters: {dead}"), language
    ).format(
        posted=delivery.count(Outcome.POSTED),
        found=delivery.count(Outcome.FOUND),
        dead=dead_letters,
    )
    if dead_letters:
        retry = N_("(retry later with: paytrace-abas retry-dead-letters)")
        text += "\n" + translate(retry, language)
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


def describe_apply(outcome: AppliedPlan, language: str = "en", locale: str = "en_US") -> str:
    """What apply posted, held back and skipped (why, in ``language``; amounts in ``locale``)."""
    review = outcome.review
    say = _sayer(language)
    lines = [
        say(
            N_("Run {run} · apply plan {plan} · {receipts} receipts in the plan"),
            run=outcome.run_id,
            plan=outcome.plan.run_id,
            receipts=len(outcome.plan.receipts()),
        )
    ]
    lines += _held_back(review, language, locale)
    if review.skipped:
        lines.append(say(N_("  already in the ledger: {count}"), count=len(review.skipped)))
    lines += _decided(review, language)
    if review.bookings or outcome.settlement_bookings:
        bookings = [*review.bookings, *outcome.settlement_bookings]
        lines.append(describe_bookings(bookings, language))
    lines.append(describe_retry(outcome.delivery, outcome.dead_letters, language))
    return "\n".join(lines)


def _sayer(language: str) -> Callable[..., str]:
    """A message of the catalogs in ``language``, filled with values."""

    def say(message: str, **values: object) -> str:
        return translate(message, language).format(**values)

    return say


def _held_back(review: PlanReview, language: str, locale: str) -> list[str]:
    """One line per receipt apply did not post, with its reason in ``language``."""
    say = _sayer(language)
    return [
        say(
            N_("  not posted: {transaction} ({category}) {reason}"),
            transaction=problem.transaction_id,
            category=labels.category_name(problem.category, language),
            reason=fill_reason(
                translate(problem.template, language),
                problem.values,
                lambda cents: amount_texts(np.asarray([cents]), locale)[0],
            ),
        )
        for problem in review.rechecks
    ]


def _decided(review: PlanReview, language: str) -> list[str]:
    """The clerk's decisions applied, revised ones, and write-offs a revision withdrew."""
    say = _sayer(language)
    lines = []
    if review.decisions:
        lines.append(say(N_("  clerk's decisions applied: {count}"), count=len(review.decisions)))
    lines += [
        say(
            N_("  revised: {transaction} (was '{earlier}')"),
            transaction=decision.transaction_id,
            earlier=decision.revises,
        )
        for decision in review.decisions
        if decision.revises
    ]
    withdrawn = N_(
        "  write-off of {transaction} withdrawn: reverse it in abas if it was booked by hand"
    )
    lines += [say(withdrawn, transaction=tid) for tid in review.withdrawn_bookings]
    return lines


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


def describe_reconcile(
    outcome: FinishedRun, currency: str, locale: str, language: str = "en"
) -> str:
    """What a reconcile run prints: the category table, its files, what it posted."""
    mode = translate(
        N_("dry run, nothing posted") if outcome.dry_run else NC_("run mode", "posted"), language
    )
    heading = translate(N_("Run {run} · window {window} · {mode}"), language)
    files = translate(N_("workbook: {workbook}"), language)
    lines = [
        heading.format(run=outcome.run_id, window=outcome.window, mode=mode) + "\n",
        console_summary(outcome.results, currency, locale, language),
        "\n" + files.format(workbook=outcome.workbook_path),
    ]
    if outcome.plan_path:
        plan = translate(N_("plan:     {plan} ({count} postings)"), language)
        lines.append(plan.format(plan=outcome.plan_path, count=len(outcome.plan.postings)))
    if outcome.recurring is not None:
        counts = outcome.recurring["status"].value_counts()
        found = ", ".join(
            f"{n} {labels.text(f'recurring_{status}', language)}" for status, n in counts.items()
        )
        recurring = translate(N_("recurring: {found}"), language)
        lines.append(recurring.format(found=found or translate(N_("nothing due"), language)))
    lines += describe_settlement(outcome.settlement, language, locale)
    if outcome.settlement.to_book:
        lines.append(describe_bookings(outcome.settlement.to_book, language))
    if outcome.delivery is not None:
        lines.append(describe_retry(outcome.delivery, outcome.dead_letters, language))
    if outcome.trail is not None:
        for title, said in (
            (N_("refunds and voids of payments already in abas"), outcome.trail.reversals),
            (N_("disputes"), outcome.trail.disputes),
        ):
            lines += (
                [f"\n{translate(title, language)}:", *(f"  {line}" for line in said)]
                if said
                else []
            )
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
