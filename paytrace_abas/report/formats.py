"""Locale-dependent formats: Excel number formats for cells; babel text for text and console."""

from __future__ import annotations

import datetime as dt

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_percent, get_currency_symbol

_DATE_FORMATS = {"en_US": "mm/dd/yyyy", "de_DE": "dd.mm.yyyy"}
_DATE_TIME_FORMATS = {"en_US": "mm/dd/yyyy hh:mm", "de_DE": "dd.mm.yyyy hh:mm"}
COUNT_FORMAT = "#,##0"
SHARE_FORMAT = "0.0%"
CONFIDENCE_FORMAT = "0%"


def excel_money_format(currency: str, locale: str) -> str:
    """A currency number format in the locale's layout: ``"$"#,##0.00`` or ``#,##0.00 "€"``.

    Excel always stores ``,`` and ``.`` as placeholders; the viewer's locale picks the
    separators it displays, so only the symbol's place and spacing come from the locale.
    """
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0]
    symbol = get_currency_symbol(currency, locale).replace('"', "")
    positive = pattern.replace("\u00a0", " ").replace("¤", f'"{symbol}"')
    return f"{positive};-{positive}"


def excel_date_format(locale: str) -> str:
    """The date number format a clerk of this locale reads without thinking."""
    return _DATE_FORMATS.get(locale, "yyyy-mm-dd")


def excel_date_time_format(locale: str) -> str:
    """Date and time of day, for timestamps such as a posting's time."""
    return _DATE_TIME_FORMATS.get(locale, "yyyy-mm-dd hh:mm")


def day_text(day: dt.date, locale: str) -> str:
    """A day as text: ``Nov 25, 2026`` / ``25.11.2026``."""
    return str(format_date(day, "medium", locale=locale))


def window_text(first: dt.date, last: dt.date, locale: str) -> str:
    """A window of days as text; a single day when both ends agree."""
    if first == last:
        return day_text(first, locale)
    return f"{day_text(first, locale)} – {day_text(last, locale)}"


def moment_text(moment: dt.datetime, locale: str) -> str:
    """A UTC moment as text in the locale, marked UTC so nobody guesses the zone."""
    return f"{format_datetime(moment, 'medium', tzinfo=dt.UTC, locale=locale)} UTC"


def share_text(share: float, locale: str) -> str:
    """A share as a percentage with one decimal: ``82.3%`` / ``82,3 %``."""
    pattern = Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
    return str(format_percent(share, pattern, locale=locale))
