"""A run costs what its day costs: the ledger work it does does not grow with the history.

Each test runs the same commands on the sample day twice, once over a ledger with a few earlier
postings and once over one with many, and counts what SQLite does for them: every statement
(trace callback) and every step of SQLite's virtual machine while it runs (progress handler,
called at each instruction). A read of a whole table costs steps per row it visits or fetches;
a look-up through an index costs the same steps however many rows the table holds.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.ledger import Ledger
from paytrace_abas.models import RunRecord
from tests.support.cli import run_cli
from tests.support.ledger_history import add_earlier_postings
from tests.support.paths import SAMPLE_DATA

FEW, MANY = 20, 20_000
_TEXT = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"\b\d+\b")
CHARGEBACKS = SAMPLE_DATA / "chargebacks" / "disputes-2026-11-25.csv"


class SqliteWork:
    """Statements run and virtual-machine steps spent in them, per statement text."""

    def __init__(self) -> None:
        self.steps: Counter[str] = Counter()
        self.runs: Counter[str] = Counter()
        self._current = ""

    def connect(self, real: Callable[..., sqlite3.Connection]) -> Callable[..., sqlite3.Connection]:
        def counting(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            db = real(*args, **kwargs)
            db.set_trace_callback(self._started)
            db.set_progress_handler(self._step, 1)
            return db

        return counting

    def _started(self, sql: str) -> None:
        # The callback sees the statement with its values filled in: count it by its shape.
        self._current = _NUMBER.sub("?", _TEXT.sub("?", " ".join(sql.split())))
        self.runs[self._current] += 1

    def _step(self) -> int:
        self.steps[self._current] += 1
        return 0  # go on


@contextmanager
def counted(
    monkeypatch: pytest.MonkeyPatch, work: SqliteWork | None = None
) -> Iterator[SqliteWork]:
    work = work or SqliteWork()
    with monkeypatch.context() as patch:
        patch.setattr(sqlite3, "connect", work.connect(sqlite3.connect))
        yield work


def _ledger_with_history(demo_copy: Path, earlier: int) -> Path:
    """A copy of the demo set-up whose ledger holds ``earlier`` unrelated earlier postings."""
    folder = demo_copy.parent.parent / f"history-{earlier}"
    shutil.copytree(demo_copy.parent.parent, folder, ignore=shutil.ignore_patterns("history-*"))
    add_earlier_postings(folder / "out" / "demo-ledger.sqlite3", earlier)
    return folder / "config" / "demo.toml"


def _work(monkeypatch: pytest.MonkeyPatch, config: Path, commands: list[list[str]]) -> SqliteWork:
    """The work of ``commands``; ``LAST`` / ``PLAN`` in one stand for the newest run's id / plan."""
    work = SqliteWork()
    for command in commands:
        newest = _newest_run(config)
        named = {LAST: newest.run_id, PLAN: newest.plan_path or ""}
        command = [named.get(word, word) for word in command]
        # One frozen moment for every command and both histories: a run id taken in the same
        # second (the apply after its dry run) is then taken alike, whatever the machine's speed.
        with freeze_time(NOW), counted(monkeypatch, work):
            result = run_cli(config, *command)
        assert result.exit_code in (0, 3), result.output
    return work


def _newest_run(config: Path) -> RunRecord:
    ledger = Ledger.open(config.parent.parent / "out" / "demo-ledger.sqlite3", utc_now)
    with ledger:
        return ledger.runs(1)[0]


def _grown(few: SqliteWork, many: SqliteWork) -> dict[str, tuple[int, int]]:
    """Statements that did more work over the long history: (steps few, steps many)."""
    return {
        sql: (few.steps[sql], steps) for sql, steps in many.steps.items() if steps > few.steps[sql]
    }


LAST, PLAN = "<newest run>", "<newest plan>"
NOW = "2026-11-27 12:00:00"  # the sample day (2026-11-25) is closed
PERIOD = ["report", "--from", "2026-11-01", "--to", "2026-11-30"]
RECONCILE = ["reconcile", "--date", "2026-11-25", "--chargebacks", str(CHARGEBACKS)]


@pytest.mark.parametrize(
    "commands",
    [
        pytest.param([[*RECONCILE, "--dry-run"]], id="dry run"),
        pytest.param([[*RECONCILE, "--dry-run"], ["apply", PLAN]], id="dry run, apply"),
        pytest.param(
            [RECONCILE, ["runs"], ["show", LAST], PERIOD], id="posting run, runs, show, report"
        ),
    ],
)
def test_ledger_work_of_a_run_does_not_grow_with_the_history(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch, commands: list[list[str]]
) -> None:
    few = _work(monkeypatch, _ledger_with_history(demo_copy, FEW), commands)
    many = _work(monkeypatch, _ledger_with_history(demo_copy, MANY), commands)
    assert sum(many.steps.values()) > 1_000  # the counting really counted
    assert many.runs == few.runs  # the same statements, as often
    assert _grown(few, many) == {}


def test_a_whole_table_read_is_seen_growing(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The measure itself: a statement that reads every posting costs more over more history."""

    def read_all(config: Path) -> SqliteWork:
        with counted(monkeypatch) as work:
            db = sqlite3.connect(config.parent.parent / "out" / "demo-ledger.sqlite3")
            db.execute(
                "SELECT transaction_id, document FROM postings WHERE state = 'posted'"
            ).fetchall()
            db.close()
        return work

    few = read_all(_ledger_with_history(demo_copy, FEW))
    many = read_all(_ledger_with_history(demo_copy, MANY))
    assert _grown(few, many) != {}
