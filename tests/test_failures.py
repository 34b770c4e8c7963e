"""Failures outside a run: recorded, alerted, said in one line (JSON with --log-format json)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from paytrace_abas.cli import cli
from paytrace_abas.ledger import RunLock
from tests.fake_abas import FakeAbas
from tests.posting_data import write_day
from tests.test_alerts import (  # noqa: F401
    Inbox,
    _alerts_toml,
    _free_port,
    channels,
    smtp_server,
    webhook,
)


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def runs_of(config: Path) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json.loads(invoke(config, "runs", "--format", "json").stdout)
    return result


def test_a_lock_held_too_long_by_a_live_process_alerts_once(
    tmp_path: Path,
    channels: tuple[Inbox, list[dict[str, Any]], str],  # noqa: F811
) -> None:
    inbox, received, alerts = channels
    day = write_day(tmp_path, 2, extra=alerts)
    text = day.config.read_text().replace(
        'path = "ledger.sqlite3"', 'path = "ledger.sqlite3"\nlock_alert_minutes = 60'
    )
    day.config.write_text(text)
    lock = RunLock.beside(day.ledger)
    with lock:  # this (live) process holds it
        brief = invoke(day.config, "-q", "reconcile", "--date", "2026-11-25")
        assert brief.exit_code == 4
        assert received == []  # held for a moment only: recorded, not alerted
        hours_ago = time.time() - 3 * 3600
        os.utime(lock.path, (hours_ago, hours_ago))
        for _ in range(2):
            held = invoke(day.config, "reconcile", "--date", "2026-11-25")
            assert held.exit_code == 4
            assert f"(pid {os.getpid()})" in held.stderr
    assert len(received) == 1 and len(inbox.messages) == 1
    assert "(180 minutes)" in received[0]["error"] or "(179 minutes)" in received[0]["error"]
    assert [(r["status"], r["exit_code"]) for r in runs_of(day.config)] == [("failed", 4)] * 3


def test_quiet_posting_run_with_dead_letters_says_so_in_one_line(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("ABAS_PASSWORD", "sy")
    with FakeAbas(failure_rate=1.0, faults=("unavailable",)) as fake:
        day = write_day(tmp_path, 2, sink="api", base_url=fake.base_url, attempts=1)
        result = invoke(day.config, "-q", "reconcile", "--date", "2026-11-25")
    assert (result.exit_code, result.stdout) == (3, "")
    (line,) = result.stderr.splitlines()
    run_id = runs_of(day.config)[0]["run_id"]
    assert line == (
        f"error: run {run_id}: 2 posting(s) in dead letters (details: paytrace-abas show "
        f"{run_id}; then paytrace-abas retry-dead-letters)"
    )


def test_json_log_format_makes_every_line_json_the_fatal_error_too(tmp_path: Path) -> None:
    day = write_day(tmp_path, 2)
    (tmp_path / "open_items.csv").write_text("invoice_no;customer_no\n1;2\n")
    result = invoke(day.config, "-vv", "--log-format", "json", "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert len(lines) > 3
    run_id = runs_of(day.config)[0]["run_id"]
    # every line from the run's start on carries its id (the config is read before it has one)
    first = next(n for n, line in enumerate(lines) if "run_id" in line)
    assert len(lines) - first >= 2
    assert all(line["run_id"] == run_id for line in lines[first:])
    fatal = lines[-1]
    assert fatal["level"] == "ERROR" and "missing column(s)" in fatal["message"]
    assert fatal["time"][-6] in "+-" and fatal["time"][-3] == ":"  # 2026-…T…+01:00


def test_an_alert_that_cannot_be_sent_is_said_on_stderr_with_the_error(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{_free_port()}/hook"
    day = write_day(tmp_path, 2, extra=_alerts_toml(_free_port(), closed))
    (tmp_path / "open_items.csv").write_text("invoice_no;customer_no\n1;2\n")
    result = invoke(day.config, "-q", "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 2
    mail, hook, final = result.stderr.splitlines()
    assert "alert e-mail via 127.0.0.1 failed: " in mail and "missing column(s)" in mail
    assert "alert webhook to 127.0.0.1 failed: ConnectionError" in hook
    assert "missing column(s)" in hook
    assert final.startswith("error: ") and "missing column(s)" in final


def test_a_broken_config_is_recorded_in_an_existing_ledger_and_alerted(
    tmp_path: Path,
    webhook: tuple[list[dict[str, Any]], str],  # noqa: F811
) -> None:
    received, url = webhook
    day = write_day(tmp_path, 2, extra=f'[alerts]\nwebhook_url = "{url}"\n')
    assert invoke(day.config, "-q", "reconcile", "--date", "2026-11-25").exit_code == 0
    day.config.write_text(day.config.read_text().replace("attempts =", "atempts ="))
    broken = invoke(day.config, "-q", "reconcile", "--date", "2026-11-26")
    assert broken.exit_code == 2
    (line,) = broken.stderr.splitlines()
    assert "[posting] atempts is not a known key (did you mean attempts?)" in line
    assert "(recorded as run " in line
    day.config.write_text(day.config.read_text().replace("atempts =", "attempts ="))
    failed = runs_of(day.config)[0]
    assert (failed["status"], failed["exit_code"]) == ("failed", 2)
    assert "atempts" in failed["error"] and received[0]["error"] == failed["error"]
    table = invoke(day.config, "runs").stdout
    assert "failed" in table and "atempts" not in table.splitlines()[0]


def test_debug_shows_sql_timings_and_pass_counts(tmp_path: Path) -> None:
    day = write_day(tmp_path, 3)
    result = invoke(day.config, "-vv", "reconcile", "--date", "2026-11-25", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert re.search(
        r"DEBUG paytrace_abas\.ledger\.connection \[\S+\]: ledger [\d.]+ ms", result.stderr
    )
    assert re.search(r"decisions per pass: .*reference/matched 3", result.stderr)
