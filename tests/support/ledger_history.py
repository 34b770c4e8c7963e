"""Years of earlier work in a ledger, written fast through its schema (tests and bench/history.py).

Every earlier payment was posted long ago by one earlier run: a receipt with one invoice line,
its state changes, the run's item, a resolved exception now and then, a clerk's decision and a
write-off now and then. None of it shares a transaction id or an invoice number with a day a
test or benchmark reconciles (those ids start with 9 and 8 here; generated days use others).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from paytrace_abas.ledger import Ledger

EARLIER_RUN = "20210101T060000Z-history"
_NUMBERS = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)"
_TID = "CAST(900000000000 + i AS TEXT)"
_DAY = "date('2021-01-01', '+' || (i % 1500) || ' days')"


def add_earlier_postings(path: Path, count: int) -> None:
    """Add ``count`` posted receipts (and what goes with them) to the ledger at ``path``."""
    # Opened once through the package: the file exists and has the newest schema.
    Ledger.open(path, lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).close()
    db = sqlite3.connect(path, isolation_level=None)
    # A bulk load of a scratch file: no journal, no syncs, a big page cache for the indexes.
    # The next Ledger.open turns write-ahead logging on again.
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")
    try:
        db.execute("BEGIN")
        db.execute(
            "INSERT OR IGNORE INTO runs (run_id, command, started_at, finished_at, window_from,"
            " window_to, status, exit_code) VALUES (?, 'reconcile',"
            " '2021-01-02T06:00:00.000+00:00', '2021-01-02T06:10:00.000+00:00', '2021-01-01',"
            " '2021-01-01', 'completed', 0)",
            (EARLIER_RUN,),
        )
        for statement in _STATEMENTS:
            db.execute(statement, {"count": count, "run": EARLIER_RUN})
        db.execute("COMMIT")
    finally:
        db.close()


_STATEMENTS = (
    f"""{_NUMBERS} INSERT INTO postings (transaction_id, run_id, customer_no, currency, paid_on,
        account, amount_cents, discount_cents, state, attempts, document, created_at, updated_at)
        SELECT {_TID}, :run, 'C' || (i % 50000), 'USD', {_DAY}, '18100', 1000 + i % 99000, 0,
        'posted', 1, '(7,' || i || ',0)', {_DAY} || 'T06:00:00.000+00:00',
        {_DAY} || 'T06:00:01.000+00:00' FROM n""",
    f"""{_NUMBERS} INSERT INTO posting_lines (transaction_id, invoice_no, amount_cents,
        discount_cents, open_cents) SELECT {_TID}, CAST(800000000000 + i AS TEXT),
        1000 + i % 99000, 0, 1000 + i % 99000 FROM n""",
    f"""{_NUMBERS} INSERT INTO posting_events (transaction_id, run_id, from_state, to_state, at,
        detail) SELECT {_TID}, :run, 'sending', 'posted', {_DAY} || 'T06:00:01.000+00:00',
        '(7,' || i || ',0)' FROM n""",
    f"""{_NUMBERS} INSERT INTO run_items (run_id, transaction_id, day, category, amount_cents,
        card_type, batch_number, invoice_nos, reason) SELECT :run, {_TID}, {_DAY}, 'matched',
        1000 + i % 99000, 'VISA', 1 + i % 300, '["' || (800000000000 + i) || '"]', 'paid' FROM n""",
    f"""{_NUMBERS} INSERT INTO exceptions (transaction_id, category, reason, amount_cents,
        first_run_id, last_run_id, resolved_run_id) SELECT {_TID}, 'partial_payment', 'short',
        1000, :run, :run, :run FROM n WHERE i % 10 = 0""",
    f"""{_NUMBERS} INSERT INTO decisions (transaction_id, run_id, plan_run_id, action,
        resolution, note, place, applied_at) SELECT {_TID}, :run, :run, 'write_off',
        'write off to 6855', '', 'Partial payments!A2', {_DAY} || 'T07:00:00.000+00:00'
        FROM n WHERE i % 100 = 0""",
    f"""{_NUMBERS} INSERT INTO manual_bookings (transaction_id, run_id, counter_account,
        gl_account, customer_no, amount_cents, currency, paid_on, note, created_at)
        SELECT {_TID}, :run, '18100', '6855', 'C' || (i % 50000), 12, 'USD', {_DAY}, '',
        {_DAY} || 'T07:00:00.000+00:00' FROM n WHERE i % 100 = 0""",
    # The sales' payer keys (money trail): the sample day's customers and card digits, long
    # before any refund of a reconciled day could look back to them. Twenty customers, as many
    # as the smallest history has rows: a short and a long history then end their index on the
    # same customer (a seek past the last entry costs one comparison less than one before it).
    f"""{_NUMBERS} INSERT INTO payment_keys (transaction_id, kind, day, customer_ref,
        card_last4, amount_cents, run_id) SELECT {_TID}, 'sale', {_DAY},
        CAST(70001 + i % 20 AS TEXT), '4242', 1000 + i % 99000, :run FROM n""",
)
