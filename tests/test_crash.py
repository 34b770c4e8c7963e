"""SIGKILL a real ``paytrace-abas`` process at random points while it posts; rerun; check abas.

Each trial starts the installed console script on a fresh synthetic day, kills it with SIGKILL
somewhere inside posting, reruns the same reconcile, and then reads what abas holds: the fake
abas server's committed documents, or the EDP import file read back. Every matched payment must
be there exactly once: no duplicate, none lost. Kill points:

* REST, inside the k-th abas call, abas then still commits (the answer is lost with the client);
* REST, inside the k-th abas call, the request is dropped (it never reached abas);
* REST or file sink, at a random moment after posting began.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.ledger import POSTED, Ledger
from tests.conftest import run_cli
from tests.fake_abas import FakeAbas
from tests.posting_data import Day, import_file_receipts, write_day
from tests.test_posting_runs import assert_exactly_once

TRIALS = 20
PAYMENTS = 30
SCRIPT = Path(sys.executable).with_name("paytrace-abas")
ARGS = ("reconcile", "--date", "2026-11-25")


def _start(day: Day) -> subprocess.Popen[bytes]:
    env = {**os.environ, "ABAS_PASSWORD": "sy"}
    return subprocess.Popen(
        [str(SCRIPT), "--config", str(day.config), *ARGS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGKILL)


def _rerun_and_check_ledger(day: Day) -> None:
    rerun = run_cli(day.config, *ARGS)
    assert rerun.exit_code == 0, rerun.output
    with Ledger.open(day.ledger, utc_now) as ledger:
        states = {p.receipt.transaction_id: p.state for p in ledger.postings_in_state(POSTED)}
    assert sorted(states) == sorted(day.expected)


def _rest_trial(tmp_path: Path, rng: random.Random, drop: bool, timed: bool) -> bool:
    """One trial against the fake abas; True when the kill landed before posting finished."""
    with FakeAbas(latency=0.002) as fake:
        day = write_day(tmp_path, PAYMENTS, sink="api", base_url=fake.base_url)
        kill_at = rng.randint(1, PAYMENTS)
        holder: dict[str, subprocess.Popen[bytes]] = {}

        def on_exec(call: int) -> bool:
            if not timed and call == kill_at:
                _kill(holder["process"])
                holder["process"].wait()
                return drop
            return False

        fake.state.on_exec = on_exec
        holder["process"] = process = _start(day)
        if timed:
            _wait_for(lambda: fake.state.exec_calls > 0, process)
            time.sleep(rng.uniform(0, 0.08))
            _kill(process)
        process.wait(timeout=60)
        fake.state.on_exec = None
        interrupted = len(fake.state.by_reference()) < len(day.expected)
        _rerun_and_check_ledger(day)
        assert_exactly_once(fake, day.expected)
    return interrupted


def _file_trial(tmp_path: Path, rng: random.Random) -> bool:
    day = write_day(tmp_path, PAYMENTS, workers=2)
    process = _start(day)
    _wait_for(lambda: len(import_file_receipts_safe(day.import_file)) > 0, process)
    time.sleep(rng.uniform(0, 0.03))
    _kill(process)
    process.wait(timeout=60)
    interrupted = len(import_file_receipts_safe(day.import_file)) < len(day.expected)
    _rerun_and_check_ledger(day)
    assert import_file_receipts(day.import_file) == day.expected
    return interrupted


def import_file_receipts_safe(path: Path) -> dict[str, list[str]]:
    """The import file read while a writer may be mid-line: only complete data lines."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text[: text.rfind("\n") + 1].splitlines()[7:]
    return {line.split(";")[0]: [] for line in lines if line.count(";") == 8}


def _wait_for(condition: object, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while not condition() and process.poll() is None:  # type: ignore[operator]
        assert time.monotonic() < deadline, "posting never started"
        time.sleep(0.001)


@pytest.mark.skipif(not SCRIPT.exists(), reason="the paytrace-abas console script is not installed")
@pytest.mark.usefixtures("abas_env")
def test_sigkill_during_posting_never_loses_or_duplicates_a_receipt(tmp_path: Path) -> None:
    rng = random.Random(20261125)
    kinds = ["rest_commit", "rest_drop", "rest_timed", "file_timed"]
    interrupted = 0
    for trial in range(TRIALS):
        kind = kinds[trial % len(kinds)]
        folder = tmp_path / f"trial-{trial:02d}-{kind}"
        if kind == "file_timed":
            landed = _file_trial(folder, rng)
        else:
            landed = _rest_trial(folder, rng, drop=kind == "rest_drop", timed=kind == "rest_timed")
        interrupted += landed
    # A timed kill may come after the last receipt; most must land inside posting.
    assert interrupted >= TRIALS * 2 // 3, f"only {interrupted} of {TRIALS} kills hit posting"
    assert threading.active_count() < 20
