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

from .builders import open_items, payments

SETTINGS = MatchingSettings(invoice_pattern=r"4\d{5}")


def only(results: pd.DataFrame) -> dict[str, object]:
    assert len(results) == 1
    row: dict[str, object] = results.iloc[0].to_dict()
    return row


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
    row = only(match_payments(payments({"invoice_ref": "RE-400100"}), open_items({}), SETTINGS))
    assert (row["category"], row["rule"], row["invoice_nos"]) == (
        "matched",
        "reference",
        ["400100"],
    )
    assert (row["applied_cents"], row["difference_cents"]) == ([10000], 0)


def test_short_reference_inside_longer_number_does_not_match() -> None:
    items = open_items({"invoice_no": "1814"})
    # a card holder who is no abas customer: the builders' default name is the customer's
    paid = payments({"invoice_ref": "PO 181400", "billing_name": "Jordan Ellis"})
    row = only(match_payments(paid, items, SETTINGS))
    assert row["category"] == "unmatched"


def test_one_cent_rounding_is_within_tolerance() -> None:
    row = only(
        match_payments(
            payments({"invoice_ref": "400100", "amount_cents": 9999}), open_items({}), SETTINGS
        )
    )
    assert (row["category"], row["applied_cents"], row["difference_cents"]) == (
        "matched",
        [10000],
        -1,
    )


def test_cash_discount_in_time_matches_and_after_the_date_is_partial() -> None:
    item = {"gross_cents": 31850, "discount_bp": 200, "discount_until": pd.Timestamp("2026-11-28")}
    paid = payments({"invoice_ref": "400100", "amount_cents": 31213})
    row = only(match_payments(paid, open_items(item), SETTINGS))
    assert (row["category"], row["discount_cents"], row["applied_cents"]) == (
        "matched",
        637,
        [31213],
    )
    late = {**item, "discount_until": pd.Timestamp("2026-11-20")}
    row = only(match_payments(paid, open_items(late), SETTINGS))
    assert row["category"] == "partial_payment"
    assert "ran out on 2026-11-20" in str(row["reason"])


def test_partial_and_overpayment() -> None:
    low = only(
        match_payments(
            payments({"invoice_ref": "400100", "amount_cents": 5000}), open_items({}), SETTINGS
        )
    )
    high = only(
        match_payments(
            payments({"invoice_ref": "400100", "amount_cents": 15000}), open_items({}), SETTINGS
        )
    )
    assert (low["category"], low["difference_cents"]) == ("partial_payment", -5000)
    assert (high["category"], high["difference_cents"]) == ("overpayment", 5000)


def test_second_payment_for_the_same_invoice_is_a_duplicate() -> None:
    results = match_payments(
        payments({"invoice_ref": "400100"}, {"invoice_ref": "400100"}), open_items({}), SETTINGS
    )
    assert list(results["category"]) == ["matched", "duplicate"]
    assert "already paid by transaction 1000" in results.iloc[1]["reason"]


def test_two_identical_open_invoices_are_ambiguous() -> None:
    items = open_items({}, {})
    row = only(match_payments(payments({"paytrace_customer_id": "70001"}), items, SETTINGS))
    assert (row["category"], row["invoice_nos"]) == ("ambiguous", ["400100", "400101"])


def test_customer_amount_and_exact_sum_set() -> None:
    items = open_items({"gross_cents": 4000}, {"gross_cents": 6000}, {"gross_cents": 7777})
    row = only(match_payments(payments({"paytrace_customer_id": "70001"}), items, SETTINGS))
    assert (row["category"], row["rule"], row["invoice_nos"]) == (
        "matched",
        "customer_amount_set",
        ["400100", "400101"],
    )


def test_customer_map_translates_paytrace_ids() -> None:
    settings = MatchingSettings(customer_map={"cust-acme": "70001"})
    row = only(
        match_payments(payments({"paytrace_customer_id": "cust-acme"}), open_items({}), settings)
    )
    assert (row["category"], row["rule"]) == ("matched", "customer_amount")


def test_reference_to_other_customers_invoice_and_other_currency() -> None:
    items = open_items({}, {"customer_no": "70002"}, {"currency": "EUR"})
    paid = payments(
        {"invoice_ref": "400101", "paytrace_customer_id": "70001"}, {"invoice_ref": "400102"}
    )
    results = match_payments(paid, items, SETTINGS)
    assert list(results["category"]) == ["customer_mismatch", "currency_mismatch"]


def test_cleared_and_unknown_invoices_are_not_open() -> None:
    items = open_items({"open_cents": 0})
    results = match_payments(
        payments({"invoice_ref": "400100"}, {"invoice_ref": "499999"}), items, SETTINGS
    )
    assert list(results["category"]) == ["invoice_not_open", "invoice_not_open"]
    assert (
        "names invoice 499999, which abas does not list as open"
        in results.iloc[1]["reason"].lower()
    )


def test_card_states_never_reach_invoice_matching() -> None:
    paid = payments(
        {"status": "declined", "invoice_ref": "400100"},
        {"status": "auto_voided", "invoice_ref": "400100"},
        {"status": "voided", "kind": "void"},
        {"status": "pending"},
        {"kind": "refund"},
        {"invoice_ref": "400100"},
    )
    results = match_payments(paid, open_items({}), SETTINGS)
    assert list(results["category"]) == ["declined", "void", "void", "pending", "refund", "matched"]


def test_ledger_knowledge_gives_already_posted_and_duplicate() -> None:
    paid = payments({"invoice_ref": "400100"}, {"invoice_ref": "400101"})
    results = match_payments(
        paid,
        open_items({}, {}),
        SETTINGS,
        already_posted={"1000": "ZE-17"},
        paid_before={"400101": "999"},
    )
    assert list(results["category"]) == ["already_posted", "duplicate"]


def test_totals_and_hit_rate() -> None:
    paid = payments({"invoice_ref": "400100"}, {"amount_cents": 5000}, {"status": "declined"})
    results = match_payments(paid, open_items({}), SETTINGS)
    totals = category_totals(results)
    assert totals.to_dict("records") == [
        {"category": "matched", "count": 1, "amount_cents": 10000},
        {"category": "unmatched", "count": 1, "amount_cents": 5000},
        {"category": "declined", "count": 1, "amount_cents": 10000},
    ]
    assert hit_rate(results) == pytest.approx(10000 / 15000)


def test_inputs_are_not_mutated() -> None:
    paid, items = payments({"invoice_ref": "400100"}), open_items({})
    before = (paid.copy(), items.copy())
    match_payments(paid, items, SETTINGS)
    pd.testing.assert_frame_equal(paid, before[0])
    pd.testing.assert_frame_equal(items, before[1])


def test_payments_posted_before_count_as_hits_so_a_rerun_reads_the_same() -> None:
    results = pd.DataFrame(
        {
            "category": ["matched", "unmatched", "already_posted", "refund", "declined"],
            "amount_cents": [3000, 1000, 6000, 700, 900],
        }
    )
    assert hit_rate(results) == pytest.approx(0.9)
    assert payment_hit_rate(results) == pytest.approx(2 / 3)
