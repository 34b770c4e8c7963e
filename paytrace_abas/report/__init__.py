"""The only openpyxl importer: run and period workbooks, reading decisions back, console tables."""

from paytrace_abas.report.console import console_summary
from paytrace_abas.report.period_book import PeriodHeader, write_period_workbook
from paytrace_abas.report.reading import WorkbookDecisions, read_decisions
from paytrace_abas.report.run_book import (
    DEAD_LETTER_COLUMNS,
    POSTING_ROW_COLUMNS,
    RunHeader,
    planned_posting_rows,
    write_workbook,
)
from paytrace_abas.report.tables import EXCEL_MAX_ROWS

__all__ = [
    "DEAD_LETTER_COLUMNS",
    "EXCEL_MAX_ROWS",
    "POSTING_ROW_COLUMNS",
    "PeriodHeader",
    "RunHeader",
    "WorkbookDecisions",
    "console_summary",
    "planned_posting_rows",
    "read_decisions",
    "write_period_workbook",
    "write_workbook",
]
