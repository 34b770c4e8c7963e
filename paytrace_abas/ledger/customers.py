"""Customers in the ledger: links learned from clerks, who paid each exception, and the abas
customers created for PayTrace profiles (docs/customers.md)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable

from paytrace_abas.ledger.connection import LedgerConnection
from paytrace_abas.ledger.records import CustomerCreation
from paytrace_abas.models import CustomerLink
from paytrace_abas.privacy import mask_pans

SENDING_CREATION, CREATED = "sending", "created"


def record_payers(
    connection: LedgerConnection, run_id: str, payers: Iterable[tuple[str, str]]
) -> None:
    """Remember (transaction_id, PayTrace customer id) of a run's payments that have a payer."""
    rows = [(tid, payer, run_id) for tid, payer in payers if payer]
    with connection.transaction() as db:
        db.executemany(
            "INSERT INTO payment_payers (transaction_id, paytrace_customer_id, run_id)"
            " VALUES (?, ?, ?) ON CONFLICT(transaction_id) DO UPDATE SET"
            " paytrace_customer_id = excluded.paytrace_customer_id, run_id = excluded.run_id",
            rows,
        )


def payers_of(connection: LedgerConnection, transaction_ids: Iterable[str]) -> dict[str, str]:
    """transaction_id -> PayTrace customer id, for those of these transactions with a payer."""
    rows = connection.rows_with("payment_payers", "transaction_id", transaction_ids, "t.rowid")
    return {str(row["transaction_id"]): str(row["paytrace_customer_id"]) for row in rows}


def learn_links(connection: LedgerConnection, links: Iterable[CustomerLink]) -> None:
    """Keep each link; a later decision about the same PayTrace customer replaces the earlier."""
    with connection.transaction() as db:
        db.executemany(
            "INSERT OR REPLACE INTO customer_links (paytrace_customer_id, customer_no, run_id,"
            " plan_run_id, transaction_id, place, note, linked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    link.paytrace_customer_id,
                    link.customer_no,
                    link.run_id,
                    link.plan_run_id,
                    link.transaction_id,
                    link.place,
                    mask_pans(link.note),
                    link.linked_at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                )
                for link in links
            ],
        )


def links_of(
    connection: LedgerConnection, paytrace_customer_ids: Iterable[str]
) -> dict[str, CustomerLink]:
    """PayTrace customer id -> its learned link, for these customers only."""
    order = "t.paytrace_customer_id"
    rows = connection.rows_with(
        "customer_links", "paytrace_customer_id", paytrace_customer_ids, order
    )
    return {str(row["paytrace_customer_id"]): _link(row) for row in rows}


def all_links(connection: LedgerConnection) -> list[CustomerLink]:
    """Every learned link, by PayTrace customer id (``customers --links``)."""
    rows = connection.query("SELECT * FROM customer_links ORDER BY paytrace_customer_id")
    return [_link(row) for row in rows]


def remove_link(connection: LedgerConnection, paytrace_customer_id: str) -> bool:
    """Forget one learned link; False when there was none."""
    with connection.transaction() as db:
        cursor = db.execute(
            "DELETE FROM customer_links WHERE paytrace_customer_id = ?", [paytrace_customer_id]
        )
        return cursor.rowcount > 0


def customers_with_postings(connection: LedgerConnection, customer_nos: Iterable[str]) -> set[str]:
    """Those of these abas customers a receipt was ever planned or posted for (card payments)."""
    rows = connection.query_keys(
        "SELECT DISTINCT w.value AS customer_no FROM json_each(?) w"
        " WHERE EXISTS (SELECT 1 FROM postings p WHERE p.customer_no = w.value)",
        customer_nos,
    )
    return {str(row["customer_no"]) for row in rows}


def creations_of(
    connection: LedgerConnection, paytrace_customer_ids: Iterable[str]
) -> dict[str, CustomerCreation]:
    """PayTrace customer id -> its creation record, for these profiles."""
    order = "t.paytrace_customer_id"
    rows = connection.rows_with(
        "customer_creations", "paytrace_customer_id", paytrace_customer_ids, order
    )
    return {
        str(row["paytrace_customer_id"]): CustomerCreation(
            paytrace_customer_id=str(row["paytrace_customer_id"]),
            state=str(row["state"]),
            customer_no=str(row["customer_no"]),
            run_id=str(row["run_id"]),
            updated_at=str(row["updated_at"]),
        )
        for row in rows
    }


def mark_creation(
    connection: LedgerConnection,
    paytrace_customer_id: str,
    state: str,
    run_id: str,
    customer_no: str = "",
) -> None:
    """Record a creation's state; ``sending`` is on disk before this returns (it is written
    before the request leaves, so that a crash is found again by the next run)."""
    now = connection.now()
    with connection.transaction() as db:
        db.execute(
            "INSERT INTO customer_creations (paytrace_customer_id, state, customer_no, run_id,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(paytrace_customer_id) DO UPDATE SET state = excluded.state,"
            " customer_no = excluded.customer_no, run_id = excluded.run_id,"
            " updated_at = excluded.updated_at",
            [paytrace_customer_id, state, customer_no, run_id, now, now],
        )
        sequence = connection.next_commit()
    connection.wait_durable(sequence)


def _link(row: sqlite3.Row) -> CustomerLink:
    return CustomerLink(
        paytrace_customer_id=str(row["paytrace_customer_id"]),
        customer_no=str(row["customer_no"]),
        run_id=str(row["run_id"]),
        plan_run_id=str(row["plan_run_id"]),
        transaction_id=str(row["transaction_id"]),
        place=str(row["place"]),
        note=str(row["note"]),
        linked_at=dt.datetime.fromisoformat(str(row["linked_at"])),
    )
