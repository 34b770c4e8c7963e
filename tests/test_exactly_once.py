"""The hostile audit's lost and double postings (issue 18), each reproduced through the real CLI.

Each test names the finding it reproduces; before the fix it lost or doubled a receipt.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.commands.watermark import completed_through
from paytrace_abas.ledger import Ledger
from paytrace_abas.models import Window
from tests.fake_abas import FakeAbas
from tests.support.cli import run_cli
from tests.support.days import Day, import_file_receipts, write_day
from tests.support.workbooks import sheet_holding, type_decisions

ZONE = ZoneInfo("America/Los_Angeles")  # the zone write_day configures


def _today() -> dt.date:
    return utc_now().astimezone(ZONE).date()


def _watermark(path: Path) -> dt.date | None:
    with Ledger.open(path, utc_now) as ledger:
        return ledger.watermark()


# -- finding 1: the watermark jumps over days never reconciled ---------------------------------


def test_finding_1_a_future_posting_window_is_refused_and_moves_nothing(tmp_path: Path) -> None:
    day = write_day(tmp_path, 3)
    assert run_cli(day.config, "reconcile", "--date", "2026-11-22").exit_code == 0
    future = (_today() + dt.timedelta(days=3)).isoformat()
    for window in (["--date", future], ["--from", "2026-11-23", "--to", _today().isoformat()]):
        refused = run_cli(day.config, "reconcile", *window)
        assert refused.exit_code == 2, refused.output
        assert refused.output.count("\n") == 1
        assert "not closed yet in America/Los_Angeles" in refused.output
        assert "--allow-open-day" in refused.output
    assert not day.import_file.exists()
    assert _watermark(day.ledger) == dt.date(2026, 11, 22)


def test_finding_1_an_open_day_posted_anyway_leaves_the_missed_days_to_since_last(
    tmp_path: Path,
) -> None:
    day = write_day(tmp_path, 3)
    assert run_cli(day.config, "reconcile", "--date", "2026-11-22").exit_code == 0
    future = (_today() + dt.timedelta(days=2)).isoformat()
    allowed = run_cli(day.config, "reconcile", "--date", future, "--allow-open-day")
    assert allowed.exit_code == 0, allowed.output
    assert _watermark(day.ledger) == dt.date(2026, 11, 22)

    caught_up = run_cli(day.config, "reconcile", "--since-last", "--format", "json")
    assert caught_up.exit_code == 0, caught_up.output
    assert json.loads(caught_up.output)["window"]["from"] == "2026-11-23"
    assert import_file_receipts(day.import_file) == day.expected  # the 25th is posted
    assert _watermark(day.ledger) == _today() - dt.timedelta(days=1)


def test_watermark_moves_only_over_closed_days_that_join_the_completed_ones() -> None:
    closed = dt.date(2026, 11, 25)
    window = Window(dt.date(2026, 11, 21), dt.date(2026, 11, 28))
    assert completed_through(window, dt.date(2026, 11, 20), closed) == closed
    assert completed_through(window, None, closed) == closed
    assert completed_through(window, dt.date(2026, 11, 19), closed) is None  # a gap: the 20th
    today = Window(dt.date(2026, 11, 26), dt.date(2026, 11, 26))
    assert completed_through(today, dt.date(2026, 11, 25), closed) is None


# -- finding 2: the torn-line repair cut a posted receipt's line -------------------------------


def test_finding_2_a_missing_final_newline_is_added_and_no_line_is_cut(tmp_path: Path) -> None:
    day = write_day(tmp_path, 3)
    items = tmp_path / "open_items.csv"
    full = items.read_text()
    items.write_text("".join(full.splitlines(keepends=True)[:-1]))  # 500002 not open yet
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code == 0
    saved = day.import_file.read_bytes()
    assert saved.endswith(b"\n") and saved.count(b"\n") == 7 + 2
    day.import_file.write_bytes(saved[:-1])  # an editor saved it without the final newline

    items.write_text(full)
    rerun = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert rerun.exit_code == 0, rerun.output
    assert day.import_file.read_bytes().startswith(saved)
    assert import_file_receipts(day.import_file) == day.expected


def test_finding_2_a_file_that_is_not_an_import_file_is_refused_untouched(tmp_path: Path) -> None:
    day = write_day(tmp_path, 2)
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"meeting at 10\nbring the numbers")
    day.config.write_text(day.config.read_text().replace("abas-import.edp", str(notes)))
    result = run_cli(day.config, "-q", "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1
    assert "does not start with this configuration's header" in result.output
    assert notes.read_bytes() == b"meeting at 10\nbring the numbers"


# -- finding 3: the import file moved away between a crash and the rerun ------------------------


def _as_if_crashed_while_sending(ledger: Path, *tids: str) -> None:
    """The ledger a SIGKILL leaves when receipts were written but not yet marked posted."""
    db = sqlite3.connect(ledger)
    with db:
        db.executemany(
            "UPDATE postings SET state = 'sending', document = NULL WHERE transaction_id = ?",
            [(tid,) for tid in tids],
        )
    db.close()


def _with_archive(day_config: Path, archive: Path) -> None:
    archive.mkdir()
    text = day_config.read_text()
    day_config.write_text(
        text.replace(
            'import_file = "abas-import.edp"\n',
            f'import_file = "abas-import.edp"\nimport_archive_dir = "{archive.name}"\n',
        )
    )


def test_finding_3_receipts_in_a_moved_file_are_found_in_the_archive_not_sent_again(
    tmp_path: Path,
) -> None:
    day = write_day(tmp_path, 6)
    archive = tmp_path / "imported"
    _with_archive(day.config, archive)
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code == 0
    _as_if_crashed_while_sending(day.ledger, "700000001", "700000004")
    day.import_file.rename(archive / "abas-import-1.edp")  # imported, then moved by the job

    rerun = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--format", "json")
    assert rerun.exit_code == 0, rerun.output
    assert json.loads(rerun.output)["items"]  # the run really ran
    assert import_file_receipts(day.import_file) == {}  # nothing written a second time
    assert import_file_receipts(archive / "abas-import-1.edp") == day.expected
    with Ledger.open(day.ledger, utc_now) as ledger:
        assert {ledger.posting(t).state for t in day.expected} == {"posted"}  # type: ignore[union-attr]


# -- finding 4: a lost or restored ledger re-posted everything ----------------------------------


def test_finding_4_a_deleted_ledger_reposts_nothing_the_import_file_holds(tmp_path: Path) -> None:
    day = write_day(tmp_path, 5)
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code == 0
    content = day.import_file.read_bytes()
    for path in tmp_path.glob("ledger.sqlite3*"):
        path.unlink()
    rerun = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--format", "json")
    assert rerun.exit_code == 0, rerun.output
    assert day.import_file.read_bytes() == content
    with Ledger.open(day.ledger, utc_now) as ledger:
        assert {ledger.posting(t).state for t in day.expected} == {"posted"}  # type: ignore[union-attr]


@pytest.mark.usefixtures("abas_env")
def test_finding_4_a_restored_ledger_asks_abas_a_page_at_a_time_and_reposts_nothing(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = write_day(tmp_path, 60, sink="api", base_url=fake_abas.base_url)
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25", "--dry-run").exit_code == 0
    backup = tmp_path / "ledger-backup.sqlite3"
    with Ledger.open(day.ledger, utc_now) as ledger:
        ledger.sync()
    shutil.copy(day.ledger, backup)
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code == 0
    posted = fake_abas.state.exec_calls
    assert posted == len(day.expected)
    for path in tmp_path.glob("ledger.sqlite3*"):
        path.unlink()
    shutil.copy(backup, day.ledger)  # last night's backup, from before the posting

    asked_before = len(_reference_lookups(fake_abas))
    rerun = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert rerun.exit_code == 0, rerun.output
    assert fake_abas.state.exec_calls == posted
    assert len(_reference_lookups(fake_abas)) - asked_before == 2  # 60 references, 50 a page
    assert all(len(docs) == 1 for docs in fake_abas.state.by_reference().values())


def _reference_lookups(fake: FakeAbas) -> list[str]:
    """The criteria of every "is this reference in abas?" query the fake answered."""
    return [
        r.query["criteria"]
        for r in fake.state.requests
        if r.method == "GET" and "beleg==" in r.query.get("criteria", "")
    ]


# -- finding 7: abas commits a request after the client gave up ---------------------------------


@pytest.mark.usefixtures("abas_env")
def test_finding_7_a_late_commit_is_found_after_the_grace_period_not_posted_again(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = write_day(tmp_path, 2, sink="api", base_url=fake_abas.base_url, attempts=3)
    text = day.config.read_text()
    text = text.replace("timeout_seconds = 5", "timeout_seconds = 0.3")
    day.config.write_text(text.replace("commit_grace_seconds = 0.01", "commit_grace_seconds = 2"))

    def commit_late(call: int) -> bool:
        if call == 1:
            time.sleep(1.0)  # abas is slow; the client has given up by the time it commits
        return False  # then commit it all the same

    fake_abas.state.on_exec = commit_late
    result = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 0, result.output
    deadline = time.monotonic() + 30
    while len(fake_abas.state.documents) < fake_abas.state.exec_calls:  # the late commit
        assert time.monotonic() < deadline, "abas never committed the slow request"
        time.sleep(0.01)
    held = fake_abas.state.by_reference()
    assert sorted(held) == sorted(day.expected)
    assert all(len(documents) == 1 for documents in held.values()), held


# -- finding 5: apply trusted a hand-edited plan -----------------------------------------------


def _dry_run_plan(tmp_path: Path, payments: int = 4) -> tuple[Day, Path, dict[str, Any]]:
    day = write_day(tmp_path, payments)
    dry = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--dry-run")
    assert dry.exit_code == 0, dry.output
    plan_path = next(day.out_dir.glob("plan-*.json"))
    return day, plan_path, json.loads(plan_path.read_text())


def _pay_twice(plan: dict[str, Any]) -> None:
    plan["postings"].append({**plan["postings"][0], "transaction_id": "700000001"})


def _set(index: int, **fields: object) -> Callable[[dict[str, Any]], None]:
    def edit(plan: dict[str, Any]) -> None:
        plan["postings"][index].update(fields)

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_pay_twice, "invoice 500000 is paid a second time in the plan"),
        (_set(0, amount_cents=99_999_999), "pays out 999,999.99 but brought 100.00"),
        (_set(1, amount_cents=-500), "the amount -5.00 is not above 0"),
        (_set(0, transaction_id="999999999"), "transaction 999999999 is not a payment of run"),
        (_set(2, account="=cmd|calc"), "'=cmd|calc' is not an account"),
        (_set(0, amount_cents=5_000), "amount_cents is 5000, not 10000 as in the plan run"),
        (_set(3, invoice_no="500099"), "invoice 500099) is not in the plan run"),
    ],
)
def test_finding_5_apply_refuses_a_plan_edited_by_hand_naming_the_first_difference(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    day, plan_path, plan = _dry_run_plan(tmp_path)
    edit(plan)
    plan_path.write_text(json.dumps(plan))
    result = run_cli(day.config, "-q", "apply", str(plan_path))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: plan file {plan_path}: ")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert message in result.output
    assert not day.import_file.exists()


def test_finding_5_a_plan_no_run_of_this_ledger_recorded_is_refused(tmp_path: Path) -> None:
    day, plan_path, plan = _dry_run_plan(tmp_path)
    plan["run_id"] = "20261126T060000Z"
    plan_path.write_text(json.dumps(plan))
    result = run_cli(day.config, "-q", "apply", str(plan_path))
    assert result.exit_code == 2, result.output
    assert "run 20261126T060000Z recorded no plan in this ledger" in result.output


def test_finding_5_a_plan_with_postings_removed_is_applied(tmp_path: Path) -> None:
    day, plan_path, plan = _dry_run_plan(tmp_path)
    kept = [p for p in plan["postings"] if p["transaction_id"] != "700000002"]
    plan_path.write_text(json.dumps({**plan, "postings": kept}))
    result = run_cli(day.config, "apply", str(plan_path))
    assert result.exit_code == 0, result.output
    expected = {tid: inv for tid, inv in day.expected.items() if tid != "700000002"}
    assert import_file_receipts(day.import_file) == expected


# -- finding 6: dead letters kept the configuration they failed with ---------------------------


@pytest.mark.usefixtures("abas_env")
def test_finding_6_a_retry_posts_with_the_account_fixed_in_the_configuration(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = write_day(tmp_path, 8, sink="api", base_url=fake_abas.base_url, attempts=1)
    fake_abas.state.accounts = frozenset({"18100", "18120"})
    day.config.write_text(day.config.read_text().replace('default = "18100"', 'default = "18010"'))
    failed = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert failed.exit_code == 3, failed.output  # 18010 does not exist in abas: dead letters
    amex = {tid for tid in day.expected if int(tid) % 7 == 3}  # write_day's AMEX cards
    assert sorted(fake_abas.state.by_reference()) == sorted(amex)

    day.config.write_text(day.config.read_text().replace('default = "18010"', 'default = "18100"'))
    retried = run_cli(day.config, "retry-dead-letters")
    assert retried.exit_code == 0, retried.output
    held = fake_abas.state.by_reference()
    assert sorted(held) == sorted(day.expected)
    assert {tid: [d.account for d in docs] for tid, docs in held.items()} == {
        tid: ["18120" if tid in amex else "18100"] for tid in day.expected
    }


@pytest.mark.parametrize("account", ["18;100", "=cmd|calc", "18 100", ""])
def test_finding_6_check_config_refuses_an_account_that_is_not_one(
    tmp_path: Path, account: str
) -> None:
    day = write_day(tmp_path, 1)
    text = day.config.read_text().replace('account = "18120"', f'account = "{account}"')
    day.config.write_text(text)
    result = run_cli(day.config, "check-config")
    assert result.exit_code == 2, result.output
    assert "[accounts] rules[1].account" in result.output
    assert "Traceback" not in result.output


# -- finding 8: card numbers leaked through error messages, the reference and notes ------------

PAN = "4111 1111 1111 1111"
PAN_DIGITS = PAN.replace(" ", "")


def _edit_export(day: Day, **fields: object) -> None:
    export = day.config.parent / "paytrace" / "export.json"
    document = json.loads(export.read_text())
    document["transactions"][0].update(fields)
    export.write_text(json.dumps(document))


def _ledger_text(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            repr(row) for table in tables for row in db.execute(f"SELECT * FROM {table}")
        )
    finally:
        db.close()


@pytest.mark.parametrize(
    "fields",
    [
        {"amount": PAN},
        {"transaction_type": PAN},
        {"created": {"at": PAN, "through": "API", "by": "x"}},
        {"settled": PAN},
        {"transaction_id": PAN_DIGITS},
        {"transaction_id": PAN},
    ],
)
def test_finding_8_a_card_number_in_a_bad_field_is_masked_everywhere(
    tmp_path: Path, fields: dict[str, object]
) -> None:
    day = write_day(tmp_path, 2)
    _edit_export(day, **fields)
    result = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 2, result.output
    assert "error: " in result.output and "1111" in result.output
    for text in (result.output, _ledger_text(day.ledger)):
        assert PAN not in text and PAN_DIGITS not in text
    assert not day.import_file.exists()


def test_finding_8_a_card_number_as_open_items_date_is_masked(tmp_path: Path) -> None:
    day = write_day(tmp_path, 2)
    items = tmp_path / "open_items.csv"
    items.write_text(items.read_text().replace("01.10.2026", PAN, 1))
    result = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 2, result.output
    for text in (result.output, _ledger_text(day.ledger)):
        assert PAN not in text and PAN_DIGITS not in text


def test_finding_8_a_card_number_in_a_clerks_note_is_masked_in_plan_ledger_and_output(
    tmp_path: Path,
) -> None:
    day = write_day(tmp_path, 3)
    items = tmp_path / "open_items.csv"
    items.write_text("".join(line for line in items.read_text().splitlines(True)[:-1]))
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25", "--dry-run").exit_code == 0
    workbook = next(day.out_dir.glob("reconcile-*.xlsx"))
    note = f"customer read out card {PAN} on the phone"
    type_decisions(
        workbook, {sheet_holding(workbook, "700000002"): {"700000002": ("ignore", note)}}
    )
    resolved = run_cli(day.config, "resolve", str(workbook))
    assert resolved.exit_code == 0, resolved.output
    plan = next(day.out_dir.glob("plan-*-resolved.json"))
    applied = run_cli(day.config, "apply", str(plan))
    assert applied.exit_code == 0, applied.output
    shown = run_cli(day.config, "show", applied.output.split()[1])
    assert shown.exit_code == 0, shown.output
    for text in (plan.read_text(), _ledger_text(day.ledger), applied.output, shown.output):
        assert PAN not in text and PAN_DIGITS not in text
    assert "************1111" in _ledger_text(day.ledger)


@pytest.mark.usefixtures("abas_env")
def test_finding_7_after_a_crash_abas_is_asked_only_once_the_grace_period_passed(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = write_day(tmp_path, 2, sink="api", base_url=fake_abas.base_url)
    text = day.config.read_text()
    day.config.write_text(text.replace("commit_grace_seconds = 0.01", "commit_grace_seconds = 2"))
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code == 0
    # As a SIGKILL leaves it: the receipt marked sending just now, its request still inside
    # abas, which commits it a moment later.
    state = fake_abas.state
    late = state.withdraw("700000001")
    db = sqlite3.connect(day.ledger)
    with db:
        db.execute(
            "UPDATE postings SET state = 'sending', updated_at = ? WHERE transaction_id = ?",
            (utc_now().isoformat(timespec="milliseconds"), "700000001"),
        )
    db.close()

    def commit_late() -> None:
        time.sleep(0.7)
        state.restore(late)

    committer = threading.Thread(target=commit_late)
    committer.start()
    rerun = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--format", "json")
    committer.join()
    assert rerun.exit_code == 0, rerun.output
    held = state.by_reference()
    assert sorted(held) == sorted(day.expected)
    assert all(len(documents) == 1 for documents in held.values()), held
