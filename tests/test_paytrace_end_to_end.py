"""The whole CLI over real loopback HTTP: the API source must reconcile like the file source."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from paytrace_abas.cli import cli
from paytrace_abas.cli.support import ProgressBar
from tests.fake_paytrace import FakePaytrace, batch_records, export_records, sample_day_config
from tests.support.paths import ROOT

SAMPLE = ROOT / "sample_data"
FIXTURES = ROOT / "tests" / "fixtures" / "paytrace"
EXPORT = "/v1/transactions/export/by_date_range"
DAY = "2026-11-25"
ENV = {"PAYTRACE_USERNAME": "demo123", "PAYTRACE_PASSWORD": "demo-password"}


def api_config(tmp_path: Path, fake: FakePaytrace, **paytrace: Any) -> Path:
    keys = {"max_attempts": 10, "retry_budget_seconds": 10, **paytrace}
    return sample_day_config(tmp_path, fake, **keys)


def reconcile(config: Path, out: Path, env: dict[str, str] | None = None) -> Result:
    args = ["--config", str(config), "reconcile", "--date", DAY, "--dry-run"]
    return CliRunner().invoke(
        cli, [*args, "--format", "json", "--out", str(out)], env=env or ENV, catch_exceptions=False
    )


def comparable(result: Result) -> dict[str, Any]:
    """The JSON document without what differs between any two runs (id and output paths)."""
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    return {
        key: value for key, value in document.items() if key not in {"run_id", "report", "plan"}
    }


@pytest.fixture(scope="module")
def file_result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("file-source")
    return comparable(reconcile(sample_day_config(folder), folder / "out"))


@pytest.fixture
def sample_fake(fake_paytrace: FakePaytrace) -> FakePaytrace:
    fake_paytrace.transactions = export_records(sorted((SAMPLE / "paytrace").glob("*.json")))
    # the sample day's three batches, served by /v1/batches/export and transaction_list
    fake_paytrace.batches = batch_records(SAMPLE / "paytrace_batches-2026-11-25.json")
    return fake_paytrace


@pytest.mark.parametrize("date_filter", ["created", "settled"])
def test_api_source_gives_the_file_source_result(
    sample_fake: FakePaytrace, file_result: dict[str, Any], tmp_path: Path, date_filter: str
) -> None:
    sample_fake.date_filter = date_filter
    result = reconcile(api_config(tmp_path, sample_fake), tmp_path / "out")
    assert comparable(result) == file_result
    assert result.stderr == ""  # no progress bar and no chatter when stderr is not a terminal
    assert file_result["counts"]["matched"] > 0


def test_api_source_survives_500s_and_a_token_expiry_mid_run(
    sample_fake: FakePaytrace, file_result: dict[str, Any], tmp_path: Path
) -> None:
    sample_fake.fail_ratio = 0.2
    sample_fake.expire_tokens_after(2)
    result = reconcile(api_config(tmp_path, sample_fake), tmp_path / "out")
    assert comparable(result) == file_result
    statuses = [request.status for request in sample_fake.requests]
    assert statuses.count(401) >= 1 and statuses.count(500) >= 1
    assert len(sample_fake.issued_tokens) == 2
    assert result.stderr == ""  # retries that recover are logged at INFO only


def test_paytrace_down_exits_1_with_one_clear_line(
    sample_fake: FakePaytrace, tmp_path: Path
) -> None:
    sample_fake.down = True
    result = reconcile(api_config(tmp_path, sample_fake, max_attempts=3), tmp_path / "out")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "error: PayTrace POST /oauth/token answered HTTP 503 (gave up after 3 attempt(s) in "
    )


def test_missing_credentials_are_a_config_error(sample_fake: FakePaytrace, tmp_path: Path) -> None:
    result = reconcile(api_config(tmp_path, sample_fake), tmp_path / "out", env={"PATH": ""})
    assert result.exit_code == 2
    assert "PAYTRACE_USERNAME is not set (tried environment variable PAYTRACE_USERNAME" in (
        result.stderr
    )
    assert sample_fake.requests == []


def test_check_config_pings_and_logs_in(sample_fake: FakePaytrace, tmp_path: Path) -> None:
    config = str(api_config(tmp_path, sample_fake))
    result = CliRunner().invoke(cli, ["--config", config, "check-config"], env=ENV)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"PayTrace ping: ok ({sample_fake.url} answered success)" in lines
    assert "PayTrace login: ok (token issued, valid for 7200 s)" in lines

    wrong = {**ENV, "PAYTRACE_PASSWORD": "wrong"}
    failed = CliRunner().invoke(cli, ["--config", config, "check-config"], env=wrong)
    assert failed.exit_code == 1
    assert failed.stderr.splitlines() == [
        "error: PayTrace login: FAILED (PayTrace POST /oauth/token refused the credentials "
        "(invalid_grant): check PAYTRACE_USERNAME and PAYTRACE_PASSWORD)"
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_on_a_terminal() -> None:
    terminal = _Terminal()
    bar = ProgressBar("PayTrace", terminal)
    for done in range(1, 5):
        bar(done, 4)
    bar.close()
    assert "PayTrace" in terminal.getvalue()
    assert "100%" in terminal.getvalue()


def test_a_malformed_record_from_the_api_is_paytraces_fault_exit_1(
    fake_paytrace: FakePaytrace, tmp_path: Path
) -> None:
    broken = export_records(sorted((SAMPLE / "paytrace").glob("*.json")))
    broken[0] = {**broken[0], "amount": "12.345"}
    fake_paytrace.transactions = broken
    result = reconcile(api_config(tmp_path, fake_paytrace), tmp_path / "out")
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: PayTrace sent a malformed transaction: PayTrace export ")
    assert re.search(
        r"field amount: '12.345' has more than two decimal places"
        r" \(recorded as run (\S+): paytrace-abas show \1\)$",
        line,
    )


def _failed_posting_run(fake: FakePaytrace, tmp_path: Path) -> str:
    """A posting run against ``fake``: it must exit 1 with one error line, returned."""
    config = api_config(tmp_path, fake)
    args = ["--config", str(config), "reconcile", "--date", DAY, "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args, env=ENV, catch_exceptions=False)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if not line.startswith("WARNING")]
    assert len(errors) == 1
    return errors[0]


@pytest.mark.parametrize(
    ("answer", "codes"),
    [
        (
            # an approval answered to the export path: success, but no "transactions"
            {
                "success": True,
                "response_code": 101,
                "status_message": "Your transaction was successfully approved.",
                "transaction_id": 395970044,
                "approval_code": "TAS679",
                "approval_message": "  NO  MATCH - Approved and completed",
            },
            "success true, response_code 101, status_message 'Your transaction was "
            "successfully approved.', approval_message 'NO MATCH - Approved and completed'",
        ),
        (
            {"success": True, "response_code": 1, "status_message": "Completed."},
            "success true, response_code 1, status_message 'Completed.'",
        ),
    ],
)
def test_an_export_answer_without_transactions_exits_1_and_posts_nothing(
    sample_fake: FakePaytrace, tmp_path: Path, answer: dict[str, Any], codes: str
) -> None:
    sample_fake.export_answer = answer
    error = _failed_posting_run(sample_fake, tmp_path)
    day, _, message = error.removeprefix(f"error: PayTrace POST {EXPORT} for ").partition(" ")
    assert day in {"11/23/2026", "11/24/2026", "11/25/2026", "11/26/2026"}  # the first to fail
    said, _, recorded = message.partition(" (recorded as run ")
    assert said == (
        f'answered without "transactions" ({codes}): it is not an export of the day, so the '
        "day is not taken as empty and nothing is posted"
    )
    assert re.fullmatch(r"(\S+): paytrace-abas show \1\)", recorded)
    assert not (tmp_path / "demo-abas-import.edp").exists()
    assert not list((tmp_path / "out").glob("plan-*.json"))


def test_an_export_answer_with_success_false_exits_1_with_its_codes(
    sample_fake: FakePaytrace, tmp_path: Path
) -> None:
    sample_fake.export_answer = json.loads((FIXTURES / "decline.json").read_text("utf-8"))
    error = _failed_posting_run(sample_fake, tmp_path)
    assert error.startswith(f"error: PayTrace POST {EXPORT} for ")
    assert re.search(
        r" failed with HTTP 200: response_code 102 Your transaction was not approved\."
        r" \(recorded as run (\S+): paytrace-abas show \1\)$",
        error,
    )
    assert not (tmp_path / "demo-abas-import.edp").exists()
