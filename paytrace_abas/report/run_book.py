"""The run workbook: Summary, one sheet per exception category, Matched, Postings, and the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty

from paytrace_abas.models import (
    EXCEPTIONS,
    MONEY_OUT,
    NON_MONEY,
    POSTING_ROW_COLUMNS,
    RESULT_COLUMNS,
    Category,
)
from paytrace_abas.plan.document import Plan
from paytrace_abas.report import formats, labels
from paytrace_abas.report.cells import Kind
from paytrace_abas.report.labels import CATEGORY_COLOURS, NEUTRAL_COLOUR
from paytrace_abas.report.styles import Styles
from paytrace_abas.report.summary import SummaryFacts, write_summary
from paytrace_abas.report.tables import (
    EXCEL_MAX_ROWS,
    Column,
    TableSpec,
    WrittenTable,
    write_table,
)

#: Custom document properties that let ``resolve`` find the run behind an edited workbook.
PROPERTY_RUN_ID = "paytrace_abas.run_id"
PROPERTY_WINDOW = "paytrace_abas.window"
PROPERTY_FORMAT = "paytrace_abas.workbook_format"
WORKBOOK_FORMAT = "1"

#: Exception categories a clerk decides with the Resolution column.
RESOLVABLE = tuple(c for c in Category if c in EXCEPTIONS - MONEY_OUT - {Category.ALREADY_POSTED})


@dataclass(frozen=True)
class RunHeader:
    """What the Summary sheet says about the run itself."""

    run_id: str
    window: str
    dry_run: bool
    currency: str
    generated_at: dt.datetime
    locale: str = "en_US"
    language: str = "en"


_PAYMENT = (
    Column("transaction_id"),
    Column("paid_on", Kind.DATE),
    Column("billing_name"),
    Column("card"),
    Column("amount", Kind.MONEY, total=True),
)
MATCHED_COLUMNS = (
    *_PAYMENT,
    Column("invoices"),
    Column("customer_no"),
    Column("applied", Kind.MONEY, total=True),
    Column("discount", Kind.MONEY, total=True),
    Column("difference", Kind.MONEY, total=True),
    # added by the pipeline once a plan exists (absent in a bare match result)
    Column("account"),
    Column("posting_state"),
    Column("rule"),
    Column("rule_confidence", Kind.CONFIDENCE),
    Column("reason", wrap=True),
)
EXCEPTION_COLUMNS = (
    *_PAYMENT,
    Column("invoices"),
    Column("customer_no"),
    Column("difference", Kind.MONEY, total=True),
    Column("days_from_invoice", Kind.COUNT),
    Column("rule_confidence", Kind.CONFIDENCE),
    Column("rule"),
    Column("reason", wrap=True),
    Column("runner_up", wrap=True),
    Column("paytrace_customer_id"),
    Column("invoice_ref"),
)
RESOLUTION_COLUMNS = (Column("resolution", min_width=30), Column("note", min_width=24))
MONEY_OUT_COLUMNS = (
    Column("category"),
    *_PAYMENT,
    Column("paytrace_customer_id"),
    Column("invoice_ref"),
    Column("reason", wrap=True),
)
NOT_MONEY_COLUMNS = (Column("category"), *_PAYMENT, Column("reason", wrap=True))
POSTING_COLUMNS = (
    Column("transaction_id"),
    Column("invoice_no"),
    Column("write_off_account"),
    Column("customer_no"),
    Column("amount", Kind.MONEY, total=True),
    Column("discount", Kind.MONEY, total=True),
    Column("paid_on", Kind.DATE),
    Column("status"),
    Column("abas_document"),
    Column("attempts", Kind.COUNT),
    Column("last_error", wrap=True),
)
#: Shown when a dry run previewed its receipts in abas (``[abas] preview``): abas' own figures.
PREVIEW_COLUMNS = (
    Column("abas_open_after", Kind.MONEY, total=True),
    Column("abas_discount", Kind.MONEY, total=True),
)
DEAD_LETTER_SHEET_COLUMNS = (
    Column("transaction_id"),
    Column("invoice_no"),
    Column("amount", Kind.MONEY, total=True),
    Column("attempts", Kind.COUNT),
    Column("last_error", wrap=True),
    Column("failed_at", Kind.DATE_TIME),
)
# Result columns the sheets above show (directly or folded into another column).
_SHOWN_RESULT_COLUMNS = set(RESULT_COLUMNS) | {"account", "posting_state"}


def write_workbook(
    path: Path,
    header: RunHeader,
    results: pd.DataFrame,
    payments: pd.DataFrame,
    postings: pd.DataFrame | None = None,
    dead_letters: pd.DataFrame | None = None,
    row_limit: int = EXCEL_MAX_ROWS,
) -> None:
    """Write the run workbook; ``postings`` and ``dead_letters`` follow the *_COLUMNS above."""
    language = header.language
    workbook = Workbook(write_only=True)
    summary_sheet = workbook.create_sheet(labels.sheet_name("summary", language))
    styles = Styles(header.currency, header.locale)
    book = TableBook(workbook, styles, language, row_limit)
    rows = report_frame(results, payments)
    if dead_letters is not None and not dead_letters.empty:
        book.table(
            "dead_letters",
            labels.ALERT_COLOUR,
            DEAD_LETTER_SHEET_COLUMNS,
            dead_letters,
        )
    evidence = _evidence_columns(results)
    for category in [c for c in Category if c in EXCEPTIONS - MONEY_OUT]:
        subset = rows[rows["category"] == category.value]
        if subset.empty:
            continue
        columns = (*EXCEPTION_COLUMNS, *evidence)
        if category in RESOLVABLE:
            columns = (*columns, *RESOLUTION_COLUMNS)
        notes = (labels.text("resolution_help", language),) if category in RESOLVABLE else ()
        book.table(category, CATEGORY_COLOURS[category], columns, subset, notes)
    money_out = rows[rows["category"].isin([c.value for c in MONEY_OUT])]
    if not money_out.empty:
        book.table("money_out", CATEGORY_COLOURS[Category.REFUND], MONEY_OUT_COLUMNS, money_out)
    matched = rows[rows["category"] == Category.MATCHED.value]
    book.table("matched", CATEGORY_COLOURS[Category.MATCHED], MATCHED_COLUMNS, matched)
    posting_rows = postings if postings is not None else _empty(POSTING_ROW_COLUMNS)
    posting_columns: tuple[Column, ...] = POSTING_COLUMNS
    if "abas_open_after" in posting_rows.columns:
        posting_columns = (*POSTING_COLUMNS, *PREVIEW_COLUMNS)
    book.table("postings", NEUTRAL_COLOUR, posting_columns, posting_rows)
    not_money = rows[rows["category"].isin([c.value for c in NON_MONEY])]
    if not not_money.empty:
        book.table("not_money", CATEGORY_COLOURS[Category.VOID], NOT_MONEY_COLUMNS, not_money)
    facts = SummaryFacts(
        title=labels.text("title", language),
        lines=_header_lines(header),
        results=results,
        postings=posting_rows,
        sheets=book.written,
    )
    write_summary(summary_sheet, styles, facts, language)
    _set_properties(workbook, header)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


class TableBook:
    """Writes tables into one workbook and remembers which sheets they took."""

    def __init__(self, workbook: Workbook, styles: Styles, language: str, row_limit: int) -> None:
        self.workbook = workbook
        self.styles = styles
        self.language = language
        self.row_limit = row_limit
        self.written: list[tuple[str, WrittenTable]] = []

    def table(
        self,
        key: str,
        colour: str,
        columns: Sequence[Column],
        frame: pd.DataFrame,
        notes: Sequence[str] = (),
    ) -> None:
        language = self.language
        spec = TableSpec(
            name=labels.sheet_name(key, language),
            columns=columns,
            labels=[labels.column_label(c.key, language) for c in columns],
            colour=colour,
            total_label=labels.text("total", language),
            notes=notes,
        )
        texts = (
            labels.text("continued_on", language),
            labels.text("continued_from", language),
            labels.text("no_rows", language),
        )
        rows = table_rows(frame, columns, language)
        written = write_table(self.workbook, self.styles, spec, rows, self.row_limit, texts)
        self.written.append((key, written))


def report_frame(results: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Results joined with the payment details the sheets show, in the results' order."""
    detail_columns = ["transaction_id", "paid_on", "billing_name", "card_type", "card_last4"]
    detail_columns += ["paytrace_customer_id", "invoice_ref", "batch_number"]
    details = payments[[c for c in detail_columns if c in payments.columns]]
    merged = results.merge(details, on="transaction_id", how="left", suffixes=("", "_payment"))
    return merged


def table_rows(
    frame: pd.DataFrame, columns: Sequence[Column], language: str
) -> Iterator[tuple[Any, ...]]:
    """Rows of plain values, one list per column built column-wise (fast for big frames)."""
    prepared = [_column_values(frame, column.key, language) for column in columns]
    return zip(*prepared, strict=True) if prepared else iter(())


def _column_values(frame: pd.DataFrame, key: str, language: str) -> list[Any]:
    derive = _DERIVED.get(key)
    if derive is not None:
        return derive(frame, language)
    if key in frame.columns:
        return [_plain(value) for value in frame[key].tolist()]
    return [None] * len(frame)


def _plain(value: Any) -> Any:
    """Lists become comma-separated text; everything else is written as it is."""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return value


def _card(frame: pd.DataFrame, language: str) -> list[Any]:
    if "card_type" not in frame.columns:
        return [None] * len(frame)
    kinds = frame["card_type"].fillna("").astype(str).replace("UNKNOWN", "")
    last4 = frame["card_last4"].fillna("").astype(str)
    return [
        f"{kind} …{digits}".strip() if digits else kind
        for kind, digits in zip(kinds.tolist(), last4.tolist(), strict=True)
    ]


def _sum_cents(column: str) -> Callable[[pd.DataFrame, str], list[Any]]:
    def derive(frame: pd.DataFrame, language: str) -> list[Any]:
        return [sum(v) if isinstance(v, list | tuple) else v for v in frame[column].tolist()]

    return derive


def _copy(column: str) -> Callable[[pd.DataFrame, str], list[Any]]:
    def derive(frame: pd.DataFrame, language: str) -> list[Any]:
        if column not in frame.columns:
            return [None] * len(frame)
        return frame[column].tolist()

    return derive


def _category(frame: pd.DataFrame, language: str) -> list[Any]:
    return [labels.category_name(code, language) for code in frame["category"].tolist()]


def _empty_column(frame: pd.DataFrame, language: str) -> list[Any]:
    return [None] * len(frame)


_DERIVED: dict[str, Callable[[pd.DataFrame, str], list[Any]]] = {
    "card": _card,
    "category": _category,
    "amount": _copy("amount_cents"),
    "applied": _sum_cents("applied_cents"),
    "discount": _copy("discount_cents"),
    "difference": _copy("difference_cents"),
    "invoices": lambda frame, language: [_plain(v) for v in frame["invoice_nos"].tolist()],
    # The engine leaves rule_confidence at 0 where it did not judge one; 0% would read as a verdict.
    "rule_confidence": lambda frame, language: [
        v or None for v in frame["rule_confidence"].tolist()
    ],
    "resolution": _empty_column,
    "note": _empty_column,
}


def _evidence_columns(results: pd.DataFrame) -> tuple[Column, ...]:
    """Columns the matching engine added beyond the contract, shown after the standard ones."""
    extra = [c for c in results.columns if c not in _SHOWN_RESULT_COLUMNS]
    return tuple(_evidence_column(results, str(name)) for name in extra)


def _evidence_column(results: pd.DataFrame, name: str) -> Column:
    series = results[name]
    if name.endswith("_cents") and pd.api.types.is_integer_dtype(series):
        return Column(name, Kind.MONEY)
    if pd.api.types.is_datetime64_any_dtype(series):
        return Column(name, Kind.DATE)
    if pd.api.types.is_integer_dtype(series):
        return Column(name, Kind.COUNT)
    return Column(name)


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({column: [] for column in columns})


def planned_posting_rows(plan: Plan) -> pd.DataFrame:
    """The plan's postings as Postings-sheet rows with status ``planned``."""
    rows = [
        {
            "transaction_id": p.transaction_id,
            "invoice_no": p.invoice_no,
            "write_off_account": p.write_off_account,
            "customer_no": p.customer_no,
            "amount_cents": p.amount_cents,
            "discount_cents": p.discount_cents,
            "paid_on": dt.date.fromisoformat(p.paid_on),
            "status": "planned",
            "abas_document": "",
            "attempts": 0,
            "last_error": "",
        }
        for p in plan.postings
    ]
    return pd.DataFrame(rows, columns=POSTING_ROW_COLUMNS)


def _header_lines(header: RunHeader) -> list[tuple[str, Any]]:
    language = header.language
    mode = labels.text("dry_run" if header.dry_run else "posted", language)
    return [
        (labels.text("run", language), header.run_id),
        (labels.text("window", language), _window_text(header.window, header.locale)),
        (labels.text("mode", language), mode),
        (
            labels.text("generated", language),
            formats.moment_text(header.generated_at, header.locale),
        ),
        (labels.text("currency", language), header.currency),
    ]


def _window_text(window: str, locale: str) -> str:
    try:
        first, _, last = window.partition("..")
        return formats.window_text(
            dt.date.fromisoformat(first), dt.date.fromisoformat(last or first), locale
        )
    except ValueError:
        return window


def _set_properties(workbook: Workbook, header: RunHeader) -> None:
    workbook.properties.title = f"PayTrace ↔ abas {header.window}"
    workbook.properties.creator = "paytrace-abas"
    properties: Any = workbook.custom_doc_props  # type: ignore[attr-defined]  # not in stubs
    for name, value in (
        (PROPERTY_RUN_ID, header.run_id),
        (PROPERTY_WINDOW, header.window),
        (PROPERTY_FORMAT, WORKBOOK_FORMAT),
    ):
        properties.append(StringProperty(name=name, value=value))
