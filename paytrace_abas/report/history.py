"""Console text of the run history: the ``runs`` table and one run for ``show``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def run_record_json(run: RunRecord) -> dict[str, Any]:
    """A run as ``runs --format json`` and ``show --format json`` print it."""
    return {
        "run_id": run.run_id,
        "command": run.command,
        "dry_run": run.dry_run,
        "window": {"from": run.window_from, "to": run.window_to} if run.window_from else None,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "status": run.status,
        "exit_code": run.exit_code,
        "error": run.counts.get("error"),
        "counts": {name: n for name, n in run.counts.items() if name != "error"},
        "input_hash": run.input_hash,
        "workbook": run.workbook_path,
        "plan": run.plan_path,
    }


def run_details_json(details: RunDetails) -> dict[str, Any]:
    """``show --format json``: the run, its postings, hand bookings and open exceptions."""
    postings = [
        {
            "transaction_id": p.receipt.transaction_id,
            "invoice_nos": [line.invoice_no for line in p.receipt.lines],
            "amount_cents": p.receipt.amount_cents,
            "currency": p.receipt.currency,
            "account": p.receipt.account,
            "state": p.state,
            "attempts": p.attempts,
            "document": p.document,
            "last_error": p.last_error,
        }
        for p in details.postings
    ]
    bookings = [
        {
            "transaction_id": b.transaction_id,
            "paid_on": b.paid_on.isoformat(),
            "counter_account": b.counter_account,
            "gl_account": b.gl_account,
            "amount_cents": b.amount_cents,
            "currency": b.currency,
            "note": b.note,
        }
        for b in details.bookings
    ]
    return {
        **run_record_json(details.run),
        "postings": postings,
        "manual_bookings": bookings,
        "open_exceptions": len(details.open_exceptions),
    }


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
            _short(str(run.counts.get("error", ""))),
        )
        for run in runs
    ]
    headers = ["run", "command", "window", "status", "exit", "posted", "dead letters", "error"]
    return tabulate(rows, headers=headers)


def _short(text: str, width: int = 60) -> str:
    """The start of a long error; `show RUN` has all of it."""
    return text if len(text) <= width else text[: width - 1] + "…"


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
        ("error", run.counts.get("error") or "-"),
        ("input hash", run.input_hash or "-"),
        ("workbook", run.workbook_path or "-"),
        ("plan", run.plan_path or "-"),
    ]
    text = tabulate(facts, tablefmt="plain")
    counted = {name: value for name, value in run.counts.items() if name != "error"}
    if counted:
        counts = [(name, value) for name, value in sorted(counted.items())]
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
