"""Hypothesis strategies: small random days of open items, payments and matching settings."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from paytrace_abas.config import MatchingSettings
from tests.support.builders import open_item, payment

CUSTOMERS = ["70001", "70002", "70003"]
AMOUNTS = [1_000, 2_500, 5_000, 7_500, 9_800, 10_000]
RATE = Decimal("1.1")
BASE = MatchingSettings(invoice_pattern=r"4\d{5}", max_invoices_per_payment=3)
SETTINGS = [
    BASE,
    dataclasses.replace(BASE, exchange_rates={"EUR/USD": RATE}),
    dataclasses.replace(
        BASE,
        under_tolerance_cents=300,
        under_tolerance_percent=Decimal("5.0"),
        over_tolerance_cents=0,
    ),
]


@st.composite
def open_item_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows = []
    for n in range(draw(st.integers(0, 7))):
        gross = draw(st.sampled_from(AMOUNTS))
        discount = draw(st.sampled_from([0, 0, 200]))
        rows.append(
            open_item(
                f"4{n:05d}",
                draw(st.sampled_from(CUSTOMERS)),
                gross,
                open_cents=draw(st.sampled_from([gross, gross, gross, 0, gross // 2])),
                day=f"2026-10-0{draw(st.integers(1, 3))}",
                currency=draw(st.sampled_from(["USD", "USD", "USD", "EUR"])),
                discount_bp=discount,
                until=draw(st.sampled_from(["2026-11-20", "2026-11-30"])) if discount else None,
            )
        )
    return rows


@st.composite
def payment_rows(draw: st.DrawFn, item_count: int) -> list[dict[str, Any]]:
    numbers = [f"4{n:05d}" for n in range(item_count)] + ["499999", "123"]
    rows = []
    for n in range(draw(st.integers(0, 8))):
        named = draw(st.lists(st.sampled_from(numbers), max_size=2)) if numbers else []
        amount = sum(draw(st.lists(st.sampled_from(AMOUNTS), min_size=1, max_size=2)))
        rows.append(
            payment(
                f"t{n}",
                amount + draw(st.sampled_from([0, 0, 0, 1, -1, -200])),
                ref=draw(st.sampled_from(["RE-{}", "{}", "inv {}", "x{}"])).format("/".join(named))
                if named
                else "",
                customer=draw(st.sampled_from([*CUSTOMERS, "", "99999"])),
                kind=draw(st.sampled_from(["sale"] * 8 + ["refund", "void"])),
                status=draw(st.sampled_from(["settled"] * 8 + ["declined", "pending"])),
                at=f"{draw(st.integers(9, 11))}:00",
            )
        )
    return rows


@st.composite
def days(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], MatchingSettings]:
    """Open items, payments that name some of them (or not), and one of the SETTINGS."""
    items = draw(open_item_rows())
    return items, draw(payment_rows(len(items))), draw(st.sampled_from(SETTINGS))
