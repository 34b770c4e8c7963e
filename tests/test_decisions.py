"""Decisions that stick and can be changed: a decision ``apply`` accepted is pre-filled on a
rerun, a contradicting one is refused by ``resolve`` (exit 2), ``revise`` replaces one with
the ledger keeping both, a posted receipt is never replaced, and ``skonto`` grants a cash
discount late (docs/workbook.md#decisions-that-stick)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.errors import ResolutionError
from paytrace_abas.ledger import Ledger
from paytrace_abas.models import Category, ManualBooking
from paytrace_abas.plan.document import ClerkDecision, Plan, Posting
from paytrace_abas.plan.recheck import LedgerFacts, review_plan
from paytrace_abas.plan.resolutions import (
    DecisionRow,
    LedgerState,
    pending_rows,
    resolve_decisions,
)
from paytrace_abas.plan.syntax import (
    Assign,
    Ignore,
    Skonto,
    WriteOff,
    parse_resolution,
    same_decision,
    split_revision,
)
from tests.support.builders import open_item, open_items_frame, payment, payments_frame

PAYMENTS = payments_frame(
    [payment(t, cents) for t, cents in [("P1", 145_500), ("P2", 14_900), ("P3", 5_000)]]
)
OPEN_ITEMS = open_items_frame(
    [
        # 3 % until the 15th: 1,500.00 less 45.00, paid ten days late
        open_item("400164", "C1", 150_000, discount_bp=300, until="2026-11-15"),
        open_item("400302", "C2", 36_958),
        open_item("400400", "C3", 15_000, discount_bp=200, until="2026-11-15"),
    ]
)
PAID = dt.date(2026, 11, 25)
EMPTY_PLAN = Plan("R", "2026-11-25", "2026-11-25", "hash", ())


def row(transaction_id: str, text: str, note: str = "", number: int = 2) -> DecisionRow:
    return DecisionRow(
        "Unmatched", number, "P (Resolution)", "Q (Note)", transaction_id, text, note
    )


def resolve(*rows: DecisionRow, ledger: dict[str, LedgerState] | None = None) -> Plan:
    return resolve_decisions(rows, PAYMENTS, OPEN_ITEMS, EMPTY_PLAN, ledger=ledger)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("skonto 400164", [Skonto(("400164",))]),
        ("Skonto 400164, 400165", [Skonto(("400164", "400165"))]),
        ("skonto 400164; write off to 6855", [Skonto(("400164",)), WriteOff("6855", None)]),
        ("skonto 400164; assign 400302", [Skonto(("400164",)), Assign((("400302", None),))]),
    ],
)
def test_skonto_syntax(text: str, expected: list[object]) -> None:
    assert parse_resolution(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("revise assign 400302", (True, "assign 400302")),
        ("Revise: ignore", (True, "ignore")),
        ("ändern: ignorieren", (True, "ignorieren")),
        ("ignore", (False, "ignore")),
        ("revised assign 1", (False, "revised assign 1")),
    ],
)
def test_revise_is_a_keyword_in_front_of_a_decision(text: str, expected: object) -> None:
    assert split_revision(text) == expected
    assert parse_resolution(split_revision("revise ignore")[1]) == [Ignore()]


def test_the_same_decision_is_recognised_whatever_its_case_spacing_or_revise() -> None:
    assert same_decision("Assign 400171=840.00;write off -40.00 to 6855",
                         "assign 400171=840.00; write off -40.00 to 6855")  # fmt: skip
    assert same_decision("revise ignore", "ignore")
    assert not same_decision("assign 400302", "ignore")


def test_skonto_posts_the_payment_and_the_discount_like_an_in_time_one() -> None:
    plan = resolve(row("P1", "skonto 400164"))
    (line,) = plan.postings
    assert (line.invoice_no, line.amount_cents, line.discount_cents) == ("400164", 145_500, 4_500)
    assert (line.open_cents, line.source, line.write_off_account) == (150_000, "resolution", "")
    assert [(d.action, d.resolution, d.revises) for d in plan.decisions] == [
        ("skonto", "skonto 400164", "")
    ]


def test_skonto_must_use_the_payment_and_needs_discount_terms() -> None:
    with pytest.raises(ResolutionError) as raised:
        resolve(
            row("P2", "skonto 400400", number=2),  # 147.00 due, 149.00 paid
            row("P3", "skonto 400302", number=3),  # no terms
        )
    assert raised.value.problems == [
        "sheet 'Unmatched', row 2, column P (Resolution): the decisions use $147.00 of a "
        "payment of $149.00; add an invoice or 'write off to ACCOUNT'",
        "sheet 'Unmatched', row 3, column P (Resolution): invoice 400302 offers no cash "
        "discount; use assign and write off",
    ]


def test_a_row_left_as_the_rerun_prefilled_it_is_no_new_decision() -> None:
    ledger = {"P2": LedgerState("ignore", "A1"), "P3": LedgerState("assign 400400", "A1")}
    rows = [row("P2", "Ignore"), row("P3", "revise ignore", number=3), row("P1", "skonto 400164")]
    assert [r.transaction_id for r in pending_rows(rows, ledger)] == ["P3", "P1"]


def test_a_contradicting_decision_is_refused_naming_the_row_and_the_earlier_one() -> None:
    ledger = {
        "P2": LedgerState("ignore", "A1"),
        "P3": LedgerState("assign 400400", "A1", "posted", "700001"),
    }
    with pytest.raises(ResolutionError) as raised:
        resolve(
            row("P2", "assign 400302", number=2),
            row("P3", "revise ignore", number=3),
            row("P1", "revise skonto 400164", number=4),
            ledger=ledger,
        )
    assert raised.value.problems == [
        "sheet 'Unmatched', row 2, column P (Resolution): transaction P2 was decided 'ignore' "
        "(applied by run A1); to change it write 'revise assign 400302'",
        "sheet 'Unmatched', row 3, column P (Resolution): transaction P3 already has a receipt "
        "(posted, abas document 700001); reverse it in abas first and book the correction there",
        "sheet 'Unmatched', row 4, column P (Resolution): transaction P1 has no applied "
        "decision to revise",
    ]


def test_revise_replaces_a_decision_without_a_receipt() -> None:
    plan = resolve(
        row("P2", "revise assign 400302", "paid 400302 after all"),
        ledger={"P2": LedgerState("ignore", "A1")},
    )
    assert [(p.invoice_no, p.amount_cents) for p in plan.postings] == [("400302", 14_900)]
    assert [(d.resolution, d.revises) for d in plan.decisions] == [("assign 400302", "ignore")]


def _revision_plan() -> Plan:
    posting = Posting("P2", "400302", "C2", 14_900, 0, "USD", "2026-11-25", "VISA", "18100",
                      36_958, source="resolution")  # fmt: skip
    decision = ClerkDecision("P2", "assign", "assign 400302", "", "Unmatched!2", "ignore")
    return Plan("R", "2026-11-25", "2026-11-25", "hash", (posting,), (decision,))


def test_apply_supersedes_the_revised_decision_and_posts_the_new_one() -> None:
    facts = LedgerFacts(decisions={"P2": ("ignore", "A1")})
    review = review_plan(_revision_plan(), OPEN_ITEMS, facts)
    assert [r.transaction_id for r in review.receipts] == ["P2"]
    assert [(d.resolution, d.revises) for d in review.decisions] == [("assign 400302", "ignore")]
    assert (review.rechecks, review.withdrawn_bookings) == ((), ())


def test_a_revised_write_off_is_named_as_withdrawn() -> None:
    facts = LedgerFacts(bookings=frozenset({"P2"}), decisions={"P2": ("ignore", "A1")})
    review = review_plan(_revision_plan(), OPEN_ITEMS, facts)
    assert review.withdrawn_bookings == ("P2",)
    assert [d.transaction_id for d in review.decisions] == ["P2"]


def test_a_revision_applied_before_a_crash_posts_its_receipt_on_the_rerun() -> None:
    # the decisions were recorded (the old one superseded), then the process died
    facts = LedgerFacts(decisions={"P2": ("assign 400302", "A2")})
    review = review_plan(_revision_plan(), OPEN_ITEMS, facts)
    assert [r.transaction_id for r in review.receipts] == ["P2"]
    assert (review.decisions, review.rechecks) == ((), ())


def test_a_revision_is_held_back_when_the_ledger_moved_on_or_posted_a_receipt() -> None:
    moved_on = LedgerFacts(decisions={"P2": ("write off to 6855", "A3")})
    posted = LedgerFacts(receipts={"P2": "A4"}, decisions={"P2": ("ignore", "A1")})
    held = [review_plan(_revision_plan(), OPEN_ITEMS, facts) for facts in (moved_on, posted)]
    assert [(r.rechecks[0].category, r.receipts, r.decisions) for r in held] == [
        (Category.DUPLICATE, (), ()),
        (Category.ALREADY_POSTED, (), ()),
    ]
    assert "reversed in abas, not revised" in held[1].rechecks[0].reason


def test_the_ledger_keeps_a_revised_decision_and_its_write_off(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite3", utc_now) as ledger:
        first = ledger.start_run("A1", "apply", None, False, {"plan_run_id": "R1"})
        booking = ManualBooking("P2", "18100", "6855", "C2", 14_900, "USD", PAID, "fee")
        write_off = ClerkDecision("P2", "write_off", "write off to 6855", "fee", "Unmatched!2")
        ledger.record_decisions(first, "R1", [write_off], [booking])
        second = ledger.start_run("A2", "apply", None, False, {"plan_run_id": "R2"})
        revision = ClerkDecision(
            "P2", "assign", "assign 400302", "", "Unmatched!2", write_off.resolution
        )
        for _ in range(2):  # a rerun of apply changes nothing more
            ledger.record_decisions(second, "R2", [revision], [])
        current = ledger.applied_decisions(["P2"])["P2"]
        superseded = ledger.superseded_decisions(["P2"])
        bookings = ledger.manual_bookings_of(["P2"])
    assert (current.resolution, current.run_id) == ("assign 400302", second)
    assert [(s.resolution, s.run_id, s.had_manual_booking, s.superseded_run_id)
            for s in superseded] == [("write off to 6855", first, True, second)]  # fmt: skip
    assert bookings == []  # the write-off is no longer to be booked
