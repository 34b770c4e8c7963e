"""The Resolution column: its syntax, its checks, and the round trip workbook -> plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from paytrace_abas.cli import cli
from paytrace_abas.commands.resolve import in_language
from paytrace_abas.config import AccountRule, AccountSettings
from paytrace_abas.errors import ResolutionError
from paytrace_abas.plan.document import Plan, Posting, read_plan
from paytrace_abas.plan.resolutions import DecisionRow, resolve_decisions
from paytrace_abas.plan.syntax import Assign, Ignore, WriteOff, parse_resolution
from tests.fake_paytrace import sample_day_config
from tests.support.builders import open_item, open_items_frame, payment, payments_frame
from tests.support.workbooks import type_decisions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("assign 400123", [Assign((("400123", None),))]),
        ("Assign 400123=100.00, 400124", [Assign((("400123", 10_000), ("400124", None)))]),
        ("zuordnen 400123 = 100,5 400124", [Assign((("400123", 10_050), ("400124", None)))]),
        ("assign 400123,400124", [Assign((("400123", None), ("400124", None)))]),
        ("write off to 6855", [WriteOff("6855", None)]),
        ("ausbuchen -0,50 auf 6855", [WriteOff("6855", -50)]),
        (
            "assign 400123; write off to 4970",
            [Assign((("400123", None),)), WriteOff("4970", None)],
        ),
        ("IGNORE", [Ignore()]),
        ("ignorieren", [Ignore()]),
    ],
)
def test_resolution_syntax(text: str, expected: list[object]) -> None:
    assert parse_resolution(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pay 400123", "is not a decision"),
        ("assign 400123=1,234.56", "no thousands separators"),
        ("assign 400123=10.005", "no thousands separators"),
        ("write off 6855", "write off to ACCOUNT"),
        ("write off 0 to 6855", "writes nothing off"),
        ("ignore; assign 400123", "stands alone"),
        ("write off to 1; write off to 2", "at most once"),
        (" ; ", "empty"),
    ],
)
def test_bad_resolutions_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_resolution(text)


PAYMENTS = payments_frame(
    [payment(t, cents) for t, cents in [("P1", 5_000), ("P2", 12_000), ("P3", 9_950), ("P4", 700)]]
    + [payment("R1", 100, kind="refund")]
)
OPEN_ITEMS = open_items_frame(
    [
        open_item("400200", "C2", 8_000),
        open_item("400300", "C3", 10_000),
        open_item("400400", "C4", 10_000),
        open_item("400500", "C5", 700, currency="EUR"),
        open_item("400100", "C1", 10_000),
    ]
)
RUN_PLAN = Plan(
    "R",
    "2026-11-25",
    "2026-11-25",
    "hash",
    (Posting("P0", "400100", "C1", 10_000, 0, "USD", "2026-11-25", "VISA"),),
)


def row(transaction_id: str, text: str, note: str = "", number: int = 2) -> DecisionRow:
    return DecisionRow(
        "Exceptions", number, "P (Resolution)", "Q (Note)", transaction_id, text, note
    )


def test_decisions_become_postings_after_the_runs_own() -> None:
    plan = resolve_decisions(
        [
            row("P1", "assign 400200", number=2),
            row("P2", "assign 400300; write off to 4970", "overpaid, keep", number=3),
            row("P3", "assign 400400=100.00; write off to 6855", "0.50 short", number=4),
            row("P4", "ignore", number=5),
        ],
        PAYMENTS,
        OPEN_ITEMS,
        RUN_PLAN,
    )
    added = [
        (
            p.transaction_id,
            p.invoice_no,
            p.write_off_account,
            p.customer_no,
            p.amount_cents,
            p.source,
        )
        for p in plan.postings[1:]
    ]
    assert plan.postings[0] == RUN_PLAN.postings[0]
    assert added == [
        ("P1", "400200", "", "C2", 5_000, "resolution"),  # a partial payment: 30.00 stays open
        ("P2", "400300", "", "C3", 10_000, "resolution"),
        ("P2", "", "4970", "C3", 2_000, "resolution"),  # the overpayment to an account
        ("P3", "400400", "", "C4", 10_000, "resolution"),
        ("P3", "", "6855", "C4", -50, "resolution"),  # the short 0.50 written off
    ]
    assert [(d.transaction_id, d.action, d.where) for d in plan.decisions] == [
        ("P1", "assign", "Exceptions!2"),
        ("P2", "assign+write_off", "Exceptions!3"),
        ("P3", "assign+write_off", "Exceptions!4"),
        ("P4", "ignore", "Exceptions!5"),
    ]


def test_decided_postings_get_the_counter_account_and_open_amount_apply_needs() -> None:
    accounts = AccountSettings(
        default="18100", rules=(AccountRule(account="18120", card_type="VISA"),)
    )
    plan = resolve_decisions(
        [row("P2", "assign 400300; write off to 4970", "overpaid, keep")],
        PAYMENTS,
        OPEN_ITEMS,
        RUN_PLAN,
        accounts=accounts,
    )
    assert [(p.invoice_no, p.account, p.open_cents) for p in plan.postings[1:]] == [
        ("400300", "18120", 10_000),  # the VISA rule, as build_plan would choose
        ("", "18120", None),  # the write-off came in on the same counter account
    ]


def test_every_bad_row_is_reported_with_sheet_row_and_column() -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve_decisions(
            [
                row("P1", "assign 400999", number=2),
                row("P2", "assign 400300", number=3),
                row("P3", "assign 400100", number=4),
                row("P4", "assign 400500", number=5),
                row("P1", "write off to 4970", number=6),
                row("R1", "ignore", number=7),
                row("XX", "ignore", number=8),
                row("P1", "assign 400200=90.00", number=9),
            ],
            PAYMENTS,
            OPEN_ITEMS,
            RUN_PLAN,
        )
    assert caught.value.problems == [
        "sheet 'Exceptions', row 2, column P (Resolution): abas has no open item 400999",
        "sheet 'Exceptions', row 3, column P (Resolution): the decisions use $100.00 of a "
        "payment of $120.00; add an invoice or 'write off to ACCOUNT'",
        "sheet 'Exceptions', row 4, column P (Resolution): invoice 400100 is not open any more "
        "(paid by transaction P0)",
        "sheet 'Exceptions', row 5, column P (Resolution): invoice 400500 is in EUR, the "
        "payment in USD",
        "sheet 'Exceptions', row 6, column Q (Note): a write-off needs a note saying why",
        "sheet 'Exceptions', row 7, column P (Resolution): only settled, received payments "
        "can be resolved here",
        "sheet 'Exceptions', row 8, column P (Resolution): transaction 'XX' is not in the "
        "run's data",
        "sheet 'Exceptions', row 9, column P (Resolution): assigns $90.00 to invoice 400200, "
        "but only $80.00 is open",
    ]


def test_the_problems_are_worded_in_the_clerks_language() -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve_decisions(
            [
                row("P1", "zuordnen 4002x!", number=2),
                row("P2", "zuordnen 400300", number=3),
                row("P1", "ausbuchen auf 4970", number=4),
            ],
            PAYMENTS,
            OPEN_ITEMS,
            RUN_PLAN,
            ("USD", "de_DE"),
        )
    assert in_language(caught.value, "de").problems == [
        "Blatt „Exceptions“, Zeile 2, Spalte P (Resolution): „4002x!“ ist keine Rechnungsnummer",
        "Blatt „Exceptions“, Zeile 3, Spalte P (Resolution): die Entscheidungen verwenden "
        "100,00\xa0$ einer Zahlung von 120,00\xa0$; eine Rechnung ergänzen oder "
        "„ausbuchen auf KONTO“",
        "Blatt „Exceptions“, Zeile 4, Spalte Q (Note): eine Ausbuchung braucht eine Bemerkung, "
        "warum",
    ]


def test_an_amount_with_thousands_separators_is_refused_in_the_clerks_language() -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve_decisions(
            [row("P2", "zuordnen 400300=1.234,56", number=3)],
            PAYMENTS,
            OPEN_ITEMS,
            RUN_PLAN,
            ("USD", "de_DE"),
        )
    assert in_language(caught.value, "de").problems == [
        "Blatt „Exceptions“, Zeile 3, Spalte P (Resolution): „1.234,56“ ist kein Betrag wie "
        "100,00 oder 100.00 (ohne Tausenderpunkte)",
    ]


def test_two_decisions_cannot_spend_the_same_open_amount() -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve_decisions(
            [
                row("P1", "assign 400200", number=2),
                row("P2", "assign 400200=40.00; write off to 4970", "credit", number=3),
            ],
            PAYMENTS,
            OPEN_ITEMS,
            RUN_PLAN,
        )
    assert caught.value.problems == [
        "sheet 'Exceptions', row 3, column P (Resolution): assigns $40.00 to invoice 400200, "
        "but only $30.00 is open"
    ]


def _demo_config(tmp_path: Path) -> str:
    """config/demo.toml with its ledger in ``tmp_path`` (never the repository's out/)."""
    return str(sample_day_config(tmp_path))


def _reconcile_demo(tmp_path: Path) -> tuple[Path, Path]:
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            _demo_config(tmp_path),
            "reconcile",
            "--date",
            "2026-11-25",
            "--dry-run",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    workbook = next(tmp_path.glob("reconcile-*.xlsx"))
    plan = next(tmp_path.glob("plan-*.json"))
    return workbook, plan


def test_round_trip_from_an_edited_workbook_to_a_plan(tmp_path: Path) -> None:
    workbook, run_plan_path = _reconcile_demo(tmp_path)
    type_decisions(
        workbook,
        {
            "Partial payments": {"512330359": ("assign 400164", "")},
            "Overpayments": {
                "512330387": ("assign 400175; write off to 4970", "customer keeps credit")
            },
            "Unmatched": {"512330415": ("ignore", "test payment")},
        },
    )
    result = CliRunner().invoke(cli, ["--config", _demo_config(tmp_path), "resolve", str(workbook)])
    assert result.exit_code == 0, result.output
    run_plan = read_plan(run_plan_path)
    resolved = read_plan(run_plan_path.with_name(run_plan_path.stem + "-resolved.json"))
    added = resolved.postings[len(run_plan.postings) :]
    assert resolved.postings[: len(run_plan.postings)] == run_plan.postings
    assert [
        (p.transaction_id, p.invoice_no, p.write_off_account, p.amount_cents) for p in added
    ] == [
        ("512330359", "400164", "", 145_500),
        ("512330387", "400175", "", 46_000),
        ("512330387", "", "4970", 1_000),
    ]
    # counter account from [accounts] (as the run's own postings), and the open amount apply
    # re-checks; a write-off line pays no invoice
    assert [(p.account, p.open_cents) for p in added] == [
        ("18100", 150_000),
        ("18100", 46_000),
        ("18100", None),
    ]
    assert [(d.transaction_id, d.action, d.note) for d in resolved.decisions] == [
        ("512330359", "assign", ""),
        ("512330387", "assign+write_off", "customer keeps credit"),
        ("512330415", "ignore", "test payment"),
    ]
    assert "3 decision(s) read: 3 posting line(s) added" in result.output


def test_bad_decisions_exit_2_with_one_line_per_row(tmp_path: Path) -> None:
    workbook, _ = _reconcile_demo(tmp_path)
    type_decisions(
        workbook,
        {"Partial payments": {"512330359": ("assign 400999", ""), "512330366": ("pay it", "")}},
    )
    result = CliRunner().invoke(cli, ["--config", _demo_config(tmp_path), "resolve", str(workbook)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: sheet 'Partial payments', row 2, column O (Resolution): abas has no open item "
        "400999",
        "error: sheet 'Partial payments', row 3, column O (Resolution): 'pay it' is not a "
        "decision; start with 'assign', 'skonto', 'write off … to' or 'ignore'",
    ]
    assert not list(tmp_path.glob("*-resolved.json"))


def test_a_workbook_from_elsewhere_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    result = CliRunner().invoke(cli, ["--config", _demo_config(tmp_path), "resolve", str(path)])
    assert result.exit_code == 2
    assert "was not written by paytrace-abas reconcile" in result.output
