"""Console text for the ledger commands (runs, show) and for posting outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabulate import tabulate

from paytrace_abas.ledger import RunRecord
from paytrace_abas.money import cents_to_decimal
from paytrace_abas.posting import DeliveryReport, Outcome

if TYPE_CHECKING:  # pipeline imports this module's callers; only types are needed here
    from paytrace_abas.pipeline import ApplyOutcome, RunDetails


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
    if details.open_exceptions:
        text += f"\n\n{len(details.open_exceptions)} exception(s) still open in the ledger"
    return text


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
    lines = [
        f"Run {outcome.run_id} · apply plan {outcome.plan.run_id} · "
        f"{len(outcome.plan.receipts())} receipts in the plan"
    ]
    for problem in outcome.rechecks:
        lines.append(
            f"  not posted: {problem.transaction_id} ({problem.category.value}) {problem.reason}"
        )
    if outcome.skipped:
        lines.append(f"  already in the ledger: {len(outcome.skipped)}")
    lines.append(describe_retry(outcome.delivery, outcome.dead_letters))
    return "\n".join(lines)


def _window(run: RunRecord) -> str:
    if not run.window_from:
        return ""
    if run.window_from == run.window_to:
        return run.window_from
    return f"{run.window_from}..{run.window_to}"
