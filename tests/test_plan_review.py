"""What apply does with each transaction of a plan: post, book by hand, skip or hold back."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from paytrace_abas.errors import InputFileError
from paytrace_abas.models import Category, ManualBooking, Receipt, ReceiptLine
from paytrace_abas.plan.document import ClerkDecision, Plan, Posting, read_plan, write_plan
from paytrace_abas.plan.recheck import LedgerFacts, PaidLine, review_plan

OPEN_ITEMS = pd.DataFrame(
    [
        {"invoice_no": number, "currency": "USD", "open_cents": cents}
        for number, cents in [("400100", 10_000), ("400200", 8_000), ("400300", 10_000)]
    ]
)


def posting(tid: str, invoice: str, cents: int, write_off_account: str = "") -> Posting:
    """A line as planning or resolution writes it: counter account, open amount of the invoice."""
    opened = OPEN_ITEMS.set_index("invoice_no")["open_cents"].to_dict().get(invoice)
    return Posting(
        tid,
        invoice,
        "C1",
        cents,
        0,
        "USD",
        "2026-11-25",
        "VISA",
        "18100",
        opened,
        write_off_account,
    )


def decided(line: Posting) -> Posting:
    return replace(line, source="resolution", note="why")


MATCHED = posting("P1", "400100", 10_000)
OVERPAID = (  # 120.00 paid on 100.00 open: 20.00 written off to 4970
    decided(posting("P2", "400300", 10_000)),
    decided(posting("P2", "", 2_000, "4970")),
)
OVERPAID_DECISION = ClerkDecision(
    "P2", "assign+write_off", "assign 400300; write off to 4970", "why", "Overpayments!2"
)
WRITTEN_OFF = decided(posting("P5", "", 500, "6855"))
WRITTEN_OFF_DECISION = ClerkDecision("P5", "write_off", "write off to 6855", "why", "Unmatched!2")
IGNORED_DECISION = ClerkDecision("P6", "ignore", "ignore", "test", "Unmatched!3")
PLAN = Plan(
    "R1",
    "2026-11-25",
    "2026-11-25",
    "hash",
    (MATCHED, *OVERPAID, WRITTEN_OFF),
    (OVERPAID_DECISION, WRITTEN_OFF_DECISION, IGNORED_DECISION),
)
PAID_ON = dt.date(2026, 11, 25)


def test_write_offs_stay_out_of_the_receipt_and_are_listed_to_book_by_hand() -> None:
    review = review_plan(PLAN, OPEN_ITEMS, LedgerFacts())
    assert review.receipts == (
        Receipt(
            "P1", "C1", "USD", PAID_ON, "18100", (ReceiptLine("400100", 10_000, 0, 10_000),), "VISA"
        ),
        Receipt(
            "P2", "C1", "USD", PAID_ON, "18100", (ReceiptLine("400300", 10_000, 0, 10_000),), "VISA"
        ),
    )
    assert review.bookings == (
        ManualBooking("P2", "18100", "4970", "C1", 2_000, "USD", PAID_ON, "why"),
        ManualBooking("P5", "18100", "6855", "C1", 500, "USD", PAID_ON, "why"),
    )
    assert review.decisions == PLAN.decisions
    assert (review.rechecks, review.skipped) == ((), ())


def test_a_changed_invoice_holds_back_the_whole_transaction_with_its_write_off() -> None:
    changed = OPEN_ITEMS.assign(open_cents=[10_000, 8_000, 9_000])
    review = review_plan(PLAN, changed, LedgerFacts())
    assert [(r.transaction_id, r.category) for r in review.rechecks] == [
        ("P2", Category.OVERPAYMENT)
    ]
    assert [r.transaction_id for r in review.receipts] == ["P1"]
    assert [b.transaction_id for b in review.bookings] == ["P5"]
    assert [d.transaction_id for d in review.decisions] == ["P5", "P6"]


def test_applying_again_skips_what_the_ledger_holds() -> None:
    facts = LedgerFacts(
        receipts={"P1": "A1", "P2": "A1"},
        bookings=frozenset({"P2", "P5"}),
        decisions={d.transaction_id: (d.resolution, "A1") for d in PLAN.decisions},
    )
    review = review_plan(PLAN, OPEN_ITEMS, facts)
    assert (review.receipts, review.bookings, review.decisions, review.rechecks) == ((), (), (), ())
    assert review.skipped == ("P1", "P2", "P5")


def test_a_receipt_whose_decision_was_recorded_before_a_crash_is_posted_on_the_rerun() -> None:
    facts = LedgerFacts(
        receipts={"P1": "A1"},
        bookings=frozenset({"P2", "P5"}),
        decisions={d.transaction_id: (d.resolution, "A1") for d in PLAN.decisions},
    )
    review = review_plan(PLAN, OPEN_ITEMS, facts)
    assert [r.transaction_id for r in review.receipts] == ["P2"]
    assert (review.bookings, review.decisions) == ((), ())


def test_a_transaction_decided_or_posted_otherwise_is_held_back() -> None:
    facts = LedgerFacts(
        receipts={"P5": "N7"},  # a nightly run posted it after all
        decisions={"P2": ("ignore", "A0"), "P1": ("ignore", "A0")},
    )
    review = review_plan(PLAN, OPEN_ITEMS, facts)
    assert [(r.transaction_id, r.category, r.reason) for r in review.rechecks] == [
        (
            "P2",
            Category.DUPLICATE,
            "A clerk's decision for transaction P2 ('ignore') was applied by run A0; "
            "'assign 400300; write off to 4970' was not applied.",
        ),
        (
            "P5",
            Category.ALREADY_POSTED,
            "Transaction P5 is already in the ledger (run N7); 'write off to 6855' was not "
            "applied.",
        ),
        ("P1", Category.DUPLICATE, "A clerk decided transaction P1 ('ignore', applied by run A0)."),
    ]
    assert (review.receipts, review.bookings) == ((), ())
    assert [d.transaction_id for d in review.decisions] == ["P6"]


def test_partial_payments_may_share_an_open_amount_but_never_pay_more_than_it() -> None:
    earlier = {"400200": (PaidLine("T1", 5_000, 8_000),)}
    fits = Plan("R2", "2026-11-25", "2026-11-25", "h", (posting("P7", "400200", 3_000),))
    too_much = Plan("R2", "2026-11-25", "2026-11-25", "h", (posting("P7", "400200", 3_001),))
    planned_blind = replace(posting("P7", "400200", 8_000), open_cents=None)  # an older plan
    unknown = Plan("R2", "2026-11-25", "2026-11-25", "h", (planned_blind,))
    facts = LedgerFacts(paid_lines=earlier)
    assert [r.transaction_id for r in review_plan(fits, OPEN_ITEMS, facts).receipts] == ["P7"]
    for plan in (too_much, unknown):
        review = review_plan(plan, OPEN_ITEMS, facts)
        assert [(r.category, r.reason) for r in review.rechecks] == [
            (Category.DUPLICATE, "Invoice 400200 was already paid by transaction T1.")
        ]


def test_a_plan_with_a_write_off_but_no_decision_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan(replace(PLAN, decisions=(IGNORED_DECISION,)), path)
    with pytest.raises(InputFileError, match="the write-off of transaction P2, P5 has no decision"):
        read_plan(path)
    write_plan(PLAN, path)
    assert read_plan(path) == PLAN
