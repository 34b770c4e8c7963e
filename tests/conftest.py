"""Shared fixtures: a CLI runner and the loopback fake abas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from paytrace_abas.cli import cli
from tests.fake_abas import FakeAbas


def run_cli(config: Path, *args: str) -> Result:
    """Invoke the CLI in-process with ``--config``; never raises, read ``exit_code``."""
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


@pytest.fixture
def fake_abas() -> Iterator[FakeAbas]:
    with FakeAbas() as fake:
        yield fake


@pytest.fixture
def abas_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake's password, as cron would export it."""
    monkeypatch.setenv("ABAS_PASSWORD", "sy")
