"""Batches checked against their transactions and paired with the bank's deposits
(docs/settlement.md): pure rules, on transaction records shaped like the documented export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd

from paytrace_abas.config import AccountRule, AccountSettings
from paytrace_abas.matching.batches import (
    BATCH_MISMATCH,
    BatchResult,
    BatchSummary,
    CardTotals,
    check_batch,
)
from paytrace_abas.matching.deposits import (
    DEPOSIT_UNMATCHED,
    PairingRules,
    add_business_days,
    pair_deposits,
)
from paytrace_abas.matching.settlement import settlement_bookings
from paytrace_abas.models import Deposit
from paytrace_abas.paytrace.normalize import RawTransaction, normalize_transactions
from tests.fake_paytrace import transaction_record

ZONE = ZoneInfo("America/Los_Angeles")
RULES = PairingRules(fee_basis_points=350, deposit_days=3)  # 3.5 %, three business days
NOV = {day: dt.date(2026, 11, day) for day in range(1, 31)}


def frame(*records: dict[str, object]) -> pd.DataFrame:
    raw = [RawTransaction(record, f"test[{i}]") for i, record in enumerate(records)]
    return normalize_transactions(raw, ZONE, "USD")


def batch(number: int, day: int, net_cents: int) -> BatchResult:
    return BatchResult(
        number=number,
        settled_on=NOV[day],
        currency="USD",
        sales_cents=net_cents,
        refunds_cents=0,
        card_types={"VISA": CardTotals(net_cents, 0)},
        transaction_count=1,
    )


def deposit(day: int, cents: int, reference: str = "") -> Deposit:
    return Deposit(NOV[day], cents, "USD", reference, f"statement entry of the {day}th")


# A sale on the 25th before the 8 PM close, and a refund of part of it made at 9 PM: PayTrace
# settles the refund with the next evening's batch.
SALE = transaction_record(41, Decimal("300.00"), "11/25/2026 2:10:00 PM", "11/25/2026 8:00:12 PM")
LATE_REFUND = transaction_record(
    42,
    Decimal("-80.00"),
    "11/25/2026 9:04:00 PM",
    "11/26/2026 8:00:09 PM",
    transaction_type="REFUND",
)
NEXT_SALE = transaction_record(
    43, Decimal("120.00"), "11/26/2026 9:00:00 AM", "11/26/2026 8:00:09 PM"
)


def test_a_late_refund_counts_in_the_batch_it_settled_in() -> None:
    first = check_batch(BatchSummary(1, NOV[25], 30000, 0, 30000), frame(SALE), "USD")
    second = check_batch(
        BatchSummary(2, NOV[26], 12000, 8000, 4000), frame(LATE_REFUND, NEXT_SALE), "USD"
    )
    assert (first.status, first.net_cents) == ("ok", 30000)
    assert (second.status, second.sales_cents, second.refunds_cents) == ("ok", 12000, 8000)
    assert second.net_cents == 4000


def test_a_summary_that_counts_the_late_refund_in_the_earlier_batch_is_a_mismatch() -> None:
    result = check_batch(BatchSummary(1, NOV[25], 30000, 8000, 22000), frame(SALE), "USD")
    assert result.status == BATCH_MISMATCH
    assert result.reason == (
        "PayTrace's batch 1 of 2026-11-25 does not add up: "
        "refunds: batch says 80.00, its transactions add up to 0.00; "
        "net: batch says 220.00, its transactions add up to 300.00"
    )


def test_card_type_totals_are_compared_where_the_batch_gives_them() -> None:
    visa = {**SALE, "credit_card": {"masked_number": "411111******1111"}}
    agreeing = BatchSummary(1, NOV[25], card_totals={"VISA": (30000, 0)})
    differing = BatchSummary(1, NOV[25], card_totals={"VISA": (30000, 0), "AMEX": (5000, 0)})
    assert check_batch(agreeing, frame(visa), "USD").status == "ok"
    result = check_batch(differing, frame(visa), "USD")
    assert result.status == BATCH_MISMATCH
    assert "AMEX sales: batch says 50.00, its transactions add up to 0.00" in result.reason


def test_business_days_skip_the_weekend() -> None:
    # Wednesday the 25th: Thursday, Friday, then Monday the 30th
    assert add_business_days(NOV[25], 3) == NOV[30]
    assert add_business_days(NOV[27], 1) == NOV[30]


def test_several_deposits_a_day_pair_by_amount_and_the_fee_is_what_is_missing() -> None:
    batches = [batch(7, 24, 100000), batch(8, 25, 50000)]
    deposits = [deposit(26, 48550), deposit(26, 97100), deposit(26, 300000, "INVOICE 400123")]
    paired, results = pair_deposits(batches, deposits, RULES, NOV[30])
    assert [(b.number, b.deposit_cents, b.fee_cents, b.status) for b in paired] == [
        (7, 97100, 2900, "ok"),
        (8, 48550, 1450, "ok"),
    ]
    assert [(r.deposit.amount_cents, r.status, r.batches) for r in results] == [
        (48550, "ok", ("batch 8 of 2026-11-25",)),
        (97100, "ok", ("batch 7 of 2026-11-24",)),
        (300000, DEPOSIT_UNMATCHED, ()),
    ]


def test_a_deposit_covering_two_batches_splits_its_fee_by_their_net() -> None:
    # 1,000.00 + 500.00 settled, 1,456.50 deposited: a fee of 43.50, 2.9 % of each
    batches = [batch(7, 24, 100000), batch(8, 25, 50000)]
    paired, results = pair_deposits(batches, [deposit(26, 145650)], RULES, NOV[30])
    assert [(b.deposit_cents, b.fee_cents, b.deposit_on, b.status) for b in paired] == [
        (97100, 2900, NOV[26], "ok"),
        (48550, 1450, NOV[26], "ok"),
    ]
    assert results[0].batches == ("batch 7 of 2026-11-24", "batch 8 of 2026-11-25")


def test_a_batch_named_in_the_reference_pairs_even_with_its_fee_out_of_the_band() -> None:
    paired, _ = pair_deposits(
        [batch(7, 25, 100000)], [deposit(27, 95000, "PAYTRACE BATCH 7")], RULES, NOV[30]
    )
    assert (paired[0].status, paired[0].fee_cents) == ("fee_out_of_band", 5000)
    assert paired[0].reason == (
        "deposit 950.00 on 2026-11-27 for net 1,000.00 leaves a fee of 50.00, "
        "outside 0.00 to 35.00 ([settlement] fee_percent_max)"
    )


def test_numbers_wrap_so_a_reference_pairs_only_within_the_deposit_days() -> None:
    # batch 7 of the 2nd (long paid) and batch 7 of the 25th: the text names the number only
    batches = [batch(7, 2, 100000), batch(7, 25, 100000)]
    paired, _ = pair_deposits(batches, [deposit(26, 97000, "BATCH 7")], RULES, NOV[30])
    assert [(b.settled_on, b.deposit_cents) for b in paired] == [(NOV[2], None), (NOV[25], 97000)]


def test_a_batch_without_deposit_is_missing_only_once_the_statement_passed_its_due_day() -> None:
    waiting, _ = pair_deposits([batch(7, 25, 100000)], [], RULES, NOV[27])
    missing, _ = pair_deposits([batch(7, 25, 100000)], [], RULES, NOV[30])
    assert waiting[0].status == "awaiting_deposit"
    assert missing[0].status == "deposit_missing"
    assert missing[0].reason == (
        "no deposit of net 1,000.00 less a fee in the band between 2026-11-25 and "
        "2026-11-30 on the statement through 2026-11-30"
    )


def test_a_strangers_large_credit_is_not_taken_for_a_batch_deposit() -> None:
    paired, results = pair_deposits([batch(7, 25, 100000)], [deposit(26, 2500000)], RULES, NOV[30])
    assert paired[0].status == "deposit_missing"
    assert results[0].status == DEPOSIT_UNMATCHED


def test_a_deposit_before_the_settlement_day_pays_nothing() -> None:
    paired, results = pair_deposits([batch(7, 25, 100000)], [deposit(25, 97000)], RULES, NOV[26])
    assert paired[0].deposit_cents is None
    assert results == []  # dated where no batch of the window could be paid: not the window's


def test_bookings_move_deposit_and_fee_off_each_clearing_account() -> None:
    mixed = BatchResult(
        number=7,
        settled_on=NOV[25],
        currency="USD",
        sales_cents=150000,
        refunds_cents=0,
        card_types={"AMEX": CardTotals(50000, 0), "VISA": CardTotals(100000, 0)},
        transaction_count=2,
        deposit_cents=145650,
        fee_cents=4350,
        deposit_on=NOV[26],
    )
    accounts = AccountSettings(
        default="18100", rules=(AccountRule("18120", card_type="AMEX"),), bank="12000", fee="6855"
    )
    bookings = settlement_bookings([mixed], accounts)
    assert [
        (b.transaction_id, b.counter_account, b.gl_account, b.amount_cents, b.paid_on)
        for b in bookings
    ] == [
        ("batch 7 2026-11-25 18120 deposit", "12000", "18120", 48550, NOV[26]),
        ("batch 7 2026-11-25 18120 fee", "6855", "18120", 1450, NOV[26]),
        ("batch 7 2026-11-25 18100 deposit", "12000", "18100", 97100, NOV[26]),
        ("batch 7 2026-11-25 18100 fee", "6855", "18100", 2900, NOV[26]),
    ]
    assert sum(b.amount_cents for b in bookings) == mixed.net_cents
