"""The matching engine, one case per category and per tricky case.

See docs/contract.md#categories and docs/matching.md.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching import (
    category_totals,
    find_reference_tokens,
    hit_rate,
    match_payments,
    payment_hit_rate,
)
from paytrace_abas.models import RESULT_COLUMNS
from paytrace_abas.report.reasons import with_reasons
from tests.support.builders import open_item, open_items_frame, payment, payments_frame

DEFAULTS = MatchingSettings(invoice_pattern=r"4\d{5}")


def run(
    payments: list[dict[str, Any]],
    items: list[dict[str, Any]],
    settings: MatchingSettings = DEFAULTS,
    **ledger: Any,
) -> pd.DataFrame:
    results = match_payments(payments_frame(payments), open_items_frame(items), settings, **ledger)
    return with_reasons(results, "en", "en_US")


def one(results: pd.DataFrame, transaction_id: str) -> dict[str, Any]:
    row = results[results["transaction_id"] == transaction_id]
    assert len(row) == 1
    return dict(row.iloc[0])


def outcome(row: dict[str, Any]) -> tuple[str, str, list[str]]:
    return row["category"], row["rule"], list(row["invoice_nos"])


CUSTOMER = "70001"
INVOICE = open_item("400123", CUSTOMER, 125_000)

# (case, payments, open items, settings, expected (category, rule, invoices) of transaction "t1")
CASES: list[
    tuple[
        str,
        list[dict[str, Any]],
        list[dict[str, Any]],
        MatchingSettings,
        tuple[str, str, list[str]],
    ]
] = [
    (
        "reference in invoice_ref",
        [payment("t1", 125_000, ref="400123", customer=CUSTOMER)],
        [INVOICE],
        DEFAULTS,
        ("matched", "reference", ["400123"]),
    ),
    (
        "reference in description, lower case prefix",
        [payment("t1", 125_000, description="inv. 400123 thanks", customer=CUSTOMER)],
        [INVOICE],
        DEFAULTS,
        ("matched", "reference", ["400123"]),
    ),
    (
        "reference in purchase_order, glued prefix",
        [payment("t1", 125_000, po="RE400123", customer=CUSTOMER)],
        [INVOICE],
        DEFAULTS,
        ("matched", "reference", ["400123"]),
    ),
    (
        "reference inside a longer number does not match",
        [payment("t1", 125_000, ref="PO 94001234")],
        [
            open_item("4001", CUSTOMER, 125_000),
            open_item("1234", CUSTOMER, 125_000, day="2026-11-02"),
        ],
        DEFAULTS,
        ("unmatched", "none", []),
    ),
    (
        "a token shorter than the minimum length is no reference",
        [payment("t1", 125_000, ref="No 123")],
        [open_item("123", CUSTOMER, 125_000)],
        DEFAULTS,
        ("unmatched", "none", []),
    ),
    (
        "several invoices named, paid together",
        [payment("t1", 200_000, ref="400124/400123", customer=CUSTOMER)],
        [INVOICE, open_item("400124", CUSTOMER, 75_000, day="2026-11-05")],
        DEFAULTS,
        ("matched", "reference_multi", ["400123", "400124"]),
    ),
    (
        "several invoices named, one paid: never a silent partial application",
        [payment("t1", 125_000, ref="400123 400124", customer=CUSTOMER)],
        [INVOICE, open_item("400124", CUSTOMER, 75_000, day="2026-11-05")],
        DEFAULTS,
        ("partial_payment", "reference_multi", ["400123", "400124"]),
    ),
    (
        "partial payment",
        [payment("t1", 100_000, ref="RE-400123", customer=CUSTOMER)],
        [INVOICE],
        DEFAULTS,
        ("partial_payment", "reference", ["400123"]),
    ),
    (
        "overpayment",
        [payment("t1", 126_000, ref="#400123", customer=CUSTOMER)],
        [INVOICE],
        DEFAULTS,
        ("overpayment", "reference", ["400123"]),
    ),
    (
        "cash discount taken in time",
        [payment("t1", 98_000, ref="400123", customer=CUSTOMER)],
        [open_item("400123", CUSTOMER, 100_000, discount_bp=200, until="2026-11-28")],
        DEFAULTS,
        ("matched", "reference", ["400123"]),
    ),
    (
        "cash discount claimed after its date is a partial payment",
        [payment("t1", 98_000, ref="400123", customer=CUSTOMER)],
        [open_item("400123", CUSTOMER, 100_000, discount_bp=200, until="2026-11-20")],
        DEFAULTS,
        ("partial_payment", "reference", ["400123"]),
    ),
    (
        "customer + amount, one item",
        [payment("t1", 125_000, description="Online payment", customer=CUSTOMER)],
        [INVOICE, open_item("400124", CUSTOMER, 75_000)],
        DEFAULTS,
        ("matched", "customer_amount", ["400123"]),
    ),
    (
        "customer + amount, smallest exact-sum set",
        [payment("t1", 200_000, customer=CUSTOMER)],
        [INVOICE, open_item("400124", CUSTOMER, 75_000), open_item("400125", CUSTOMER, 5_000)],
        DEFAULTS,
        ("matched", "customer_amount_set", ["400123", "400124"]),
    ),
    (
        "sets of the same size: the older set wins",
        [payment("t1", 150_000, customer=CUSTOMER)],
        [
            open_item("400201", CUSTOMER, 100_000, day="2026-10-01"),
            open_item("400202", CUSTOMER, 100_000, day="2026-10-08"),
            open_item("400203", CUSTOMER, 50_000, day="2026-10-15"),
        ],
        DEFAULTS,
        ("matched", "customer_amount_set", ["400201", "400203"]),
    ),
    (
        "fewer invoices win over older ones",
        [payment("t1", 150_000, customer=CUSTOMER)],
        [
            open_item("400201", CUSTOMER, 100_000, day="2026-10-01"),
            open_item("400202", CUSTOMER, 50_000, day="2026-10-08"),
            open_item("400203", CUSTOMER, 150_000, day="2026-11-15"),
        ],
        DEFAULTS,
        ("matched", "customer_amount", ["400203"]),
    ),
    (
        "two identical open invoices are ambiguous",
        [payment("t1", 25_000, customer=CUSTOMER)],
        [
            open_item("400180", CUSTOMER, 25_000),
            open_item("400181", CUSTOMER, 25_000, day="2026-11-08"),
        ],
        DEFAULTS,
        ("ambiguous", "customer_amount", ["400180", "400181"]),
    ),
    (
        "two sets with the same dates are ambiguous",
        [payment("t1", 150_000, customer=CUSTOMER)],
        [
            open_item("400201", CUSTOMER, 100_000),
            open_item("400202", CUSTOMER, 100_000),
            open_item("400203", CUSTOMER, 50_000),
        ],
        DEFAULTS,
        ("ambiguous", "customer_amount_set", ["400201", "400202", "400203"]),
    ),
    (
        "no candidate at all",
        [payment("t1", 14_900, description="Web shop order 88172")],
        [INVOICE],
        DEFAULTS,
        ("unmatched", "none", []),
    ),
    (
        "the payer's items do not fit",
        [payment("t1", 33_300, description="Deposit", customer=CUSTOMER)],
        [INVOICE],
        DEFAULTS,
        ("unmatched", "none", []),
    ),
    (
        "names a cleared invoice",
        [payment("t1", 72_000, ref="400190", customer=CUSTOMER)],
        [open_item("400190", CUSTOMER, 72_000, open_cents=0)],
        DEFAULTS,
        ("invoice_not_open", "reference", ["400190"]),
    ),
    (
        "names an unknown invoice that looks like one",
        [payment("t1", 41_000, ref="499999", customer=CUSTOMER)],
        [INVOICE],
        DEFAULTS,
        ("invoice_not_open", "reference", []),
    ),
    (
        "names another customer's invoice",
        [payment("t1", 125_000, ref="400123", customer="70002")],
        [INVOICE, open_item("400300", "70002", 1_000)],
        DEFAULTS,
        ("customer_mismatch", "reference", ["400123"]),
    ),
    (
        "a walk-in payer may pay any invoice it names",
        [payment("t1", 125_000, ref="400123")],
        [INVOICE],
        DEFAULTS,
        ("matched", "reference", ["400123"]),
    ),
    (
        "foreign currency without a rate",
        [payment("t1", 340_000, ref="400205", customer=CUSTOMER)],
        [open_item("400205", CUSTOMER, 340_000, currency="EUR")],
        DEFAULTS,
        ("currency_mismatch", "reference", ["400205"]),
    ),
    (
        "foreign currency with a rate",
        [payment("t1", 110_000, ref="400205", customer=CUSTOMER)],
        [open_item("400205", CUSTOMER, 100_000, currency="EUR")],
        dataclasses.replace(DEFAULTS, exchange_rates={"EUR/USD": Decimal("1.1")}),
        ("matched", "reference", ["400205"]),
    ),
    (
        "the reverse rate is derived",
        [payment("t1", 110_000, ref="400205", customer=CUSTOMER)],
        [open_item("400205", CUSTOMER, 100_000, currency="EUR")],
        dataclasses.replace(DEFAULTS, exchange_rates={"USD/EUR": Decimal("1") / Decimal("1.1")}),
        ("matched", "reference", ["400205"]),
    ),
    (
        "customer + amount only among items of other currencies without a rate",
        [payment("t1", 340_000, customer=CUSTOMER)],
        [open_item("400205", CUSTOMER, 340_000, currency="EUR")],
        DEFAULTS,
        ("currency_mismatch", "customer_amount", []),
    ),
    (
        "customer map ties a PayTrace customer to its abas number",
        [payment("t1", 125_000, customer="PT-17")],
        [INVOICE],
        dataclasses.replace(DEFAULTS, customer_map={"PT-17": CUSTOMER}),
        ("matched", "customer_amount", ["400123"]),
    ),
]

CARD_STATES: list[tuple[str, dict[str, Any], str]] = [
    ("declined", dict(status="declined"), "declined"),
    ("voided", dict(status="voided", kind="void"), "void"),
    ("auto-voided (103)", dict(status="auto_voided"), "void"),
    ("pending settlement", dict(status="pending"), "pending"),
    ("authorization only", dict(kind="authorization", status="pending"), "pending"),
    ("refund", dict(kind="refund"), "refund"),
    ("chargeback", dict(kind="chargeback"), "chargeback"),
]


@pytest.mark.parametrize(
    ("payments", "items", "settings", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_case(
    payments: list[dict[str, Any]],
    items: list[dict[str, Any]],
    settings: MatchingSettings,
    expected: tuple[str, str, list[str]],
) -> None:
    row = one(run(payments, items, settings), "t1")
    assert outcome(row) == expected
    assert row["reason"].endswith(".") and len(row["reason"]) > 20


@pytest.mark.parametrize(
    ("fields", "category"), [c[1:] for c in CARD_STATES], ids=[c[0] for c in CARD_STATES]
)
def test_card_states_never_reach_invoices(fields: dict[str, Any], category: str) -> None:
    row = one(
        run([payment("t1", 125_000, ref="400123", customer=CUSTOMER, **fields)], [INVOICE]), "t1"
    )
    assert outcome(row) == (category, "card_state", [])


@pytest.mark.parametrize(
    "text",
    [
        "RE-400123",
        "#400123",
        "Inv. 400123",
        "inv 400123",
        "  Invoice   400123 ",
        "INV400123",
        "re400123",
    ],
)
def test_reference_styles(text: str) -> None:
    assert find_reference_tokens(text, DEFAULTS) == ["400123"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("400123/400124", ["400123", "400124"]),
        ("400123, 400124 & 400125", ["400123", "400124", "400125"]),
        ("PO 1814-14", ["1814"]),
        ("PO400123", []),
        ("paid 1250.00 on 25.11.2026", []),
        ("400123x", []),
    ],
)
def test_reference_tokens_are_whole(text: str, tokens: list[str]) -> None:
    assert find_reference_tokens(text, DEFAULTS) == tokens


def test_custom_pattern_finds_letters_in_any_case() -> None:
    settings = dataclasses.replace(DEFAULTS, reference_pattern=r"R\d{5}", reference_prefixes=())
    assert find_reference_tokens("paid r40012 and R40013", settings) == ["R40012", "R40013"]
    row = one(
        run(
            [payment("t1", 1_000, ref="for r40012")],
            [open_item("R40012", CUSTOMER, 1_000)],
            settings,
        ),
        "t1",
    )
    assert outcome(row) == ("matched", "reference", ["R40012"])


def test_matched_with_discount_records_it_per_invoice() -> None:
    row = one(
        run(
            [payment("t1", 98_000, ref="400123", customer=CUSTOMER)],
            [open_item("400123", CUSTOMER, 100_000, discount_bp=200, until="2026-11-28")],
        ),
        "t1",
    )
    assert row["discount_cents"] == 2_000
    assert row["invoice_discounts_cents"] == [2_000]
    assert row["applied_cents"] == [98_000]
    assert row["difference_cents"] == 0
    assert "2,000.00" not in row["reason"] and "20.00 cash discount" in row["reason"]


def test_discount_after_its_date_says_so() -> None:
    row = one(
        run(
            [payment("t1", 98_000, ref="400123", customer=CUSTOMER)],
            [open_item("400123", CUSTOMER, 100_000, discount_bp=200, until="2026-11-20")],
        ),
        "t1",
    )
    assert row["difference_cents"] == -2_000
    assert "ran out on Nov 20, 2026" in row["reason"]


@pytest.mark.parametrize(
    ("paid", "settings", "category", "difference"),
    [
        (124_999, DEFAULTS, "matched", -1),
        (125_001, DEFAULTS, "matched", 1),
        (124_998, DEFAULTS, "partial_payment", -2),
        (124_998, dataclasses.replace(DEFAULTS, under_tolerance_cents=5), "matched", -2),
        (125_002, dataclasses.replace(DEFAULTS, under_tolerance_cents=5), "overpayment", 2),
        (125_004, dataclasses.replace(DEFAULTS, over_tolerance_cents=5), "matched", 4),
        # 0.5 % of 1,250.00 is 6.25, below the absolute 10.00: the smaller limit wins
        (
            124_375,
            dataclasses.replace(
                DEFAULTS, under_tolerance_cents=1_000, under_tolerance_percent=Decimal("0.5")
            ),
            "matched",
            -625,
        ),
        (
            124_374,
            dataclasses.replace(
                DEFAULTS, under_tolerance_cents=1_000, under_tolerance_percent=Decimal("0.5")
            ),
            "partial_payment",
            -626,
        ),
        (
            125_625,
            dataclasses.replace(
                DEFAULTS, over_tolerance_cents=1_000, over_tolerance_percent=Decimal("0.5")
            ),
            "matched",
            625,
        ),
    ],
)
def test_tolerances(paid: int, settings: MatchingSettings, category: str, difference: int) -> None:
    row = one(
        run([payment("t1", paid, ref="400123", customer=CUSTOMER)], [INVOICE], settings), "t1"
    )
    assert row["category"] == category
    assert row["difference_cents"] == difference
    if category == "matched":
        assert sum(row["applied_cents"]) + row["difference_cents"] == paid


def test_conversion_is_recorded() -> None:
    settings = dataclasses.replace(DEFAULTS, exchange_rates={"EUR/USD": Decimal("1.0850")})
    row = one(
        run(
            [payment("t1", 108_500, ref="400205", customer=CUSTOMER)],
            [open_item("400205", CUSTOMER, 100_000, currency="EUR")],
            settings,
        ),
        "t1",
    )
    assert row["exchange_rate"] == "EUR/USD 1.085"
    assert row["applied_cents"] == [108_500]
    assert "converted at EUR/USD 1.085" in row["reason"]


def test_second_payment_of_an_invoice_is_a_duplicate() -> None:
    results = run(
        [
            payment("t2", 125_000, ref="400123", customer=CUSTOMER, at="09:04"),
            payment("t1", 125_000, ref="400123", customer=CUSTOMER, at="09:02"),
        ],
        [INVOICE],
    )
    assert outcome(one(results, "t1")) == ("matched", "reference", ["400123"])
    duplicate = one(results, "t2")
    assert outcome(duplicate) == ("duplicate", "reference", ["400123"])
    assert duplicate["runner_up"] == "t1"


def test_partial_first_payment_does_not_block_the_full_one() -> None:
    results = run(
        [
            payment("t1", 50_000, ref="400123", customer=CUSTOMER, at="09:00"),
            payment("t2", 125_000, ref="400123", customer=CUSTOMER, at="10:00"),
        ],
        [INVOICE],
    )
    assert one(results, "t1")["category"] == "partial_payment"
    assert one(results, "t2")["category"] == "matched"


def test_second_payment_by_amount_is_a_duplicate() -> None:
    results = run(
        [
            payment("t1", 125_000, customer=CUSTOMER, at="09:00"),
            payment("t2", 125_000, customer=CUSTOMER, at="10:00"),
        ],
        [INVOICE],
    )
    assert outcome(one(results, "t1")) == ("matched", "customer_amount", ["400123"])
    assert outcome(one(results, "t2")) == ("duplicate", "customer_amount", ["400123"])


def test_a_reference_claims_before_an_amount_does() -> None:
    results = run(
        [
            payment("t1", 125_000, customer=CUSTOMER, at="09:00"),
            payment("t2", 125_000, ref="400123", customer=CUSTOMER, at="10:00"),
        ],
        [INVOICE],
    )
    assert one(results, "t2")["category"] == "matched"
    assert one(results, "t1")["category"] == "duplicate"


def test_two_payments_each_take_one_of_two_items() -> None:
    results = run(
        [
            payment("t1", 25_000, customer=CUSTOMER, at="09:00"),
            payment("t2", 30_000, customer=CUSTOMER, at="10:00"),
        ],
        [open_item("400180", CUSTOMER, 25_000), open_item("400181", CUSTOMER, 30_000)],
    )
    assert outcome(one(results, "t1")) == ("matched", "customer_amount", ["400180"])
    assert outcome(one(results, "t2")) == ("matched", "customer_amount", ["400181"])


def test_earlier_runs_come_from_the_ledger() -> None:
    results = run(
        [
            payment("t1", 125_000, ref="400123", customer=CUSTOMER),
            payment("t2", 125_000, ref="400123", customer=CUSTOMER),
            payment("t3", 5_000, ref="400124", customer=CUSTOMER),
        ],
        [INVOICE, open_item("400124", CUSTOMER, 5_000)],
        already_posted={"t1": "DOC-7"},
        paid_before={"400123": "t1", "400124": "t0"},
    )
    assert outcome(one(results, "t1")) == ("already_posted", "ledger", ["400123"])
    assert "DOC-7" in one(results, "t1")["reason"]
    assert outcome(one(results, "t2")) == ("duplicate", "reference", ["400123"])
    assert outcome(one(results, "t3")) == ("duplicate", "reference", ["400124"])


def test_runner_up_says_why_it_lost() -> None:
    row = one(
        run(
            [payment("t1", 125_000, customer=CUSTOMER)],
            [INVOICE, open_item("400124", CUSTOMER, 120_000)],
        ),
        "t1",
    )
    assert row["runner_up"] == "400124"
    assert row["runner_up_reason"] == "differs by 50.00"


def test_evidence_columns() -> None:
    row = one(
        run([payment("t1", 125_000, description="RE 400123", customer=CUSTOMER)], [INVOICE]), "t1"
    )
    assert row["found_in"] == "description"
    assert row["payer_customer_no"] == CUSTOMER
    assert row["customer_no"] == CUSTOMER
    assert row["expected_cents"] == 125_000
    assert row["days_from_invoice"] == 24


def test_results_keep_the_contract_and_the_input_order() -> None:
    payments = [payment(f"t{n}", 1_000 + n, at=f"{20 - n:02d}:00") for n in range(5)]
    results = run(payments, [INVOICE])
    # the contract's columns, then the reason's code and the parameters it uses
    assert list(results.columns)[: len(RESULT_COLUMNS)] == RESULT_COLUMNS
    extra = list(results.columns)[len(RESULT_COLUMNS) :]
    assert extra[0] == "reason_code" and all(name.startswith("reason_") for name in extra)
    assert list(results["transaction_id"]) == [f"t{n}" for n in range(5)]


def test_inputs_are_not_changed() -> None:
    payments = payments_frame([payment("t1", 125_000, ref="400123", customer=CUSTOMER)])
    items = open_items_frame([INVOICE])
    before = (payments.copy(), items.copy())
    match_payments(payments, items, DEFAULTS, paid_before={"400999": "t0"})
    pd.testing.assert_frame_equal(payments, before[0])
    pd.testing.assert_frame_equal(items, before[1])


def test_empty_inputs() -> None:
    results = run([], [])
    assert list(results.columns) == [*RESULT_COLUMNS, "reason_code"]
    assert results.empty


def test_hit_rate_is_the_matched_share_of_received_money() -> None:
    results = run(
        [
            payment("t1", 125_000, ref="400123", customer=CUSTOMER),
            payment("t2", 75_000, customer="nobody"),
            payment("t3", 999_999, status="declined"),
            payment("t4", 10_000, kind="refund"),
        ],
        [INVOICE],
    )
    assert hit_rate(results) == pytest.approx(125_000 / 200_000)
    totals = category_totals(results).set_index("category")
    assert totals.loc["matched", "amount_cents"] == 125_000


def test_payments_posted_before_count_as_hits_so_a_rerun_reads_the_same() -> None:
    results = pd.DataFrame(
        {
            "category": ["matched", "unmatched", "already_posted", "refund", "declined"],
            "amount_cents": [3000, 1000, 6000, 700, 900],
        }
    )
    assert hit_rate(results) == pytest.approx(0.9)
    assert payment_hit_rate(results) == pytest.approx(2 / 3)


# Whole-engine checks on invoices of 100.00 numbered from 400100, all of customer 70001.


def single(payments: list[dict[str, Any]], items: list[dict[str, Any]]) -> dict[str, Any]:
    results = run(payments, items)
    assert len(results) == 1
    return dict(results.iloc[0])


def invoice(number: str = "400100", **fields: Any) -> dict[str, Any]:
    return open_item(number, CUSTOMER, fields.pop("gross_cents", 10_000), **fields)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("RE-400123", ["400123"]),
        ("#400123 and Inv. 400124", ["400123", "400124"]),
        ("400123/400124", ["400123", "400124"]),
        ("PO 1814-14", ["1814"]),
        ("inv400123 400123", ["400123"]),
    ],
)
def test_reference_tokens_are_whole_digit_runs(text: str, tokens: list[str]) -> None:
    assert find_reference_tokens(text, MatchingSettings(min_reference_length=4)) == tokens


def test_reference_pays_invoice_in_full() -> None:
    row = single([payment("1000", 10_000, ref="RE-400100")], [invoice()])
    assert outcome(row) == ("matched", "reference", ["400100"])
    assert (row["applied_cents"], row["difference_cents"]) == ([10000], 0)


def test_short_reference_inside_longer_number_does_not_match() -> None:
    row = single([payment("1000", 10_000, ref="PO 181400")], [invoice("1814")])
    assert row["category"] == "unmatched"


def test_one_cent_rounding_is_within_tolerance() -> None:
    row = single([payment("1000", 9999, ref="400100")], [invoice()])
    assert (row["category"], row["applied_cents"], row["difference_cents"]) == (
        "matched",
        [10000],
        -1,
    )


def test_cash_discount_in_time_matches_and_after_the_date_is_partial() -> None:
    paid = [payment("1000", 31213, ref="400100")]
    row = single(paid, [invoice(gross_cents=31850, discount_bp=200, until="2026-11-28")])
    assert (row["category"], row["discount_cents"], row["applied_cents"]) == (
        "matched",
        637,
        [31213],
    )
    row = single(paid, [invoice(gross_cents=31850, discount_bp=200, until="2026-11-20")])
    assert row["category"] == "partial_payment"
    assert "ran out on Nov 20, 2026" in str(row["reason"])


def test_partial_and_overpayment() -> None:
    low = single([payment("1000", 5000, ref="400100")], [invoice()])
    high = single([payment("1000", 15000, ref="400100")], [invoice()])
    assert (low["category"], low["difference_cents"]) == ("partial_payment", -5000)
    assert (high["category"], high["difference_cents"]) == ("overpayment", 5000)


def test_second_payment_for_the_same_invoice_is_a_duplicate() -> None:
    paid = [
        payment("1000", 10_000, ref="400100", at="18:00"),
        payment("1001", 10_000, ref="400100", at="18:01"),
    ]
    results = run(paid, [invoice()])
    assert list(results["category"]) == ["matched", "duplicate"]
    assert "already paid by transaction 1000" in results.iloc[1]["reason"]


def test_two_identical_open_invoices_are_ambiguous() -> None:
    row = single([payment("1000", 10_000, customer=CUSTOMER)], [invoice(), invoice("400101")])
    assert (row["category"], row["invoice_nos"]) == ("ambiguous", ["400100", "400101"])


def test_customer_amount_and_exact_sum_set() -> None:
    items = [
        invoice(gross_cents=4000),
        invoice("400101", gross_cents=6000),
        invoice("400102", gross_cents=7777),
    ]
    row = single([payment("1000", 10_000, customer=CUSTOMER)], items)
    assert outcome(row) == ("matched", "customer_amount_set", ["400100", "400101"])


def test_customer_map_translates_paytrace_ids() -> None:
    settings = MatchingSettings(customer_map={"cust-acme": CUSTOMER})
    results = run([payment("1000", 10_000, customer="cust-acme")], [invoice()], settings)
    assert (results.iloc[0]["category"], results.iloc[0]["rule"]) == ("matched", "customer_amount")


def test_reference_to_other_customers_invoice_and_other_currency() -> None:
    items = [invoice(), open_item("400101", "70002", 10_000), invoice("400102", currency="EUR")]
    paid = [
        payment("1000", 10_000, ref="400101", customer=CUSTOMER, at="18:00"),
        payment("1001", 10_000, ref="400102", at="18:01"),
    ]
    results = run(paid, items)
    assert list(results["category"]) == ["customer_mismatch", "currency_mismatch"]


def test_cleared_and_unknown_invoices_are_not_open() -> None:
    paid = [
        payment("1000", 10_000, ref="400100", at="18:00"),
        payment("1001", 10_000, ref="499999", at="18:01"),
    ]
    results = run(paid, [invoice(open_cents=0)])
    assert list(results["category"]) == ["invoice_not_open", "invoice_not_open"]
    assert (
        "names invoice 499999, which abas does not list as open"
        in results.iloc[1]["reason"].lower()
    )


def test_card_states_never_reach_invoice_matching() -> None:
    paid = [
        payment("1000", 10_000, status="declined", ref="400100"),
        payment("1001", 10_000, status="auto_voided", ref="400100"),
        payment("1002", 10_000, status="voided", kind="void"),
        payment("1003", 10_000, status="pending"),
        payment("1004", 10_000, kind="refund"),
        payment("1005", 10_000, ref="400100"),
    ]
    results = run(paid, [invoice()])
    assert list(results["category"]) == ["declined", "void", "void", "pending", "refund", "matched"]


def test_ledger_knowledge_gives_already_posted_and_duplicate() -> None:
    paid = [payment("1000", 10_000, ref="400100"), payment("1001", 10_000, ref="400101")]
    results = run(
        paid,
        [invoice(), invoice("400101")],
        already_posted={"1000": "ZE-17"},
        paid_before={"400101": "999"},
    )
    assert list(results["category"]) == ["already_posted", "duplicate"]


def test_totals_and_hit_rate() -> None:
    paid = [
        payment("1000", 10_000, ref="400100"),
        payment("1001", 5000),
        payment("1002", 10_000, status="declined"),
    ]
    results = run(paid, [invoice()])
    totals = category_totals(results)
    assert totals.to_dict("records") == [
        {"category": "matched", "count": 1, "amount_cents": 10000},
        {"category": "unmatched", "count": 1, "amount_cents": 5000},
        {"category": "declined", "count": 1, "amount_cents": 10000},
    ]
    assert hit_rate(results) == pytest.approx(10000 / 15000)
