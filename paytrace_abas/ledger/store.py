"""The ledger (SQLite): one ``Ledger`` owning one connection.

Each record kind keeps its SQL in a module of plain functions over the connection: ``runs.py``
(runs, run items, the watermark), ``postings.py`` (receipts and their state machine, dead
letters), ``decisions.py`` (carried-forward exceptions, clerks' decisions, write-offs),
``customers.py`` (learned links, payers, customer creations). A ``Ledger`` method hands its
arguments to the function of the same name; read its docstring there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Self

from paytrace_abas.ledger import customers as _customers
from paytrace_abas.ledger import decisions as _decisions
from paytrace_abas.ledger import postings as _postings
from paytrace_abas.ledger import runs as _runs
from paytrace_abas.ledger import settlement as _settlement
from paytrace_abas.ledger import trail as _trail
from paytrace_abas.ledger.connection import LedgerConnection
from paytrace_abas.ledger.records import (
    AppliedDecision,
    ClerkDecision,
    CustomerCreation,
    DeadLetterRecord,
    RunItem,
    RunItemRow,
    SupersededDecision,
)
from paytrace_abas.ledger.trail import Dispute, PaymentKey
from paytrace_abas.models import (
    CustomerLink,
    ManualBooking,
    PostingRecord,
    Receipt,
    RunRecord,
)


class Ledger:
    """The SQLite ledger; open with :meth:`open`, use as a context manager.

    One connection per ledger, shared by the posting workers behind a lock.
    """

    def __init__(self, connection: LedgerConnection) -> None:
        self._connection = connection

    @classmethod
    def open(cls, path: Path, clock: Callable[[], dt.datetime]) -> Self:
        """Open (creating with mode 0600) and migrate the ledger at ``path``."""
        return cls(LedgerConnection.open(path, clock))

    @property
    def path(self) -> Path:
        return self._connection.path

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        return self._connection.schema_version()

    def journal_mode(self) -> str:
        return self._connection.journal_mode()

    def now(self) -> str:
        """The ledger's clock, as it stamps ``updated_at``."""
        return self._connection.now()

    def probe_write(self) -> None:
        """LedgerError unless the ledger takes a write (check-config; nothing changes)."""
        self._connection.probe_write()

    def sync(self) -> None:
        """Make every change committed so far durable (after ``wait_durable=False`` marks)."""
        self._connection.sync()

    # -- runs (runs.py) ------------------------------------------------------------------------

    def start_run(
        self,
        base_id: str,
        command: str,
        window: tuple[str, str] | None,
        dry_run: bool,
        parameters: dict[str, Any],
    ) -> str:
        return _runs.start_run(self._connection, base_id, command, window, dry_run, parameters)

    def finish_run(
        self,
        run_id: str,
        exit_code: int,
        counts: dict[str, Any],
        input_hash: str | None = None,
        workbook_path: Path | None = None,
        plan_path: Path | None = None,
    ) -> None:
        _runs.finish_run(
            self._connection, run_id, exit_code, counts, input_hash, workbook_path, plan_path
        )

    def runs(self, limit: int = 50) -> list[RunRecord]:
        return _runs.runs(self._connection, limit)

    def run(self, run_id: str) -> RunRecord | None:
        return _runs.run(self._connection, run_id)

    def claim_lock_alert(self, holder: str, run_id: str) -> bool:
        return _runs.claim_lock_alert(self._connection, holder, run_id)

    def alerted_recurring(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        return _runs.alerted_recurring(self._connection, keys)

    def record_recurring_alerts(self, run_id: str, alerted: Iterable[tuple[str, str, str]]) -> None:
        _runs.record_recurring_alerts(self._connection, run_id, alerted)

    def counted_runs(self, last_day: dt.date) -> list[RunRecord]:
        return _runs.counted_runs(self._connection, last_day)

    def record_run_items(self, run_id: str, items: Iterable[RunItem]) -> None:
        _runs.record_run_items(self._connection, run_id, items)

    def record_run_item_rows(self, run_id: str, rows: Iterable[RunItemRow]) -> None:
        _runs.record_run_item_rows(self._connection, run_id, rows)

    def run_items(self, run_id: str) -> list[RunItem]:
        return _runs.run_items(self._connection, run_id)

    def record_pulled_days(self, run_id: str, records_by_day: Mapping[dt.date, int]) -> None:
        _runs.record_pulled_days(self._connection, run_id, records_by_day)

    def pulled_days(self, run_id: str) -> dict[dt.date, int]:
        return _runs.pulled_days(self._connection, run_id)

    def record_plan(self, run_id: str, kind: str, plan: str) -> None:
        _runs.record_plan(self._connection, run_id, kind, plan)

    def recorded_plans(self, run_id: str) -> dict[str, str]:
        return _runs.recorded_plans(self._connection, run_id)

    def run_items_in(
        self, run_ids: Iterable[str], categories: Iterable[str]
    ) -> list[tuple[str, RunItem]]:
        return _runs.run_items_in(self._connection, run_ids, categories)

    def run_items_of(self, transaction_ids: Iterable[str]) -> list[tuple[str, RunItem]]:
        return _runs.run_items_of(self._connection, transaction_ids)

    def watermark(self, name: str = "completed_through") -> dt.date | None:
        return _runs.watermark(self._connection, name)

    def advance_watermark(self, day: dt.date, run_id: str, name: str = "completed_through") -> None:
        _runs.advance_watermark(self._connection, day, run_id, name)

    # -- postings and their state machine (postings.py) ----------------------------------------

    def record_planned(self, run_id: str, receipts: Iterable[Receipt]) -> list[str]:
        return _postings.record_planned(self._connection, run_id, receipts)

    def transition(
        self,
        transaction_id: str,
        run_id: str,
        to_state: str,
        error: str | None = None,
        document: str | None = None,
        wait_durable: bool = True,
    ) -> None:
        _postings.transition(
            self._connection, transaction_id, run_id, to_state, error, document, wait_durable
        )

    def change_account(self, transaction_id: str, run_id: str, account: str) -> None:
        _postings.change_account(self._connection, transaction_id, run_id, account)

    def posting(self, transaction_id: str) -> PostingRecord | None:
        return _postings.posting(self._connection, transaction_id)

    def postings_of(self, transaction_ids: Iterable[str]) -> list[PostingRecord]:
        return _postings.postings_of(self._connection, transaction_ids)

    def posting_states(self, transaction_ids: Iterable[str]) -> dict[str, str]:
        return _postings.posting_states(self._connection, transaction_ids)

    def postings_in_state(self, *states: str) -> list[PostingRecord]:
        return _postings.postings_in_state(self._connection, *states)

    def postings_paid_between(self, first_day: dt.date, last_day: dt.date) -> list[PostingRecord]:
        return _postings.postings_paid_between(self._connection, first_day, last_day)

    def postings_of_run(self, run_id: str) -> list[PostingRecord]:
        return _postings.postings_of_run(self._connection, run_id)

    def posted_documents(self, transaction_ids: Iterable[str]) -> dict[str, str]:
        return _postings.posted_documents(self._connection, transaction_ids)

    def invoices_paid_by(self, transaction_ids: Iterable[str]) -> set[str]:
        return _postings.invoices_paid_by(self._connection, transaction_ids)

    def invoice_payers(self, invoice_nos: Iterable[str]) -> dict[str, tuple[str, str]]:
        return _postings.invoice_payers(self._connection, invoice_nos)

    def paid_lines(
        self, invoice_nos: Iterable[str]
    ) -> dict[str, list[tuple[str, int, int | None]]]:
        return _postings.paid_lines(self._connection, invoice_nos)

    def count_in_state(self, state: str) -> int:
        return _postings.count_in_state(self._connection, state)

    def events(self, transaction_id: str) -> list[tuple[str | None, str, str]]:
        return _postings.events(self._connection, transaction_id)

    def open_dead_letters(self) -> list[DeadLetterRecord]:
        return _postings.open_dead_letters(self._connection)

    # -- exceptions and clerks' decisions (decisions.py) ---------------------------------------

    def carry_exceptions(
        self,
        run_id: str,
        exceptions: Iterable[tuple[str, str, str, int]],
        resolved: Iterable[str],
        reopen: bool = True,
    ) -> None:
        _decisions.carry_exceptions(self._connection, run_id, exceptions, resolved, reopen)

    def open_exceptions(self) -> list[tuple[str, str, str, str]]:
        return _decisions.open_exceptions(self._connection)

    def open_exception_count(self) -> int:
        return _decisions.open_exception_count(self._connection)

    def record_decisions(
        self,
        run_id: str,
        plan_run_id: str,
        decisions: Iterable[ClerkDecision],
        bookings: Iterable[ManualBooking],
    ) -> None:
        _decisions.record_decisions(self._connection, run_id, plan_run_id, decisions, bookings)

    def applied_decisions(self, transaction_ids: Iterable[str]) -> dict[str, AppliedDecision]:
        return _decisions.applied_decisions(self._connection, transaction_ids)

    def superseded_decisions(self, transaction_ids: Iterable[str]) -> list[SupersededDecision]:
        return _decisions.superseded_decisions(self._connection, transaction_ids)

    def manual_bookings_of(self, transaction_ids: Iterable[str]) -> list[tuple[str, ManualBooking]]:
        return _decisions.manual_bookings_of(self._connection, transaction_ids)

    def manual_bookings_of_run(self, run_id: str) -> list[ManualBooking]:
        """A run's write-offs, then the settlement bookings it accepted: all by hand."""
        return [
            *_decisions.manual_bookings_of_run(self._connection, run_id),
            *_settlement.settlement_bookings_of_run(self._connection, run_id),
        ]

    def manual_bookings_paid_between(
        self, first_day: dt.date, last_day: dt.date
    ) -> list[ManualBooking]:
        return [
            *_decisions.manual_bookings_paid_between(self._connection, first_day, last_day),
            *_settlement.settlement_bookings_between(self._connection, first_day, last_day),
        ]

    def propose_settlement_bookings(self, run_id: str, bookings: Iterable[ManualBooking]) -> None:
        _settlement.propose_settlement_bookings(self._connection, run_id, bookings)

    def accept_settlement_bookings(self, run_id: str, planned_run_id: str) -> list[ManualBooking]:
        return _settlement.accept_settlement_bookings(self._connection, run_id, planned_run_id)

    # -- customers: learned links, payers, creations (customers.py) ----------------------------

    def record_payers(self, run_id: str, payers: Iterable[tuple[str, str]]) -> None:
        _customers.record_payers(self._connection, run_id, payers)

    def payers_of(self, transaction_ids: Iterable[str]) -> dict[str, str]:
        return _customers.payers_of(self._connection, transaction_ids)

    def learn_links(self, links: Iterable[CustomerLink]) -> None:
        _customers.learn_links(self._connection, links)

    def links_of(self, paytrace_customer_ids: Iterable[str]) -> dict[str, CustomerLink]:
        return _customers.links_of(self._connection, paytrace_customer_ids)

    def all_links(self) -> list[CustomerLink]:
        return _customers.all_links(self._connection)

    def remove_link(self, paytrace_customer_id: str) -> bool:
        return _customers.remove_link(self._connection, paytrace_customer_id)

    def customers_with_postings(self, customer_nos: Iterable[str]) -> set[str]:
        return _customers.customers_with_postings(self._connection, customer_nos)

    def creations_of(self, paytrace_customer_ids: Iterable[str]) -> dict[str, CustomerCreation]:
        return _customers.creations_of(self._connection, paytrace_customer_ids)

    def mark_creation(
        self, paytrace_customer_id: str, state: str, run_id: str, customer_no: str = ""
    ) -> None:
        _customers.mark_creation(self._connection, paytrace_customer_id, state, run_id, customer_no)

    # -- the money trail: payers' keys, dispute files, disputes (trail.py) ---------------------

    def record_payment_keys(self, run_id: str, keys: Iterable[PaymentKey]) -> None:
        _trail.record_payment_keys(self._connection, run_id, keys)

    def payments_of_payers(
        self,
        customer_refs: Iterable[str],
        card_last4s: Iterable[str],
        first_day: dt.date,
        last_day: dt.date,
    ) -> list[PaymentKey]:
        return _trail.payments_of_payers(
            self._connection, customer_refs, card_last4s, first_day, last_day
        )

    def chargeback_files_read(
        self, hashes: Iterable[str], names: Iterable[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        return _trail.chargeback_files_read(self._connection, hashes, names)

    def record_chargeback_files(self, run_id: str, files: Iterable[tuple[str, str]]) -> None:
        _trail.record_chargeback_files(self._connection, run_id, files)

    def disputes_of(self, case_numbers: Iterable[str]) -> dict[str, Dispute]:
        return _trail.disputes_of(self._connection, case_numbers)

    def record_disputes(self, run_id: str, disputes: Iterable[Dispute]) -> None:
        _trail.record_disputes(self._connection, run_id, disputes)
