"""The run ledger: SQLite store of runs, postings and watermarks, and the run lock.

All SQL of the package lives in this package (``store.py``, ``schema.py``).
"""

from paytrace_abas.ledger.lock import RunLock
from paytrace_abas.ledger.store import (
    DEAD_LETTER,
    FAILED,
    PLANNED,
    POSTED,
    SENDING,
    TRANSITIONS,
    UNFINISHED,
    Ledger,
    LedgerError,
    PostingRecord,
    RunRecord,
    StateError,
)

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
