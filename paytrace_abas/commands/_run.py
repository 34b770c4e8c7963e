"""Pieces every posting command shares: the run record, the configured sink, posting a batch,
finishing and alerting."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from paytrace_abas.abas.import_file import ImportFileSink
from paytrace_abas.abas.rest import RestSink
from paytrace_abas.abas.sink import ReceiptSink, check_sink
from paytrace_abas.alerts import Alert, send_alert
from paytrace_abas.config import AbasSettings, Secrets, Settings
from paytrace_abas.delivery import deliver
from paytrace_abas.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    ConfigError,
    InputFileError,
    PaytraceAbasError,
    UsageError,
)
from paytrace_abas.ledger import UNFINISHED, Ledger
from paytrace_abas.logs import set_run_id
from paytrace_abas.models import DeliveryReport, PostingRecord, Receipt, Window

log = logging.getLogger(__name__)


@contextmanager
def recorded_run(
    ledger: Ledger,
    settings: Settings,
    started: dt.datetime,
    command: str,
    window: Window | None,
    dry_run: bool,
    parameters: dict[str, Any],
) -> Iterator[str]:
    """A run row in the ledger; a failure inside is recorded, alerted (unless dry) and re-raised."""
    days = (window.first_day.isoformat(), window.last_day.isoformat()) if window else None
    run_id = ledger.start_run(
        started.strftime("%Y%m%dT%H%M%SZ"), command, days, dry_run, parameters
    )
    set_run_id(run_id)
    try:
        yield run_id
    except Exception as exc:
        bad_input = isinstance(exc, UsageError | ConfigError | InputFileError)
        code = EXIT_BAD_INPUT if bad_input else EXIT_FAILED
        message = str(exc) or type(exc).__name__
        ledger.finish_run(run_id, code, {"error": message})
        if isinstance(exc, PaytraceAbasError):
            exc.run_id = run_id  # recorded and alerted: the command line only reports it
        if not dry_run:
            alert = Alert(run_id, command, "failed", window=str(window or ""), error=message)
            send_alert(settings.alerts, settings.secrets.smtp_password, alert)
        raise


def post_receipts(
    ledger: Ledger, settings: Settings, run_id: str, receipts: Sequence[Receipt]
) -> DeliveryReport:
    """Record new receipts as planned, then deliver them and every unfinished earlier one."""
    new = ledger.record_planned(run_id, receipts)
    log.info("%d of %d receipts are new to the ledger", len(new), len(receipts))
    return deliver_unfinished(ledger, settings, run_id)


def deliver_unfinished(
    ledger: Ledger, settings: Settings, run_id: str, include_dead_letters: bool = False
) -> DeliveryReport:
    """Deliver what the ledger holds as planned/sending/failed (and dead letters if asked)."""
    states = (*UNFINISHED, "dead_letter") if include_dead_letters else UNFINISHED
    pending = [
        with_current_account(ledger, settings, run_id, record)
        for record in ledger.postings_in_state(*states)
    ]
    if not pending:
        return DeliveryReport()
    sink = open_sink(settings.abas, settings.secrets, settings.posting.workers)
    try:
        return deliver(
            ledger,
            sink,
            pending,
            run_id,
            settings.posting,
            # only abas can commit a request late; an import file holds what was written
            grace_seconds=settings.abas.commit_grace_seconds
            if settings.abas.sink == "api"
            else 0.0,
        )
    finally:
        sink.close()


def with_current_account(
    ledger: Ledger, settings: Settings, run_id: str, record: PostingRecord
) -> PostingRecord:
    """An earlier run's unposted receipt with the counter account today's configuration gives.

    A retry must not resend what an old configuration decided (a dead letter from a wrong
    account stays dead otherwise). The abas field names and dialog answers are read from the
    configuration at each send anyway; the account is the one thing a receipt carries. A
    receipt this run planned keeps the account of the plan it came from.
    """
    receipt = record.receipt
    if record.run_id == run_id or not receipt.card_type:
        return record
    account = settings.accounts.account_for(receipt.card_type, receipt.currency)
    if not account or account == receipt.account:
        return record
    ledger.change_account(receipt.transaction_id, run_id, account)
    log.info(
        "transaction %s: counter account %s, was %s",
        receipt.transaction_id,
        account,
        receipt.account,
    )
    return replace(record, receipt=replace(receipt, account=account))


def finish_and_alert(
    ledger: Ledger,
    settings: Settings,
    run_id: str,
    command: str,
    exit_code: int,
    counts: dict[str, Any],
    window: str = "",
    workbook: Path | None = None,
    plan: Path | None = None,
    input_hash: str | None = None,
    chargebacks: Sequence[str] = (),
    quiet: bool = False,
    empty_days: Sequence[dt.date] = (),
    recurring: Sequence[str] = (),
    reversals: Sequence[str] = (),
    disputes: Sequence[str] = (),
) -> bool:
    """Close the run in the ledger (its last write); alert on dead letters, chargebacks,
    refunds and voids of payments in abas, weekdays PayTrace answered empty and recurring
    charges declined or missing.

    True when an alert went out through a channel (or none is configured to try).
    """
    ledger.finish_run(run_id, exit_code, counts, input_hash, workbook, plan)
    if quiet:
        return False
    dead_letters = {d.transaction_id: d.error for d in ledger.open_dead_letters()}
    if not (dead_letters or chargebacks or empty_days or recurring or reversals):
        return False
    problems = [
        name
        for name, on in (
            ("dead_letters", dead_letters),
            ("chargebacks", chargebacks),
            ("reversals", reversals),
            ("empty_days", empty_days),
            ("recurring", recurring),
        )
        if on
    ]
    alert = Alert(
        run_id=run_id,
        command=command,
        problem=",".join(problems),
        window=window,
        counts={k: v for k, v in counts.items() if isinstance(v, int)},
        dead_letters=dead_letters,
        chargebacks=tuple(chargebacks),
        reversals=tuple(reversals),
        disputes=tuple(disputes),
        empty_days=tuple(day.isoformat() for day in empty_days),
        recurring=tuple(recurring),
        workbook=str(workbook or ""),
    )
    failed = send_alert(settings.alerts, settings.secrets.smtp_password, alert)
    channels = int(settings.alerts.wants_email) + int(bool(settings.alerts.webhook_url))
    return len(failed) < channels or not channels


def open_sink(settings: AbasSettings, secrets: Secrets, workers: int) -> ReceiptSink:
    """The configured sink, ready to post; raises ConfigError when it cannot be used."""
    check_sink(settings, secrets)
    if settings.sink == "api":
        return RestSink(settings, secrets, pool_size=workers)
    return ImportFileSink(settings)
