"""The runs and show commands: run history read from the ledger."""

from __future__ import annotations

from paytrace_abas.commands.inputs import open_ledger
from paytrace_abas.config import Settings
from paytrace_abas.errors import UsageError
from paytrace_abas.models import RunRecord
from paytrace_abas.report.history import RunDetails


def run_history(settings: Settings, limit: int) -> list[RunRecord]:
    """The newest runs of the ledger."""
    with open_ledger(settings, locked=False) as ledger:
        return ledger.runs(limit)


def run_details(settings: Settings, run_id: str) -> RunDetails:
    """One run (``last``: the newest) with the postings it planned or moved; UsageError if the
    ledger has no such run."""
    with open_ledger(settings, locked=False) as ledger:
        if run_id == "last":
            newest = ledger.runs(1)
            run = newest[0] if newest else None
        else:
            run = ledger.run(run_id)
        if run is None:
            raise UsageError(f"the ledger {settings.ledger.path} has no run {run_id!r}")
        run_id = run.run_id
        bookings = [booking for by_run, booking in ledger.manual_bookings() if by_run == run_id]
        return RunDetails(
            run, ledger.postings_of_run(run_id), ledger.open_exceptions(), tuple(bookings)
        )
