"""The run workbook: Summary, one sheet per exception category, Matched, Postings, and the rest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty

from paytrace_abas.models import (
    DECISION_COLUMNS,
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
from paytrace_abas.report.overflow import MATCHED_ROWS_LIMIT, overflow_path, write_overflow
from paytrace_abas.report.printing import PageLayout, run_page_layout
from paytrace_abas.report.recurring_sheet import (
    RECURRING_COLOUR,
    RECURRING_SHEET_COLUMNS,
    recurring_sheet_rows,
)
from paytrace_abas.report.rows import REASON_COLUMNS, report_frame, table_rows
from paytrace_abas.report.settlement import SETTLEMENT_COLUMNS
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
    Column("rule", technical=True),
    Column("rule_confidence", Kind.CONFIDENCE),
    Column("reason", wrap=True),
)
EXCEPTION_COLUMNS = (
    *_PAYMENT,
    Column("invoices"),
    Column("customer_no"),
    Column("difference", Kind.MONEY, total=True),
    Column("days_from_invoice", Kind.COUNT),
    # No confidence column here: it is a constant per rule and outcome (docs/matching.md), so
    # on an exception sheet it only repeated the sheet's category, and "50 %" on a payment
    # that names its invoice read as doubt about the invoice.
    Column("rule", technical=True),
    Column("reason", wrap=True),
    Column("runner_up", wrap=True, technical=True),
    Column("paytrace_customer_id", technical=True),
    Column("invoice_ref"),
)
RESOLUTION_COLUMNS = (
    Column("resolution", min_width=30, input=True),
    Column("note", min_width=24, input=True),
)
#: On a sheet with payments a clerk decided before (``apply`` accepted it): which run applied
#: the decision; Resolution and Note show it pre-filled (docs/workbook.md#decisions-that-stick).
DECIDED_COLUMN = Column("decided_run")
#: Already posted has no Resolution: a decision behind a posted receipt is shown read-only.
APPLIED_DECISION_COLUMNS = (
    DECIDED_COLUMN,
    Column("decided_resolution", wrap=True),
    Column("decided_note", wrap=True, label="note"),
)
#: What a refund, void or chargeback undoes (docs/money-trail.md), when the run looked.
ORIGINAL_COLUMNS = (Column("original_transaction_id"), Column("original_invoices"))
# money went back to the card holder: its day is when, not a day paid
MONEY_OUT_COLUMNS = (
    Column("category"),
    _PAYMENT[0],
    Column("paid_on", Kind.DATE, label="returned_on"),
    *_PAYMENT[2:],
    *ORIGINAL_COLUMNS,
    Column("dispute_status"),
    Column("paytrace_customer_id", technical=True),
    Column("invoice_ref"),
    Column("reason", wrap=True),
)
# declined, voided and pending transactions paid nothing: their day is when they were made
NOT_MONEY_COLUMNS = (
    Column("category"),
    _PAYMENT[0],
    Column("paid_on", Kind.DATE, label="created_on"),
    *_PAYMENT[2:],
    *ORIGINAL_COLUMNS,
    Column("reason", wrap=True),
)
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
_SHOWN_RESULT_COLUMNS = set(RESULT_COLUMNS) | {"account", "posting_state", *DECISION_COLUMNS}
_SHOWN_RESULT_COLUMNS |= {"original_transaction_id", "original_invoice_nos"}
_SHOWN_RESULT_COLUMNS |= {"original_candidates", "dispute_status", *REASON_COLUMNS}


def write_workbook(
    path: Path,
    header: RunHeader,
    results: pd.DataFrame,
    payments: pd.DataFrame,
    postings: pd.DataFrame | None = None,
    dead_letters: pd.DataFrame | None = None,
    row_limit: int = EXCEL_MAX_ROWS,
    matched_rows_limit: int = MATCHED_ROWS_LIMIT,
    recurring: pd.DataFrame | None = None,
    settlement: pd.DataFrame | None = None,
    settled: Sequence[tuple[str, int, int]] = (),
) -> None:
    """Write the run workbook; ``postings`` and ``dead_letters`` follow the *_COLUMNS above;
    matched rows and posting lines past ``matched_rows_limit`` go to CSVs beside it
    (report/overflow.py); ``recurring`` (matching/recurring.py) is the Recurring sheet when
    schedules were checked; ``settlement`` rows (report/settlement.py) make the Settlement
    sheet, ``settled`` its lines on the Summary."""
    language = header.language
    workbook = Workbook(write_only=True)
    summary_sheet = workbook.create_sheet(labels.sheet_name("summary", language))
    styles = Styles(header.currency, header.locale)
    window = _window_text(header.window, header.locale)
    page = run_page_layout(header.run_id, window, header.locale, language)
    book = TableBook(workbook, styles, language, row_limit, page)
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
        columns = (*EXCEPTION_COLUMNS, *evidence, *_decided_columns(subset, category))
        if category in RESOLVABLE:
            columns = (*columns, *RESOLUTION_COLUMNS)
        notes = (labels.text("resolution_note", language),) if category in RESOLVABLE else ()
        book.table(category, CATEGORY_COLOURS[category], columns, subset, notes)
    money_out = rows[rows["category"].isin([c.value for c in MONEY_OUT])]
    if not money_out.empty:
        book.table("money_out", CATEGORY_COLOURS[Category.REFUND], MONEY_OUT_COLUMNS, money_out)
    matched = rows[rows["category"] == Category.MATCHED.value]
    shown, rest = matched.iloc[:matched_rows_limit], matched.iloc[matched_rows_limit:]
    book.table("matched", CATEGORY_COLOURS[Category.MATCHED], MATCHED_COLUMNS, shown)
    more_rows = write_overflow(overflow_path(path), MATCHED_COLUMNS, rest, language)
    files = [("matched", *file) for file in more_rows]
    posting_rows = postings if postings is not None else _empty(POSTING_ROW_COLUMNS)
    more_lines = overflow_path(path, "postings")
    files += _postings_and_settlement(
        book, posting_rows, settlement, more_lines, matched_rows_limit
    )
    not_money = rows[rows["category"].isin([c.value for c in NON_MONEY])]
    if not not_money.empty:
        book.table("not_money", CATEGORY_COLOURS[Category.VOID], NOT_MONEY_COLUMNS, not_money)
    _recurring_sheet(book, recurring)
    facts = SummaryFacts(
        title=labels.text("title", language),
        lines=_header_lines(header),
        results=results,
        postings=posting_rows,
        sheets=book.written,
        files=files,
        syntax=any(key in RESOLVABLE for key, _ in book.written),
        settled=settled,
    )
    write_summary(summary_sheet, styles, facts, language, page)
    _set_properties(workbook, header)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _postings_and_settlement(
    book: TableBook,
    posting_rows: pd.DataFrame,
    settlement: pd.DataFrame | None,
    more_lines: Path,
    limit: int,
) -> list[tuple[str, Path, int]]:
    """The Postings sheet (lines past ``limit`` in the CSV ``more_lines``) and Settlement."""
    posting_columns: tuple[Column, ...] = POSTING_COLUMNS
    if "abas_open_after" in posting_rows.columns:
        posting_columns = (*POSTING_COLUMNS, *PREVIEW_COLUMNS)
    # The lines of the matched payments once more: the same limit, the rest in a CSV beside.
    book.table("postings", NEUTRAL_COLOUR, posting_columns, posting_rows.iloc[:limit])
    more = write_overflow(more_lines, posting_columns, posting_rows.iloc[limit:], book.language)
    if settlement is not None:
        book.table("settlement", NEUTRAL_COLOUR, SETTLEMENT_COLUMNS, settlement)
    return [("postings", *file) for file in more]


class TableBook:
    """Writes tables into one workbook and remembers which sheets they took."""

    def __init__(
        self,
        workbook: Workbook,
        styles: Styles,
        language: str,
        row_limit: int,
        page: PageLayout | None = None,
    ) -> None:
        self.workbook = workbook
        self.page = page
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
            labels=[labels.column_label(c.label_key, language) for c in columns],
            colour=colour,
            total_label=labels.text("total", language),
            notes=notes,
            page=self.page,
        )
        texts = (
            labels.text("continued_on", language),
            labels.text("continued_from", language),
            labels.text("no_rows", language),
        )
        rows = table_rows(frame, columns, language)
        written = write_table(self.workbook, self.styles, spec, rows, self.row_limit, texts)
        self.written.append((key, written))


def _recurring_sheet(book: TableBook, recurring: pd.DataFrame | None) -> None:
    """The Recurring sheet, when the run checked schedules (even if none was due)."""
    if recurring is None:
        return
    shown = recurring_sheet_rows(recurring, book.language)
    book.table("recurring", RECURRING_COLOUR, RECURRING_SHEET_COLUMNS, shown)


def _decided_columns(rows: pd.DataFrame, category: Category) -> tuple[Column, ...]:
    """The decided mark, on a sheet where a clerk decided some payment before."""
    if "decided_run" not in rows.columns or not rows["decided_run"].astype(bool).any():
        return ()
    return (DECIDED_COLUMN,) if category in RESOLVABLE else APPLIED_DECISION_COLUMNS


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
    """The plan's postings as Postings-sheet rows with status ``planned``, column by column."""
    postings, days = plan.postings, dict[str, dt.date]()
    fixed = {"status": "planned", "abas_document": "", "attempts": 0, "last_error": ""}
    columns: dict[str, list[Any]] = {
        name: [getattr(p, name) for p in postings] for name in POSTING_ROW_COLUMNS[:6]
    }
    columns["paid_on"] = [
        days.get(p.paid_on) or days.setdefault(p.paid_on, dt.date.fromisoformat(p.paid_on))
        for p in postings
    ]
    columns |= {name: [value] * len(postings) for name, value in fixed.items()}
    return pd.DataFrame(columns if postings else [], columns=POSTING_ROW_COLUMNS)


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
