"""The deposits file (docs/settlement.md#deposits-file): camt.053 read against the schema's
element names, CSV with the columns and decimal separator configured; bad files in one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paytrace_abas.bank import read_deposits
from paytrace_abas.config.settlement import SettlementSettings
from paytrace_abas.errors import InputFileError
from tests.support.cli import run_cli
from tests.support.paths import ROOT

CAMT = ROOT / "tests" / "fixtures" / "bank" / "camt053_several_per_day.xml"
SETTINGS = SettlementSettings()


def test_camt053_gives_the_booked_credits_with_their_references() -> None:
    statement = read_deposits(CAMT, SETTINGS, "USD")
    assert [(d.booked_on, d.amount_cents, d.currency, d.reference) for d in statement.deposits] == [
        (dt.date(2026, 11, 27), 97100, "USD", "BK261127-01 PAYTRACE DEPOSIT"),
        (dt.date(2026, 11, 27), 48550, "USD", "BK261127-02 PAYTRACE DEPOSIT"),
        (dt.date(2026, 11, 27), 19420, "USD", "BK261127-03 PAYTRACE SETTLEMENT BATCH 7"),
        (
            dt.date(2026, 11, 27),
            300000,
            "USD",
            "BK261127-04 INVOICE 400123 CASCADE HYDRAULICS",
        ),
    ]  # the fee debit and the pending credit are no deposits
    assert statement.deposits[2].source == f"{CAMT}: Stmt[1]/Ntry[3]"
    assert statement.through == dt.date(2026, 11, 30)  # the second statement's closing day


def test_camt053_of_another_version_reads_the_same(tmp_path: Path) -> None:
    newer = tmp_path / "camt.xml"
    text = CAMT.read_text(encoding="utf-8").replace("camt.053.001.02", "camt.053.001.08")
    newer.write_text(text.replace("<Sts>BOOK</Sts>", "<Sts><Cd>BOOK</Cd></Sts>"), "utf-8")
    old, new = read_deposits(CAMT, SETTINGS, "USD"), read_deposits(newer, SETTINGS, "USD")
    assert [d.amount_cents for d in new.deposits] == [d.amount_cents for d in old.deposits]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('<Amt Ccy="USD">485.50</Amt>', '<Amt Ccy="USD">485,5O</Amt>'),
            "Stmt[1]/Ntry[2]/Amt: '485,5O' is not a number",
        ),
        (
            ("<Dt>2026-11-27</Dt></BookgDt>", "<Dt>27.11.2026</Dt></BookgDt>"),
            "Stmt[1]/Ntry[1]/BookgDt: '27.11.2026' is not an ISO date",
        ),
        (("</Ntry>", "</Ntry"), "line 36, column 6: not well-formed XML"),
        (("xsd:camt.053.001.02", "xsd:camt.054.001.02"), "is not an ISO 20022 camt.053 Document"),
    ],
)
def test_a_bad_camt053_is_one_line_naming_file_and_element(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    bad = tmp_path / "statement.xml"
    bad.write_text(CAMT.read_text(encoding="utf-8").replace(*change, 1), encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        read_deposits(bad, SETTINGS, "USD")
    assert str(bad) in str(caught.value)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_csv_with_decimal_comma_and_configured_columns(tmp_path: Path) -> None:
    path = tmp_path / "konto.csv"
    path.write_text(
        "Buchungstag;Betrag;Verwendungszweck\n"
        "27.11.2026;1.456,50;PAYTRACE DEPOSIT\n"
        "27.11.2026;-15,00;Kontoführung\n"
        "\n"
        "30.11.2026;194,20;BATCH 7\n",
        encoding="utf-8",
    )
    columns = {
        "booked_on": "Buchungstag",
        "amount": "Betrag",
        "currency": "Währung",
        "reference": "Verwendungszweck",
    }
    statement = read_deposits(path, SettlementSettings(columns=columns), "USD")
    assert [(d.booked_on, d.amount_cents, d.currency, d.reference) for d in statement.deposits] == [
        (dt.date(2026, 11, 27), 145650, "USD", "PAYTRACE DEPOSIT"),
        (dt.date(2026, 11, 30), 19420, "USD", "BATCH 7"),
    ]
    assert statement.through == dt.date(2026, 11, 30)


def test_csv_with_decimal_point(tmp_path: Path) -> None:
    path = tmp_path / "statement.csv"
    path.write_text(
        'booking_date,amount,currency,reference\n2026-11-27,"1,456.50",usd,PAYTRACE\n',
        encoding="utf-8",
    )
    settings = SettlementSettings(delimiter=",", decimal_separator=".", date_format="%Y-%m-%d")
    statement = read_deposits(path, settings, "USD")
    assert [(d.amount_cents, d.currency) for d in statement.deposits] == [(145650, "USD")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("day;amount\n", "line 1: column booking_date is missing"),
        (
            "booking_date;amount\n27.11.2026;1.456.50\n",
            "line 2, column amount: '1.456.50' is not an amount with a decimal comma",
        ),
        (
            "booking_date;amount\n2026-11-27;10,00\n",
            "line 2, column booking_date: '2026-11-27' is not a date like %d.%m.%Y",
        ),
    ],
)
def test_a_bad_csv_is_one_line_naming_file_line_and_column(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "statement.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match="statement.csv") as caught:
        read_deposits(path, SETTINGS, "USD")
    assert message in str(caught.value)


def test_a_run_with_a_broken_deposits_file_exits_2_in_one_line(demo_copy: Path) -> None:
    statement = demo_copy.parent.parent / "sample_data" / "deposits-2026-11.camt053.xml"
    statement.write_text(
        statement.read_text("utf-8").replace('<Amt Ccy="USD">25000.00', '<Amt Ccy="USD">lots'),
        "utf-8",
    )
    result = run_cli(demo_copy, "reconcile", "--date", "2026-11-25", "--dry-run")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert (
        "deposits-2026-11.camt053.xml: Stmt[1]/Ntry[2]/Amt: 'lots' is not a number" in result.stderr
    )
    assert "Traceback" not in result.output + result.stderr
