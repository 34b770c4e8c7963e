"""The reconcile command: one run end to end: load, match, plan, post, report."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from paytrace_abas.abas.sink import check_sink
from paytrace_abas.commands import settlement as settling
from paytrace_abas.commands._run import (
    finish_and_alert,
    post_receipts,
    recorded_run,
)
from paytrace_abas.commands.customer_links import exception_payers, payer_ids
from paytrace_abas.commands.inputs import (
    empty_weekdays,
    load_abas_inputs,
    open_ledger,
    utc_now,
)
from paytrace_abas.commands.ledger_facts import (
    carry_exceptions,
    ledger_history,
    posted_invoices,
    with_posting_columns,
)
from paytrace_abas.commands.money_trail import Trail, record_trail, trail_of_run, with_money_trail
from paytrace_abas.commands.out_folder import prepare_out_dir
from paytrace_abas.commands.preview import with_abas_preview
from paytrace_abas.commands.recurring import load_recurring, recurring_alert, recurring_rows
from paytrace_abas.commands.watermark import completed_through, open_day_refusal
from paytrace_abas.config import Settings
from paytrace_abas.errors import (
    EXIT_DEAD_LETTERS,
    EXIT_OK,
    ConfigError,
    UsageError,
)
from paytrace_abas.ledger import Ledger
from paytrace_abas.ledger.views import (
    dead_letter_rows,
    run_item_rows,
    run_posting_rows,
    with_decision_columns,
)
from paytrace_abas.matching import invoice_numbers_in_play, match_payments
from paytrace_abas.matching.settlement import Settlement
from paytrace_abas.models import (
    Category,
    DeliveryReport,
    Outcome,
    Receipt,
    Window,
)
from paytrace_abas.paytrace.client import ProgressCallback
from paytrace_abas.paytrace.normalize import business_day, select_window
from paytrace_abas.plan.document import (
    Plan,
    build_plan,
    input_hash,
    write_plan,
)
from paytrace_abas.plan.inputs import inputs_path, write_run_inputs
from paytrace_abas.plan.integrity import RUN_PLAN, canonical_plan
from paytrace_abas.report import RunHeader, planned_posting_rows, with_reasons, write_workbook
from paytrace_abas.report.period import snapshot_items
from paytrace_abas.report.settlement import settled_lines, settlement_sheet, worded_settlement

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOutcome:
    """Everything a command needs to tell the user about a finished run."""

    run_id: str
    window: Window
    dry_run: bool
    results: pd.DataFrame
    payments: pd.DataFrame
    plan: Plan
    workbook_path: Path
    plan_path: Path | None
    delivery: DeliveryReport | None = None
    dead_letters: int = 0
    exit_code: int = EXIT_OK
    #: the customer master the run read (abas customers table or customers file)
    customers: pd.DataFrame | None = None
    #: recurring schedules checked (matching/recurring.py); None when none are configured
    recurring: pd.DataFrame | None = None
    trail: Trail | None = None  # what refunds, voids and chargebacks undo (the alert's lines)
    #: batches, deposits, fees and the bookings to make by hand (docs/settlement.md)
    settlement: Settlement = field(default_factory=Settlement)


def reconcile(
    settings: Settings,
    window: Window,
    dry_run: bool,
    out_dir: Path,
    now: dt.datetime | None = None,
    chargebacks_file: Path | None = None,
    progress: ProgressCallback | None = None,
    allow_open_day: bool = False,
) -> RunOutcome:
    """Reconcile one window; with ``dry_run`` nothing is posted and the plan is written.

    ``progress(done, total)`` is told about each PayTrace API request as it finishes. A posting
    window reaching a day PayTrace has not closed yet is refused unless ``allow_open_day``.
    """
    started = now or utc_now()
    prepare_out_dir(out_dir)
    last_closed = started.astimezone(settings.paytrace.zone).date() - dt.timedelta(days=1)
    if not dry_run:
        check_posting_settings(settings)
        if window.last_day > last_closed and not allow_open_day:
            raise UsageError(open_day_refusal(window, last_closed, settings))
    with open_ledger(settings) as ledger:
        parameters = {
            "dry_run": dry_run,
            "out_dir": str(out_dir),
            "chargebacks": str(chargebacks_file) if chargebacks_file else None,
        }
        with recorded_run(
            ledger, settings, started, "reconcile", window, dry_run, parameters
        ) as run_id:
            outcome = _reconcile_in_ledger(
                ledger,
                settings,
                run_id,
                window,
                dry_run,
                out_dir,
                chargebacks_file,
                progress,
                last_closed,
            )
            chargebacks = _ids(outcome.results, Category.CHARGEBACK)
            language = settings.report.workbook_language
            due, lines = recurring_alert(ledger, outcome.recurring, dry_run, language)
            alerted = finish_and_alert(
                ledger,
                settings,
                run_id,
                "reconcile",
                outcome.exit_code,
                counts=_counts(outcome),
                window=str(window),
                workbook=outcome.workbook_path,
                plan=outcome.plan_path,
                input_hash=outcome.plan.input_hash,
                chargebacks=chargebacks,
                reversals=outcome.trail.reversals if outcome.trail else (),
                disputes=outcome.trail.disputes if outcome.trail else (),
                empty_days=empty_weekdays(ledger, settings, run_id, window),
                quiet=dry_run,
                recurring=lines,
            )
            if alerted and due:
                ledger.record_recurring_alerts(run_id, due)
    return outcome


def _reconcile_in_ledger(
    ledger: Ledger,
    settings: Settings,
    run_id: str,
    window: Window,
    dry_run: bool,
    out_dir: Path,
    chargebacks_file: Path | None,
    progress: ProgressCallback | None,
    last_closed: dt.date,
) -> RunOutcome:
    records_by_day: dict[dt.date, int] = {}
    pulled, pulls = settling.load_pulled_and_batches(settings, window, progress, records_by_day)
    payments = select_window(pulled, window, settings.paytrace.zone)
    ledger.record_pulled_days(run_id, records_by_day)
    schedules = load_recurring(settings)
    payments, originals, disputes = with_money_trail(
        ledger, settings, window, payments, chargebacks_file
    )
    settlement, payments = settling.settle_window(settings, pulls, payments)
    settlement = worded_settlement(
        settlement, settings.report.workbook_language, settings.report.locale
    )
    open_items, customers = load_abas_inputs(settings)
    log.info(
        "loaded %d payments in %s, %d open items and %d customers",
        len(payments),
        window,
        len(open_items),
        len(customers),
    )
    in_play = invoice_numbers_in_play(payments, open_items, settings.matching)
    already_posted, paid_before = ledger_history(ledger, payments, in_play)
    results = match_payments(
        payments,
        open_items,
        settings.matching,
        already_posted,
        paid_before,
        customers=customers,
        posted_invoices=posted_invoices(ledger, payments, already_posted),
        learned_links=ledger.links_of(payer_ids(payments)),
    )
    # reasons in the clerk's words, for the workbook, the JSON, the ledger's exceptions
    results = with_reasons(results, settings.report.workbook_language, settings.report.locale)
    if log.isEnabledFor(logging.DEBUG):
        by_rule = (results["rule"] + "/" + results["category"]).value_counts().sort_index()
        log.debug("decisions per pass: %s", ", ".join(f"{k} {n}" for k, n in by_rule.items()))
    recurring = recurring_rows(settings, schedules, pulled, window, results, open_items, customers)
    if recurring is not None:
        recurring = with_reasons(
            recurring, settings.report.workbook_language, settings.report.locale
        )
    fingerprint = input_hash(payments, open_items)
    plan = build_plan(run_id, window, results, payments, fingerprint, settings.accounts, open_items)
    plan_path = out_dir / f"plan-{run_id}.json"
    write_plan(plan, plan_path)
    ledger.record_plan(run_id, RUN_PLAN, canonical_plan(plan))
    write_run_inputs(inputs_path(plan_path, run_id), run_id, payments, open_items)
    delivery = None
    if not dry_run:
        delivery = post_receipts(ledger, settings, run_id, _left_to_post(ledger, plan))
    results = with_decision_columns(with_posting_columns(results, plan, ledger), ledger)
    trail = trail_of_run(ledger, settings, results, payments, originals)
    results = trail.results
    workbook_path = out_dir / f"reconcile-{window}-{run_id}.xlsx"
    report = settings.report
    header = RunHeader(
        run_id,
        str(window),
        dry_run,
        settings.paytrace.currency,
        utc_now(),
        locale=report.locale,
        language=report.workbook_language,
    )
    postings, dead_letter_sheet = _posting_sheets(ledger, run_id, plan, dry_run)
    postings = settling.with_bookings(postings, settlement)
    if dry_run and settings.abas.preview:
        postings = with_abas_preview(settings, plan, postings)
    write_workbook(
        workbook_path,
        header,
        results,
        payments,
        postings,
        dead_letter_sheet,
        matched_rows_limit=report.matched_rows_limit,
        recurring=recurring,
        settlement=settlement_sheet(settlement, report.workbook_language),
        settled=settled_lines(settlement.batches),
    )
    # The run's own records commit last, once its report is written (the postings' states are
    # committed as they happen: that is what makes posting exactly once).
    days = business_day(payments, settings.paytrace.zone)
    ledger.record_run_item_rows(run_id, run_item_rows(snapshot_items(results, payments, days)))
    ledger.record_payers(run_id, exception_payers(results, payments))
    record_trail(ledger, run_id, payments, disputes, dry_run)
    settlement = settling.record_settlement(ledger, run_id, settlement, dry_run)
    dead_letters = ledger.count_in_state("dead_letter")
    if not dry_run:
        carry_exceptions(ledger, run_id, results)
        completed = completed_through(window, ledger.watermark(), last_closed)
        if completed is not None:
            ledger.advance_watermark(completed, run_id)
    return RunOutcome(
        run_id,
        window,
        dry_run,
        results,
        payments,
        plan,
        workbook_path,
        plan_path,
        delivery,
        dead_letters,
        EXIT_DEAD_LETTERS if dead_letters and not dry_run else EXIT_OK,
        customers,
        recurring,
        trail,
        settlement,
    )


def _posting_sheets(
    ledger: Ledger, run_id: str, plan: Plan, dry_run: bool
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """A dry run shows its plan; a posting run the ledger's state per line, and dead letters."""
    if dry_run:
        return planned_posting_rows(plan), None
    planned = [receipt.transaction_id for receipt in plan.receipts()]
    return run_posting_rows(ledger, run_id, planned), dead_letter_rows(ledger)


def _left_to_post(ledger: Ledger, plan: Plan) -> list[Receipt]:
    """The plan's receipts, less payments a clerk decided otherwise (say, ignored or wrote off):
    a later match never overrides the clerk's decision."""
    planned = plan.receipts()
    decisions = ledger.applied_decisions(receipt.transaction_id for receipt in planned)
    held = ledger.posting_states(decisions)
    receipts = []
    for receipt in planned:
        decision = decisions.get(receipt.transaction_id)
        if decision is None or receipt.transaction_id in held:
            receipts.append(receipt)
            continue
        log.warning(
            "transaction %s matches now but is not posted: a clerk decided it (%r, run %s)",
            receipt.transaction_id,
            decision.resolution,
            decision.run_id,
        )
    return receipts


def check_posting_settings(settings: Settings) -> None:
    """ConfigError before a posting run starts, rather than half-way through it."""
    if not settings.accounts.default:
        raise ConfigError("[accounts] default is required before anything is posted to abas")
    check_sink(settings.abas, settings.secrets)


def _ids(results: pd.DataFrame, category: Category) -> list[str]:
    return [
        str(tid) for tid in results.loc[results["category"] == category.value, "transaction_id"]
    ]


def _counts(outcome: RunOutcome) -> dict[str, Any]:
    counts: dict[str, Any] = {
        str(name): int(n) for name, n in outcome.results["category"].value_counts().items()
    }
    if outcome.delivery is not None:
        for name, n in (
            ("posted_now", outcome.delivery.count(Outcome.POSTED)),
            ("found_in_abas", outcome.delivery.count(Outcome.FOUND)),
        ):
            counts[name] = n
    counts["dead_letters"] = outcome.dead_letters
    return counts
