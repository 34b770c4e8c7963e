"""The ledger: schema and migrations, the posting state machine, permissions, WAL, watermarks,
run items and clerks' decisions."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from paytrace_abas.commands.ledger_facts import cleared_invoices
from paytrace_abas.errors import LedgerError, LockedError, StateError
from paytrace_abas.ledger import (
    DEAD_LETTER,
    FAILED,
    PLANNED,
    POSTED,
    SENDING,
    TRANSITIONS,
    Ledger,
    RunItem,
    RunLock,
    schema,
)
from paytrace_abas.models import ManualBooking, Receipt, ReceiptLine
from paytrace_abas.plan.document import ClerkDecision
from tests.support.builders import receipt

NOW = dt.datetime(2026, 11, 26, 6, 0, tzinfo=dt.UTC)


def clock() -> dt.datetime:
    return NOW


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger.open(tmp_path / "ledger.sqlite3", clock)
    yield opened
    opened.close()


def test_new_ledger_is_private_in_wal_mode_at_the_newest_schema(ledger: Ledger) -> None:
    assert ledger.journal_mode() == "wal"
    assert ledger.schema_version() == max(v for v, _ in schema.MIGRATIONS)
    ledger.start_run("R", "reconcile", None, False, {})  # a write makes the -wal file appear
    for path in (ledger.path, Path(f"{ledger.path}-wal"), Path(f"{ledger.path}-shm")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_existing_ledger_file_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    Ledger.open(path, clock).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_migration_versions_count_up_by_one() -> None:
    # Branches that each add "the next" migration collide on a number; a release never reuses one.
    versions = [version for version, _ in schema.MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))


def test_migrations_run_once_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ledger.sqlite3"
    Ledger.open(path, clock).close()
    newest = max(v for v, _ in schema.MIGRATIONS)
    extra = (newest + 1, ("ALTER TABLE runs ADD COLUMN operator TEXT",))
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, extra])
    with Ledger.open(path, clock) as ledger:
        assert ledger.schema_version() == newest + 1
    with Ledger.open(path, clock) as ledger:  # a second open must not re-run ALTER TABLE
        assert ledger.schema_version() == newest + 1
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(runs)")]
    assert "operator" in columns


def test_ledger_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    Ledger.open(path, clock).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_version VALUES (99, 'later')")
    with pytest.raises(LedgerError, match="schema version 99, newer"):
        Ledger.open(path, clock)


def test_state_machine_is_exactly_the_design(ledger: Ledger) -> None:
    assert {
        PLANNED: {SENDING},
        SENDING: {POSTED, FAILED},
        FAILED: {SENDING, POSTED, DEAD_LETTER},
        DEAD_LETTER: {SENDING, POSTED},
        POSTED: set(),
    } == TRANSITIONS


def test_a_posting_walks_planned_sending_failed_dead_letter_and_back(ledger: Ledger) -> None:
    run = ledger.start_run("R", "reconcile", ("2026-11-25", "2026-11-25"), False, {})
    assert ledger.record_planned(run, [receipt("700", "500", "501")]) == ["700"]
    for state, error in ((SENDING, None), (FAILED, "503"), (SENDING, None), (FAILED, "lock")):
        ledger.transition("700", run, state, error=error)
    ledger.transition("700", run, DEAD_LETTER)
    record = ledger.posting("700")
    assert record is not None
    assert (record.state, record.attempts, record.last_error) == (DEAD_LETTER, 2, "lock")
    assert [line.invoice_no for line in record.receipt.lines] == ["500", "501"]
    assert [
        (d.transaction_id, d.run_id, d.error, d.attempts) for d in ledger.open_dead_letters()
    ] == [("700", run, "lock", 2)]
    ledger.transition("700", run, SENDING)
    ledger.transition("700", run, POSTED, document="(7,102,0)")
    assert ledger.open_dead_letters() == []
    assert ledger.posted_documents(["700", "701"]) == {"700": "(7,102,0)"}
    assert ledger.posted_documents(["701"]) == {}
    assert [to for _, to, _ in ledger.events("700")] == [
        PLANNED,
        SENDING,
        FAILED,
        SENDING,
        FAILED,
        DEAD_LETTER,
        SENDING,
        POSTED,
    ]


@pytest.mark.parametrize(
    ("path", "bad"),
    [((), POSTED), ((), FAILED), ((SENDING, POSTED), SENDING), ((SENDING,), DEAD_LETTER)],
)
def test_forbidden_transitions_raise_and_change_nothing(
    ledger: Ledger, path: tuple[str, ...], bad: str
) -> None:
    run = ledger.start_run("R", "reconcile", None, False, {})
    ledger.record_planned(run, [receipt()])
    for state in path:
        ledger.transition("700", run, state)
    before = ledger.posting("700")
    with pytest.raises(StateError, match="is not allowed"):
        ledger.transition("700", run, bad)
    assert ledger.posting("700") == before


def test_planning_again_keeps_the_state_the_ledger_has(ledger: Ledger) -> None:
    run = ledger.start_run("R", "reconcile", None, False, {})
    ledger.record_planned(run, [receipt("700")])
    ledger.transition("700", run, SENDING)
    again = ledger.start_run("R", "reconcile", None, False, {})
    assert ledger.record_planned(again, [receipt("700"), receipt("701", "600")]) == ["701"]
    assert ledger.posting("700").state == SENDING  # type: ignore[union-attr]
    assert ledger.invoice_payers(["500", "600", "601"]) == {
        "500": ("700", SENDING),
        "600": ("701", PLANNED),
    }
    assert ledger.invoice_payers(["600"]) == {"600": ("701", PLANNED)}
    assert ledger.invoices_paid_by(["701", "702"]) == {"600"}
    assert ledger.posting_states(["700", "701", "702"]) == {"700": SENDING, "701": PLANNED}
    assert [p.receipt.transaction_id for p in ledger.postings_of(["701", "702", "700"])] == [
        "700",
        "701",
    ]


def test_run_ids_are_unique_within_the_same_second(ledger: Ledger) -> None:
    ids = [ledger.start_run("20261126T060000Z", "reconcile", None, True, {}) for _ in range(3)]
    assert ids == ["20261126T060000Z", "20261126T060000Z-2", "20261126T060000Z-3"]
    ledger.finish_run(ids[0], 3, {"posted_now": 2})
    first = ledger.run(ids[0])
    assert first is not None
    assert (first.status, first.exit_code, first.counts) == ("completed", 3, {"posted_now": 2})
    assert ledger.runs()[0].run_id == ids[2]


def test_watermark_only_moves_forward(ledger: Ledger) -> None:
    assert ledger.watermark() is None
    ledger.advance_watermark(dt.date(2026, 11, 25), "R1")
    ledger.advance_watermark(dt.date(2026, 11, 20), "R2")
    assert ledger.watermark() == dt.date(2026, 11, 25)


def test_exceptions_are_carried_until_resolved(ledger: Ledger) -> None:
    ledger.carry_exceptions("R1", [("1", "unmatched", "no invoice", 500)], [])
    ledger.carry_exceptions("R2", [("2", "ambiguous", "two fit", 700)], [])
    assert [e[0] for e in ledger.open_exceptions()] == ["1", "2"]
    assert ledger.open_exception_count() == 2
    ledger.carry_exceptions("R3", [], ["1"])
    assert ledger.open_exceptions() == [("2", "ambiguous", "R2", "two fit")]
    assert ledger.open_exception_count() == 1


def test_a_clerks_decision_closes_its_exception_for_good(ledger: Ledger) -> None:
    run = ledger.start_run("A1", "apply", None, False, {"plan_run_id": "R1"})
    ledger.carry_exceptions("R1", [("1", "unmatched", "no invoice", 500)], [])
    ignore = ClerkDecision("1", "ignore", "ignore", "test payment", "Unmatched!2")
    booking = ManualBooking("2", "18100", "4970", "K1", -50, "USD", dt.date(2026, 11, 25), "short")
    write_off = ClerkDecision("2", "write_off", "write off -0.50 to 4970", "short", "Unmatched!3")
    for _ in range(2):  # recording twice keeps the first
        ledger.record_decisions(run, "R1", [ignore, write_off], [booking])
    ledger.carry_exceptions(run, [], ["1"])
    ledger.carry_exceptions("R2", [("1", "unmatched", "still no invoice", 500)], [])
    assert ledger.open_exceptions() == []  # a later run does not reopen what a clerk decided
    assert ledger.manual_bookings_of(["1", "2", "3"]) == [(run, booking)]
    assert ledger.manual_bookings_of(["1"]) == []
    assert ledger.manual_bookings_of_run(run) == [booking]
    assert ledger.manual_bookings_of_run("R2") == []
    day = dt.date(2026, 11, 25)
    assert ledger.manual_bookings_paid_between(day, day) == [booking]
    assert ledger.manual_bookings_paid_between(day + dt.timedelta(1), day + dt.timedelta(9)) == []
    assert list(ledger.applied_decisions(["2"])) == ["2"]
    decisions = ledger.applied_decisions(["3", "2", "1"])
    assert [
        (d.transaction_id, d.run_id, d.plan_run_id, d.resolution) for d in decisions.values()
    ] == [
        ("1", run, "R1", "ignore"),
        ("2", run, "R1", "write off -0.50 to 4970"),
    ]
    assert decisions["1"].applied_at == NOW


def test_run_items_are_kept_and_only_posting_or_applied_runs_count(ledger: Ledger) -> None:
    item = RunItem("700", dt.date(2026, 11, 25), "matched", 1000, "VISA", 4711, ("500",), "ok")
    cheque = RunItem("701", dt.date(2026, 11, 25), "unmatched", 99, "", None, (), "no invoice")
    day = ("2026-11-25", "2026-11-25")
    runs = {}
    for name, dry in (("posting", False), ("applied", True), ("preview", True), ("late", False)):
        window = ("2026-12-01", "2026-12-01") if name == "late" else day
        runs[name] = ledger.start_run(name, "reconcile", window, dry, {})
        ledger.record_run_items(runs[name], [item, cheque])
        ledger.finish_run(runs[name], 0, {})
    apply = ledger.start_run("apply", "apply", day, False, {"plan_run_id": runs["applied"]})
    ledger.finish_run(apply, 0, {})
    assert ledger.run_items(runs["posting"]) == [item, cheque]
    counted = [run.run_id for run in ledger.counted_runs(dt.date(2026, 11, 30))]
    assert counted == [runs["posting"], runs["applied"]]


def test_second_holder_of_the_run_lock_is_told_the_file_and_pid(tmp_path: Path) -> None:
    with RunLock.beside(tmp_path / "ledger.sqlite3"), pytest.raises(LockedError) as caught:
        RunLock.beside(tmp_path / "ledger.sqlite3").acquire()
    assert str(tmp_path / "ledger.sqlite3.lock") in str(caught.value)
    assert f"pid {os.getpid()}" in str(caught.value)
    RunLock.beside(tmp_path / "ledger.sqlite3").acquire()  # released again


def test_sending_marks_are_synced_in_groups(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(descriptor: int) -> None:
        synced.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    run = ledger.start_run("R", "reconcile", None, False, {})
    ledger.record_planned(run, [receipt(str(n), str(500 + n)) for n in range(40)])
    for n in range(8):  # a worker's batch: eight marks, one fsync
        ledger.transition(str(n), run, SENDING, wait_durable=False)
    ledger.sync()
    assert len(synced) == 1
    threads = [
        threading.Thread(target=ledger.transition, args=(str(n), run, SENDING))
        for n in range(8, 40)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 2 <= len(synced) <= 33  # every waiter is durable; concurrent ones share fsyncs
    assert ledger.count_in_state(SENDING) == 40


def test_a_part_paid_invoice_is_not_paid_before_but_a_cleared_one_is(ledger: Ledger) -> None:
    part = Receipt(
        "701", "K1", "USD", dt.date(2026, 11, 24), "18100", (ReceiptLine("501", 400, 0, 1000),)
    )
    full = Receipt(
        "702", "K1", "USD", dt.date(2026, 11, 24), "18100", (ReceiptLine("502", 980, 20, 1000),)
    )
    ledger.start_run("R", "reconcile", None, False, {})
    ledger.record_planned("R", [part, full])
    assert cleared_invoices(ledger.paid_lines(["501", "502", "503"])) == {"502"}
    assert ledger.paid_lines(["501"]) == {"501": [("701", 400, 1000)]}
