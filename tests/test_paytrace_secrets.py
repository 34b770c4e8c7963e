"""No PayTrace secret or token in DEBUG logs, exceptions, the workbook or the plan."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from paytrace_abas.cli import cli
from paytrace_abas.config import PaytraceSettings, Secrets
from paytrace_abas.errors import SourceError
from paytrace_abas.models import Window
from paytrace_abas.paytrace.client import fetch_recurring_payments, fetch_transactions
from paytrace_abas.paytrace.transport import PaytraceSession
from tests.fake_paytrace import FakePaytrace, export_records, sample_day_config
from tests.support.paths import ROOT

USERNAME, PASSWORD, INTEGRATOR = "ptuser-4821", "Pw!S3cret-9913", "INTG77AB12XY"
SECRETS = Secrets(
    paytrace_username=USERNAME, paytrace_password=PASSWORD, paytrace_integrator_id=INTEGRATOR
)
WINDOW = Window(dt.date(2026, 11, 25), dt.date(2026, 11, 25))


@pytest.fixture
def fake() -> Iterator[FakePaytrace]:
    records = export_records(sorted((ROOT / "sample_data" / "paytrace").glob("*.json")))
    with FakePaytrace(username=USERNAME, password=PASSWORD, transactions=records) as server:
        yield server


@pytest.fixture
def every_log_record() -> Iterator[list[logging.LogRecord]]:
    """All records at DEBUG from every logger, urllib3 included, before any redacting filter."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.DEBUG)
    watched = [logging.getLogger(), logging.getLogger("paytrace_abas")]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield records
    for logger, level in zip(watched, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def leaked(text: str, fake: FakePaytrace) -> list[str]:
    return [
        secret for secret in [USERNAME, PASSWORD, INTEGRATOR, *fake.issued_tokens] if secret in text
    ]


def settings(fake: FakePaytrace, **overrides: object) -> PaytraceSettings:
    values: dict[str, object] = {"source": "api", "base_url": fake.url, "backoff_seconds": 0.001}
    return PaytraceSettings(**{**values, **overrides})  # type: ignore[arg-type]


def exception_text(error: BaseException) -> str:
    """What any log or crash report could show: message, repr, traceback, whole chain."""
    parts: list[str] = []
    current: BaseException | None = error
    while current is not None:
        parts += [str(current), repr(current), *map(str, current.args)]
        current = current.__cause__ or current.__context__
    return "\n".join([*parts, *traceback.format_exception(error)])


def test_debug_logs_of_a_troubled_pull_carry_no_secret(
    fake: FakePaytrace, every_log_record: list[logging.LogRecord]
) -> None:
    fake.fail_ratio = 0.2
    fake.throttle_next(1)
    fake.malform_next(1)
    fake.expire_tokens_after(1)
    raw = fetch_transactions(settings(fake, max_attempts=8), SECRETS, WINDOW)
    assert raw
    messages = "\n".join(record.getMessage() for record in every_log_record)
    assert "urllib3" in {record.name.split(".")[0] for record in every_log_record}
    assert "rejected the access token" in messages and "retrying" in messages
    assert leaked(messages, fake) == []


@pytest.mark.parametrize(
    "break_it",
    [
        lambda fake: setattr(fake, "down", True),
        lambda fake: setattr(fake, "password", "changed"),
        lambda fake: fake.malform_next(10),
        lambda fake: fake.throttle_next(10, retry_after="3600"),
    ],
    ids=["down", "invalid_grant", "malformed", "throttled"],
)
def test_exceptions_carry_no_secret(
    fake: FakePaytrace, every_log_record: list[logging.LogRecord], break_it: object
) -> None:
    fake.transactions = []
    fetch_transactions(settings(fake), SECRETS, WINDOW)  # a token exists, then things break
    break_it(fake)  # type: ignore[operator]
    fake.expire_tokens()
    with pytest.raises(SourceError) as caught:
        fetch_transactions(settings(fake, max_attempts=2), SECRETS, WINDOW)
    assert leaked(exception_text(caught.value), fake) == []
    assert leaked("\n".join(r.getMessage() for r in every_log_record), fake) == []


def test_a_secret_echoed_back_by_paytrace_is_redacted(fake: FakePaytrace) -> None:
    with PaytraceSession(settings(fake), SECRETS) as session, pytest.raises(SourceError) as caught:
        fetch_recurring_payments(session, PASSWORD)
    assert str(caught.value) == (
        "PayTrace POST /v1/recurrence/export_approved failed with HTTP 200: "
        "30 Customer ID, [redacted], was not found or is incomplete."
    )


def test_cli_debug_output_workbook_and_plan_carry_no_secret(
    fake: FakePaytrace, tmp_path: Path
) -> None:
    fake.fail_ratio = 0.2
    fake.expire_tokens_after(2)
    config = sample_day_config(tmp_path, fake, max_attempts=8)
    env = {
        "PAYTRACE_USERNAME": USERNAME,
        "PAYTRACE_PASSWORD": PASSWORD,
        "PAYTRACE_INTEGRATOR_ID": INTEGRATOR,
    }
    out = tmp_path / "out"
    args = ["--config", str(config), "-vv", "reconcile", "--date", "2026-11-25", "--dry-run"]
    result = CliRunner().invoke(cli, [*args, "--out", str(out)], env=env)
    assert result.exit_code == 0, result.stderr
    assert "DEBUG paytrace_abas.paytrace.transport" in result.stderr
    assert leaked(result.stdout + result.stderr, fake) == []

    (workbook_path,) = out.glob("*.xlsx")
    workbook = openpyxl.load_workbook(workbook_path)
    cells = [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    assert len(cells) > 100
    assert leaked("\n".join(cells), fake) == []
    (plan_path,) = out.glob("plan-*.json")
    assert leaked(plan_path.read_text(encoding="utf-8"), fake) == []
