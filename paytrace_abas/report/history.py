"""Console text of the run history: the ``runs`` table and one run for ``show``."""

from __future__ import annotations

from dataclasses import dataclass

from tabulate import tabulate

from paytrace_abas.models import ManualBooking, PostingRecord, RunRecord
from paytrace_abas.money import cents_to_decimal
from paytrace_abas.report.console import describe_bookings


@dataclass(frozen=True)
class RunDetails:
    """A run row, its postings and the exceptions still open."""

    run: RunRecord
    postings: list[PostingRecord]
    open_exceptions: list[tuple[str, str, str, str]]
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
        text += f"\n\n{len(details.open_exceptions)} exception(s) still open in the ledger"
    return text


def _window(run: RunRecord) -> str:
    if not run.window_from:
        return ""
    if run.window_from == run.window_to:
        return run.window_from
    return f"{run.window_from}..{run.window_to}"
