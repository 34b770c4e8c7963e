"""A window's settlement, and the bookings a paired batch needs in the general ledger, which
no abas sink posts: per batch and clearing account, clearing -> bank (the deposit) and
clearing -> fee account (the fee)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from paytrace_abas.config import AccountSettings
from paytrace_abas.matching.batches import BatchResult
from paytrace_abas.matching.deposits import DepositResult
from paytrace_abas.models import ManualBooking


@dataclass(frozen=True)
class Settlement:
    """The window's batches with deposits and fees, the statement's deposits, the bookings."""

    batches: tuple[BatchResult, ...] = ()
    deposits: tuple[DepositResult, ...] = ()
    #: every booking the paired batches need (a dry run's proposal)
    bookings: tuple[ManualBooking, ...] = ()
    #: the bookings this run accepted: to book by hand now, listed once
    to_book: tuple[ManualBooking, ...] = ()


def settlement_bookings(
    batches: Sequence[BatchResult], accounts: AccountSettings
) -> list[ManualBooking]:
    """Two bookings per batch and clearing account for each batch with a deposit.

    The clearing account is the receipts' counter account of each card type ([accounts]
    rules); a batch whose card types clear to several accounts splits its deposit and fee by
    their net. Booking ids name batch, account and kind, so a rerun proposes the same ones.
    """
    bookings: list[ManualBooking] = []
    for batch in batches:
        if batch.deposit_cents is None or batch.fee_cents is None or batch.deposit_on is None:
            continue
        nets = _net_by_clearing_account(batch, accounts)
        fees = _split(batch.fee_cents, list(nets.values()))
        for (clearing, net), fee in zip(nets.items(), fees, strict=True):
            bookings += _pair_of_bookings(batch, clearing, net - fee, fee, accounts)
    return bookings


def _net_by_clearing_account(batch: BatchResult, accounts: AccountSettings) -> dict[str, int]:
    nets: dict[str, int] = {}
    for card_type, totals in sorted(batch.card_types.items()):
        clearing = accounts.account_for(card_type, batch.currency)
        nets[clearing] = nets.get(clearing, 0) + totals.sales_cents - totals.refunds_cents
    return {account: net for account, net in nets.items() if net} or {
        accounts.default: batch.net_cents
    }


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` cents in proportion to ``weights``, the rest cent by cent to the first."""
    whole = sum(weights)
    if not whole:
        return [total] + [0] * (len(weights) - 1)
    shares = [total * weight // whole for weight in weights]
    shares[0] += total - sum(shares)
    return shares


def _pair_of_bookings(
    batch: BatchResult, clearing: str, deposit: int, fee: int, accounts: AccountSettings
) -> list[ManualBooking]:
    key = f"batch {batch.number} {batch.settled_on.isoformat()} {clearing}"
    parts = [
        ("deposit", accounts.bank, deposit, f"deposit of {batch.label}"),
        ("fee", accounts.fee, fee, f"processor fee of {batch.label}"),
    ]
    return [
        ManualBooking(
            transaction_id=f"{key} {kind}",
            counter_account=account,
            gl_account=clearing,
            customer_no="",
            amount_cents=cents,
            currency=batch.currency,
            paid_on=batch.deposit_on or batch.settled_on,
            note=note,
        )
        for kind, account, cents, note in parts
        if cents
    ]
