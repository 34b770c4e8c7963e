"""Settlement batches checked against their own transactions (pure; docs/settlement.md).

A batch's figures come from two places: PayTrace's batch summary (sales, refunds, per card
type where it breaks them down) and the transactions PayTrace lists in the batch. They must
agree; a difference is ``batch_mismatch`` with both figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from paytrace_abas.money import plain_amount

#: Kinds that put money into a batch, and the kind that takes it out.
_SALE_KINDS = frozenset({"sale", "capture"})
_REFUND_KIND = "refund"

OK = "ok"
BATCH_MISMATCH = "batch_mismatch"
DEPOSIT_MISSING = "deposit_missing"
FEE_OUT_OF_BAND = "fee_out_of_band"
#: paired with nothing yet, but the deposit is not due before the statement ends
AWAITING_DEPOSIT = "awaiting_deposit"


def N_(message: str) -> str:  # noqa: N802 - the gettext marker make messages extracts
    """Mark ``message`` for the catalogs; it is worded in the clerk's language where shown."""
    return message


@dataclass(frozen=True)
class Said:
    """One part of a reason: an English template marked for the catalogs and the values that
    fill it (``*_cents`` amounts, dates as ``datetime.date``), worded where it is shown
    (report/settlement.py) in the clerk's language; a template ending in ``:`` leads the next."""

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)


def english(parts: Sequence[Said]) -> str:
    """The parts in English, amounts as ``1,234.56`` and days as ISO dates (logs, tests)."""
    return worded(
        parts,
        lambda template: template,
        lambda name, v: plain_amount(v) if name.endswith("_cents") else v,
    )


def worded(
    parts: Sequence[Said],
    template_of: Callable[[str], str],
    value_of: Callable[[str, Any], Any],
) -> str:
    """The parts as one text: each template (``template_of``: in which language) filled with
    its values as ``value_of`` writes them."""
    return join_parts(
        [
            template_of(part.template).format(
                **{name: value_of(name, v) for name, v in part.values.items()}
            )
            for part in parts
        ]
    )


def join_parts(texts: Sequence[str]) -> str:
    """``a: b; c``: a part ending in ``:`` leads the next, the others are separated by ``;``."""
    joined = ""
    for text in texts:
        joined += ("" if not joined else " " if joined.endswith(":") else "; ") + text
    return joined


@dataclass(frozen=True)
class BatchSummary:
    """What PayTrace's batch export says of one batch; None where it says nothing."""

    number: int
    settled_on: dt.date
    sales_cents: int | None = None
    refunds_cents: int | None = None
    net_cents: int | None = None
    card_totals: Mapping[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class CardTotals:
    """Sales and refunds of one card type in a batch, in cents."""

    sales_cents: int
    refunds_cents: int


@dataclass(frozen=True)
class BatchResult:
    """One batch: its transactions' totals, its deposit and fee, and what a clerk must see."""

    number: int
    settled_on: dt.date
    currency: str
    sales_cents: int
    refunds_cents: int
    card_types: Mapping[str, CardTotals]
    transaction_count: int
    status: str = OK
    problems: tuple[Said, ...] = ()
    #: the problems in the clerk's language, once worded (report/settlement.py)
    worded: str = ""
    deposit_cents: int | None = None
    fee_cents: int | None = None
    deposit_on: dt.date | None = None
    #: where the deposit came from (statement entry or line)
    deposit_source: str = ""

    @property
    def net_cents(self) -> int:
        return self.sales_cents - self.refunds_cents

    @property
    def label(self) -> str:
        """``batch 412 of 2026-11-25``: numbers wrap, so the day names the batch."""
        return f"batch {self.number} of {self.settled_on.isoformat()}"

    @property
    def reason(self) -> str:
        """Why the batch needs a look: worded for the clerk, or else in English."""
        return self.worded or english(self.problems)

    def with_problem(self, status: str, *problems: Said) -> BatchResult:
        """The first problem found stays the status; later reasons are added to it."""
        if self.status == OK or self.status == AWAITING_DEPOSIT:
            return replace(self, status=status, problems=problems)
        return replace(self, problems=self.problems + problems)


def check_batch(summary: BatchSummary, transactions: pd.DataFrame, currency: str) -> BatchResult:
    """The batch's totals from its settled transactions, compared with PayTrace's summary.

    ``transactions`` is a payments frame of the batch's transaction list.
    """
    settled = transactions[transactions["status"] == "settled"]
    sales = settled[settled["kind"].isin(_SALE_KINDS)]
    refunds = settled[settled["kind"] == _REFUND_KIND]
    card_types = {
        str(card): CardTotals(
            _sum(sales.loc[sales["card_type"] == card, "amount_cents"]),
            _sum(refunds.loc[refunds["card_type"] == card, "amount_cents"]),
        )
        for card in sorted(set(sales["card_type"]) | set(refunds["card_type"]))
    }
    result = BatchResult(
        number=summary.number,
        settled_on=summary.settled_on,
        currency=currency,
        sales_cents=_sum(sales["amount_cents"]),
        refunds_cents=_sum(refunds["amount_cents"]),
        card_types=card_types,
        transaction_count=len(sales) + len(refunds),
    )
    differences = _differences(summary, result)
    if differences:
        lead = Said(
            N_("PayTrace's batch {number} of {settled_on} does not add up:"),
            {"number": result.number, "settled_on": result.settled_on},
        )
        result = result.with_problem(BATCH_MISMATCH, lead, *differences)
    return result


_SAYS = {
    "sales": N_("sales: batch says {said_cents}, its transactions add up to {own_cents}"),
    "refunds": N_("refunds: batch says {said_cents}, its transactions add up to {own_cents}"),
    "net": N_("net: batch says {said_cents}, its transactions add up to {own_cents}"),
    "card sales": N_(
        "{card} sales: batch says {said_cents}, its transactions add up to {own_cents}"
    ),
    "card refunds": N_(
        "{card} refunds: batch says {said_cents}, its transactions add up to {own_cents}"
    ),
}


def _differences(summary: BatchSummary, result: BatchResult) -> list[Said]:
    """'sales: batch says X, its transactions add up to Y' for each figure that differs."""
    pairs: list[tuple[str, str, int | None, int]] = [
        ("sales", "", summary.sales_cents, result.sales_cents),
        ("refunds", "", summary.refunds_cents, result.refunds_cents),
        ("net", "", summary.net_cents, result.net_cents),
    ]
    # A card type is known only where the export shows leading digits or a brand; against
    # unknown brands the per-card figures cannot be compared, only the batch's totals.
    comparable = "UNKNOWN" not in result.card_types
    for card, (sales, refunds) in sorted(summary.card_totals.items() if comparable else ()):
        own = result.card_types.get(card, CardTotals(0, 0))
        pairs.append(("card sales", card, sales, own.sales_cents))
        pairs.append(("card refunds", card, refunds, own.refunds_cents))
    return [
        Said(_SAYS[what], {"card": card, "said_cents": said, "own_cents": own})
        for what, card, said, own in pairs
        if said is not None and said != own
    ]


def _sum(values: pd.Series) -> int:
    return int(values.astype("Int64").sum()) if len(values) else 0
