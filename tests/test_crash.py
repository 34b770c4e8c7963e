"""SIGKILL a real ``paytrace-abas`` process at chosen points while it posts; rerun; check abas.

Every trial interrupts posting by construction, however busy the machine: either the process
is started with a fail point armed (``PAYTRACE_ABAS_FAILPOINT``, docs/posting.md) and kills
itself there, or the fake abas kills it while it waits inside its k-th call. Each trial checks
that the process died by SIGKILL at exactly that point, reruns the command, and then reads what
abas holds — the fake server's documents, or the EDP import file read back: every matched
payment exactly once, none lost, none twice.

Paths: the REST sink (inside a call with abas committing anyway, inside a call with the request
dropped, after a timeout, before / after a send, after the ledger record), the file sink (a torn
line, a whole line not yet synced, after the fsync), ``apply``, ``retry-dead-letters``, and the
operator's slips of issue 18 (the import file moved away, the ledger lost), and
``customers --create-missing --apply`` (each new abas customer once). A few kills at a
random moment stay as extra trials; they assert exactly once only.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.config.failpoints import (
    FAILPOINT_ENV_VAR,
    POINTS,
    FailPoint,
    parse_fail_point,
)
from paytrace_abas.errors import ConfigError
from paytrace_abas.ledger import POSTED, Ledger
from tests.fake_abas import FakeAbas
from tests.support.cli import run_cli
from tests.support.customers import ABAS_CUSTOMERS, PROFILES, customers_config, profile
from tests.support.days import Day, assert_exactly_once, import_file_receipts, write_day
from tests.support.waiting import DEADLINE_SECONDS, wait_until

PAYMENTS = 30
SCRIPT = Path(sys.executable).with_name("paytrace-abas")
RECONCILE = ("reconcile", "--date", "2026-11-25")
#: not the fake's default "sy": log lines are redacted of the password, and "fsync" holds "sy"
PASSWORD = "abas-crash-trials"

# About a minute and a half of real processes killed mid-posting: `make quick` leaves it out.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SCRIPT.exists(), reason="the paytrace-abas console script is missing"),
]


@pytest.fixture(autouse=True)
def _abas_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The crashed run and the in-process rerun log in to the fake abas alike."""
    monkeypatch.setenv("ABAS_PASSWORD", PASSWORD)
    monkeypatch.delenv(FAILPOINT_ENV_VAR, raising=False)


@dataclass(frozen=True)
class Crash:
    """How the killed process ended and what it wrote on stderr."""

    returncode: int
    stderr: str


def _start(day: Day, args: tuple[str, ...], fail_point: str = "") -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    if fail_point:
        env[FAILPOINT_ENV_VAR] = fail_point
    with _stderr_file(day).open("wb") as stderr:
        return subprocess.Popen(
            [str(SCRIPT), "--config", str(day.config), *args],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=env,
        )


def _stderr_file(day: Day) -> Path:
    return day.config.parent / "crashed-run.stderr"


def _ended(day: Day, process: subprocess.Popen[bytes]) -> Crash:
    returncode = process.wait(timeout=DEADLINE_SECONDS)
    return Crash(returncode, _stderr_file(day).read_text(encoding="utf-8", errors="replace"))


def _crash(day: Day, args: tuple[str, ...], fail_point: str) -> Crash:
    """Run the command with the fail point armed, to its end."""
    return _ended(day, _start(day, args, fail_point))


def assert_died_at(crash: Crash, fail_point: str) -> None:
    """The process killed itself by SIGKILL at this fail point, on this hit."""
    name, _, hit = fail_point.partition(":")
    assert crash.returncode == -signal.SIGKILL, (
        f"not killed at {fail_point}: exit {crash.returncode}\n{crash.stderr}"
    )
    assert f"fail point {name} reached (hit {hit})" in crash.stderr, crash.stderr


def _crash_inside_abas_call(
    day: Day, fake: FakeAbas, args: tuple[str, ...], call: int, commits: bool
) -> None:
    """The fake kills the process while it waits inside the ``call``-th exec, then commits or
    drops the request; asserts that the process died there by SIGKILL."""
    started: list[subprocess.Popen[bytes]] = []
    killed_in: list[int] = []

    def on_exec(number: int) -> bool:
        if number != call:
            return False
        started[0].kill()
        started[0].wait()
        killed_in.append(number)
        return not commits

    fake.state.on_exec = on_exec
    try:
        started.append(_start(day, args))
        crash = _ended(day, started[0])
    finally:
        fake.state.on_exec = None
    assert crash.returncode == -signal.SIGKILL, crash.stderr
    assert killed_in == [call]


def _rerun(day: Day, *args: str) -> None:
    """Run the command again in-process: it ends well and the ledger holds every receipt."""
    rerun = run_cli(day.config, *args)
    assert rerun.exit_code == 0, rerun.output
    with Ledger.open(day.ledger, utc_now) as ledger:
        posted = [p.receipt.transaction_id for p in ledger.postings_in_state(POSTED)]
    assert sorted(posted) == sorted(day.expected)


def assert_file_holds_each_once(day: Day) -> None:
    assert import_file_receipts(day.import_file) == day.expected


# -- REST sink ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fail_point", ["posting.before_send:1", "posting.after_send:7", "posting.after_record:30"]
)
def test_rest_sink_killed_at_a_fail_point_ends_with_each_receipt_once(
    tmp_path: Path, fail_point: str
) -> None:
    with FakeAbas(password=PASSWORD) as fake:
        day = write_day(tmp_path, PAYMENTS, sink="api", base_url=fake.base_url)
        assert_died_at(_crash(day, RECONCILE, fail_point), fail_point)
        _rerun(day, *RECONCILE)
        assert_exactly_once(fake, day.expected)


@pytest.mark.parametrize("commits", [True, False], ids=["commit_then_drop", "drop_before_commit"])
def test_rest_sink_killed_inside_an_abas_call_ends_with_each_receipt_once(
    tmp_path: Path, commits: bool
) -> None:
    with FakeAbas(password=PASSWORD) as fake:
        day = write_day(tmp_path, PAYMENTS, sink="api", base_url=fake.base_url)
        _crash_inside_abas_call(day, fake, RECONCILE, call=11, commits=commits)
        assert len(fake.state.by_reference()) < len(day.expected)
        _rerun(day, *RECONCILE)
        assert_exactly_once(fake, day.expected)


def test_rest_sink_killed_after_a_timeout_abas_committed_ends_with_each_receipt_once(
    tmp_path: Path,
) -> None:
    released = threading.Event()

    def hold_the_answer(call: int) -> None:
        if call == 5:  # committed; the answer comes only after the client gave up
            released.wait(DEADLINE_SECONDS)

    with FakeAbas(password=PASSWORD) as fake:
        day = write_day(tmp_path, PAYMENTS, sink="api", base_url=fake.base_url, timeout=1)
        fake.state.after_commit = hold_the_answer
        crash = _crash(day, RECONCILE, "posting.after_failure:1")
        released.set()
        fake.state.after_commit = None
        assert_died_at(crash, "posting.after_failure:1")
        assert "no answer within the timeout" in crash.stderr
        _rerun(day, *RECONCILE)
        assert_exactly_once(fake, day.expected)


# -- file sink ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fail_point",
    [
        "import_file.mid_line:1",
        "import_file.mid_line:17",
        "import_file.after_line:12",
        "import_file.after_fsync:30",
        "posting.before_send:5",
        "posting.after_send:19",
        "posting.after_record:2",
    ],
)
def test_file_sink_killed_at_a_fail_point_ends_with_each_receipt_once(
    tmp_path: Path, fail_point: str
) -> None:
    day = write_day(tmp_path, PAYMENTS, workers=2)
    assert_died_at(_crash(day, RECONCILE, fail_point), fail_point)
    torn = not day.import_file.read_bytes().endswith(b"\n")
    assert torn == fail_point.startswith("import_file.mid_line")
    _rerun(day, *RECONCILE)
    assert_file_holds_each_once(day)


# -- apply and retry-dead-letters ---------------------------------------------------------


def _dry_run_plan(day: Day) -> Path:
    dry = run_cli(day.config, *RECONCILE, "--dry-run")
    assert dry.exit_code == 0, dry.output
    (plan,) = day.out_dir.glob("plan-*.json")
    return plan


@pytest.mark.parametrize(
    ("sink", "fail_point"),
    [("file", "import_file.mid_line:9"), ("api", "posting.after_send:4")],
)
def test_apply_killed_at_a_fail_point_ends_with_each_receipt_once(
    tmp_path: Path, sink: str, fail_point: str
) -> None:
    with FakeAbas(password=PASSWORD) as fake:
        day = write_day(tmp_path, PAYMENTS, sink=sink, base_url=fake.base_url)
        apply = ("apply", str(_dry_run_plan(day)))
        assert_died_at(_crash(day, apply, fail_point), fail_point)
        _rerun(day, *apply)
        if sink == "api":
            assert_exactly_once(fake, day.expected)
        else:
            assert_file_holds_each_once(day)


def _day_in_dead_letters(tmp_path: Path, fake: FakeAbas) -> Day:
    """Every receipt of the day in dead letters (abas answered 503), abas well again."""
    fake.state.failure_rate = 1.0
    day = write_day(tmp_path, PAYMENTS, sink="api", base_url=fake.base_url, attempts=1)
    failed = run_cli(day.config, *RECONCILE)
    assert failed.exit_code == 3, failed.output
    fake.state.failure_rate = 0.0
    return day


@pytest.mark.parametrize("fail_point", ["posting.before_send:1", "posting.after_send:6"])
def test_retry_dead_letters_killed_at_a_fail_point_ends_with_each_receipt_once(
    tmp_path: Path, fail_point: str
) -> None:
    with FakeAbas(password=PASSWORD, faults=("unavailable",)) as fake:
        day = _day_in_dead_letters(tmp_path, fake)
        assert_died_at(_crash(day, ("retry-dead-letters",), fail_point), fail_point)
        _rerun(day, "retry-dead-letters")
        assert_exactly_once(fake, day.expected)


def test_retry_dead_letters_killed_inside_an_abas_call_ends_with_each_receipt_once(
    tmp_path: Path,
) -> None:
    with FakeAbas(password=PASSWORD, faults=("unavailable",)) as fake:
        day = _day_in_dead_letters(tmp_path, fake)
        calls = fake.state.exec_calls
        _crash_inside_abas_call(day, fake, ("retry-dead-letters",), calls + 3, commits=True)
        _rerun(day, "retry-dead-letters")
        assert_exactly_once(fake, day.expected)


# -- the operator's slips between crash and rerun (issue 18) ------------------------------


def test_import_file_moved_away_between_crash_and_rerun_ends_with_each_receipt_once(
    tmp_path: Path,
) -> None:
    day = write_day(tmp_path, PAYMENTS, workers=2)
    assert_died_at(_crash(day, RECONCILE, "posting.after_send:10"), "posting.after_send:10")
    archive = tmp_path / "archive"
    archive.mkdir()
    moved = day.import_file.rename(archive / day.import_file.name)  # imported, then moved
    write_day(tmp_path, PAYMENTS, workers=2, abas_extra='import_archive_dir = "archive"')
    _rerun(day, *RECONCILE)
    held = import_file_receipts(moved)
    for tid, invoices in import_file_receipts(day.import_file).items():
        held.setdefault(tid, []).extend(invoices)
    assert held == day.expected


@pytest.mark.parametrize("sink", ["file", "api"])
def test_ledger_lost_between_crash_and_rerun_ends_with_each_receipt_once(
    tmp_path: Path, sink: str
) -> None:
    with FakeAbas(password=PASSWORD) as fake:
        day = write_day(tmp_path, PAYMENTS, sink=sink, base_url=fake.base_url)
        assert_died_at(_crash(day, RECONCILE, "posting.after_send:10"), "posting.after_send:10")
        for leftover in tmp_path.glob(f"{day.ledger.name}*"):
            leftover.unlink()
        _rerun(day, *RECONCILE)
        if sink == "api":
            assert_exactly_once(fake, day.expected)
        else:
            assert_file_holds_each_once(day)


# -- extra: kills at a random moment (no claim about where they land) ---------------------


def _complete_lines(path: Path) -> int:
    """Receipts in the import file while a writer may be mid-line: complete data lines only."""
    if not path.exists():
        return 0
    complete = path.read_bytes().rpartition(b"\n")[0].splitlines()
    return sum(1 for line in complete if not line.startswith((b"#!", b"beleg;")))


@pytest.mark.slow
@pytest.mark.parametrize("sink", ["api", "file"])
@pytest.mark.parametrize("seed", [1, 2])
def test_a_kill_at_a_random_moment_ends_with_each_receipt_once(
    tmp_path: Path, sink: str, seed: int
) -> None:
    after = random.Random(seed).randint(1, PAYMENTS)
    with FakeAbas(password=PASSWORD) as fake:
        day = write_day(tmp_path, PAYMENTS, sink=sink, base_url=fake.base_url)
        posted: Callable[[], int] = (
            (lambda: fake.state.exec_calls)
            if sink == "api"
            else (lambda: _complete_lines(day.import_file))
        )
        process = _start(day, RECONCILE)
        wait_until(lambda: posted() >= after or process.poll() is not None, "posting to begin")
        process.kill()
        process.wait(timeout=DEADLINE_SECONDS)
        _rerun(day, *RECONCILE)
        if sink == "api":
            assert_exactly_once(fake, day.expected)
        else:
            assert_file_holds_each_once(day)


# -- the facility itself ------------------------------------------------------------------


def test_an_unknown_fail_point_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = write_day(tmp_path, 3)
    monkeypatch.setenv(FAILPOINT_ENV_VAR, "posting.after_lunch:2")
    refused = run_cli(day.config, *RECONCILE)
    assert refused.exit_code == 2
    assert refused.output.splitlines() == [
        f"error: {FAILPOINT_ENV_VAR}: 'posting.after_lunch' is not a fail point "
        f"(known: {', '.join(POINTS)})"
    ]
    assert not day.import_file.exists()


@pytest.mark.parametrize("text", ["posting.after_send:0", "posting.after_send:x", ":3"])
def test_a_fail_point_needs_a_known_name_and_a_count_of_at_least_one(text: str) -> None:
    with pytest.raises(ConfigError, match=FAILPOINT_ENV_VAR):
        parse_fail_point(text)
    assert parse_fail_point("posting.after_send") == FailPoint("posting.after_send", 1)
    assert parse_fail_point("import_file.mid_line:17") == FailPoint("import_file.mid_line", 17)


def test_every_fail_point_is_tried_by_a_trial() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert [point for point in POINTS if f'"{point}:' not in source] == []


@pytest.mark.parametrize("fail_point", ["customers.before_send:2", "customers.after_send:2"])
def test_a_killed_create_missing_run_and_its_rerun_create_each_customer_once(
    tmp_path: Path, fail_point: str
) -> None:
    """``customers --create-missing --apply`` killed before / after abas took the second new
    customer; the rerun asks abas by the reference and creates what is still missing."""
    # One company's three vault profiles (three cards): a name pairs with none of their abas
    # customers, so only the ledger and the reference keep the rerun from creating them again.
    new = [profile(f"V-NEW-{n}", "New Customer", "1 Elm Street", "99201") for n in (1, 2, 3)]
    abas = FakeAbas(password=PASSWORD, customers=[dict(c) for c in ABAS_CUSTOMERS])
    with abas as fake:
        config = customers_config(
            tmp_path,
            abas_url=fake.base_url,
            abas_extra='[abas.customer_fields]\npaytrace_id = "yptid"',
        )
        (tmp_path / "profiles.json").write_text(json.dumps({"customers": [*PROFILES, *new]}))
        stderr = tmp_path / "crashed-run.stderr"
        with stderr.open("wb") as sink:
            process = subprocess.Popen(
                [str(SCRIPT), "--config", str(config), "customers", "--create-missing", "--apply"],
                stdout=subprocess.DEVNULL,
                stderr=sink,
                env={**os.environ, FAILPOINT_ENV_VAR: fail_point},
            )
        returncode = process.wait(timeout=DEADLINE_SECONDS)
        assert_died_at(Crash(returncode, stderr.read_text(errors="replace")), fail_point)
        rerun = run_cli(config, "customers", "--create-missing", "--apply")
        assert rerun.exit_code == 0, rerun.output
        created = Counter(c["yptid"] for c in fake.state.customers if c.get("yptid"))
    assert created == {"V-NEW": 1, "V-NEW-1": 1, "V-NEW-2": 1, "V-NEW-3": 1}
