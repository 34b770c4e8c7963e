"""Period report: the latest decision per transaction wins; exceptions carry forward with age."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from openpyxl import load_workbook

from paytrace_abas.cli import cli
from paytrace_abas.commands.report import period_report
from paytrace_abas.config import Settings
from paytrace_abas.models import RunSnapshot, Window
from paytrace_abas.report import PeriodHeader, write_period_workbook
from paytrace_abas.report.period import summarize_period
from tests.support.builders import GENERATED_AT, PERIOD_RUNS, november, run_items


def test_latest_decision_wins_and_open_exceptions_carry_forward_with_their_age() -> None:
    report = summarize_period(
        PERIOD_RUNS, pd.DataFrame(), {"C": november(24)}, november(24), november(25)
    )
    assert report.run_count == 2
    assert report.categories.to_dict("records") == [
        {"category": "matched", "count": 2, "amount_cents": 6_000},
        {"category": "ambiguous", "count": 1, "amount_cents": 600},
        {"category": "refund", "count": 1, "amount_cents": 500},
    ]
    # A (23rd) is carried into a report that starts on the 24th; C was resolved on the 24th.
    opened = report.open_exceptions[["transaction_id", "day", "category", "age_days"]]
    assert opened.to_dict("records") == [
        {"transaction_id": "A", "day": november(23), "category": "unmatched", "age_days": 2},
        {"transaction_id": "F", "day": november(24), "category": "ambiguous", "age_days": 1},
    ]
    assert report.open_exceptions["first_seen"].tolist() == ["R23", "R24"]


def test_daily_card_and_batch_totals_separate_money_in_from_money_out() -> None:
    report = summarize_period(PERIOD_RUNS, pd.DataFrame(), {}, november(23), november(24))
    assert report.daily.to_dict("records") == [
        {"day": november(23), "category": "partial_payment", "count": 1, "amount_cents": 3_000},
        {"day": november(23), "category": "unmatched", "count": 1, "amount_cents": 1_000},
        {"day": november(24), "category": "matched", "count": 2, "amount_cents": 6_000},
        {"day": november(24), "category": "ambiguous", "count": 1, "amount_cents": 600},
        {"day": november(24), "category": "refund", "count": 1, "amount_cents": 500},
    ]
    assert report.batches.to_dict("records") == [
        {
            "day": november(23),
            "batch_number": 1,
            "count": 2,
            "received_cents": 4_000,
            "refunded_cents": 0,
            "net_cents": 4_000,
        },
        {
            "day": november(24),
            "batch_number": 2,
            "count": 4,
            "received_cents": 6_600,
            "refunded_cents": 500,
            "net_cents": 6_100,
        },
    ]
    visa_24 = report.card_types[
        (report.card_types["day"] == november(24)) & (report.card_types["card_type"] == "VISA")
    ]
    assert visa_24[["count", "received_cents", "refunded_cents", "net_cents"]].to_dict(
        "records"
    ) == [{"count": 3, "received_cents": 2_600, "refunded_cents": 500, "net_cents": 2_100}]


def test_period_workbook_has_a_sheet_per_view(tmp_path: Path) -> None:
    postings = pd.DataFrame(
        [
            {
                "transaction_id": "D",
                "invoice_no": "400400",
                "amount_cents": 4_000,
                "discount_cents": 0,
                "paid_on": november(24),
                "status": "posted",
                "abas_document": "ZE-7",
            }
        ]
    )
    report = summarize_period(PERIOD_RUNS, postings, {}, november(23), november(24))
    path = tmp_path / "period.xlsx"
    write_period_workbook(path, PeriodHeader("USD", GENERATED_AT, "de_DE", "de"), report)
    workbook = load_workbook(path)
    assert workbook.sheetnames == [
        "Übersicht",
        "Tagessummen",
        "Kartenarten",
        "Batches",
        "Buchungen",
        "Offene Klärfälle",
    ]
    opened = list(workbook["Offene Klärfälle"].iter_rows(values_only=True))
    assert opened[0][:5] == ("Transaktion", "Tag", "Kategorie", "Betrag", "Alter (Tage)")
    assert [row[0] for row in opened[1:4]] == ["A", "C", "F"]
    assert opened[1][2:5] == ("Nicht zugeordnet", 10.0, 1)
    postings_rows = list(workbook["Buchungen"].iter_rows(values_only=True))
    assert postings_rows[1][:5] == ("D", "400400", None, None, 40.0)
    summary = {row[0]: row[1] for row in workbook["Übersicht"].iter_rows(values_only=True)}
    assert summary["Zeitraum"] == "23.11.2026 – 24.11.2026"
    assert summary["Offene Klärfälle"] == 3


class FakeHistory:
    """What the run ledger will provide: the RunHistory read interface."""

    def snapshots(self, first_day: dt.date, last_day: dt.date) -> list[RunSnapshot]:
        return PERIOD_RUNS

    def postings(self, first_day: dt.date, last_day: dt.date) -> pd.DataFrame:
        return pd.DataFrame()

    def resolved(self) -> dict[str, dt.date]:
        return {"A": november(25)}


def test_period_report_reads_the_history_and_writes_the_workbook(tmp_path: Path) -> None:
    settings = Settings()
    window = Window(november(24), november(25))
    path = period_report(settings, window, tmp_path, FakeHistory(), GENERATED_AT)
    assert path == tmp_path / "period-2026-11-24..2026-11-25-20261126T063000Z.xlsx"
    opened = list(load_workbook(path)["Open exceptions"].iter_rows(values_only=True))
    assert [row[0] for row in opened[1:-1]] == ["C", "F"]  # A was resolved on the 25th


def test_report_command_without_a_ledger_exits_2_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "paytrace-abas.toml"
    config.write_text('[ledger]\npath = "nowhere.sqlite3"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "report", "--from", "2026-11-01", "--to", "2026-11-30"],
    )
    assert result.exit_code == 2
    assert f"run ledger {tmp_path / 'nowhere.sqlite3'}, which does not exist" in result.output
    assert not (tmp_path / "nowhere.sqlite3").exists()


def test_an_already_posted_rerun_does_not_replace_the_first_decision() -> None:
    rerun = RunSnapshot(
        "R25",
        dt.datetime(2026, 11, 26, 6, tzinfo=dt.UTC),
        run_items(
            ("D", 24, "already_posted", 4_000, "AMEX", 2), ("G", 24, "already_posted", 50, "", 2)
        ),
    )
    report = summarize_period([*PERIOD_RUNS, rerun], pd.DataFrame(), {}, november(24), november(24))
    categories = {row["category"]: row["count"] for row in report.categories.to_dict("records")}
    # D stays matched; G, posted before any run here saw it, is already_posted.
    assert categories == {"matched": 2, "ambiguous": 1, "refund": 1, "already_posted": 1}
