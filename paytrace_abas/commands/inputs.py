"""What every command reads: PayTrace payments, abas open items and customers, chargebacks,
the ledger and the clock. The only place that reads the clock."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from paytrace_abas.abas.check import read_abas_api
from paytrace_abas.abas.files import read_customers_file, read_open_items_export
from paytrace_abas.abas.normalize import customers_frame, normalize_open_items
from paytrace_abas.config import Settings
from paytrace_abas.errors import ConfigError, InputFileError, SourceError
from paytrace_abas.ledger import Ledger, RunLock
from paytrace_abas.models import Window
from paytrace_abas.money import cents_to_decimal
from paytrace_abas.paytrace.chargebacks import read_chargebacks, with_original_payer
from paytrace_abas.paytrace.client import ProgressCallback, fetch_transactions
from paytrace_abas.paytrace.files import read_export_files
from paytrace_abas.paytrace.normalize import normalize_transactions, select_window
from paytrace_abas.paytrace.transport import PaytraceSession

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    """The clock; everything below gets "now" from here."""
    return dt.datetime.now(dt.UTC)


@contextmanager
def open_ledger(settings: Settings, locked: bool = True) -> Iterator[Ledger]:
    """The ledger, under the run lock unless ``locked`` is False (read-only commands)."""
    # The real file: SQLite keeps its journal beside the file it opens, and two paths to one
    # ledger (a symlink) must take one lock.
    path = settings.ledger.path.resolve()
    if not locked:
        with Ledger.open(path, utc_now) as ledger:
            yield ledger
        return
    with RunLock.beside(path), Ledger.open(path, utc_now) as ledger:
        yield ledger


def load_payments(
    settings: Settings,
    window: Window,
    progress: ProgressCallback | None = None,
    records_by_day: dict[dt.date, int] | None = None,
) -> pd.DataFrame:
    """The window's PayTrace transactions as the canonical payments frame.

    Over the API, ``records_by_day`` (when given) gets the records each pulled day answered.
    """
    pulled = load_pulled_payments(settings, window, progress, records_by_day)
    return select_window(pulled, window, settings.paytrace.zone)


def load_pulled_payments(
    settings: Settings,
    window: Window,
    progress: ProgressCallback | None = None,
    records_by_day: dict[dt.date, int] | None = None,
    then: Callable[[PaytraceSession], None] | None = None,
) -> pd.DataFrame:
    """Every transaction pulled for the window (its overlap and next day too), normalized;
    :func:`load_payments` keeps the window's. Over the API, ``then`` makes more requests on
    the same session."""
    paytrace = settings.paytrace
    if paytrace.source == "api":
        raw = fetch_transactions(paytrace, settings.secrets, window, progress, records_by_day, then)
        try:
            payments = normalize_transactions(raw, paytrace.zone, paytrace.currency)
        except InputFileError as exc:
            # PayTrace sent the record, so PayTrace is at fault, not the user's input (exit 1).
            raise SourceError(f"PayTrace sent a malformed transaction: {exc}") from None
    elif paytrace.file is None:
        raise ConfigError('[paytrace] file must name an export file or folder when source = "file"')
    else:
        raw = read_export_files(paytrace.file)
        payments = normalize_transactions(raw, paytrace.zone, paytrace.currency)
    refuse_above_max_amount(payments, "amount_cents", settings.matching.max_amount)
    return payments


def refuse_above_max_amount(frame: pd.DataFrame, column: str, max_cents: int) -> None:
    """InputFileError naming the first row whose amount exceeds ``[matching] max_amount``.

    Far larger amounts are typing or export errors; refused here, they cannot overflow totals.
    """
    too_large = frame[column].abs() > max_cents
    if not too_large.any():
        return
    first = int(too_large.to_numpy().argmax())
    where, cents = frame["source_line"].iloc[first], int(frame[column].iloc[first])
    raise InputFileError(
        f"{where}: amount {cents_to_decimal(cents):,} is above "
        f"[matching] max_amount ({cents_to_decimal(max_cents):,})"
    )


def load_chargebacks(
    settings: Settings, window: Window, path: Path, payments: pd.DataFrame
) -> pd.DataFrame:
    """Chargebacks of the window from a processor file, tied to the disputed sale if pulled."""
    zone = settings.paytrace.zone
    every = read_chargebacks(path, zone, settings.paytrace.currency)
    inside = select_window(every, window, zone)
    if len(inside) < len(every):
        log.warning(
            "%s: %d of %d chargebacks are outside %s and were skipped",
            path,
            len(every) - len(inside),
            len(every),
            window,
        )
    return with_original_payer(inside, payments)


def load_open_items(settings: Settings) -> pd.DataFrame:
    """abas open items as the canonical open_items frame (export file or REST API)."""
    return load_abas_inputs(settings, with_customers=False)[0]


def load_abas_inputs(
    settings: Settings, with_customers: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(open items, customers) from abas, both canonical frames; customers may be empty."""
    abas = settings.abas
    if abas.source == "api":
        return read_abas_api(abas, settings.secrets, with_customers)
    if abas.open_items_file is None:
        raise ConfigError(
            '[abas] open_items_file must name the open-items export when source = "file"'
        )
    export = read_open_items_export(abas.open_items_file, abas.columns, abas.max_xlsx_bytes)
    open_items = normalize_open_items(export)
    refuse_above_max_amount(open_items, "open_cents", settings.matching.max_amount)
    customers = customers_frame([])
    if with_customers and abas.customers_file is not None:
        customers = customers_frame(read_customers_file(abas.customers_file))
    return open_items, customers


def empty_weekdays(
    ledger: Ledger, settings: Settings, run_id: str, window: Window
) -> list[dt.date]:
    """Weekdays of the window PayTrace answered empty, when [paytrace] empty_day_alert asks."""
    if not settings.paytrace.empty_day_alert:
        return []
    return [
        day
        for day, records in sorted(ledger.pulled_days(run_id).items())
        if records == 0 and day.weekday() < 5 and window.first_day <= day <= window.last_day
    ]
