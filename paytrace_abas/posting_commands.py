"""The posting commands besides reconcile: ``apply PLAN`` and ``retry-dead-letters``."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from paytrace_abas.abas.sink import check_sink
from paytrace_abas.config import Settings
from paytrace_abas.errors import ConfigError
from paytrace_abas.ledger import Ledger
from paytrace_abas.models import Category, Receipt, Window
from paytrace_abas.pipeline import load_open_items, open_ledger, utc_now
from paytrace_abas.planning import Plan, Recheck, read_plan, recheck_plan
from paytrace_abas.posting import DeliveryReport, Outcome
from paytrace_abas.posting_runs import (
    EXIT_DEAD_LETTERS,
    EXIT_OK,
    deliver_unfinished,
    finish_and_alert,
    post_receipts,
    recorded_run,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApplyOutcome:
    """What ``apply PLAN`` did."""

    run_id: str
    plan: Plan
    rechecks: tuple[Recheck, ...]
    skipped: tuple[str, ...]
    delivery: DeliveryReport
    dead_letters: int
    exit_code: int


def apply_plan_file(
    settings: Settings, plan_path: Path, now: dt.datetime | None = None
) -> ApplyOutcome:
    """Post exactly a reviewed plan, after re-checking each invoice against abas."""
    started = now or utc_now()
    check_sink(settings.abas, settings.secrets)
    plan = read_plan(plan_path)
    unaccounted = sorted({p.transaction_id for p in plan.postings if not p.account})
    if unaccounted:
        raise ConfigError(
            f"plan {plan_path} has no counter account for transaction {', '.join(unaccounted)}; "
            "set [accounts] default and plan again"
        )
    window = Window(dt.date.fromisoformat(plan.window_from), dt.date.fromisoformat(plan.window_to))
    parameters = {"plan": str(plan_path), "plan_run_id": plan.run_id}
    with (
        open_ledger(settings) as ledger,
        recorded_run(ledger, settings, started, "apply", window, False, parameters) as run_id,
    ):
        open_items = load_open_items(settings)
        ready, rechecks = recheck_plan(plan, open_items)
        ready, duplicates, skipped = _against_ledger(ledger, ready)
        rechecks += duplicates
        for problem in rechecks:
            log.warning("transaction %s not posted: %s", problem.transaction_id, problem.reason)
        delivery = post_receipts(ledger, settings, run_id, ready)
        dead_letters = ledger.count_in_state("dead_letter")
        exit_code = EXIT_DEAD_LETTERS if dead_letters else EXIT_OK
        counts = {
            "receipts_in_plan": len(plan.receipts()),
            "changed_since_plan": len({r.transaction_id for r in rechecks}),
            "already_in_ledger": len(skipped),
            "posted_now": delivery.count(Outcome.POSTED),
            "found_in_abas": delivery.count(Outcome.FOUND),
            "dead_letters": dead_letters,
        }
        finish_and_alert(
            ledger, settings, run_id, "apply", exit_code, counts, str(window), plan=plan_path
        )
    return ApplyOutcome(
        run_id, plan, tuple(rechecks), tuple(skipped), delivery, dead_letters, exit_code
    )


def _against_ledger(
    ledger: Ledger, receipts: list[Receipt]
) -> tuple[list[Receipt], list[Recheck], list[str]]:
    """(new receipts, ones whose invoice another transaction paid, ones the ledger holds)."""
    payers = ledger.invoice_payers()
    ready: list[Receipt] = []
    duplicates: list[Recheck] = []
    skipped: list[str] = []
    for receipt in receipts:
        if ledger.posting(receipt.transaction_id) is not None:
            skipped.append(receipt.transaction_id)
            continue
        taken = [
            (line.invoice_no, payers[line.invoice_no][0])
            for line in receipt.lines
            if line.invoice_no in payers
        ]
        if taken:
            invoice, payer = taken[0]
            reason = f"Invoice {invoice} was already paid by transaction {payer}."
            duplicates.append(Recheck(receipt.transaction_id, invoice, Category.DUPLICATE, reason))
            continue
        ready.append(receipt)
    return ready, duplicates, skipped


@dataclass(frozen=True)
class RetryOutcome:
    """What ``retry-dead-letters`` did."""

    run_id: str
    delivery: DeliveryReport
    dead_letters: int
    exit_code: int


def retry_dead_letters(settings: Settings, now: dt.datetime | None = None) -> RetryOutcome:
    """Try every dead letter (and anything a crashed run left unfinished) once more."""
    started = now or utc_now()
    check_sink(settings.abas, settings.secrets)
    with (
        open_ledger(settings) as ledger,
        recorded_run(ledger, settings, started, "retry-dead-letters", None, False, {}) as run_id,
    ):
        delivery = deliver_unfinished(ledger, settings, run_id, include_dead_letters=True)
        dead_letters = ledger.count_in_state("dead_letter")
        exit_code = EXIT_DEAD_LETTERS if dead_letters else EXIT_OK
        counts = {
            "tried": len(delivery.outcomes),
            "posted_now": delivery.count(Outcome.POSTED),
            "found_in_abas": delivery.count(Outcome.FOUND),
            "dead_letters": dead_letters,
        }
        finish_and_alert(ledger, settings, run_id, "retry-dead-letters", exit_code, counts)
    return RetryOutcome(run_id, delivery, dead_letters, exit_code)
