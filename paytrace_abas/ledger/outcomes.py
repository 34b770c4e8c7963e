"""What runs decided and what clerks decided: run items, carried-forward exceptions, applied
decisions, write-offs to book by hand, and the ``completed_through`` watermark."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from paytrace_abas.ledger.connection import LedgerConnection
from paytrace_abas.ledger.records import AppliedDecision, RunItem, RunRecord, run_record
from paytrace_abas.models import ManualBooking
from paytrace_abas.plan.document import Decision
from paytrace_abas.privacy import mask_pans


class OutcomeRecords(LedgerConnection):
    """The ledger's records of outcomes; ``Ledger`` adds runs and postings."""

    # -- watermarks -------------------------------------------------------------------------

    def watermark(self, name: str = "completed_through") -> dt.date | None:
        rows = self._query("SELECT day FROM watermarks WHERE name = ?", [name])
        return dt.date.fromisoformat(str(rows[0][0])) if rows else None

    def advance_watermark(self, day: dt.date, run_id: str, name: str = "completed_through") -> None:
        """Move the watermark forward to ``day``; it never moves back."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO watermarks (name, day, run_id, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET day = excluded.day, run_id = excluded.run_id,"
                " updated_at = excluded.updated_at WHERE excluded.day > watermarks.day",
                (name, day.isoformat(), run_id, self._now()),
            )

    # -- carried-forward exceptions ---------------------------------------------------------

    def carry_exceptions(
        self, run_id: str, exceptions: Iterable[tuple[str, str, str, int]], resolved: Iterable[str]
    ) -> None:
        """Remember (transaction_id, category, reason, amount) a clerk must see; close resolved.

        A transaction a clerk has decided (``apply``) is not carried again.
        """
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO exceptions (transaction_id, category, reason, amount_cents,"
                " first_run_id, last_run_id) SELECT ?, ?, ?, ?, ?, ?"
                " WHERE NOT EXISTS (SELECT 1 FROM decisions WHERE transaction_id = ?)"
                " ON CONFLICT(transaction_id) DO UPDATE SET category = excluded.category,"
                " reason = excluded.reason, last_run_id = excluded.last_run_id,"
                " resolved_run_id = NULL",
                [
                    (tid, cat, mask_pans(why), cents, run_id, run_id, tid)
                    for tid, cat, why, cents in exceptions
                ],
            )
            db.executemany(
                "UPDATE exceptions SET resolved_run_id = ? WHERE transaction_id = ?"
                " AND resolved_run_id IS NULL",
                [(run_id, tid) for tid in resolved],
            )

    def open_exceptions(self) -> list[tuple[str, str, str, str]]:
        """(transaction_id, category, first_run_id, reason) still waiting for a clerk."""
        rows = self._query(
            "SELECT transaction_id, category, first_run_id, reason FROM exceptions"
            " WHERE resolved_run_id IS NULL ORDER BY first_run_id, transaction_id"
        )
        return [(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    # -- run items --------------------------------------------------------------------------

    def record_run_items(self, run_id: str, items: Iterable[RunItem]) -> None:
        """Keep what a run decided per transaction, in one transaction."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO run_items (run_id, transaction_id, day, category,"
                " amount_cents, card_type, batch_number, invoice_nos, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
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
                ],
            )

    def run_items(self, run_id: str) -> list[RunItem]:
        """What one run decided, in the order it recorded it."""
        rows = self._query("SELECT * FROM run_items WHERE run_id = ? ORDER BY rowid", [run_id])
        return [
            RunItem(
                transaction_id=str(row["transaction_id"]),
                day=dt.date.fromisoformat(str(row["day"])),
                category=str(row["category"]),
                amount_cents=int(row["amount_cents"]),
                card_type=str(row["card_type"]),
                batch_number=None if row["batch_number"] is None else int(row["batch_number"]),
                invoice_nos=tuple(json.loads(row["invoice_nos"])),
                reason=str(row["reason"]),
            )
            for row in rows
        ]

    def counted_runs(self, last_day: dt.date) -> list[RunRecord]:
        """Reconcile runs a period report counts, oldest first, whose window starts by ``last_day``.

        Those are the completed posting runs, and dry runs whose plan a completed ``apply``
        posted: a dry run nobody applied was a preview.
        """
        rows = self._query(
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

    # -- recorded plans ---------------------------------------------------------------------

    def record_plan(self, run_id: str, kind: str, plan: str) -> None:
        """Keep a plan (its canonical JSON) a run wrote or resolve checked; ``apply`` compares."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO recorded_plans (run_id, kind, plan, recorded_at)"
                " VALUES (?, ?, ?, ?)",
                (run_id, kind, plan, self._now()),
            )

    def recorded_plans(self, run_id: str) -> dict[str, str]:
        """kind -> canonical JSON of every plan recorded for the run."""
        rows = self._query("SELECT kind, plan FROM recorded_plans WHERE run_id = ?", [run_id])
        return {str(row[0]): str(row[1]) for row in rows}

    # -- clerks' decisions ------------------------------------------------------------------

    def record_decisions(
        self,
        run_id: str,
        plan_run_id: str,
        decisions: Iterable[Decision],
        bookings: Iterable[ManualBooking],
    ) -> None:
        """Keep decisions ``apply`` accepted and the write-offs to book by hand, together."""
        now = self._now()
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO decisions (transaction_id, run_id, plan_run_id, action,"
                " resolution, note, place, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.transaction_id,
                        run_id,
                        plan_run_id,
                        d.action,
                        mask_pans(d.resolution),
                        mask_pans(d.note),
                        d.where,
                        now,
                    )
                    for d in decisions
                ],
            )
            db.executemany(
                "INSERT OR IGNORE INTO manual_bookings (transaction_id, run_id, counter_account,"
                " gl_account, customer_no, amount_cents, currency, paid_on, note, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        b.transaction_id,
                        run_id,
                        b.counter_account,
                        b.gl_account,
                        b.customer_no,
                        b.amount_cents,
                        b.currency,
                        b.paid_on.isoformat(),
                        mask_pans(b.note),
                        now,
                    )
                    for b in bookings
                ],
            )

    def applied_decisions(self) -> dict[str, AppliedDecision]:
        """transaction_id -> the clerk's decision ``apply`` accepted for it."""
        rows = self._query("SELECT * FROM decisions ORDER BY applied_at, transaction_id")
        return {
            str(row["transaction_id"]): AppliedDecision(
                transaction_id=str(row["transaction_id"]),
                run_id=str(row["run_id"]),
                plan_run_id=str(row["plan_run_id"]),
                action=str(row["action"]),
                resolution=str(row["resolution"]),
                note=str(row["note"]),
                applied_at=dt.datetime.fromisoformat(str(row["applied_at"])),
            )
            for row in rows
        }

    def manual_bookings(self) -> list[tuple[str, ManualBooking]]:
        """(run_id, booking) of every write-off to book by hand, oldest first."""
        rows = self._query("SELECT * FROM manual_bookings ORDER BY created_at, transaction_id")
        return [
            (
                str(row["run_id"]),
                ManualBooking(
                    transaction_id=str(row["transaction_id"]),
                    counter_account=str(row["counter_account"]),
                    gl_account=str(row["gl_account"]),
                    customer_no=str(row["customer_no"]),
                    amount_cents=int(row["amount_cents"]),
                    currency=str(row["currency"]),
                    paid_on=dt.date.fromisoformat(str(row["paid_on"])),
                    note=str(row["note"]),
                ),
            )
            for row in rows
        ]
