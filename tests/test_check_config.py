"""check-config: every step a nightly run needs, each failing on its own."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from paytrace_abas.cli import cli
from tests.fake_paytrace import FakePaytrace
from tests.posting_data import write_day
from tests.test_alerts import Inbox, _free_port, channels, smtp_server, webhook  # noqa: F401

STEPS = [
    "config",
    "secrets",
    "PayTrace source",
    "abas source",
    "abas sink",
    "ledger",
    "out_dir",
    "alert e-mail",
    "alert webhook",
]


def check(config: Path, *extra: str, env: dict[str, str] | None = None) -> Result:
    args = ["--config", str(config), "check-config", *extra]
    return CliRunner().invoke(cli, args, env=env or {}, catch_exceptions=False)


def steps_of(result: Result) -> dict[str, str]:
    """Step name -> "ok" or "FAILED", from stdout (ok) and stderr (FAILED) lines."""
    found = {}
    for line in result.stdout.splitlines() + result.stderr.splitlines():
        name, outcome = line.removeprefix("error: ").split(": ", 1)
        found[name] = outcome.split(" ", 1)[0]
    return found


@pytest.fixture
def setup(
    tmp_path: Path,
    channels: tuple[Inbox, list[dict[str, Any]], str],  # noqa: F811
) -> tuple[Path, Inbox, list[dict[str, Any]]]:
    """A configuration on which every step passes: file sources and sink, mail and webhook."""
    inbox, received, alerts = channels
    day = write_day(tmp_path, 3, extra=alerts)
    return day.config, inbox, received


def test_every_step_passes_and_nothing_is_sent_without_send_test(
    setup: tuple[Path, Inbox, list[dict[str, Any]]],
) -> None:
    config, inbox, received = setup
    result = check(config)
    assert result.exit_code == 0, result.output
    assert list(steps_of(result).items()) == [(name, "ok") for name in STEPS]
    assert inbox.messages == [] and received == []
    assert check(config, "--send-test").exit_code == 0
    assert len(inbox.messages) == 1 and "test alert" in inbox.messages[0][2].decode()
    assert received[0]["problem"] == "test"


def test_quiet_check_prints_nothing_when_all_is_well(
    setup: tuple[Path, Inbox, list[dict[str, Any]]],
) -> None:
    config, _, _ = setup
    result = CliRunner().invoke(cli, ["-q", "--config", str(config), "check-config"], env={})
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def _api_without_password(config: Path, fake: FakePaytrace) -> dict[str, str]:
    _paytrace_api(config, fake)
    return {"PAYTRACE_USERNAME": fake.username}


def _paytrace_down(config: Path, fake: FakePaytrace) -> dict[str, str]:
    _paytrace_api(config, fake)
    fake.down = True
    return {"PAYTRACE_USERNAME": fake.username, "PAYTRACE_PASSWORD": fake.password}


def _open_items_broken(config: Path, fake: FakePaytrace) -> dict[str, str]:
    (config.parent / "open_items.csv").write_text("invoice_no;customer_no\n1;2\n")
    return {}


def _import_folder_is_a_file(config: Path, fake: FakePaytrace) -> dict[str, str]:
    _replace(config, 'import_file = "abas-import.edp"', 'import_file = "open_items.csv/x.edp"')
    return {}


def _ledger_from_a_newer_program(config: Path, fake: FakePaytrace) -> dict[str, str]:
    with sqlite3.connect(config.parent / "ledger.sqlite3") as db:
        db.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
        db.execute("INSERT INTO schema_version VALUES (999, 'later')")
    return {}


def _out_dir_is_a_file(config: Path, fake: FakePaytrace) -> dict[str, str]:
    (config.parent / "out").write_text("not a folder")
    return {}


def _smtp_unreachable(config: Path, fake: FakePaytrace) -> dict[str, str]:
    text = config.read_text(encoding="utf-8")
    port = text.split("smtp_port = ")[1].split("\n")[0]
    _replace(config, f"smtp_port = {port}", f"smtp_port = {_free_port()}")
    return {}


def _webhook_unreachable(config: Path, fake: FakePaytrace) -> dict[str, str]:
    text = config.read_text(encoding="utf-8")
    url = text.split('webhook_url = "')[1].split('"')[0]
    _replace(config, url, f"http://127.0.0.1:{_free_port()}/hook")
    return {}


def _paytrace_api(config: Path, fake: FakePaytrace) -> None:
    api = f'source = "api"\nbase_url = "{fake.url}"\nmax_attempts = 1\nretry_budget_seconds = 5'
    _replace(config, 'source = "file"\nfile = "paytrace"', api)


def _replace(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("breakage", "failing"),
    [
        (_api_without_password, {"secrets", "PayTrace login"}),
        (_paytrace_down, {"PayTrace ping", "PayTrace login"}),
        (_open_items_broken, {"abas source"}),
        (_import_folder_is_a_file, {"abas sink"}),
        (_ledger_from_a_newer_program, {"ledger"}),
        (_out_dir_is_a_file, {"out_dir"}),
        (_smtp_unreachable, {"alert e-mail"}),
        (_webhook_unreachable, {"alert webhook"}),
    ],
)
def test_each_step_fails_on_its_own(
    setup: tuple[Path, Inbox, list[dict[str, Any]]],
    fake_paytrace: FakePaytrace,
    breakage: Callable[[Path, FakePaytrace], dict[str, str]],
    failing: set[str],
) -> None:
    config, _, _ = setup
    env = breakage(config, fake_paytrace)
    result = check(config, env=env)
    assert result.exit_code == 1, result.output
    outcomes = steps_of(result)
    assert {name for name, outcome in outcomes.items() if outcome == "FAILED"} == failing
    assert "Traceback" not in result.output
    assert fake_paytrace.password not in result.output


def test_secret_failure_names_every_place_tried(
    setup: tuple[Path, Inbox, list[dict[str, Any]]], fake_paytrace: FakePaytrace
) -> None:
    config, _, _ = setup
    _paytrace_api(config, fake_paytrace)
    env = {"PAYTRACE_USERNAME": "u", "CREDENTIALS_DIRECTORY": str(config.parent / "creds")}
    result = check(config, env=env)
    assert (
        'error: secrets: FAILED ([paytrace] source = "api" needs PAYTRACE_PASSWORD: '
        "PAYTRACE_PASSWORD is not set (tried environment variable PAYTRACE_PASSWORD, "
        f"PAYTRACE_PASSWORD_FILE, {config.parent / 'creds' / 'PAYTRACE_PASSWORD'}))"
    ) in result.stderr.splitlines()


def test_a_missing_config_file_is_an_error_never_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.toml"), "check-config"])
    assert (missing.exit_code, missing.stdout) == (2, "")
    assert missing.stderr == f"error: config file {tmp_path / 'nope.toml'} does not exist\n"
    monkeypatch.chdir(tmp_path)
    none = CliRunner().invoke(cli, ["check-config"], env={"PAYTRACE_ABAS_CONFIG": ""})
    assert (none.exit_code, none.stdout) == (2, "")
    assert none.stderr == (
        "error: no config file: --config was not given, $PAYTRACE_ABAS_CONFIG is not set and "
        f"{tmp_path / 'paytrace-abas.toml'} does not exist\n"
    )
