"""Matching rules of issue 14: tolerance direction in every pass, unknown invoice numbers of
the learned shape, payer by name, the customer master, already-posted rows keep their invoices.

See docs/matching.md. Every new rule also has its near miss: the case just outside it.
"""

from __future__ import annotations

import dataclasses
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching import match_payments
from paytrace_abas.matching.payers import normalized_name
from paytrace_abas.models import CUSTOMER_COLUMNS
from paytrace_abas.report.reasons import with_reasons
from tests.support.builders import open_item, open_items_frame, payment, payments_frame

PLAIN = MatchingSettings()  # no invoice_pattern: the invoice-number shape is learned
CUSTOMER = "70001"


def run(
    payments: list[dict[str, Any]],
    items: list[dict[str, Any]],
    config: MatchingSettings = PLAIN,
    customers: list[tuple[str, str]] | None = None,
    **ledger: Any,
) -> dict[str, Any]:
    """The result row of transaction "t1"."""
    master = None
    if customers is not None:
        rows = [{**dict.fromkeys(CUSTOMER_COLUMNS, ""), "customer_no": no, "name": name}
                for no, name in customers]  # fmt: skip
        master = pd.DataFrame(rows, columns=CUSTOMER_COLUMNS)
    matched = match_payments(
        payments_frame(payments), open_items_frame(items), config, customers=master, **ledger
    )
    results = with_reasons(matched, "en", "en_US")
    row = results[results["transaction_id"] == "t1"]
    assert len(row) == 1
    return dict(row.iloc[0])


def named(row: dict[str, Any], name: str) -> dict[str, Any]:
    return {**row, "billing_name": name}


# --- 1. tolerance direction: under and over, cents and percent, in every pass ----------------

UNDER_1_PCT = MatchingSettings(under_tolerance_cents=100_000, under_tolerance_percent=Decimal(1))
OVER_1_PCT = MatchingSettings(over_tolerance_cents=100_000, over_tolerance_percent=Decimal(1))
UNDER_5_USD = MatchingSettings(under_tolerance_cents=500)
OVER_5_USD = MatchingSettings(over_tolerance_cents=500)

# (case, settings, amount paid for 1,000.00 asked, whether it pays in full)
TOLERANCES = [
    ("1 % short, under 1 %", UNDER_1_PCT, 99_000, True),
    ("just over 1 % short, under 1 %", UNDER_1_PCT, 98_999, False),
    ("1 % over, under 1 % only", UNDER_1_PCT, 101_000, False),
    ("1 % over, over 1 %", OVER_1_PCT, 101_000, True),
    ("just over 1 % over, over 1 %", OVER_1_PCT, 101_001, False),
    ("1 % short, over 1 % only", OVER_1_PCT, 99_000, False),
    ("5.00 short, under 5.00", UNDER_5_USD, 99_500, True),
    ("5.01 short, under 5.00", UNDER_5_USD, 99_499, False),
    ("5.00 over, under 5.00 only", UNDER_5_USD, 100_500, False),
    ("5.00 over, over 5.00", OVER_5_USD, 100_500, True),
    ("5.01 over, over 5.00", OVER_5_USD, 100_501, False),
    ("5.00 short, over 5.00 only", OVER_5_USD, 99_500, False),
]


def _by_reference(paid: int, config: MatchingSettings) -> dict[str, Any]:
    return run([payment("t1", paid, ref="400123", customer=CUSTOMER)], [_item(100_000)], config)


def _by_amount(paid: int, config: MatchingSettings) -> dict[str, Any]:
    return run([payment("t1", paid, customer=CUSTOMER)], [_item(100_000)], config)


def _by_set(paid: int, config: MatchingSettings) -> dict[str, Any]:
    items = [_item(40_000), _item(60_000, "400124")]
    return run([payment("t1", paid, customer=CUSTOMER)], items, config)


def _item(cents: int, number: str = "400123") -> dict[str, Any]:
    return open_item(number, CUSTOMER, cents)


@pytest.mark.parametrize(
    ("config", "paid", "pays"), [c[1:] for c in TOLERANCES], ids=[c[0] for c in TOLERANCES]
)
@pytest.mark.parametrize(
    ("judge", "rule"),
    [
        (_by_reference, "reference"),
        (_by_amount, "customer_amount"),
        (_by_set, "customer_amount_set"),
    ],
    ids=["reference", "customer_amount", "customer_amount_set"],
)
def test_every_pass_honours_each_tolerance_in_its_direction(
    judge: Any, rule: str, config: MatchingSettings, paid: int, pays: bool
) -> None:
    row = judge(paid, config)
    assert (row["category"] == "matched") is pays, row["reason"]
    if pays:
        assert row["rule"] == rule
        assert row["difference_cents"] == paid - 100_000
        assert sum(row["applied_cents"]) + row["difference_cents"] == paid


def _band(expected: int, cents: int, percent: Decimal | None) -> int:
    """The tolerated difference, from the documented rule (the smaller of the two limits)."""
    if percent is None:
        return cents
    share = (Decimal(expected) * percent / 100).to_integral_value(rounding=ROUND_FLOOR)
    return min(cents, int(share))


@settings(max_examples=80, deadline=None)
@given(
    # each item of the set is far from the amount: only the set can fit it
    gross=st.integers(20_000, 500_000),
    difference=st.integers(-3_000, 3_000),
    under_cents=st.integers(0, 2_500),
    over_cents=st.integers(0, 2_500),
    under_percent=st.sampled_from([None, Decimal("0.5"), Decimal(1), Decimal("2.25")]),
    over_percent=st.sampled_from([None, Decimal("0.5"), Decimal(1), Decimal("2.25")]),
)
def test_the_passes_agree_on_the_tolerance_band(
    gross: int,
    difference: int,
    under_cents: int,
    over_cents: int,
    under_percent: Decimal | None,
    over_percent: Decimal | None,
) -> None:
    config = MatchingSettings(
        under_tolerance_cents=under_cents,
        over_tolerance_cents=over_cents,
        under_tolerance_percent=under_percent,
        over_tolerance_percent=over_percent,
        max_invoices_per_payment=2,
    )
    paid = gross + difference
    limit = _band(gross, over_cents, over_percent) if difference > 0 else -1
    if difference <= 0:
        limit = _band(gross, under_cents, under_percent)
    in_band = abs(difference) <= limit
    first = gross * 2 // 5
    named_one = run([payment("t1", paid, ref="400123", customer=CUSTOMER)], [_item(gross)], config)
    by_amount = run([payment("t1", paid, customer=CUSTOMER)], [_item(gross)], config)
    as_set = run(
        [payment("t1", paid, customer=CUSTOMER)],
        [_item(first), _item(gross - first, "400124")],
        config,
    )
    named_two = run(
        [payment("t1", paid, ref="400123 400124", customer=CUSTOMER)],
        [_item(first), _item(gross - first, "400124")],
        config,
    )
    verdicts = [r["category"] == "matched" for r in (named_one, by_amount, as_set, named_two)]
    assert verdicts == [in_band] * 4


# --- 2. unknown invoice numbers: the learned shape, in the invoice field only ----------------

OPEN = [open_item("400123", CUSTOMER, 125_000), open_item("400124", CUSTOMER, 75_000)]

# (case, payment fields, open items, expected category, words the reason has / must not have)
UNKNOWN_NUMBERS: list[tuple[str, dict[str, str], list[dict[str, Any]], str, str, str]] = [
    (
        "learned shape in the invoice field",
        {"ref": "400099"},
        OPEN,
        "invoice_not_open",
        "Names invoice 400099, which abas does not list as open.",
        "",
    ),
    (
        "learned shape with a prefix",
        {"ref": "RE-400099"},
        OPEN,
        "invoice_not_open",
        "Names invoice 400099, which abas does not list as open.",
        "",
    ),
    (
        "two unknown numbers",
        {"ref": "400098/400099"},
        OPEN,
        "invoice_not_open",
        "Names invoices 400098, 400099, which abas does not list as open.",
        "",
    ),
    (
        "a PO number of that shape in the description",
        {"description": "PO 400099"},
        OPEN,
        "unmatched",
        "No invoice number in the payment text",
        "400099",
    ),
    (
        "a number of that shape in the PO field",
        {"po": "400099"},
        OPEN,
        "unmatched",
        "No invoice number in the payment text",
        "400099",
    ),
    (
        "a longer number in the invoice field",
        {"ref": "4500012345"},
        OPEN,
        "unmatched",
        "The invoice field holds 4500012345, which is no abas invoice number",
        "No invoice number",
    ),
    (
        "another first digit in the invoice field",
        {"ref": "500099"},
        OPEN,
        "unmatched",
        "The invoice field holds 500099, which is no abas invoice number",
        "No invoice number",
    ),
    (
        "one digit short in the invoice field",
        {"ref": "40009"},
        OPEN,
        "unmatched",
        "The invoice field holds 40009",
        "not list",
    ),
    (
        "open items of mixed shapes teach no shape",
        {"ref": "400099"},
        [*OPEN, open_item("R-17", CUSTOMER, 1_000)],
        "unmatched",
        "The invoice field holds 400099, which is no abas invoice number",
        "not list",
    ),
]


@pytest.mark.parametrize(
    ("fields", "items", "category", "says", "never_says"),
    [c[1:] for c in UNKNOWN_NUMBERS],
    ids=[c[0] for c in UNKNOWN_NUMBERS],
)
def test_unknown_invoice_numbers(
    fields: dict[str, Any],
    items: list[dict[str, Any]],
    category: str,
    says: str,
    never_says: str,
) -> None:
    # A walk-in payer (no customer id): otherwise the customer pass would speak first.
    row = run([payment("t1", 41_000, **fields)], items)
    assert row["category"] == category
    assert says in row["reason"]
    if never_says:
        assert never_says not in row["reason"]
    assert row["invoice_nos"] == []


def test_a_configured_invoice_pattern_wins_over_the_learned_shape() -> None:
    config = MatchingSettings(invoice_pattern=r"9\d{3}")
    learned = run([payment("t1", 41_000, ref="400099")], OPEN, config)
    pattern = run([payment("t1", 41_000, description="9123")], OPEN, config)
    assert (learned["category"], pattern["category"]) == ("unmatched", "invoice_not_open")


# --- 3. payer by name -------------------------------------------------------------------------

MUELLER = "70012"


def _mueller_items(customer_name: str = "Müller GmbH") -> list[dict[str, Any]]:
    return [{**open_item("400150", MUELLER, 31_000), "customer_name": customer_name}]


# (case, billing name, customer master (number, name), found customer or "")
NAMES: list[tuple[str, str, list[tuple[str, str]], str]] = [
    ("equal", "Müller GmbH", [(MUELLER, "Müller GmbH")], MUELLER),
    ("case and legal form", "MUELLER", [(MUELLER, "Müller GmbH")], MUELLER),
    ("umlaut spelled out", "Mueller GmbH", [(MUELLER, "Müller GmbH")], MUELLER),
    ("umlaut typed without its e", "Muller GmbH", [(MUELLER, "Müller GmbH")], MUELLER),
    ("ß", "Strauss AG", [(MUELLER, "Strauß")], MUELLER),
    ("punctuation and Inc.", "Cascade Hydraulics, Inc", [(MUELLER, "Cascade Hydraulics Inc.")],
     MUELLER),
    ("e.K.", "Schmidt e.K.", [(MUELLER, "Schmidt")], MUELLER),
    ("LLC, Ltd, KG, Co", "Blue Mountain Ltd", [(MUELLER, "Blue Mountain GmbH & Co. KG")], MUELLER),
    ("similar above the threshold", "Pullman Precision Tool",
     [(MUELLER, "Pullman Precision Tools")], MUELLER),
    ("equal names of two customers tie", "Müller GmbH",
     [(MUELLER, "Müller GmbH"), ("70013", "Mueller AG")], ""),
    ("equally similar names tie", "Smith", [(MUELLER, "Smith Tools"), ("70013", "Smith Pumps")],
     ""),
    ("a person's name is no company's", "Hans Mueller", [(MUELLER, "Mueller Maschinenbau")], ""),
    ("nothing similar", "Jordan Ellis", [(MUELLER, "Müller GmbH")], ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("billing_name", "master", "found"), [c[1:] for c in NAMES], ids=[c[0] for c in NAMES]
)
def test_payer_by_name(billing_name: str, master: list[tuple[str, str]], found: str) -> None:
    # The open item carries the master's name, as abas exports it.
    items = _mueller_items(customer_name=master[0][1])
    row = run([named(payment("t1", 31_000), billing_name)], items, customers=master)
    if found:
        assert (row["category"], row["rule"], row["invoice_nos"]) == (
            "matched",
            "customer_amount",
            ["400150"],
        )
        assert row["payer_customer_no"] == found
        assert (
            f"Payer found by name '{billing_name}' → customer {found}, similarity"
            in (row["reason"])
        )
    else:
        assert row["category"] == "unmatched"
        assert "found by name" not in row["reason"]


def test_the_evidence_gives_the_similarity() -> None:
    row = run(
        [named(payment("t1", 31_000), "Pullman Precision Tool")],
        _mueller_items(),
        customers=[(MUELLER, "Pullman Precision Tools")],
    )
    assert row["reason"].endswith(
        "Payer found by name 'Pullman Precision Tool' → customer 70012, similarity 98%."
    )


def test_a_similarity_just_below_the_threshold_finds_nobody() -> None:
    master = [(MUELLER, "Pullman Precision Tools")]
    payer = [named(payment("t1", 31_000), "Pullman Precision Tool")]
    at = dataclasses.replace(PLAIN, name_match_threshold=0.977)
    above = dataclasses.replace(PLAIN, name_match_threshold=0.98)
    assert run(payer, _mueller_items(), at, customers=master)["category"] == "matched"
    assert run(payer, _mueller_items(), above, customers=master)["category"] == "unmatched"


def test_a_payer_found_by_name_still_needs_the_amount_to_fit() -> None:
    row = run([named(payment("t1", 30_998), "Müller GmbH")], _mueller_items())
    assert row["category"] == "unmatched"
    assert "customer 70012" in row["reason"] and "Payer found by name" in row["reason"]


def test_a_known_payer_id_is_not_replaced_by_a_name() -> None:
    items = [*_mueller_items(), open_item("400151", "70013", 31_000)]
    row = run([named(payment("t1", 31_000, customer="70013"), "Müller GmbH")], items)
    assert (row["payer_customer_no"], row["invoice_nos"]) == ("70013", ["400151"])
    assert "found by name" not in row["reason"]


def test_a_name_never_makes_a_named_invoice_a_customer_mismatch() -> None:
    items = [*_mueller_items(), open_item("400160", "70013", 31_000)]
    row = run([named(payment("t1", 31_000, ref="400160"), "Müller GmbH")], items)
    assert (row["category"], row["invoice_nos"]) == ("matched", ["400160"])


def test_name_matching_searches_the_customer_master() -> None:
    payer = [named(payment("t1", 31_000), "Müller Maschinenbau GmbH")]
    items = _mueller_items(customer_name="MUELLER MASCH.")
    master = [(MUELLER, "Müller Maschinenbau GmbH"), ("70099", "Schmidt")]
    assert run(payer, items)["category"] == "unmatched"
    assert run(payer, items, customers=master)["invoice_nos"] == ["400150"]


def test_names_are_normalized() -> None:
    assert normalized_name("  Müller & Söhne GmbH & Co. KG ") == "mueller soehne"
    assert normalized_name("Weiß e.K.") == "weiss"
    assert normalized_name("Coeur d'Alene Marine Supply, LLC") == "coeur dalene marine supply"
    assert normalized_name("Crème Brûlée Ltd.") == "creme brulee"
    assert normalized_name("GmbH") == ""


# --- 4. the customer master: who is an abas customer ------------------------------------------

INVOICE_OF_70001 = open_item("400123", CUSTOMER, 125_000)

# (case, payer id, customer master or None, expected category)
PAYERS: list[tuple[str, str, list[tuple[str, str]] | None, str]] = [
    ("master: known payer without open items", "70030", [("70030", "Other Co")],
     "customer_mismatch"),
    ("master: payer abas does not know", "70031", [("70030", "Other Co")], "matched"),
    ("no master: a customer-number shape", "70030", None, "customer_mismatch"),
    ("no master: a vault id", "cus_8f3a", None, "matched"),
    ("no master: one digit short", "7003", None, "matched"),
    ("no master: another first digit", "90030", None, "matched"),
    ("walk-in", "", None, "matched"),
    ("the payer owns the invoice", CUSTOMER, None, "matched"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("payer", "master", "category"), [c[1:] for c in PAYERS], ids=[c[0] for c in PAYERS]
)
def test_who_may_pay_a_named_invoice(
    payer: str, master: list[tuple[str, str]] | None, category: str
) -> None:
    row = run(
        [payment("t1", 125_000, ref="400123", customer=payer)], [INVOICE_OF_70001], customers=master
    )
    assert (row["category"], row["invoice_nos"]) == (category, ["400123"])
    if category == "customer_mismatch":
        assert f"paid by customer {payer}" in row["reason"]


# --- 5. already posted rows keep their invoices -------------------------------------------------


def test_an_already_posted_row_keeps_its_invoices_and_document() -> None:
    row = run(
        [payment("t1", 125_000, ref="400123", customer=CUSTOMER)],
        [INVOICE_OF_70001],
        already_posted={"t1": "ZE-4711"},
        posted_invoices={"t1": ["400123"]},
    )
    assert (row["category"], row["invoice_nos"], row["customer_no"]) == (
        "already_posted",
        ["400123"],
        CUSTOMER,
    )
    assert "ZE-4711" in row["reason"] and "400123" in row["reason"]


def test_an_already_posted_row_names_invoices_abas_has_cleared_since() -> None:
    row = run(
        [payment("t1", 200_000, ref="400123 400124", customer=CUSTOMER)],
        [],
        already_posted={"t1": "ZE-4712"},
        posted_invoices={"t1": ["400123", "400124"]},
    )
    assert (row["category"], row["invoice_nos"], row["applied_cents"]) == (
        "already_posted",
        ["400123", "400124"],
        [0, 0],
    )
