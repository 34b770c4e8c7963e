"""Posting end to end through the CLI: exactly once against the fake abas and the import file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.ledger import DEAD_LETTER, POSTED, Ledger
from tests.fake_abas import FakeAbas
from tests.support.cli import run_cli
from tests.support.days import (
    FIRST_INVOICE,
    FIRST_TRANSACTION,
    abas_receipts,
    assert_exactly_once,
    import_file_receipts,
    write_day,
)


@pytest.mark.usefixtures("abas_env")
def test_rest_run_posts_each_match_once_and_rerun_posts_nothing(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = write_day(tmp_path, 12, sink="api", base_url=fake_abas.base_url)
    first = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--format", "json")
    assert first.exit_code == 0, first.output
    assert_exactly_once(fake_abas, day.expected)
    document = json.loads(first.stdout)
    items = {item["transaction_id"]: item for item in document["items"]}
    assert items[str(FIRST_TRANSACTION - 1)]["category"] == "duplicate"
    assert items[str(FIRST_TRANSACTION + 3)]["posted"] is True
    assert items[str(FIRST_TRANSACTION - 1)]["posted"] is False
    accounts = {d.reference: d.account for d in fake_abas.state.documents}
    assert (accounts[str(FIRST_TRANSACTION + 3)], accounts[str(FIRST_TRANSACTION)]) == (
        "18120",  # AMEX rule
        "18100",  # default
    )
    calls = fake_abas.state.exec_calls

    again = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--format", "json")
    overlap = run_cli(day.config, "reconcile", "--from", "2026-11-24", "--to", "2026-11-26")
    assert (again.exit_code, overlap.exit_code) == (0, 0), again.output + overlap.output
    assert fake_abas.state.exec_calls == calls
    assert_exactly_once(fake_abas, day.expected)
    counts = json.loads(again.stdout)["counts"]
    assert counts == {"already_posted": 12, "duplicate": 1}


@pytest.mark.usefixtures("abas_env")
def test_thirty_percent_failures_end_in_dead_letters_then_retry_posts_them_once(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    # max_attempts = 1: the existence check is not retried inside the client either
    day = write_day(
        tmp_path, 40, sink="api", base_url=fake_abas.base_url, attempts=2,
        abas_extra="max_attempts = 1",
    )  # fmt: skip
    fake_abas.state.failure_rate = 0.3
    fake_abas.state.rng.seed(7)
    first = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert first.exit_code == 3, first.output
    assert "retry-dead-letters" in first.output
    with Ledger.open(day.ledger, utc_now) as ledger:
        dead = ledger.postings_in_state(DEAD_LETTER)
        posted = ledger.postings_in_state(POSTED)
    assert dead and len(dead) + len(posted) == 40
    # The lost-answer fault commits in abas and then fails: some "dead" ones may already be
    # there. Either way no receipt is in abas twice.
    held = abas_receipts(fake_abas)
    assert all(len(documents) == 1 for documents in held.values())
    assert {p.receipt.transaction_id for p in posted} <= set(held)

    fake_abas.state.failure_rate = 0.0
    retried = run_cli(day.config, "retry-dead-letters")
    assert retried.exit_code == 0, retried.output
    assert_exactly_once(fake_abas, day.expected)
    calls = fake_abas.state.exec_calls
    assert run_cli(day.config, "retry-dead-letters").exit_code == 0
    assert fake_abas.state.exec_calls == calls


def test_file_sink_posts_once_and_overlapping_windows_add_nothing(tmp_path: Path) -> None:
    day = write_day(tmp_path, 9)
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code == 0
    content = day.import_file.read_bytes()
    assert import_file_receipts(day.import_file) == day.expected
    for window in (["--date", "2026-11-25"], ["--from", "2026-11-20", "--to", "2026-11-30"]):
        assert run_cli(day.config, "reconcile", *window).exit_code == 0
    assert day.import_file.read_bytes() == content


def test_plan_then_apply_posts_only_invoices_still_open_with_the_same_amount(
    tmp_path: Path,
) -> None:
    day = write_day(tmp_path, 6)
    planned = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--dry-run")
    assert planned.exit_code == 0, planned.output
    assert not day.import_file.exists()
    plan_path = next(day.out_dir.glob("plan-*.json"))
    plan = json.loads(plan_path.read_text())
    first = plan["postings"][0]
    assert (first["invoice_no"], first["account"], first["open_cents"]) == (
        str(FIRST_INVOICE),
        "18100",
        10_000,
    )
    # Meanwhile in abas: invoice 500001 got a partial payment, 500002 was cleared.
    items = (tmp_path / "open_items.csv").read_text().splitlines()
    items[2] = items[2].replace(";101,37;101,37;", ";101,37;50,00;")
    items[3] = items[3].replace(";102,74;102,74;", ";102,74;0,00;")
    (tmp_path / "open_items.csv").write_text("\n".join(items) + "\n")

    applied = run_cli(day.config, "apply", str(plan_path))
    assert applied.exit_code == 0, applied.output
    assert "700000001 (overpayment) The open amount of invoice 500001 changed" in applied.output
    assert "700000002 (invoice_not_open) Invoice 500002 is no longer open" in applied.output
    expected = {k: v for k, v in day.expected.items() if k not in {"700000001", "700000002"}}
    assert import_file_receipts(day.import_file) == expected

    again = run_cli(day.config, "apply", str(plan_path))
    assert again.exit_code == 0
    assert "already in the ledger: 4" in again.output
    assert import_file_receipts(day.import_file) == expected


def test_apply_refuses_a_file_that_is_not_a_plan(tmp_path: Path) -> None:
    day = write_day(tmp_path, 1)
    bogus = tmp_path / "plan.json"
    bogus.write_text('{"format_version": 1, "postings": [{"amount_cents": 1.5}]}')
    result = run_cli(day.config, "apply", str(bogus))
    assert result.exit_code == 2
    assert result.output.startswith(f"error: plan file {bogus}")


def test_since_last_catches_up_missed_nights_up_to_yesterday(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = write_day(tmp_path, 3)
    no_history = run_cli(day.config, "reconcile", "--since-last")
    assert no_history.exit_code == 2
    assert "needs a completed run in the ledger" in no_history.output
    assert run_cli(day.config, "reconcile", "--date", "2026-11-22").exit_code == 0
    import datetime as dt

    from paytrace_abas.commands import reconcile, watermark

    # 07:30 UTC on the 27th is 23:30 on the 26th in Los Angeles: the last closed day is the 25th.
    for module in (reconcile, watermark):
        monkeypatch.setattr(
            module, "utc_now", lambda: dt.datetime(2026, 11, 27, 7, 30, tzinfo=dt.UTC)
        )
    caught_up = run_cli(day.config, "reconcile", "--since-last", "--format", "json")
    assert caught_up.exit_code == 0, caught_up.output
    assert json.loads(caught_up.output)["window"] == {"from": "2026-11-23", "to": "2026-11-25"}
    assert import_file_receipts(day.import_file) == day.expected
    nothing = run_cli(day.config, "reconcile", "--since-last")
    assert (nothing.exit_code, nothing.output.strip()) == (
        0,
        "nothing to do: the ledger is complete through yesterday",
    )


def test_second_run_while_the_lock_is_held_exits_4(tmp_path: Path) -> None:
    from paytrace_abas.ledger import RunLock

    day = write_day(tmp_path, 1)
    with RunLock.beside(day.ledger):
        result = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 4
    assert f"another run holds the lock {day.ledger}.lock (pid " in result.output


def test_runs_and_show_tell_the_history(tmp_path: Path) -> None:
    day = write_day(tmp_path, 2)
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25", "--dry-run").exit_code == 0
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code == 0
    listed = run_cli(day.config, "runs")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split() == [
        "run",
        "command",
        "window",
        "status",
        "exit",
        "posted",
        "dead",
        "letters",
        "error",
    ]
    newest, oldest = lines[2].split(), lines[3].split()
    assert newest[1:] == ["reconcile", "2026-11-25", "completed", "0", "2", "0"]
    assert oldest[1:4] == ["reconcile", "(dry", "run)"]
    shown = run_cli(day.config, "show", newest[0])
    assert shown.exit_code == 0, shown.output
    rows = [
        line.split()[:7] for line in shown.output.splitlines() if line.strip().startswith("7000")
    ]
    assert rows == [
        ["700000000", "500000", "100.00", "USD", "18100", "posted", "1"],
        ["700000001", "500001", "101.37", "USD", "18100", "posted", "1"],
    ]
    assert "1 exception(s) still open in the ledger" in shown.output
    missing = run_cli(day.config, "show", "nope")
    assert (missing.exit_code, "has no run 'nope'" in missing.output) == (2, True)
