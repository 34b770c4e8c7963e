"""The run ledger: SQLite store of runs, postings and watermarks, and the run lock.

All SQL of the package lives in this package (``connection.py``, ``store.py``, ``outcomes.py``,
``schema.py``, ``records.py``).
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
    PostingRecord,
    RunItem,
    RunRecord,
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
    "PostingRecord",
    "RunItem",
    "RunLock",
    "RunRecord",
]
