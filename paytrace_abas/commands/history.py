"""Run history from the ledger (runs, show) and console text for posting outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tabulate import tabulate

from paytrace_abas.commands.apply import ApplyOutcome
from paytrace_abas.commands.reconcile import open_ledger
from paytrace_abas.config import Settings
from paytrace_abas.delivery import DeliveryReport, Outcome
from paytrace_abas.errors import UsageError
from paytrace_abas.ledger import PostingRecord, RunRecord
from paytrace_abas.models import ManualBooking
from paytrace_abas.money import cents_to_decimal


def run_history(settings: Settings, limit: int) -> list[RunRecord]:
    """The newest runs of the ledger."""
    with open_ledger(settings, locked=False) as ledger:
        return ledger.runs(limit)


def run_details(settings: Settings, run_id: str) -> RunDetails:
    """One run with the postings it planned or moved; UsageError if the ledger has no such run."""
    with open_ledger(settings, locked=False) as ledger:
        run = ledger.run(run_id)
        if run is None:
            raise UsageError(f"the ledger {settings.ledger.path} has no run {run_id!r}")
        bookings = ledger.manual_bookings_of_run(run_id)
        return RunDetails(
            run, ledger.postings_of_run(run_id), ledger.open_exception_count(), tuple(bookings)
        )


@dataclass(frozen=True)
class RunDetails:
    """A run row, its postings and how many exceptions are still open."""

    run: RunRecord
    postings: list[PostingRecord]
    open_exceptions: int
    bookings: tuple[ManualBooking, ...] = ()


def runs_table(runs: list[RunRecord]) -> str:
    """One line per run, newest first."""
    rows = [
        (
            run.run_id,
            run.command + (" (dry run)" if run.dry_run else ""),
            _window(run),
            run.status,
            "" if run.exit_code is None else run.exit_code,
            run.counts.get("posted_now", ""),
            run.counts.get("dead_letters", ""),
        )
        for run in runs
    ]
    headers = ["run", "command", "window", "status", "exit", "posted", "dead letters"]
    return tabulate(rows, headers=headers)


def describe_run(details: RunDetails) -> str:
    """A run's facts, counts and postings."""
    run = details.run
    facts = [
        ("run", run.run_id),
        ("command", run.command + (" (dry run)" if run.dry_run else "")),
        ("window", _window(run) or "-"),
        ("started", run.started_at),
        ("finished", run.finished_at or "- (still running, or killed)"),
        ("status", run.status),
        ("exit code", "-" if run.exit_code is None else str(run.exit_code)),
        ("input hash", run.input_hash or "-"),
        ("workbook", run.workbook_path or "-"),
        ("plan", run.plan_path or "-"),
    ]
    text = tabulate(facts, tablefmt="plain")
    if run.counts:
        counts = [(name, value) for name, value in sorted(run.counts.items())]
        text += "\n\n" + tabulate(counts, headers=["count", "value"])
    if details.postings:
        rows = [
            (
                p.receipt.transaction_id,
                ", ".join(line.invoice_no for line in p.receipt.lines),
                f"{cents_to_decimal(p.receipt.amount_cents):,} {p.receipt.currency}",
                p.receipt.account,
                p.state,
                p.attempts,
                p.document or "",
                (p.last_error or "")[:80] if p.state != "posted" else "",
            )
            for p in details.postings
        ]
        headers = ["transaction", "invoices", "amount", "account", "state", "tries", "document"]
        text += "\n\n" + tabulate(rows, headers=[*headers, "last error"])
    if details.bookings:
        text += "\n\n" + describe_bookings(details.bookings)
    if details.open_exceptions:
        text += f"\n\n{details.open_exceptions} exception(s) still open in the ledger"
    return text


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


def describe_apply(outcome: ApplyOutcome) -> str:
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


def _window(run: RunRecord) -> str:
    if not run.window_from:
        return ""
    if run.window_from == run.window_to:
        return run.window_from
    return f"{run.window_from}..{run.window_to}"
