"""A result's reason in words: its code and parameters rendered in the clerk's language.

Matching says why in codes (``reason_code``, parts joined by ``+``) and parameters (the
``reason_*`` columns, models.REASON_PARAMETERS); this module words them at the edge, in the
configured language, with amounts, dates and shares formatted by the locale. Rows are rendered
per distinct code, one template per group, so a day of a million payments costs a few
hundred distinct formats, not a million look-ups (docs/i18n.md#reasons).
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from babel.dates import format_date
from babel.numbers import format_percent, get_decimal_symbol, get_group_symbol

from paytrace_abas.report.catalog import N_, NP_, translate, translate_plural


@dataclass(frozen=True)
class Part:
    """One part of a reason: a sentence, or a clause that continues the sentence before it."""

    message: str | tuple[str, str]
    clause: bool = False


def _clause(message: str) -> Part:
    return Part(message, clause=True)


# TRANSLATORS: {invoices} are invoice numbers, {customer} an abas customer (Debitor), {other}
# another id (a transaction, an abas document, a customer, a currency); amounts and dates come
# formatted for the locale.
REASONS: dict[str, Part] = {
    # what the card did (card_state)
    "declined": Part(N_("The card was declined")),
    "auto_voided": Part(
        N_("Approved but voided automatically by PayTrace (address or CSC mismatch, code 103)")
    ),
    "voided": Part(N_("Voided before settlement")),
    "refund": Part(N_("Money returned to the card holder")),
    "pending": Part(N_("Not settled yet; it will be matched once it settles")),
    "authorization": Part(N_("An authorization only; no money moves until it is captured")),
    "negative_sale": Part(
        N_(
            "A sale with a negative amount: sales bring money in, so this is not posted; "
            "check it in PayTrace"
        )
    ),
    "chargeback": Part(N_("Disputed and reversed by the card issuer")),
    "fields_contradict": Part(
        N_(
            "PayTrace's fields contradict each other ({detail}); nothing is posted for it: "
            "check it in PayTrace"
        )
    ),
    # what earlier runs did (the ledger)
    "posted_before": Part(N_("Posted by an earlier run as abas document {other}")),
    "posted_before_invoices": Part(
        NP_(
            "Posted by an earlier run as abas document {other} (invoice {invoices})",
            "Posted by an earlier run as abas document {other} (invoices {invoices})",
        )
    ),
    "paid_before": Part(
        NP_(
            "An earlier run already paid invoice {invoices} with it",
            "An earlier run already paid invoices {invoices} with it",
        )
    ),
    # invoices the payment names
    "paid_in_window": Part(
        NP_(
            "Invoice {invoices} was already paid by transaction {other}",
            "Invoices {invoices} were already paid by transaction {other}",
        )
    ),
    "paid_in_earlier_run": Part(
        NP_(
            "Invoice {invoices} was already paid by transaction {other} in an earlier run",
            "Invoices {invoices} were already paid by transaction {other} in an earlier run",
        )
    ),
    "cleared": Part(
        NP_(
            "The payment names invoice {invoices}, which is already cleared in abas",
            "The payment names invoices {invoices}, which are already cleared in abas",
        )
    ),
    "also_not_listed": _clause(N_("; abas does not list {other} as open either")),
    "not_listed": Part(
        NP_(
            "Names invoice {invoices}, which abas does not list as open",
            "Names invoices {invoices}, which abas does not list as open",
        )
    ),
    "other_customers_invoice": Part(
        NP_(
            "Names invoice {invoices} of customer {customer}, but was paid by customer {other}",
            "Names invoices {invoices} of customer {customer}, but was paid by customer {other}",
        )
    ),
    "other_currency": Part(
        NP_(
            "Paid in {other}, but invoice {invoices} is in {detail} and no exchange rate is "
            "configured",
            "Paid in {other}, but invoices {invoices} are in {detail} and no exchange rate is "
            "configured",
        )
    ),
    "pays_named": Part(
        NP_(
            "Names invoice {invoices} and pays its open amount",
            "Names invoices {invoices} and pays their open amounts together",
        )
    ),
    "paid_rest_unexplained": Part(
        NP_(
            "Invoice {invoices} was already paid by transaction {other}; the rest ({detail}) "
            "does not explain the amount",
            "Invoices {invoices} were already paid by transaction {other}; the rest ({detail}) "
            "does not explain the amount",
        )
    ),
    "pays_part": Part(
        NP_(
            "Pays {paid_cents} of {due_cents} open on invoice {invoices}; {gap_cents} stays open",
            "Pays {paid_cents} of {due_cents} open on invoices {invoices}; {gap_cents} stays open",
        )
    ),
    # a payer a clerk's earlier decision linked (docs/customers.md)
    "payer_linked": Part(N_("Payer linked by the clerk on {link_day} (run {link_run})")),
    "discount_too_small": Part(N_("Even the {extra_cents} cash discount does not explain it")),
    "discount_lapsed": Part(
        N_("A {lapsed_cents} cash discount would explain it, but it ran out on {day}")
    ),
    "pays_too_much": Part(
        NP_(
            "Pays {paid_cents} for {due_cents} open on invoice {invoices}; {gap_cents} too much",
            "Pays {paid_cents} for {due_cents} open on invoices {invoices}; {gap_cents} too much",
        )
    ),
    # what every match may add
    "less_discount": _clause(N_(", less {discount_cents} cash discount")),
    "converted": _clause(N_(", converted at {exchange_rate}")),
    "within_tolerance": _clause(N_("; {difference_cents} difference within tolerance")),
    # the payer's open items, no invoice named
    "fits_one_item": Part(
        N_(
            "No invoice named; pays the open amount of invoice {invoices}, the only open item "
            "of customer {customer} that fits"
        )
    ),
    "fits_set": Part(
        N_(
            "No invoice named; pays invoices {invoices} together, the smallest set of open "
            "items of customer {customer} that adds up to the amount"
        )
    ),
    "items_tie": Part(
        N_(
            "No invoice named; open items {invoices} of customer {customer} fit the amount "
            "equally well; a clerk must choose"
        )
    ),
    "fits_but_paid": Part(
        N_(
            "No invoice named; invoice {invoices} of customer {customer} fits the amount, but "
            "transaction {other} already paid it"
        )
    ),
    "sets_tie": Part(
        N_(
            "No invoice named; invoices {invoices} and invoices {detail} of customer {customer} "
            "add up to the amount equally well; a clerk must choose"
        )
    ),
    "items_in_other_currency": Part(
        N_(
            "No invoice named; the open items of customer {customer} are in {detail} and no "
            "exchange rate to {other} is configured"
        )
    ),
    "no_item_fits": Part(
        NP_(
            "No invoice named, and no open item of customer {customer} ({count} unpaid) fits "
            "the amount",
            "No invoice named, and no open item of customer {customer} ({count} unpaid) fits "
            "the amount",
        )
    ),
    "too_many_for_sets": _clause(N_(" (too many open items to look for sets)")),
    "no_set_fits": _clause(N_(", nor does any set of up to {detail}")),
    "closest_differs": _clause(N_("; the closest, invoice {other}, differs by {gap_cents}")),
    # nothing to compare
    "not_an_invoice_number": Part(
        N_("The invoice field holds {invoices}, which is no abas invoice number")
    ),
    "no_invoice_number": Part(N_("No invoice number in the payment text")),
    "customer_without_items": _clause(
        N_(
            ", and PayTrace customer {customer} has no open items in abas (map it in "
            "[matching.customer_map] if the numbers differ)"
        )
    ),
    "no_customer": _clause(N_(", and no PayTrace customer to look up")),
    # recurring schedules (matching/recurring.py): {other} is the transaction of the due day
    "recurring_charged": Part(N_("Charged on its due day by transaction {other}")),
    "recurring_declined": Part(N_("The charge on its due day was declined (transaction {other})")),
    "recurring_missing": Part(
        N_("No charge of this amount to this PayTrace customer was made on its due day")
    ),
    "recurring_card_expiring": Part(
        N_("The card on file expires {detail}, before the next charge on {day}")
    ),
    "payer_by_name": Part(
        N_("Payer found by name '{name}' → customer {customer}, similarity {share}")
    ),
}


def with_reasons(results: pd.DataFrame, language: str, locale: str) -> pd.DataFrame:
    """``results`` with its ``reason`` worded from ``reason_code`` (a frame without codes, such
    as one read back from the ledger, keeps the reasons it has)."""
    if "reason_code" not in results.columns:
        return results
    worded = results.copy(deep=False)
    worded["reason"] = reason_texts(results, language, locale)
    return worded


def reason_texts(results: pd.DataFrame, language: str, locale: str) -> np.ndarray:
    """The reason of every row, in ``language``: one rendering per distinct reason code."""
    texts = _same("", len(results))
    codes, uniques = pd.factorize(results["reason_code"].to_numpy(dtype=object))
    for number, code in enumerate(uniques):
        rows = np.flatnonzero(codes == number)
        texts[rows] = _render(str(code), results, rows, language, locale)
    return texts


def _render(
    code: str, results: pd.DataFrame, rows: np.ndarray, language: str, locale: str
) -> np.ndarray:
    """Every part of ``code`` over ``rows``: clauses continue a sentence, sentences end in '.'."""
    sentences: np.ndarray | None = None
    for name in code.split("+") if code else ():
        part = REASONS.get(name)
        words = _words(part, results, rows, language, locale) if part else _same(name, len(rows))
        if sentences is None:
            sentences = words
        elif part is not None and part.clause:
            sentences = sentences + words
        else:
            sentences = sentences + ". " + words
    if sentences is None:
        return _same("", len(rows))
    return sentences + "."


def _words(
    part: Part, results: pd.DataFrame, rows: np.ndarray, language: str, locale: str
) -> np.ndarray:
    """One part over ``rows``: its template in ``language``, filled with formatted values.

    Templates are filled column-wise: literal + values + literal ... as NumPy object-array
    concatenation, so each row costs a few C-level string joins, not a ``str.format``.
    """
    if isinstance(part.message, tuple):
        counts = _column(results, "count", rows, default=1)
        plural = counts != 1
        words = np.empty(len(rows), dtype=object)
        for picked, number in ((~plural, 1), (plural, 2)):
            if picked.any():
                template = translate_plural(*part.message, number, language)
                words[picked] = _filled(template, results, rows[picked], locale)
        return words
    return _filled(translate(part.message, language), results, rows, locale)


def _filled(template: str, results: pd.DataFrame, rows: np.ndarray, locale: str) -> np.ndarray:
    words: Any = None  # the first piece, then the pieces joined so far (an object array)
    for literal, name in _pieces(template):
        for piece in (literal or None, _formatted(name, results, rows, locale) if name else None):
            if piece is not None:
                words = piece if words is None else words + piece
    if words is None or isinstance(words, str):
        return _same(words or "", len(rows))
    result: np.ndarray = words
    return result


def _same(text: str, size: int) -> np.ndarray:
    words = np.empty(size, dtype=object)
    words.fill(text)
    return words


@cache
def _pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    """(literal, placeholder) pairs of a template, as ``string.Formatter`` parses it."""
    return tuple((literal, name) for literal, name, _, _ in string.Formatter().parse(template))


@cache
def placeholders(template: str) -> tuple[str, ...]:
    """The names a template fills, in order (each once)."""
    found = (field for _, field, _, _ in string.Formatter().parse(template) if field)
    return tuple(dict.fromkeys(found))


def _column(results: pd.DataFrame, name: str, rows: np.ndarray, default: Any = "") -> np.ndarray:
    """A parameter's values at ``rows``: column ``reason_<name>``, else the results column
    ``name`` (missing values: ``default``)."""
    for column in (f"reason_{name}", name):
        if column in results.columns:
            values = results[column].array[rows]
            if isinstance(default, str):
                text: np.ndarray = values.to_numpy(dtype=object)
                missing = pd.isna(text)
                if missing.any():
                    text[missing] = default
                return text
            number: np.ndarray = values.to_numpy(dtype=type(default), na_value=default)
            return number
    return np.full(len(rows), default, dtype=object if isinstance(default, str) else None)


def _formatted(name: str, results: pd.DataFrame, rows: np.ndarray, locale: str) -> np.ndarray:
    """A placeholder's values at ``rows`` as texts (an object array), formatted for the locale."""
    if name.endswith("_cents"):
        return amount_texts(_column(results, name, rows, default=0), locale)
    if name == "day" or name.endswith("_day"):
        values = _column(results, name, rows, default=0)
        days = {d: _day_text(d, locale) for d in np.unique(values).tolist()}
        return np.asarray([days[d] for d in values.tolist()], dtype=object)
    if name == "share":
        values = _column(results, name, rows, default=0.0)
        shares = {v: format_percent(v, locale=locale) for v in np.unique(values).tolist()}
        return np.asarray([shares[v] for v in values.tolist()], dtype=object)
    texts = _column(results, name, rows)
    if len(texts) and not isinstance(texts[0], str):  # counts and other numbers
        texts = np.asarray([str(value) for value in texts.tolist()], dtype=object)
    return texts


def amount_texts(cents: np.ndarray, locale: str) -> np.ndarray:
    """``1,455.00`` / ``1.455,00``: amounts in the locale's separators (the currency is in the
    row's own column). Python's own ``,`` grouping, then the locale's symbols put in, joined
    column-wise: babel's formatter per value would cost a second per hundred thousand."""
    values = np.asarray(cents, dtype=np.int64)
    whole, fraction = np.divmod(np.abs(values), 100)
    group, decimal = _separators(locale)
    wholes = [f"{w:,}" for w in whole.tolist()]
    if group != ",":
        wholes = [text.replace(",", group) for text in wholes]
    texts = np.where(values < 0, "-", "").astype(object) + np.asarray(wholes, dtype=object)
    result: np.ndarray = texts + decimal + _HUNDREDTHS[fraction]
    return result


_HUNDREDTHS = np.asarray([f"{n:02d}" for n in range(100)], dtype=object)


@cache
def _separators(locale: str) -> tuple[str, str]:
    return str(get_group_symbol(locale)), str(get_decimal_symbol(locale))


def _day_text(number: int, locale: str) -> str:
    day = dt.date(1970, 1, 1) + dt.timedelta(days=number)
    return str(format_date(day, "medium", locale=locale))
