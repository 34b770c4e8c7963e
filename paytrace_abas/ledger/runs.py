"""Runs: the run rows, what each run decided per transaction, and the watermark."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from paytrace_abas.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_LOCKED
from paytrace_abas.ledger.connection import LedgerConnection
from paytrace_abas.ledger.records import RunItem, RunItemRow, run_record
from paytrace_abas.models import RunRecord
from paytrace_abas.privacy import mask_pans


def start_run(
    connection: LedgerConnection,
    base_id: str,
    command: str,
    window: tuple[str, str] | None,
    dry_run: bool,
    parameters: dict[str, Any],
) -> str:
    """Record a started run; the id gets a ``-2``, ``-3`` … suffix if ``base_id`` is taken."""
    with connection.transaction() as db:
        taken = {
            row[0]
            for row in db.execute(
                # base_id and base_id-<n>, as a range of the primary key ("." follows "-")
                "SELECT run_id FROM runs WHERE run_id = ? OR run_id BETWEEN ? AND ?",
                (base_id, base_id + "-", base_id + "."),
            )
        }
        run_id, number = base_id, 1
        while run_id in taken:
            number += 1
            run_id = f"{base_id}-{number}"
        db.execute(
            "INSERT INTO runs (run_id, command, started_at, window_from, window_to, dry_run,"
            " parameters, status, pid) VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)",
            (
                run_id,
                command,
                connection.now(),
                window[0] if window else None,
                window[1] if window else None,
                int(dry_run),
                mask_pans(json.dumps(parameters, sort_keys=True)),
                os.getpid(),
            ),
        )
    return run_id


#: exit codes of a run that did not complete (exit 3, dead letters, is a completed run)
_FAILED_EXITS = frozenset({EXIT_FAILED, EXIT_BAD_INPUT, EXIT_LOCKED})


def finish_run(
    connection: LedgerConnection,
    run_id: str,
    exit_code: int,
    counts: dict[str, Any],
    input_hash: str | None = None,
    workbook_path: Path | None = None,
    plan_path: Path | None = None,
) -> None:
    """Close a run: ``completed`` unless ``exit_code`` is one of a run that failed."""
    status = "failed" if exit_code in _FAILED_EXITS else "completed"
    with connection.transaction() as db:
        db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, exit_code = ?, counts = ?,"
            " input_hash = COALESCE(?, input_hash), workbook_path = COALESCE(?, workbook_path),"
            " plan_path = COALESCE(?, plan_path) WHERE run_id = ?",
            (
                connection.now(),
                status,
                exit_code,
                mask_pans(json.dumps(counts, sort_keys=True)),
                input_hash,
                str(workbook_path) if workbook_path else None,
                str(plan_path) if plan_path else None,
                run_id,
            ),
        )


def runs(connection: LedgerConnection, limit: int = 50) -> list[RunRecord]:
    """The newest runs first."""
    rows = connection.query(
        "SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", [limit]
    )
    return [run_record(row) for row in rows]


def run(connection: LedgerConnection, run_id: str) -> RunRecord | None:
    rows = connection.query("SELECT * FROM runs WHERE run_id = ?", [run_id])
    return run_record(rows[0]) if rows else None


def counted_runs(connection: LedgerConnection, last_day: dt.date) -> list[RunRecord]:
    """Reconcile runs a period report counts, oldest first, whose window starts by ``last_day``.

    Those are the completed posting runs, and dry runs whose plan a completed ``apply``
    posted: a dry run nobody applied was a preview.
    """
    rows = connection.query(
        "SELECT * FROM runs WHERE command IN ('reconcile', 'apply') AND status = 'completed'"
        " ORDER BY started_at, rowid"
    )
    runs = [run_record(row) for row in rows]
    applied = {run.parameters.get("plan_run_id") for run in runs if run.command == "apply"}
    return [
        run
        for run in runs
        if run.command == "reconcile"
        and run.window_from is not None
        and run.window_from <= last_day.isoformat()
        and (not run.dry_run or run.run_id in applied)
    ]


def record_run_items(connection: LedgerConnection, run_id: str, items: Iterable[RunItem]) -> None:
    """Keep what a run decided per transaction, in one transaction."""
    rows = (
        (
            item.transaction_id,
            item.day.isoformat(),
            item.category,
            item.amount_cents,
            item.card_type,
            item.batch_number,
            json.dumps(list(item.invoice_nos)),
            item.reason,
        )
        for item in items
    )
    record_run_item_rows(connection, run_id, rows)


def record_run_item_rows(
    connection: LedgerConnection, run_id: str, rows: Iterable[RunItemRow]
) -> None:
    """``record_run_items`` from rows as stored (day in ISO form, invoice numbers as JSON)."""
    with connection.transaction() as db:
        db.executemany(
            "INSERT OR REPLACE INTO run_items (run_id, transaction_id, day, category,"
            " amount_cents, card_type, batch_number, invoice_nos, reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ((run_id, *row) for row in rows),
        )


def run_items(connection: LedgerConnection, run_id: str) -> list[RunItem]:
    """What one run decided, in the order it recorded it."""
    rows = connection.query("SELECT * FROM run_items WHERE run_id = ? ORDER BY rowid", [run_id])
    return [item for _, item in _run_items(rows)]


def run_items_in(
    connection: LedgerConnection, run_ids: Iterable[str], categories: Iterable[str]
) -> list[tuple[str, RunItem]]:
    """(run_id, item) of these runs' items in these categories, in recorded order."""
    codes = sorted(set(categories))
    marks = ", ".join("?" for _ in codes)
    rows = connection.query_keys(
        "SELECT i.* FROM json_each(?) w CROSS JOIN run_items i INDEXED BY run_items_category"
        f" ON i.run_id = w.value WHERE i.category IN ({marks}) ORDER BY i.rowid",
        run_ids,
        codes,
    )
    return _run_items(rows)


def run_items_of(
    connection: LedgerConnection, transaction_ids: Iterable[str]
) -> list[tuple[str, RunItem]]:
    """(run_id, item) of what every run decided about these transactions, in recorded order."""
    rows = connection.rows_with("run_items", "transaction_id", transaction_ids, "t.rowid")
    return _run_items(rows)


def _run_items(rows: Iterable[sqlite3.Row]) -> list[tuple[str, RunItem]]:
    return [
        (
            str(row["run_id"]),
            RunItem(
                transaction_id=str(row["transaction_id"]),
                day=dt.date.fromisoformat(str(row["day"])),
                category=str(row["category"]),
                amount_cents=int(row["amount_cents"]),
                card_type=str(row["card_type"]),
                batch_number=None if row["batch_number"] is None else int(row["batch_number"]),
                invoice_nos=tuple(json.loads(row["invoice_nos"])),
                reason=str(row["reason"]),
            ),
        )
        for row in rows
    ]


def record_pulled_days(
    connection: LedgerConnection, run_id: str, records_by_day: Mapping[dt.date, int]
) -> None:
    """Keep how many records PayTrace answered for each day the run pulled (0: empty)."""
    with connection.transaction() as db:
        db.executemany(
            "INSERT OR REPLACE INTO pulled_days (run_id, day, records, pulled_at)"
            " VALUES (?, ?, ?, ?)",
            [(run_id, day.isoformat(), n, connection.now()) for day, n in records_by_day.items()],
        )


def pulled_days(connection: LedgerConnection, run_id: str) -> dict[dt.date, int]:
    """day -> records PayTrace answered, for the days the run pulled."""
    rows = connection.query("SELECT day, records FROM pulled_days WHERE run_id = ?", [run_id])
    return {dt.date.fromisoformat(str(row[0])): int(row[1]) for row in rows}


def watermark(connection: LedgerConnection, name: str = "completed_through") -> dt.date | None:
    rows = connection.query("SELECT day FROM watermarks WHERE name = ?", [name])
    return dt.date.fromisoformat(str(rows[0][0])) if rows else None


def advance_watermark(
    connection: LedgerConnection, day: dt.date, run_id: str, name: str = "completed_through"
) -> None:
    """Move the watermark forward to ``day``; it never moves back."""
    with connection.transaction() as db:
        db.execute(
            "INSERT INTO watermarks (name, day, run_id, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET day = excluded.day, run_id = excluded.run_id,"
            " updated_at = excluded.updated_at WHERE excluded.day > watermarks.day",
            (name, day.isoformat(), run_id, connection.now()),
        )


def record_plan(connection: LedgerConnection, run_id: str, kind: str, plan: str) -> None:
    """Keep a plan (its canonical JSON) a run wrote or resolve checked; ``apply`` compares."""
    with connection.transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO recorded_plans (run_id, kind, plan, recorded_at)"
            " VALUES (?, ?, ?, ?)",
            (run_id, kind, plan, connection.now()),
        )


def recorded_plans(connection: LedgerConnection, run_id: str) -> dict[str, str]:
    """kind -> canonical JSON of every plan recorded for the run."""
    rows = connection.query("SELECT kind, plan FROM recorded_plans WHERE run_id = ?", [run_id])
    return {str(row[0]): str(row[1]) for row in rows}


def claim_lock_alert(connection: LedgerConnection, holder: str, run_id: str) -> bool:
    """True the first time a lock ``holder`` is alerted about; False ever after."""
    with connection.transaction() as db:
        cursor = db.execute(
            "INSERT OR IGNORE INTO lock_alerts (holder, run_id, alerted_at) VALUES (?, ?, ?)",
            (holder, run_id, connection.now()),
        )
        return cursor.rowcount == 1


def alerted_recurring(
    connection: LedgerConnection, keys: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of the (schedule id, due day) pairs were alerted already (only those are read)."""
    wanted = set(keys)
    rows = connection.query_keys(
        "SELECT r.schedule_id, r.due_on FROM json_each(?) w "
        "CROSS JOIN recurring_alerts r ON r.schedule_id = w.value",
        (schedule for schedule, _ in wanted),
    )
    return {(str(row[0]), str(row[1])) for row in rows} & wanted


def record_recurring_alerts(
    connection: LedgerConnection, run_id: str, alerted: Iterable[tuple[str, str, str]]
) -> None:
    """Remember (schedule id, due day, status) as alerted by ``run_id``; the first one stays."""
    now = connection.now()
    with connection.transaction() as db:
        db.executemany(
            "INSERT OR IGNORE INTO recurring_alerts "
            "(schedule_id, due_on, status, run_id, alerted_at) VALUES (?, ?, ?, ?, ?)",
            [(schedule, day, status, run_id, now) for schedule, day, status in alerted],
        )
