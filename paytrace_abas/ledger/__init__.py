"""The run ledger: SQLite store of runs, postings and watermarks, and the run lock.

All SQL of the package lives in this package: ``store.Ledger`` owns the connection
(``connection.py``, migrations in ``schema.py``) and hands it to one module per record kind
(``runs.py``, ``postings.py``, ``decisions.py``); ``records.py`` holds the rows as values.
"""

from paytrace_abas.ledger.lock import RunLock
from paytrace_abas.ledger.records import (
    DEAD_LETTER,
    FAILED,
    PLANNED,
    POSTED,
    SENDING,
    TRANSITIONS,
    UNFINISHED,
    AppliedDecision,
    DeadLetterRecord,
    RunItem,
)
from paytrace_abas.ledger.store import Ledger

__all__ = [
    "DEAD_LETTER",
    "FAILED",
    "PLANNED",
    "POSTED",
    "SENDING",
    "TRANSITIONS",
    "UNFINISHED",
    "AppliedDecision",
    "DeadLetterRecord",
    "Ledger",
    "RunItem",
    "RunLock",
]
