"""The pure search for what a refund or void undoes (matching/originals.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from paytrace_abas.matching.originals import find_originals, window_sales
from tests.support.builders import payment, payments_frame

DAY = dt.date(2026, 11, 25)


def originals(*rows: dict[str, object]) -> dict[str, tuple[str | None, list[str]]]:
    payments = payments_frame(rows)
    found = find_originals(payments, window_sales(payments), lookback_days=90)
    return {
        str(tid): (original if isinstance(original, str) else None, list(candidates))
        for tid, original, candidates in found.itertuples(index=False)
    }


def test_a_void_undoes_only_a_sale_of_exactly_its_amount() -> None:
    found = originals(
        payment("1", 5_000, customer="C1", at="08:00", status="pending"),
        payment("2", 7_000, customer="C1", at="08:30", status="pending"),
        payment("3", 5_000, customer="C1", at="09:00", kind="void", status="voided"),
    )
    assert found == {"3": ("1", [])}


def test_without_a_customer_the_card_digits_find_the_payer() -> None:
    found = originals(
        payment("1", 5_000, last4="1111", at="08:00"),
        payment("2", 5_000, last4="2222", at="08:00"),
        payment("3", 2_000, last4="1111", at="09:00", kind="refund"),
    )
    assert found == {"3": ("1", [])}


def test_a_sale_made_after_the_refund_or_a_declined_one_is_no_candidate() -> None:
    found = originals(
        payment("1", 5_000, customer="C1", at="08:00", status="declined"),
        payment("2", 2_000, customer="C1", at="09:00", kind="refund"),
        payment("3", 5_000, customer="C1", at="10:00"),
    )
    assert found == {"2": (None, [])}


def test_chargebacks_name_their_sale_and_voided_sales_undo_themselves() -> None:
    chargeback = payment("CB-7", 5_000, kind="chargeback", po="1")
    found = originals(
        payment("1", 5_000, customer="C1"),
        payment("2", 3_000, customer="C1", status="auto_voided"),
        chargeback,
    )
    assert found == {"2": ("2", []), "CB-7": ("1", [])}


def test_the_window_sales_are_the_money_in_neither_declined_nor_voided() -> None:
    payments = payments_frame(
        [
            payment("1", 5_000),
            payment("2", 5_000, status="declined"),
            payment("3", 5_000, kind="refund"),
            payment("4", 5_000, status="auto_voided"),
        ]
    )
    assert window_sales(payments)["transaction_id"].tolist() == ["1"]
    assert pd.api.types.is_integer_dtype(window_sales(payments)["amount_cents"])
