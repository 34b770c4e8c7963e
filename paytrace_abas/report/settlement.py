"""The Settlement sheet: one row per batch with its deposit and fee, then the deposits that
paid no batch; the totals a controller ties to the bank statement (docs/settlement.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from paytrace_abas.matching.batches import BatchResult
from paytrace_abas.matching.deposits import DepositResult
from paytrace_abas.matching.settlement import Settlement
from paytrace_abas.report.cells import Kind
from paytrace_abas.report.tables import Column

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


def settlement_sheet(settlement: Settlement) -> pd.DataFrame | None:
    """The Settlement sheet's rows; None when the run read no batches (no sheet)."""
    if not settlement.batches and not settlement.deposits:
        return None
    return settlement_rows(settlement.batches, settlement.deposits)


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


def describe_settlement(settlement: Settlement) -> list[str]:
    """Console lines: each batch or deposit a controller must look at."""
    lines = [
        f"  {batch.label}: {batch.status} — {batch.reason}"
        for batch in settlement.batches
        if batch.status != "ok"
    ]
    lines += [
        f"  deposit {result.deposit.source}: {result.status} — {result.reason}"
        for result in settlement.deposits
        if result.status != "ok"
    ]
    if not settlement.batches:
        return lines
    return [f"settlement: {len(settlement.batches)} batch(es)", *lines]
