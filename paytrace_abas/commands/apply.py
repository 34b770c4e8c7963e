"""The apply command: post exactly a reviewed dry-run plan (``apply PLAN``)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from paytrace_abas.abas.sink import check_sink
from paytrace_abas.commands._run import (
    finish_and_alert,
    post_receipts,
    recorded_run,
)
from paytrace_abas.commands.customer_links import learn_from_decisions
from paytrace_abas.commands.inputs import load_open_items, open_ledger, utc_now
from paytrace_abas.config import Settings
from paytrace_abas.errors import EXIT_DEAD_LETTERS, EXIT_OK, ConfigError, InputFileError
from paytrace_abas.ledger import Ledger
from paytrace_abas.models import DeliveryReport, ManualBooking, Outcome, Window, open_exception_mask
from paytrace_abas.plan.document import Plan, plan_from_json, read_plan
from paytrace_abas.plan.integrity import first_difference, plan_problems
from paytrace_abas.plan.recheck import LedgerFacts, PaidLine, PlanReview, review_plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApplyOutcome:
    """What ``apply PLAN`` did."""

    run_id: str
    plan: Plan
    review: PlanReview
    delivery: DeliveryReport
    dead_letters: int
    exit_code: int
    #: the dry run's settlement bookings (bank deposit, fee) this apply accepted, to book by hand
    settlement_bookings: tuple[ManualBooking, ...] = ()


def apply_plan_file(
    settings: Settings, plan_path: Path, now: dt.datetime | None = None
) -> ApplyOutcome:
    """Post exactly a reviewed plan, after re-checking each invoice against abas.

    A clerk's write-offs are not sent: they are recorded as bookings to make by hand, together
    with the decisions, and the exceptions those decisions settle are closed.
    """
    started = now or utc_now()
    check_sink(settings.abas, settings.secrets)
    plan = read_plan(plan_path)
    unaccounted = sorted({p.transaction_id for p in plan.postings if not p.account})
    if unaccounted:
        raise ConfigError(
            f"plan {plan_path} has no counter account for transaction {', '.join(unaccounted)}; "
            "set [accounts] default and plan (or resolve) again"
        )
    window = Window(dt.date.fromisoformat(plan.window_from), dt.date.fromisoformat(plan.window_to))
    parameters = {"plan": str(plan_path), "plan_run_id": plan.run_id}
    with (
        open_ledger(settings) as ledger,
        recorded_run(ledger, settings, started, "apply", window, False, parameters) as run_id,
    ):
        check_recorded(ledger, plan, plan_path)
        open_items = load_open_items(settings)
        review = review_plan(plan, open_items, _ledger_facts(ledger, plan))
        for problem in review.rechecks:
            log.warning("transaction %s not posted: %s", problem.transaction_id, problem.reason)
        # Decisions first: a crash before the receipts are recorded leaves them for a rerun,
        # which finds the same decision and posts the receipts then.
        ledger.record_decisions(run_id, plan.run_id, review.decisions, review.bookings)
        learned = learn_from_decisions(ledger, run_id, plan, review.decisions, started)
        settled = tuple(ledger.accept_settlement_bookings(run_id, plan.run_id))
        delivery = post_receipts(ledger, settings, run_id, review.receipts)
        _carry_plan_run(ledger, run_id, plan, [d.transaction_id for d in review.decisions])
        dead_letters = ledger.count_in_state("dead_letter")
        exit_code = EXIT_DEAD_LETTERS if dead_letters else EXIT_OK
        counts = {
            "receipts_in_plan": len(plan.receipts()),
            "changed_since_plan": len({r.transaction_id for r in review.rechecks}),
            "already_in_ledger": len(review.skipped),
            "decisions_applied": len(review.decisions),
            "book_by_hand": len(review.bookings) + len(settled),
            "links_learned": len(learned),
            "posted_now": delivery.count(Outcome.POSTED),
            "found_in_abas": delivery.count(Outcome.FOUND),
            "dead_letters": dead_letters,
        }
        finish_and_alert(
            ledger, settings, run_id, "apply", exit_code, counts, str(window), plan=plan_path
        )
    return ApplyOutcome(run_id, plan, review, delivery, dead_letters, exit_code, settled)


def check_recorded(ledger: Ledger, plan: Plan, plan_path: Path) -> None:
    """InputFileError unless the plan holds together and is one the ledger recorded."""
    recorded = {
        kind: plan_from_json(json.loads(text), f"the ledger's plan {kind} of run {plan.run_id}")
        for kind, text in ledger.recorded_plans(plan.run_id).items()
    }
    payments = {item.transaction_id: item.amount_cents for item in ledger.run_items(plan.run_id)}
    # No recorded plan says most; else what is wrong in the plan itself, then how it differs.
    problems = plan_problems(plan, payments) if recorded else []
    difference = first_difference(plan, recorded)
    if difference is not None:
        problems.append(f"{difference}; apply accepts only that plan, less postings removed")
    if problems:  # the first is named; once mended, apply names the next one
        raise InputFileError(f"plan file {plan_path}: {problems[0]}")


def _carry_plan_run(ledger: Ledger, run_id: str, plan: Plan, decided: list[str]) -> None:
    """The plan's run counts once applied (a dry run included): its open exceptions are
    carried like a posting run's, then the decisions applied now close theirs."""
    items = ledger.run_items(plan.run_id)
    categories = pd.Series([item.category for item in items], dtype=object)
    is_open = open_exception_mask(categories, pd.Series([False] * len(items), dtype=bool))
    exceptions = [
        (item.transaction_id, item.category, item.reason, item.amount_cents)
        for item, waiting in zip(items, is_open.tolist(), strict=True)
        if waiting
    ]
    ledger.carry_exceptions(run_id, exceptions, decided, reopen=False)


def _ledger_facts(ledger: Ledger, plan: Plan) -> LedgerFacts:
    """What the ledger holds about the plan's transactions and invoices."""
    wanted = {p.transaction_id for p in plan.postings} | {d.transaction_id for d in plan.decisions}
    invoices = {p.invoice_no for p in plan.postings}
    receipts = {
        record.receipt.transaction_id: record.run_id for record in ledger.postings_of(wanted)
    }
    decisions = {
        tid: (decision.resolution, decision.run_id)
        for tid, decision in ledger.applied_decisions(wanted).items()
    }
    bookings = frozenset(booking.transaction_id for _, booking in ledger.manual_bookings_of(wanted))
    paid = {
        invoice: tuple(PaidLine(*line) for line in lines)
        for invoice, lines in ledger.paid_lines(invoices).items()
    }
    return LedgerFacts(receipts, bookings, decisions, paid)
