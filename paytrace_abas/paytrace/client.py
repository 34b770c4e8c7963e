"""PayTrace v1 exports over the API: transactions by day, batches, customers, recurring payments."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any

from paytrace_abas.config import PaytraceSettings, Secrets
from paytrace_abas.errors import InputFileError, PaytraceAbasError, SourceError
from paytrace_abas.memory import collector_paused
from paytrace_abas.models import CheckStep, Window
from paytrace_abas.paytrace.files import answer_codes, export_transactions
from paytrace_abas.paytrace.normalize import RawTransaction
from paytrace_abas.paytrace.records import (
    Batch,
    BatchKey,
    Customer,
    paytrace_day,
    read_batch,
    read_customer,
)
from paytrace_abas.paytrace.transport import PaytraceSession
from paytrace_abas.paytrace.wire import decode_export

log = logging.getLogger(__name__)

EXPORT_PATH = "/v1/transactions/export/by_date_range"
BATCHES_PATH = "/v1/batches/export"
BATCH_TRANSACTIONS_PATH = "/v1/batches/transaction_list"
CUSTOMERS_PATH = "/v1/customer/export"
RECURRING_PATH = "/v1/recurrence/export_approved"
_REQUEST_DATE = "%m/%d/%Y"

#: Called as ``progress(done, total)`` after each finished request; the caller draws the bar.
ProgressCallback = Callable[[int, int], None]


def fetch_transactions(
    settings: PaytraceSettings,
    secrets: Secrets,
    window: Window,
    progress: ProgressCallback | None = None,
    records_by_day: dict[dt.date, int] | None = None,
    then: Callable[[PaytraceSession], None] | None = None,
) -> list[RawTransaction]:
    """Every transaction PayTrace exports for the window's pull days, de-duplicated.

    ``records_by_day`` (when given) is filled with how many records each pulled day answered;
    ``then`` makes more requests on the same session (and token) once the days are pulled.
    """
    with PaytraceSession(settings, secrets) as session:
        records = pull_transactions(
            session,
            pull_days(window, settings.overlap_days),
            settings.parallel_requests,
            progress,
            records_by_day,
        )
        if then is not None:
            then(session)
        return records


def pull_days(window: Window, overlap_days: int) -> list[dt.date]:
    """The overlap before the window, the window, and the day after it (see docs/paytrace.md)."""
    first = window.first_day - dt.timedelta(days=overlap_days)
    last = window.last_day + dt.timedelta(days=1)
    return Window(first, last).days()


def pull_transactions(
    session: PaytraceSession,
    days: list[dt.date],
    parallel_requests: int = 1,
    progress: ProgressCallback | None = None,
    records_by_day: dict[dt.date, int] | None = None,
) -> list[RawTransaction]:
    """One export request per day, ``parallel_requests`` at a time; results in day order.

    The first request that fails for good cancels the others and closes ``session``.
    """
    with collector_paused():
        by_day = _run_parallel(
            days, lambda day: export_day(session, day), parallel_requests, progress, session
        )
        records = deduplicate([item for day in days for item in by_day[day]])
    if records_by_day is not None:
        records_by_day.update({day: len(by_day[day]) for day in days})
    log.info(
        "PayTrace: %d transaction(s) from %d day export(s), %s to %s",
        len(records),
        len(days),
        days[0] if days else "-",
        days[-1] if days else "-",
    )
    return records


def export_day(session: PaytraceSession, day: dt.date) -> list[RawTransaction]:
    """``export/by_date_range`` for one day (start and end date are both that day)."""
    label = day.strftime(_REQUEST_DATE)
    body = session.post(
        EXPORT_PATH, {"start_date": label, "end_date": label}, label, decode=decode_export
    )
    origin = f"PayTrace export {label}"
    return [
        RawTransaction(record=record, source=f"{origin}: transactions[{index}]")
        for index, record in enumerate(
            _transactions_of(body, f"PayTrace POST {EXPORT_PATH} for {label}")
        )
    ]


def deduplicate(records: Sequence[RawTransaction]) -> list[RawTransaction]:
    """One record per transaction_id; the last copy wins, as it is the newest state."""
    seen: set[str] = set()
    kept: list[RawTransaction] = []
    unidentified: list[RawTransaction] = []
    for item in reversed(records):
        value = item.record.get("transaction_id")
        if value is None or value == "":
            # Normalization reports these with their source line; do not swallow them here.
            unidentified.append(item)
            continue
        key = str(value).strip()
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return [*reversed(kept), *reversed(unidentified)]


def fetch_batches(session: PaytraceSession, first_day: dt.date, last_day: dt.date) -> list[Batch]:
    """Batch summaries settled in the date range, one per (number, settlement day)."""
    body = session.post(
        BATCHES_PATH,
        {
            "start_date": first_day.strftime(_REQUEST_DATE),
            "end_date": last_day.strftime(_REQUEST_DATE),
        },
    )
    records = _records_of(body, "batches", f"PayTrace POST {BATCHES_PATH}")
    batches: dict[BatchKey, Batch] = {}
    for index, record in enumerate(records):
        batch = read_batch(record, f"PayTrace batches {first_day}..{last_day}: batches[{index}]")
        batches[batch.key] = batch
    return list(batches.values())


def fetch_batch_transactions(session: PaytraceSession, batch: Batch) -> list[RawTransaction]:
    """The settled transactions of one batch, tagged with its number.

    PayTrace asks for the number alone, which wraps; a transaction settled on another day
    than the batch belongs to an older batch of the same number and is left out.
    """
    body = session.post(
        BATCH_TRANSACTIONS_PATH,
        {"batch_number": batch.number},
        f"batch {batch.number}",
        decode=decode_export,
    )
    origin = f"PayTrace batch {batch.number}"
    kept: list[RawTransaction] = []
    foreign = 0
    for index, record in enumerate(
        _transactions_of(body, f"PayTrace POST {BATCH_TRANSACTIONS_PATH}")
    ):
        settled_on = paytrace_day(record.get("settled"))
        if batch.settled_on and settled_on and settled_on != batch.settled_on:
            foreign += 1
            continue
        tagged = {**record, "batch_number": record.get("batch_number") or batch.number}
        kept.append(RawTransaction(record=tagged, source=f"{origin}: transactions[{index}]"))
    if foreign:
        log.warning(
            "PayTrace batch %d: left out %d transaction(s) settled on another day than %s",
            batch.number,
            foreign,
            batch.settled_on,
        )
    return kept


def fetch_profiles(settings: PaytraceSettings, secrets: Secrets) -> list[Customer]:
    """Every vault customer profile over the API (``customers`` command)."""
    with PaytraceSession(settings, secrets) as session:
        return fetch_customers(session)


def fetch_customers(session: PaytraceSession, customer_id: str = "") -> list[Customer]:
    """Vault customer profiles (all, or the one with ``customer_id``)."""
    payload = {"customer_id": customer_id} if customer_id else {}
    body = session.post(CUSTOMERS_PATH, payload)
    records = _records_of(body, "customers", f"PayTrace POST {CUSTOMERS_PATH}")
    return [
        read_customer(record, f"PayTrace customers: customers[{index}]")
        for index, record in enumerate(records)
    ]


def fetch_recurring_payments(session: PaytraceSession, customer_id: str) -> list[RawTransaction]:
    """The approved recurring payments PayTrace reports for one vault customer."""
    body = session.post(RECURRING_PATH, {"customer_id": customer_id})
    origin = f"PayTrace recurring payments of {customer_id}"
    if isinstance(body.get("transaction_id"), int | str) and "transactions" not in body:
        # Seen in client code: the last approved payment as a top-level transaction object.
        return [RawTransaction(record=body, source=f"{origin}: transaction")]
    records = _transactions_of(body, f"PayTrace POST {RECURRING_PATH}")
    return [
        RawTransaction(record=record, source=f"{origin}: transactions[{index}]")
        for index, record in enumerate(records)
    ]


def check_connection(settings: PaytraceSettings, secrets: Secrets) -> list[CheckStep]:
    """Ping PayTrace, then ask for a token; each step's outcome, never an exception."""
    steps: list[CheckStep] = []
    with PaytraceSession(settings, secrets) as session:
        try:
            answer = session.ping()
            ok = str(answer.get("status", "")).lower() == "success"
            detail = f"{settings.base_url} answered" + (" success" if ok else " without success")
            steps.append(CheckStep("PayTrace ping", ok, detail))
        except PaytraceAbasError as exc:
            steps.append(CheckStep("PayTrace ping", False, str(exc)))
        try:
            token = session.token()
            detail = f"token issued, valid for {token.lifetime_seconds} s"
            steps.append(CheckStep("PayTrace login", True, detail))
        except PaytraceAbasError as exc:
            steps.append(CheckStep("PayTrace login", False, str(exc)))
    return steps


def _transactions_of(body: dict[str, Any], origin: str) -> list[dict[str, Any]]:
    """The records of an export answer; an answer that is no export is a PayTrace failure.

    A body without ``transactions`` (an approval, a customer, a token answered to the export
    path) is not an empty day: read as one, it would complete the window and move the
    watermark past payments never seen.
    """
    if body.get("transactions") is None:
        raise SourceError(
            f'{origin} answered without "transactions" ({answer_codes(body)}): it is not '
            "an export of the day, so the day is not taken as empty and nothing is posted"
        )
    try:
        return export_transactions(body, origin)
    except InputFileError as exc:
        raise SourceError(str(exc)) from None


def _records_of(body: Mapping[str, Any], key: str, origin: str) -> list[dict[str, Any]]:
    records = body.get(key)
    if records is None:
        return []
    if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
        raise SourceError(f'{origin}: "{key}" is not a list of objects')
    return records


def _run_parallel(
    days: list[dt.date],
    pull: Callable[[dt.date], list[RawTransaction]],
    workers: int,
    progress: ProgressCallback | None,
    session: PaytraceSession,
) -> dict[dt.date, list[RawTransaction]]:
    """Run ``pull`` for every day on a small pool; the first failure stops the rest."""
    results: dict[dt.date, list[RawTransaction]] = {}
    if not days:
        return results
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(days)))) as pool:
        pending: dict[Future[list[RawTransaction]], dt.date] = {
            pool.submit(pull, day): day for day in days
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                day = pending.pop(future)
                error = future.exception()
                if error is not None:
                    # Waits in other threads end at once; queued days never start.
                    session.close()
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise error
                results[day] = future.result()
                if progress is not None:
                    progress(len(results), len(days))
    return results
