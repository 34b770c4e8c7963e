"""The hostile audit's lost and double postings (issue 18), each reproduced through the real CLI.

Each test names the finding it reproduces; before the fix it lost or doubled a receipt.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from paytrace_abas.commands.reconcile import completed_through, utc_now
from paytrace_abas.ledger import Ledger
from paytrace_abas.models import Window
from tests.conftest import run_cli
from tests.posting_data import import_file_receipts, write_day

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
