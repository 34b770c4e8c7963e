"""Recurring billing in a reconcile run: load the schedules, judge the window's due days,
alert a declined or missing charge once (docs/customers.md#recurring-billing)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import pandas as pd

from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.config import Settings
from paytrace_abas.errors import InputFileError, SourceError
from paytrace_abas.frames import records
from paytrace_abas.ledger import Ledger
from paytrace_abas.matching.recurring import Payers, RecurringStatus, check_schedules
from paytrace_abas.models import Window
from paytrace_abas.paytrace.client import fetch_recurring_payments
from paytrace_abas.paytrace.normalize import RawTransaction, normalize_transactions
from paytrace_abas.paytrace.recurring import (
    RecurringExport,
    fetch_schedules,
    read_recurring_file,
)
from paytrace_abas.paytrace.transport import PaytraceSession
from paytrace_abas.report import labels
from paytrace_abas.report.catalog import N_, translate

log = logging.getLogger(__name__)

#: statuses a person is alerted about, once per schedule and due day
ALERTED = frozenset({RecurringStatus.DECLINED.value, RecurringStatus.MISSING.value})


def load_recurring(settings: Settings) -> RecurringExport | None:
    """The schedules to check: from ``recurring_file``, else over the API when ``recurring``
    is on; None when the run checks no recurring billing."""
    paytrace = settings.paytrace
    if paytrace.recurring_file is not None:
        return read_recurring_file(paytrace.recurring_file)
    if paytrace.source == "api" and paytrace.recurring:
        with PaytraceSession(paytrace, settings.secrets) as session:
            return fetch_schedules(session)
    return None


def recurring_rows(
    settings: Settings,
    export: RecurringExport | None,
    pulled: pd.DataFrame,
    window: Window,
    results: pd.DataFrame,
    open_items: pd.DataFrame,
    customers: pd.DataFrame,
) -> pd.DataFrame | None:
    """The run's Recurring rows, judged now; None when it checks no recurring billing."""
    if export is None:
        return None
    payers = run_payers(settings, results, open_items, customers)
    return check_recurring(settings, export, pulled, window, payers, utc_now())


def recurring_alert(
    ledger: Ledger, recurring: pd.DataFrame | None, dry_run: bool, language: str = "en"
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """What a posting run alerts about: the keys to remember once sent, and the lines (in
    ``language``)."""
    if recurring is None or dry_run:
        return [], []
    due = alerts_due(ledger, recurring)
    return due, alert_lines(recurring, due, language)


def check_recurring(
    settings: Settings,
    export: RecurringExport,
    pulled: pd.DataFrame,
    window: Window,
    payers: Payers,
    now: dt.datetime,
) -> pd.DataFrame:
    """The Recurring rows of the window (matching.recurring.RECURRING_COLUMNS).

    A due day is judged once it is over in the PayTrace time zone. Charges are looked for
    among everything the run pulled and the charges the recurring export names; over the API
    a charge still missing is asked for once more (``export_approved`` per customer).
    """
    zone = settings.paytrace.zone
    judged_before = now.astimezone(zone).date()
    charges = with_charges(settings, pulled, export.charges)
    rows = check_schedules(export.schedules, charges, window, judged_before, payers)
    missing = rows.loc[rows["status"] == RecurringStatus.MISSING.value, "paytrace_customer_id"]
    # only schedules PayTrace answered: a recurring file brings its own charges
    if missing.empty or settings.paytrace.recurring_file is not None:
        return rows
    approved = _approved_charges(settings, sorted(set(missing)))
    if not approved:
        return rows
    charges = with_charges(settings, charges, approved)
    return check_schedules(export.schedules, charges, window, judged_before, payers)


def with_charges(
    settings: Settings, payments: pd.DataFrame, charges: Sequence[RawTransaction]
) -> pd.DataFrame:
    """``payments`` plus the charges not among them: evidence for the check only, never paid
    twice (the payments frame matching sees is not touched)."""
    if not charges:
        return payments
    paytrace = settings.paytrace
    try:
        extra = normalize_transactions(list(charges), paytrace.zone, paytrace.currency)
    except InputFileError as exc:
        if paytrace.recurring_file is not None:
            raise
        raise SourceError(f"PayTrace sent a malformed recurring charge: {exc}") from None
    new = extra[~extra["transaction_id"].isin(payments["transaction_id"])]
    return pd.concat([payments, new], ignore_index=True) if len(new) else payments


def _approved_charges(settings: Settings, customer_ids: list[str]) -> list[RawTransaction]:
    """The approved recurring charges PayTrace reports for these customers; a customer it
    answers with an error for is logged and stays missing."""
    charges: list[RawTransaction] = []
    with PaytraceSession(settings.paytrace, settings.secrets) as session:
        for customer_id in customer_ids:
            try:
                charges.extend(fetch_recurring_payments(session, customer_id))
            except SourceError as exc:
                log.warning("recurring charges of PayTrace customer %s: %s", customer_id, exc)
    return charges


def run_payers(
    settings: Settings, results: pd.DataFrame, open_items: pd.DataFrame, customers: pd.DataFrame
) -> Payers:
    """How the run tells a schedule's abas customer: its charge's match, the customer map,
    or a PayTrace id that is an abas customer number."""
    matched = results[["transaction_id", "customer_no"]].dropna()
    return Payers(
        by_transaction={
            str(tid): str(customer)
            for tid, customer in zip(matched["transaction_id"], matched["customer_no"], strict=True)
            if str(customer)
        },
        customer_map=settings.matching.customer_map,
        known=frozenset(open_items["customer_no"].astype(str))
        | frozenset(customers["customer_no"].astype(str)),
    )


def alerts_due(ledger: Ledger, recurring: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(schedule, due day, status) declined or missing and not alerted by an earlier run."""
    wanted = recurring[recurring["status"].isin(ALERTED)]
    keys = [
        (str(row["schedule_id"]), row["due_on"].isoformat(), str(row["status"]))
        for row in records(wanted)
    ]
    alerted = ledger.alerted_recurring((schedule, day) for schedule, day, _ in keys)
    return [key for key in keys if key[:2] not in alerted]


def alert_lines(
    recurring: pd.DataFrame, due: Sequence[tuple[str, str, str]], language: str = "en"
) -> list[str]:
    """One line per alerted schedule: schedule, customers, due day, what happened."""
    wanted = {key[:2] for key in due}
    line = translate(
        N_(
            "schedule {schedule} (PayTrace customer {paytrace}, abas {customer}): {status} on "
            "{day}{transaction}"
        ),
        language,
    )
    lines = []
    for row in records(recurring):
        if (str(row["schedule_id"]), row["due_on"].isoformat()) not in wanted:
            continue
        customer = row["customer_no"] or translate(N_("no abas customer known"), language)
        transaction = translate(N_(", transaction {transaction}"), language).format(
            transaction=row["transaction_id"]
        )
        lines.append(
            line.format(
                schedule=row["schedule_id"],
                paytrace=row["paytrace_customer_id"],
                customer=customer,
                status=labels.text(f"recurring_{row['status']}", language),
                day=row["due_on"].isoformat(),
                transaction=transaction if row["transaction_id"] else "",
            )
        )
    return lines
