"""The Settlement sheet: one row per batch with its deposit and fee, then the deposits that
paid no batch; the totals a controller ties to the bank statement (docs/settlement.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from babel.dates import format_date

from paytrace_abas.matching.batches import BatchResult, Said, worded
from paytrace_abas.matching.deposits import DepositResult
from paytrace_abas.matching.settlement import Settlement
from paytrace_abas.report.catalog import N_, translate
from paytrace_abas.report.cells import Kind
from paytrace_abas.report.reasons import amount_texts
from paytrace_abas.report.tables import Column

#: a batch's or deposit's status in words (the codes stay in JSON)
STATUS_NAMES = {
    "ok": N_("In order"),
    "batch_mismatch": N_("Batch does not add up"),
    "deposit_missing": N_("Deposit missing"),
    "deposit_unmatched": N_("Deposit pays no batch"),
    "fee_out_of_band": N_("Fee outside the band"),
    "awaiting_deposit": N_("Deposit not due yet"),
}

SETTLEMENT_COLUMNS = (
    Column("batch_number", Kind.COUNT),
    Column("settled_on", Kind.DATE),
    Column("card_types"),
    Column("count", Kind.COUNT, total=True),
    Column("sales_cents", Kind.MONEY, total=True),
    Column("refunded_cents", Kind.MONEY, total=True),
    Column("net_cents", Kind.MONEY, total=True),
    Column("deposit_cents", Kind.MONEY, total=True),
    Column("fee_cents", Kind.MONEY, total=True),
    Column("deposit_on", Kind.DATE),
    Column("status"),
    Column("reason", wrap=True),
    Column("deposit_source", technical=True),
)


def worded_settlement(settlement: Settlement, language: str, locale: str) -> Settlement:
    """The settlement with every batch's and deposit's reason in the clerk's language, amounts
    and days as the locale writes them (the sheet, the console and JSON ``reason`` show it)."""
    return replace(
        settlement,
        batches=tuple(
            replace(batch, worded=_worded(batch.problems, language, locale))
            for batch in settlement.batches
        ),
        deposits=tuple(
            replace(result, worded=_worded(result.problems, language, locale))
            for result in settlement.deposits
        ),
    )


def _worded(parts: Sequence[Said], language: str, locale: str) -> str:
    def value(name: str, v: Any) -> Any:
        if name.endswith("_cents"):
            return amount_texts(np.asarray([v]), locale)[0]
        if isinstance(v, dt.date):
            return format_date(v, "medium", locale=locale)
        return v

    return worded(parts, lambda template: translate(template, language), value)


def status_name(code: str, language: str) -> str:
    """A batch's or deposit's status in words; an unknown code as it is."""
    name = STATUS_NAMES.get(code)
    return translate(name, language) if name else code


def settlement_sheet(settlement: Settlement, language: str) -> pd.DataFrame | None:
    """The Settlement sheet's rows; None when the run read no batches (no sheet)."""
    if not settlement.batches and not settlement.deposits:
        return None
    rows = settlement_rows(settlement.batches, settlement.deposits)
    rows["status"] = [status_name(str(code), language) for code in rows["status"]]
    return rows


def settlement_rows(
    batches: Sequence[BatchResult], deposits: Sequence[DepositResult]
) -> pd.DataFrame:
    """Batches first (their deposits and fees), then each deposit that paid no batch."""
    rows = [
        {
            "batch_number": batch.number,
            "settled_on": batch.settled_on,
            "card_types": ", ".join(card for card in batch.card_types if card != "UNKNOWN"),
            "count": batch.transaction_count,
            "sales_cents": batch.sales_cents,
            "refunded_cents": batch.refunds_cents,
            "net_cents": batch.net_cents,
            "deposit_cents": batch.deposit_cents,
            "fee_cents": batch.fee_cents,
            "deposit_on": batch.deposit_on,
            "status": batch.status,
            "reason": batch.reason,
            "deposit_source": batch.deposit_source,
        }
        for batch in batches
    ]
    rows += [
        {
            "deposit_cents": result.deposit.amount_cents,
            "deposit_on": result.deposit.booked_on,
            "status": result.status,
            "reason": result.reason,
            "deposit_source": result.deposit.source,
        }
        for result in deposits
        if not result.batches
    ]
    frame = pd.DataFrame(rows, columns=[column.key for column in SETTLEMENT_COLUMNS])
    # deposit rows have no batch: keep the numbers whole, not floats beside empty cells
    return frame.astype({"batch_number": "Int64", "count": "Int64"})


def settled_lines(batches: Sequence[BatchResult]) -> list[tuple[str, int, int]]:
    """The Summary line under the PayTrace total: (text key, batches, net cents). One line:
    the Summary prints on one page; deposits and fees are totalled on the Settlement sheet."""
    if not batches:
        return []
    return [("net_settled", len(batches), sum(batch.net_cents for batch in batches))]


def batches_json(batches: Sequence[BatchResult]) -> list[dict[str, Any]]:
    """JSON ``batches`` (docs/contract.md#json-output)."""
    return [
        {
            "batch_number": batch.number,
            "settled_on": batch.settled_on.isoformat(),
            "card_type": {
                card: {
                    "sales_cents": totals.sales_cents,
                    "refunds_cents": totals.refunds_cents,
                    "net_cents": totals.sales_cents - totals.refunds_cents,
                }
                for card, totals in batch.card_types.items()
            },
            "transaction_count": batch.transaction_count,
            "sales_cents": batch.sales_cents,
            "refunds_cents": batch.refunds_cents,
            "net_cents": batch.net_cents,
            "deposit_cents": batch.deposit_cents,
            "fee_cents": batch.fee_cents,
            "deposit_on": batch.deposit_on.isoformat() if batch.deposit_on else None,
            "status": batch.status,
            "reason": batch.reason,
        }
        for batch in batches
    ]


def deposits_json(deposits: Sequence[DepositResult]) -> list[dict[str, Any]]:
    """JSON ``deposits``: every deposit the window judged, with the batches it paid."""
    return [
        {
            "booked_on": result.deposit.booked_on.isoformat(),
            "amount_cents": result.deposit.amount_cents,
            "currency": result.deposit.currency,
            "reference": result.deposit.reference,
            "batches": list(result.batches),
            "status": result.status,
            "reason": result.reason,
        }
        for result in deposits
    ]


def describe_settlement(settlement: Settlement, language: str, locale: str) -> list[str]:
    """Console lines: each batch or deposit a controller must look at, in ``language``."""

    def say(template: str, **values: Any) -> str:
        return translate(template, language).format(**values)

    lines = [
        say(
            N_("  batch {number} of {settled_on}: {status} — {reason}"),
            number=batch.number,
            settled_on=format_date(batch.settled_on, "medium", locale=locale),
            status=status_name(batch.status, language),
            reason=batch.reason,
        )
        for batch in settlement.batches
        if batch.status != "ok"
    ]
    lines += [
        say(
            N_("  deposit {source}: {status} — {reason}"),
            source=result.deposit.source,
            status=status_name(result.status, language),
            reason=result.reason,
        )
        for result in settlement.deposits
        if result.status != "ok"
    ]
    if not settlement.batches:
        return lines
    return [say(N_("settlement: {count} batch(es)"), count=len(settlement.batches)), *lines]
