"""Locale and language: babel text in console and text cells, number formats, headers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from paytrace_abas.config import load_settings
from paytrace_abas.errors import ConfigError
from paytrace_abas.report import console_summary
from paytrace_abas.report.formats import (
    excel_date_format,
    excel_money_format,
    share_text,
    window_text,
)


def test_console_summary_formats_amounts_and_shares_in_the_locale(
    small_run: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    results, _ = small_run
    english = console_summary(results, "USD", "en_US")
    german = console_summary(results, "EUR", "de_DE", "de")
    rows = {line[:17].strip(): line[17:].split() for line in english.splitlines()[2:9]}
    assert english.splitlines()[0].split() == ["Category", "Count", "Amount"]
    assert rows["Matched"] == ["1", "$100.00"]
    assert rows["Partial payment"] == ["1", "$50.00"]
    assert rows["Total"] == ["6", "$310.50"]
    assert english.endswith(
        "Hit rate (received payments matched to invoices): 25.0%\n"
        "Matched share of received money: 33.8%"
    )
    assert german.splitlines()[0].split() == ["Kategorie", "Anzahl", "Betrag"]
    assert german.splitlines()[2].split(maxsplit=2) == ["Zugeordnet", "1", "100,00\xa0€"]
    assert german.endswith("Zugeordneter Anteil des Geldeingangs: 33,8\xa0%")


@pytest.mark.parametrize(
    ("locale", "money", "day", "window", "share"),
    [
        ("en_US", '"$"#,##0.00;-"$"#,##0.00', "mm/dd/yyyy", "Nov 1, 2026 – Nov 3, 2026", "7.5%"),
        (
            "de_DE",
            '#,##0.00 "$";-#,##0.00 "$"',
            "dd.mm.yyyy",
            "01.11.2026 – 03.11.2026",
            "7,5\xa0%",
        ),
    ],
)
def test_formats_per_locale(locale: str, money: str, day: str, window: str, share: str) -> None:
    assert excel_money_format("USD", locale) == money
    assert excel_date_format(locale) == day
    assert window_text(dt.date(2026, 11, 1), dt.date(2026, 11, 3), locale) == window
    assert share_text(0.075, locale) == share


def test_language_follows_the_locale_unless_set(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[report]\nlocale = "de_DE"\n', encoding="utf-8")
    assert load_settings(config, {}).report.workbook_language == "de"
    config.write_text('[report]\nlocale = "de_DE"\nlanguage = "en"\n', encoding="utf-8")
    assert load_settings(config, {}).report.workbook_language == "en"
    config.write_text('[report]\nlanguage = "fr"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="language must be one of"):
        load_settings(config, {})
