"""The only openpyxl importer: run and period workbooks, reading decisions back, console tables."""

from paytrace_abas.report.console import console_summary
from paytrace_abas.report.period_book import PeriodHeader, write_period_workbook
from paytrace_abas.report.reading import WorkbookDecisions, read_decisions
from paytrace_abas.report.reasons import with_reasons
from paytrace_abas.report.run_book import (
    RunHeader,
    planned_posting_rows,
    write_workbook,
)
from paytrace_abas.report.tables import EXCEL_MAX_ROWS

__all__ = [
    "EXCEL_MAX_ROWS",
    "PeriodHeader",
    "RunHeader",
    "WorkbookDecisions",
    "console_summary",
    "planned_posting_rows",
    "read_decisions",
    "with_reasons",
    "write_period_workbook",
    "write_workbook",
]
