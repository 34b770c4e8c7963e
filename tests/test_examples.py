"""The operator examples shipped under config/ work as shipped: the systemd units parse, and
the cron.d job runs in cron's environment against the fakes, silent on success."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from paytrace_abas.config import SECRET_ENV_VARS
from tests.fake_abas import FakeAbas
from tests.fake_paytrace import FakePaytrace
from tests.test_operations import (
    EXECUTABLE,
    PAYTRACE_PASSWORD,
    PAYTRACE_USER,
    cron_env,
    nightly_setup,
    run_as_cron,
    secret_file,
)

CONFIG = Path(__file__).resolve().parent.parent / "config"
UNITS = sorted((CONFIG / "systemd").iterdir())
INSTALLED = "/opt/paytrace-abas/.venv/bin/paytrace-abas"


@pytest.fixture
def paytrace() -> Any:
    with FakePaytrace(username=PAYTRACE_USER, password=PAYTRACE_PASSWORD) as fake:
        yield fake


def test_the_service_is_what_docs_promise() -> None:
    service = (CONFIG / "systemd" / "paytrace-abas.service").read_text()
    timer = (CONFIG / "systemd" / "paytrace-abas.timer").read_text()
    assert "Persistent=true" in timer and "Unit=paytrace-abas.service" in timer
    assert "OnFailure=paytrace-abas-failure@%n.service" in service
    assert re.search(r"^User=paytrace$", service, re.M)
    credentials = set(re.findall(r"^LoadCredential=(\w+):", service, re.M))
    assert credentials <= set(SECRET_ENV_VARS) and "PAYTRACE_PASSWORD" in credentials
    assert f"ExecStart={INSTALLED} " in service


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is absent")
def test_systemd_units_parse(tmp_path: Path) -> None:
    for unit in UNITS:
        # verify wants every ExecStart= binary to exist: point it at the installed script
        text = unit.read_text().replace(INSTALLED, str(EXECUTABLE))
        (tmp_path / unit.name).write_text(text)
    names = [f"./{unit.name}" for unit in UNITS]
    done = subprocess.run(
        ["systemd-analyze", "verify", *names], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    complaints = [line for line in done.stderr.splitlines() if "paytrace-abas" in line]
    assert complaints == []  # unknown keys are only warnings: none either


def cron_job(text: str) -> tuple[dict[str, str], str]:
    """(variables, command) of a cron.d file with one job line (minute … user command)."""
    variables, commands = {}, []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if re.fullmatch(r"[A-Z_]+=\S*", line):
            name, value = line.split("=", 1)
            variables[name] = value
            continue
        fields = line.split(maxsplit=6)
        assert len(fields) == 7 and fields[5] == "paytrace", line
        commands.append(fields[6])
    assert len(commands) == 1
    return variables, commands[0]


@pytest.mark.skipif(not EXECUTABLE.exists(), reason="needs the installed paytrace-abas script")
def test_cron_example_runs_silently_in_crons_environment(
    tmp_path: Path, paytrace: FakePaytrace
) -> None:
    variables, command = cron_job((CONFIG / "paytrace-abas.cron").read_text())
    assert {f"{name}_FILE" for name in SECRET_ENV_VARS} >= {
        name for name in variables if name.endswith("_FILE")
    }
    with FakeAbas() as abas:
        day, env = nightly_setup(tmp_path, paytrace, abas, "")
        secret_file(tmp_path, "smtp-password", "unused")
        places = {
            "/etc/paytrace-abas/paytrace-abas.toml": str(day.config),
            "/etc/paytrace-abas/secrets/PAYTRACE_USERNAME": env["PAYTRACE_USERNAME_FILE"],
            "/etc/paytrace-abas/secrets/PAYTRACE_PASSWORD": env["PAYTRACE_PASSWORD_FILE"],
            "/etc/paytrace-abas/secrets/ABAS_PASSWORD": env["ABAS_PASSWORD_FILE"],
            "/etc/paytrace-abas/secrets/SMTP_PASSWORD": str(tmp_path / "secrets/smtp-password"),
            "/var/lib/paytrace-abas": str(tmp_path),
            INSTALLED: str(EXECUTABLE),
        }
        job_env = cron_env(tmp_path)
        for name, value in variables.items():
            job_env[name] = places.get(value, value)
        for old, new in places.items():
            command = command.replace(old, new)
        # first run steps (docs/operations.md): one --date run before --since-last
        first = run_as_cron(job_env, tmp_path, "-q", "reconcile", "--date", "2026-11-25")
        assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
        pairs = [f"{key}={value}" for key, value in job_env.items()]
        nightly = subprocess.run(
            ["env", "-i", *pairs, "/bin/sh", "-c", command],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert (nightly.returncode, nightly.stdout, nightly.stderr) == (0, "", "")
