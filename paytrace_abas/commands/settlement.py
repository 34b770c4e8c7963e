"""A run's settlement: the window's batches checked against their transactions, paired with
the bank's deposits, and the bookings that needs (docs/settlement.md)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

import pandas as pd

from paytrace_abas.bank import read_deposits
from paytrace_abas.commands.inputs import load_pulled_payments
from paytrace_abas.config import Settings
from paytrace_abas.errors import InputFileError, SourceError
from paytrace_abas.ledger import Ledger
from paytrace_abas.ledger.views import posting_rows
from paytrace_abas.matching.batches import BatchResult, BatchSummary, check_batch
from paytrace_abas.matching.deposits import DepositResult, PairingRules, pair_deposits
from paytrace_abas.matching.settlement import Settlement, settlement_bookings
from paytrace_abas.models import ManualBooking, Window
from paytrace_abas.money import parse_percent_basis_points
from paytrace_abas.paytrace.batches import BatchPull, fetch_window_batches, read_batches_file
from paytrace_abas.paytrace.client import ProgressCallback
from paytrace_abas.paytrace.normalize import normalize_transactions

log = logging.getLogger(__name__)


def load_pulled_and_batches(
    settings: Settings,
    window: Window,
    progress: ProgressCallback | None,
    records_by_day: dict[dt.date, int],
) -> tuple[pd.DataFrame, list[BatchPull] | None]:
    """The pulled payments (inputs.load_pulled_payments) and the window's batches (None: no
    batches to check, file mode without ``[paytrace] batches_file``); over the API both on
    one session."""
    paytrace = settings.paytrace
    if paytrace.source == "api":
        pulls: list[BatchPull] = []
        payments = load_pulled_payments(
            settings,
            window,
            progress,
            records_by_day,
            then=lambda session: pulls.extend(fetch_window_batches(session, window)),
        )
        return payments, pulls
    payments = load_pulled_payments(settings, window, progress, records_by_day)
    if paytrace.batches_file is None:
        return payments, None
    return payments, read_batches_file(paytrace.batches_file, window)


def settle_window(
    settings: Settings, pulls: list[BatchPull] | None, payments: pd.DataFrame
) -> tuple[Settlement, pd.DataFrame]:
    """The settlement of the window, and the payments with their batch numbers joined."""
    if pulls is None:
        return Settlement(), payments
    currency = settings.paytrace.currency
    batches = [
        check_batch(_summary(pull), _transactions(pull, settings), currency) for pull in pulls
    ]
    deposits: tuple[DepositResult, ...] = ()
    path = settings.settlement.deposits_file
    if path is not None and batches:
        statement = read_deposits(path, settings.settlement, currency)
        paired, deposit_results = pair_deposits(
            batches, statement.deposits, _rules(settings), statement.through
        )
        batches, deposits = paired, tuple(deposit_results)
    bookings = tuple(_bookings(batches, settings))
    settlement = Settlement(tuple(batches), deposits, bookings)
    return settlement, with_batch_numbers(payments, pulls)


def with_batch_numbers(payments: pd.DataFrame, pulls: list[BatchPull]) -> pd.DataFrame:
    """Each payment a batch lists gets that batch's number (exports carry none), and its card
    type where the export did not show it but the batch's list does."""
    listed = {
        str(item.record.get("transaction_id")): (pull.batch.number, item.record.get("card_type"))
        for pull in pulls
        for item in pull.transactions
    }
    if not listed:
        return payments
    joined = payments.copy()
    ids = joined["transaction_id"].astype(str)
    found = ids.map(lambda tid: listed.get(tid, (None, None))[0]).astype("Int64")
    joined["batch_number"] = joined["batch_number"].fillna(found)
    brands = ids.map(lambda tid: str(listed.get(tid, (None, None))[1] or "").upper())
    unknown = (joined["card_type"] == "UNKNOWN") & (brands != "")
    joined.loc[unknown, "card_type"] = brands[unknown]
    return joined


def record_settlement(
    ledger: Ledger, run_id: str, settlement: Settlement, dry_run: bool
) -> Settlement:
    """Keep the run's settlement bookings; a posting run accepts them to book by hand now."""
    ledger.propose_settlement_bookings(run_id, settlement.bookings)
    if dry_run:
        return settlement
    return replace(settlement, to_book=tuple(ledger.accept_settlement_bookings(run_id, run_id)))


def with_bookings(postings: pd.DataFrame, settlement: Settlement) -> pd.DataFrame:
    """Postings-sheet rows plus the settlement's bookings, as ``book_by_hand`` lines."""
    if not settlement.bookings:
        return postings
    return pd.concat([postings, posting_rows([], settlement.bookings)], ignore_index=True)


def _bookings(batches: list[BatchResult], settings: Settings) -> list[ManualBooking]:
    """The paired batches' bookings; none (and a warning) until both accounts are set."""
    accounts = settings.accounts
    paired = [batch for batch in batches if batch.deposit_cents is not None]
    if paired and not (accounts.bank and accounts.fee):
        log.warning(
            "%d paired batch(es) need bookings to the bank and fee accounts: set [accounts] "
            "bank and fee (docs/settlement.md#bookings)",
            len(paired),
        )
        return []
    return settlement_bookings(paired, accounts)


def _summary(pull: BatchPull) -> BatchSummary:
    batch = pull.batch
    if batch.settled_on is None:
        raise SourceError(f"{batch.source}: batch {batch.number} has no settlement day")
    return BatchSummary(
        number=batch.number,
        settled_on=batch.settled_on,
        sales_cents=batch.sales_cents,
        refunds_cents=batch.refunds_cents,
        net_cents=batch.net_amount_cents,
        card_totals=batch.card_totals,
    )


def _transactions(pull: BatchPull, settings: Settings) -> pd.DataFrame:
    paytrace = settings.paytrace
    try:
        return normalize_transactions(list(pull.transactions), paytrace.zone, paytrace.currency)
    except InputFileError as exc:
        if paytrace.source == "api":  # PayTrace sent it: PayTrace is at fault (exit 1)
            raise SourceError(f"PayTrace sent a malformed batch transaction: {exc}") from None
        raise


def _rules(settings: Settings) -> PairingRules:
    section = settings.settlement
    basis_points = parse_percent_basis_points(str(section.fee_percent_max))
    return PairingRules(basis_points, section.deposit_days)
