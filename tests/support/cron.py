"""The nightly job as cron runs it: the installed executable, an empty environment but for
PATH, HOME, LOGNAME and SHELL, secrets in ``*_FILE`` files, PayTrace and abas as loopback fakes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fake_abas import FakeAbas
from tests.fake_paytrace import FakePaytrace, export_records
from tests.support.days import Day, write_day

EXECUTABLE = Path(sys.executable).parent / "paytrace-abas"
PAYTRACE_USER, PAYTRACE_PASSWORD, ABAS_PASSWORD = "cron-user", "Cr0n-S3cret!", "sy"


def secret_file(folder: Path, name: str, value: str, mode: int = 0o600) -> Path:
    """A secret written to ``folder/secrets/name`` the way an operator would, private by default."""
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
    """The installed executable run with exactly ``env``, as cron starts a job."""
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
