"""The run ledger: SQLite store of runs, postings and watermarks, and the run lock.

All SQL of the package lives in this package (``store.py``, ``schema.py``, ``records.py``).
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
    LedgerError,
    PostingRecord,
    RunRecord,
)
from paytrace_abas.ledger.store import Ledger, StateError

__all__ = [
    "DEAD_LETTER",
    "FAILED",
    "PLANNED",
    "POSTED",
    "SENDING",
    "TRANSITIONS",
    "UNFINISHED",
    "Ledger",
    "LedgerError",
    "PostingRecord",
    "RunLock",
    "RunRecord",
    "StateError",
]
