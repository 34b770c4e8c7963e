"""Properties of the matching engine on random small days (hypothesis)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching import match_payments
from paytrace_abas.models import Category
from paytrace_abas.report.reasons import REASONS, reason_texts
from tests.support.builders import open_items_frame, payments_frame
from tests.support.strategies import days

# Hundreds of generated days, some seconds each test: `make quick` leaves them out.
pytestmark = pytest.mark.slow


def _match(
    pays: list[dict[str, Any]], items: list[dict[str, Any]], config: MatchingSettings, **ledger: Any
) -> pd.DataFrame:
    return match_payments(payments_frame(pays), open_items_frame(items), config, **ledger)


def _open_in_usd(row: dict[str, Any], config: MatchingSettings) -> int:
    if row["currency"] == "USD":
        return int(row["open_cents"])
    rate = config.rate(row["currency"], "USD")
    assert rate is not None
    return int((Decimal(row["open_cents"]) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@settings(max_examples=60, deadline=None)
@given(days())
def test_every_transaction_ends_in_exactly_one_category(day: Any) -> None:
    items, pays, config = day
    results = _match(pays, items, config)
    assert sorted(results["transaction_id"]) == sorted(p["transaction_id"] for p in pays)
    assert set(results["category"]) <= {c.value for c in Category}
    assert results["rule"].str.len().gt(0).all()
    # every reason code has words in both languages
    assert {part for code in results["reason_code"] for part in code.split("+")} <= set(REASONS)
    for language, locale in (("en", "en_US"), ("de", "de_DE")):
        assert all(reason_texts(results, language, locale))


@settings(max_examples=60, deadline=None)
@given(days(), st.dictionaries(st.sampled_from(["400000", "400001"]), st.just("t-old")))
def test_matches_pay_each_invoice_at_most_its_open_amount(
    day: Any, paid_before: dict[str, str]
) -> None:
    items, pays, config = day
    results = _match(pays, items, config, paid_before=paid_before)
    matched = results[results["category"] == Category.MATCHED.value]
    paid: dict[str, int] = {}
    for row in matched.to_dict("records"):
        assert (
            len(row["invoice_nos"])
            == len(row["applied_cents"])
            == len(row["invoice_discounts_cents"])
        )
        assert sum(row["applied_cents"]) + row["difference_cents"] == row["amount_cents"]
        assert row["discount_cents"] == sum(row["invoice_discounts_cents"])
        for number, applied in zip(row["invoice_nos"], row["applied_cents"], strict=True):
            assert number not in paid, f"invoice {number} paid twice"
            assert number not in paid_before
            paid[number] = applied
    by_number = {row["invoice_no"]: row for row in items}
    for number, applied in paid.items():
        assert 0 < applied <= _open_in_usd(by_number[number], config)


@settings(max_examples=40, deadline=None)
@given(days(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_row_order(day: Any, random: Any) -> None:
    items, pays, config = day
    first = _match(pays, items, config).sort_values("transaction_id").reset_index(drop=True)
    random.shuffle(pays)
    random.shuffle(items)
    second = _match(pays, items, config).sort_values("transaction_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, second)
