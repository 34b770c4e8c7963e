"""The nightly job as cron runs it: the real executable, an empty environment but for PATH,
HOME, LOGNAME and SHELL, secrets from ``*_FILE`` files, PayTrace and abas as loopback fakes,
alerts to a real SMTP server and a webhook receiver."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fake_abas import FakeAbas
from tests.fake_paytrace import FakePaytrace, export_records
from tests.posting_data import Day, write_day
from tests.test_alerts import Inbox, channels, smtp_server, webhook  # noqa: F401
from tests.workbook_dump import type_decisions

EXECUTABLE = Path(sys.executable).parent / "paytrace-abas"
PAYTRACE_USER, PAYTRACE_PASSWORD, ABAS_PASSWORD = "cron-user", "Cr0n-S3cret!", "sy"


def secret_file(folder: Path, name: str, value: str, mode: int = 0o600) -> Path:
    path = folder / "secrets" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


def cron_env(folder: Path, **extra: str) -> dict[str, str]:
    """What cron gives a job (and nothing else), plus the crontab's own variables."""
    home = folder / "home"
    home.mkdir(exist_ok=True)
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LOGNAME": os.environ.get("LOGNAME", "paytrace"),
        "SHELL": "/bin/sh",
        **extra,
    }


def run_as_cron(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["env", "-i", *(f"{key}={value}" for key, value in env.items())]
    return subprocess.run(
        [*command, str(EXECUTABLE), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def nightly_setup(
    tmp_path: Path, paytrace: FakePaytrace, abas: FakeAbas, alerts: str
) -> tuple[Day, dict[str, str]]:
    """A posting day pulled from the fake PayTrace, posted to the fake abas, secrets in files."""
    day = write_day(tmp_path, 6, sink="api", base_url=abas.base_url, extra=alerts)
    paytrace.transactions = export_records([tmp_path / "paytrace" / "export.json"])
    text = day.config.read_text(encoding="utf-8").replace(
        'source = "file"\nfile = "paytrace"',
        f'source = "api"\nbase_url = "{paytrace.url}"\nbackoff_seconds = 0.001\n'
        "max_attempts = 2\nretry_budget_seconds = 5",
        1,
    )
    day.config.write_text(text, encoding="utf-8")
    env = cron_env(
        tmp_path,
        PAYTRACE_USERNAME_FILE=str(secret_file(tmp_path, "paytrace-user", PAYTRACE_USER)),
        PAYTRACE_PASSWORD_FILE=str(secret_file(tmp_path, "paytrace-password", PAYTRACE_PASSWORD)),
        ABAS_PASSWORD_FILE=str(secret_file(tmp_path, "abas-password", ABAS_PASSWORD)),
    )
    return day, env


@pytest.fixture
def paytrace() -> Any:
    with FakePaytrace(username=PAYTRACE_USER, password=PAYTRACE_PASSWORD) as fake:
        yield fake


@dataclass
class Night:
    """A nightly set-up with both alert channels listening, abas up while the test runs."""

    day: Day
    env: dict[str, str]
    abas: FakeAbas
    inbox: Inbox
    received: list[dict[str, Any]]


@pytest.fixture
def night(
    tmp_path: Path,
    paytrace: FakePaytrace,
    channels: tuple[Inbox, list[dict[str, Any]], str],  # noqa: F811
) -> Iterator[Night]:
    inbox, received, alerts = channels
    with FakeAbas() as abas:
        day, env = nightly_setup(tmp_path, paytrace, abas, alerts)
        yield Night(day, env, abas, inbox, received)


@pytest.mark.skipif(not EXECUTABLE.exists(), reason="needs the installed paytrace-abas script")
def test_nightly_job_is_silent_on_success_and_loud_on_failure(
    tmp_path: Path, paytrace: FakePaytrace, night: Night
) -> None:
    day, env, abas, inbox, received = night.day, night.env, night.abas, night.inbox, night.received
    config = ("-q", "--config", str(day.config))
    first = run_as_cron(env, tmp_path, *config, "reconcile", "--date", "2026-11-25")
    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    assert len(abas.state.by_reference()) == 6  # posted for real
    caught_up = run_as_cron(env, tmp_path, *config, "reconcile", "--since-last")
    assert (caught_up.returncode, caught_up.stdout, caught_up.stderr) == (0, "", "")
    assert inbox.messages == [] and received == []

    paytrace.down = True
    failed = run_as_cron(env, tmp_path, *config, "reconcile", "--date", "2026-11-26")
    assert failed.returncode == 1
    assert failed.stdout == ""
    lines = failed.stderr.splitlines()
    assert len(lines) == 1, failed.stderr
    assert lines[0].startswith("error: PayTrace") and "paytrace-abas show " in lines[0]

    assert len(inbox.messages) == 1 and "run failed" in inbox.messages[0][2].decode()
    assert len(received) == 1 and received[0]["problem"] == "failed"
    assert received[0]["error"].startswith("PayTrace")

    history = run_as_cron(env, tmp_path, "--config", str(day.config), "runs", "--format", "json")
    runs = json.loads(history.stdout)
    assert [(r["command"], r["status"], r["exit_code"]) for r in runs][:3] == [
        ("reconcile", "failed", 1),
        ("reconcile", "completed", 0),
        ("reconcile", "completed", 0),
    ]
    assert runs[0]["window"] == {"from": "2026-11-26", "to": "2026-11-26"}
    assert runs[0]["error"] == received[0]["error"]
    assert runs[0]["run_id"] == received[0]["run_id"]
    everything = failed.stderr + history.stdout + json.dumps(received) + str(inbox.messages)
    for secret in (PAYTRACE_PASSWORD, ABAS_PASSWORD + "\n"):
        assert secret not in everything


@pytest.mark.skipif(not EXECUTABLE.exists(), reason="needs the installed paytrace-abas script")
def test_a_missing_secret_is_recorded_and_alerted_naming_where_it_was_looked_for(
    tmp_path: Path, night: Night
) -> None:
    day, env, inbox, received = night.day, night.env, night.inbox, night.received
    del env["PAYTRACE_PASSWORD_FILE"]
    result = run_as_cron(env, tmp_path, "-q", "--config", str(day.config), "reconcile",
                         "--date", "2026-11-25")  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert (
        '[paytrace] source = "api" needs PAYTRACE_PASSWORD: PAYTRACE_PASSWORD is not set '
        "(tried environment variable PAYTRACE_PASSWORD, PAYTRACE_PASSWORD_FILE, "
        "$CREDENTIALS_DIRECTORY/PAYTRACE_PASSWORD (not set))"
    ) in line
    assert received[0]["problem"] == "failed" and "PAYTRACE_PASSWORD" in received[0]["error"]
    assert len(inbox.messages) == 1
    history = run_as_cron(env, tmp_path, "--config", str(day.config), "runs", "--format", "json")
    assert [(r["status"], r["exit_code"]) for r in json.loads(history.stdout)] == [("failed", 2)]


@pytest.mark.skipif(not EXECUTABLE.exists(), reason="needs the installed paytrace-abas script")
def test_read_only_commands_need_no_api_secret(tmp_path: Path, paytrace: FakePaytrace) -> None:
    with FakeAbas() as abas:
        day, env = nightly_setup(tmp_path, paytrace, abas, "")
        posted = run_as_cron(env, tmp_path, "--config", str(day.config), "reconcile", "--date",
                             "2026-11-25")  # fmt: skip
        assert posted.returncode == 0, posted.stderr
    bare = cron_env(tmp_path)  # no secret at all, and PayTrace and abas are gone
    period = ["report", "--from", "2026-11-25", "--to", "2026-11-25"]
    for args in (["runs"], ["show", "last"], period):
        done = run_as_cron(bare, tmp_path, "--config", str(day.config), *args)
        assert done.returncode == 0, (args, done.stderr)
    shown = run_as_cron(bare, tmp_path, "--config", str(day.config), "show", "last", "--format",
                        "json")  # fmt: skip
    document = json.loads(shown.stdout)
    assert (document["dry_run"], document["status"], len(document["postings"])) == (
        False,
        "completed",
        6,
    )


@pytest.mark.skipif(not EXECUTABLE.exists(), reason="needs the installed paytrace-abas script")
def test_resolve_checks_against_the_runs_saved_inputs_without_sources_or_secrets(
    tmp_path: Path, paytrace: FakePaytrace
) -> None:
    with FakeAbas() as abas:
        day, env = nightly_setup(tmp_path, paytrace, abas, "")
        (tmp_path / "open_items.csv").write_text(
            (tmp_path / "open_items.csv").read_text(encoding="utf-8")
            + "599999;X;Customer X;01.10.2026;;USD;100,00;100,00;;\n",
            encoding="utf-8",
        )
        dry = run_as_cron(env, tmp_path, "--config", str(day.config), "reconcile", "--date",
                          "2026-11-25", "--dry-run")  # fmt: skip
        assert dry.returncode == 0, dry.stderr
    workbook = next(day.out_dir.glob("reconcile-*.xlsx"))
    type_decisions(workbook, {"Duplicates": {"699999999": ("assign 599999", "")}})
    # abas' export has moved on (599999 is no longer in it) and PayTrace is down: the
    # decision holds against what the run saw.
    items = tmp_path / "open_items.csv"
    items.write_text(items.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    done = run_as_cron(cron_env(tmp_path), tmp_path, "--config", str(day.config), "resolve",
                       str(workbook))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 decision(s) read: 1 posting line(s) added" in done.stdout
