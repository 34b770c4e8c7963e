"""Decide, apply, rerun: the decision shows; revise: the new decision posts and the ledger holds
both; a contradicting decision exits 2; skonto posts through both sinks; and show, the period
report and the workbook count the same open exceptions (docs/workbook.md)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from paytrace_abas.commands.inputs import utc_now
from paytrace_abas.config.failpoints import FAILPOINT_ENV_VAR
from paytrace_abas.ledger import Ledger
from tests.fake_abas import FakeAbas
from tests.support.cli import run_cli
from tests.support.waiting import DEADLINE_SECONDS
from tests.support.workbooks import data_rows, type_decisions
from tests.test_round_trip import fake_documents, import_file_lines, use_fake_abas

DAY = "2026-11-25"
SKONTO = "512330359"  # 1,455.00 for invoice 400164: 1,500.00 less its 3 % paid after the 15th
SHORT = "512330373"  # 800.00 for 840.00
IGNORED = "512330415"  # 149.00, no invoice named
IN_TIME_SKONTO = "512330331"  # 980.00 for 400160 (1,000.00 less 2 %), paid in time
DECISIONS = {
    "Partial payments": {
        SKONTO: ("skonto 400164", "discount granted late"),
        SHORT: ("assign 400171=840.00; write off -40.00 to 6855", "short payment accepted"),
    },
    "Unmatched": {IGNORED: ("ignore", "test payment")},
}


def _dry_run(config: Path, out: Path) -> Path:
    result = run_cli(config, "reconcile", "--date", DAY, "--dry-run", "--out", str(out))
    assert result.exit_code == 0, result.output
    return next(out.glob("reconcile-*.xlsx"))


def _resolve(config: Path, workbook: Path) -> tuple[int, str]:
    result = run_cli(config, "resolve", str(workbook))
    return result.exit_code, result.output


def _decide_and_apply(config: Path) -> tuple[Path, str]:
    """The clerk's first morning: dry run, decisions, resolve, apply; the apply run's id."""
    workbook = _dry_run(config, config.parent.parent / "out")
    type_decisions(workbook, DECISIONS)
    assert _resolve(config, workbook)[0] == 0
    applied = run_cli(config, "apply", str(next(workbook.parent.glob("plan-*-resolved.json"))))
    assert applied.exit_code == 0, applied.output
    return workbook, applied.output.split()[1]


def _ledger(config: Path) -> Ledger:
    return Ledger.open(config.parent.parent / "out" / "demo-ledger.sqlite3", utc_now)


def test_decide_apply_rerun_shows_the_decision_and_revise_posts_the_new_one(
    demo_copy: Path,
) -> None:
    first_workbook, apply_run = _decide_and_apply(demo_copy)

    # The rerun of the same window shows the decisions pre-filled and marked decided.
    rerun = _dry_run(demo_copy, demo_copy.parent.parent / "rerun")
    book = load_workbook(rerun)
    header, *_ = book["Unmatched"].iter_rows(values_only=True)
    rows = {row[0]: dict(zip(header, row, strict=False)) for row in data_rows(book, "Unmatched")}
    decided = rows[IGNORED]
    assert (decided["Decided (apply run)"], decided["Resolution"], decided["Note"]) == (
        apply_run,
        "ignore",
        "test payment",
    )
    assert {tid for tid, row in rows.items() if row["Resolution"]} == {IGNORED}
    header, *_ = book["Already posted"].iter_rows(values_only=True)
    posted = {
        row[0]: dict(zip(header, row, strict=False)) for row in data_rows(book, "Already posted")
    }
    assert posted[SKONTO]["Applied decision"] == "skonto 400164"
    assert posted[SKONTO]["Decided (apply run)"] == apply_run

    # Left as it is, the pre-filled row is no new decision.
    code, output = _resolve(demo_copy, rerun)
    assert code == 0, output
    assert "1 decision(s) applied before, left as they were" in output

    # Another decision for the same payment is refused, naming the row and the earlier one.
    type_decisions(rerun, {"Unmatched": {IGNORED: ("assign 400302", "paid 400302 after all")}})
    code, output = _resolve(demo_copy, rerun)
    assert code == 2
    row_number = [row[0] for row in data_rows(book, "Unmatched")].index(IGNORED) + 2
    assert (
        f"error: sheet 'Unmatched', row {row_number}, column P (Resolution): transaction "
        f"{IGNORED} was decided 'ignore' (applied by run {apply_run}); to change it write "
        "'revise assign 400302'"
    ) in output

    # revise: the new decision posts, the ledger holds both.
    type_decisions(rerun, {"Unmatched": {IGNORED: ("revise assign 400302", "")}})
    code, output = _resolve(demo_copy, rerun)
    assert code == 0, output
    revised = run_cli(demo_copy, "apply", str(next(rerun.parent.glob("plan-*-resolved.json"))))
    assert revised.exit_code == 0, revised.output
    assert f"revised: {IGNORED} (was 'ignore')" in revised.output
    assert import_file_lines(demo_copy)[IGNORED] == [("18100", "400302", "149,00", "0,00")]
    revise_run = revised.output.split()[1]
    with _ledger(demo_copy) as ledger:
        current = ledger.applied_decisions([IGNORED])[IGNORED]
        (earlier,) = ledger.superseded_decisions([IGNORED])
    assert (current.resolution, current.run_id) == ("assign 400302", revise_run)
    assert (earlier.resolution, earlier.note, earlier.run_id, earlier.superseded_run_id) == (
        "ignore",
        "test payment",
        apply_run,
        revise_run,
    )
    # applying the revision again posts nothing more
    lines = import_file_lines(demo_copy)
    again = run_cli(demo_copy, "apply", str(next(rerun.parent.glob("plan-*-resolved.json"))))
    assert again.exit_code == 0, again.output
    assert import_file_lines(demo_copy) == lines

    # A decision whose receipt abas holds is not revised: it is reversed in abas.
    type_decisions(first_workbook, {"Partial payments": {SKONTO: ("revise ignore", "")}})
    code, output = _resolve(demo_copy, first_workbook)
    assert code == 2
    assert (
        f"transaction {SKONTO} already has a receipt (posted, abas document demo-abas-import.edp "
        "line"
    ) in output
    assert "reverse it in abas first and book the correction there" in output


def test_skonto_posts_like_an_in_time_cash_discount_to_the_import_file(demo_copy: Path) -> None:
    _decide_and_apply(demo_copy)
    lines = import_file_lines(demo_copy)
    assert lines[SKONTO] == [("18100", "400164", "1455,00", "45,00")]
    assert lines[IN_TIME_SKONTO] == [("18100", "400160", "980,00", "20,00")]


@pytest.mark.usefixtures("abas_env")
def test_skonto_posts_like_an_in_time_cash_discount_through_rest(
    demo_copy: Path, fake_abas: FakeAbas
) -> None:
    use_fake_abas(demo_copy, fake_abas)
    _decide_and_apply(demo_copy)
    documents = fake_documents(fake_abas)
    assert documents[SKONTO] == [("18100", "400164", "1455,00", "45,00")]
    assert documents[IN_TIME_SKONTO] == [("18100", "400160", "980,00", "20,00")]
    by_reference = fake_abas.state.by_reference()
    late, in_time = by_reference[SKONTO][0], by_reference[IN_TIME_SKONTO][0]
    assert late.rows[0].keys() == in_time.rows[0].keys()  # the same receipt fields


def test_show_the_period_report_and_the_workbook_count_the_same_open_exceptions(
    demo_copy: Path,
) -> None:
    with freeze_time("2026-11-26 04:00:00", tick=True):  # the 25th, evening, PayTrace time
        _decide_and_apply(demo_copy)
        rerun = _dry_run(demo_copy, demo_copy.parent.parent / "rerun")
    shown = run_cli(demo_copy, "show", "last", "--format", "json")
    report = run_cli(demo_copy, "report", "--from", DAY, "--to", DAY)
    assert shown.exit_code == report.exit_code == 0, shown.output + report.output
    in_ledger = json.loads(shown.output)["open_exceptions"]
    period = load_workbook(report.output.split("workbook: ")[1].strip())
    in_period = len(data_rows(period, "Open exceptions"))
    summary = {row[0]: row for row in load_workbook(rerun)["Summary"].iter_rows(values_only=True)}
    in_workbook = summary["Open exceptions"][2]
    # 21 payments wait for a clerk on the sample day; the three decided ones do not
    assert in_ledger == in_period == in_workbook == 18
    assert summary["Exceptions decided by a clerk"][2] == 1  # ignored; the others are posted


SCRIPT = Path(sys.executable).with_name("paytrace-abas")


@pytest.mark.skipif(not SCRIPT.exists(), reason="the paytrace-abas console script is missing")
@pytest.mark.parametrize("fail_point", ["posting.before_send:1", "posting.after_send:1"])
def test_a_revision_killed_while_applying_posts_once_on_the_rerun(
    demo_copy: Path, fail_point: str
) -> None:
    _decide_and_apply(demo_copy)
    rerun = _dry_run(demo_copy, demo_copy.parent.parent / "rerun")
    type_decisions(rerun, {"Unmatched": {IGNORED: ("revise assign 400302", "")}})
    assert _resolve(demo_copy, rerun)[0] == 0
    plan = next(rerun.parent.glob("plan-*-resolved.json"))
    env = {**os.environ, FAILPOINT_ENV_VAR: fail_point}
    killed = subprocess.run(
        [str(SCRIPT), "--config", str(demo_copy), "apply", str(plan)],
        env=env,
        capture_output=True,
        timeout=DEADLINE_SECONDS,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    with _ledger(demo_copy) as ledger:  # the decisions were recorded before the receipt
        assert ledger.applied_decisions([IGNORED])[IGNORED].resolution == "assign 400302"
        assert [d.resolution for d in ledger.superseded_decisions([IGNORED])] == ["ignore"]

    rerun_apply = run_cli(demo_copy, "apply", str(plan))
    assert rerun_apply.exit_code == 0, rerun_apply.output
    assert import_file_lines(demo_copy)[IGNORED] == [("18100", "400302", "149,00", "0,00")]
    with _ledger(demo_copy) as ledger:
        posting = ledger.posting(IGNORED)
        assert posting is not None
        assert posting.state == "posted"
        assert [d.resolution for d in ledger.superseded_decisions([IGNORED])] == ["ignore"]


def test_a_revised_decision_keeps_its_exception_closed_from_the_first_apply(
    demo_copy: Path,
) -> None:
    with freeze_time("2026-11-26 04:00:00", tick=True):  # the 25th, PayTrace time
        _decide_and_apply(demo_copy)
    with freeze_time("2026-11-28 18:00:00", tick=True):  # the 28th
        rerun = _dry_run(demo_copy, demo_copy.parent.parent / "rerun")
        type_decisions(rerun, {"Unmatched": {IGNORED: ("revise assign 400302", "")}})
        assert _resolve(demo_copy, rerun)[0] == 0
        plan = next(rerun.parent.glob("plan-*-resolved.json"))
        assert run_cli(demo_copy, "apply", str(plan)).exit_code == 0
    report = run_cli(demo_copy, "report", "--from", DAY, "--to", "2026-11-26")
    assert report.exit_code == 0, report.output
    period = load_workbook(report.output.split("workbook: ")[1].strip())
    assert IGNORED not in {row[0] for row in data_rows(period, "Open exceptions")}
