"""The money trail (docs/money-trail.md): payers' keys of the payments runs saw, the dispute
files read from ``[paytrace] chargebacks_dir`` and each dispute's status.

Every read is bounded by the run's own keys (payer ids and card digits of its refunds, the
hashes and names of the files in the folder, the case numbers of the disputes it read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from paytrace_abas.ledger.connection import LedgerConnection

#: (transaction_id, kind, day, customer_ref, card_last4, amount_cents)
PaymentKey = tuple[str, str, str, str, str, int]
#: (case_number, transaction_id, amount_cents, disputed_on, status)
Dispute = tuple[str, str, int, str, str]


def record_payment_keys(
    connection: LedgerConnection, run_id: str, keys: Iterable[PaymentKey]
) -> None:
    """Remember who paid what and when; a transaction seen again keeps its newest record."""
    with connection.transaction() as db:
        db.executemany(
            "INSERT OR REPLACE INTO payment_keys (transaction_id, kind, day, customer_ref,"
            " card_last4, amount_cents, run_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((*key, run_id) for key in keys),
        )


def payments_of_payers(
    connection: LedgerConnection,
    customer_refs: Iterable[str],
    card_last4s: Iterable[str],
    first_day: dt.date,
    last_day: dt.date,
) -> list[PaymentKey]:
    """The recorded payments of these customers and of these cards (last four digits) made
    from ``first_day`` to ``last_day``: one index range per key."""
    days = (first_day.isoformat(), last_day.isoformat())
    found: list[PaymentKey] = []
    for column, index, keys in (
        ("customer_ref", "payment_keys_customer", customer_refs),
        ("card_last4", "payment_keys_card", card_last4s),
    ):
        rows = connection.query_keys(
            "SELECT t.transaction_id, t.kind, t.day, t.customer_ref, t.card_last4,"
            f" t.amount_cents FROM json_each(?) w CROSS JOIN payment_keys t INDEXED BY {index}"
            f" ON t.{column} = w.value WHERE t.day BETWEEN ? AND ?",
            sorted(keys),
            days,
        )
        found += [(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5])) for r in rows]
    return found


def chargeback_files_read(
    connection: LedgerConnection, hashes: Iterable[str], names: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """({content hash: run that read it}, {file name: run that last read a file so named})."""
    by_hash = connection.rows_with("chargeback_files", "content_hash", hashes, "t.rowid")
    by_name = connection.query_keys(
        "SELECT t.name, t.run_id FROM json_each(?) w CROSS JOIN chargeback_files t"
        " INDEXED BY chargeback_files_name ON t.name = w.value ORDER BY t.rowid",
        names,
    )
    return (
        {str(row["content_hash"]): str(row["run_id"]) for row in by_hash},
        {str(row[0]): str(row[1]) for row in by_name},
    )


def record_chargeback_files(
    connection: LedgerConnection, run_id: str, files: Iterable[tuple[str, str]]
) -> None:
    """Remember dispute files as read: (content hash, file name) each."""
    with connection.transaction() as db:
        db.executemany(
            "INSERT OR IGNORE INTO chargeback_files (content_hash, name, run_id, read_at)"
            " VALUES (?, ?, ?, ?)",
            ((digest, name, run_id, connection.now()) for digest, name in files),
        )


def disputes_of(connection: LedgerConnection, case_numbers: Iterable[str]) -> dict[str, Dispute]:
    """What the ledger holds of these disputes, by case number."""
    rows = connection.rows_with("disputes", "case_number", case_numbers, "t.rowid")
    return {
        str(row["case_number"]): (
            str(row["case_number"]),
            str(row["transaction_id"]),
            int(row["amount_cents"]),
            str(row["disputed_on"]),
            str(row["status"]),
        )
        for row in rows
    }


def record_disputes(connection: LedgerConnection, run_id: str, disputes: Iterable[Dispute]) -> None:
    """Keep each dispute's newest status; the run that first reported it stays."""
    now = connection.now()
    with connection.transaction() as db:
        db.executemany(
            "INSERT INTO disputes (case_number, transaction_id, amount_cents, disputed_on,"
            " status, first_run_id, last_run_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(case_number) DO UPDATE SET status = excluded.status,"
            " last_run_id = excluded.last_run_id, updated_at = excluded.updated_at",
            ((*dispute, run_id, run_id, now) for dispute in disputes),
        )
