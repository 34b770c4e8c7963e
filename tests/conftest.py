"""Shared fixtures: the bundled sample day, small hand-made frames, the loopback fakes."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from paytrace_abas.cli import cli
from tests.fake_abas import FakeAbas
from tests.fake_paytrace import FakePaytrace, sample_day_config

from . import workbook_data

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_DATA = ROOT / "sample_data"
DEMO_CONFIG = ROOT / "config" / "demo.toml"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of config/demo.toml and sample_data/, so tests may break or extend them."""
    shutil.copytree(SAMPLE_DATA, tmp_path / "sample_data", ignore=shutil.ignore_patterns("*.py"))
    (tmp_path / "config").mkdir()
    shutil.copy(DEMO_CONFIG, tmp_path / "config" / "demo.toml")
    return tmp_path / "config" / "demo.toml"


def reconcile_sample_day(out_dir: Path, *extra: str) -> Result:
    """What ``make demo`` runs: the sample day, dry run, with its chargeback file — with its
    ledger in ``out_dir`` rather than the repository's out/."""
    out_dir.mkdir(parents=True, exist_ok=True)
    config = sample_day_config(out_dir)
    args = ["--config", str(config), "reconcile", "--date", "2026-11-25", "--dry-run"]
    args += ["--chargebacks", str(SAMPLE_DATA / "chargebacks-2026-11-25.csv")]
    return CliRunner().invoke(cli, [*args, "--out", str(out_dir), *extra])


def run_cli(config: Path, *args: str) -> Result:
    """Invoke the CLI in-process with ``--config``; never raises, read ``exit_code``."""
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


@pytest.fixture
def fake_abas() -> Iterator[FakeAbas]:
    """The loopback fake abas REST API (tests/fake_abas.py)."""
    with FakeAbas() as fake:
        yield fake


@pytest.fixture
def abas_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake's password, as cron would export it."""
    monkeypatch.setenv("ABAS_PASSWORD", "sy")


@pytest.fixture
def small_run() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six transactions, one per interesting workbook sheet (see tests/workbook_data.py)."""
    return workbook_data.small_run()


@pytest.fixture
def posting_rows() -> pd.DataFrame:
    """One posted line, as the posting step reports it."""
    return workbook_data.posting_rows()


@pytest.fixture
def dead_letter_rows() -> pd.DataFrame:
    """One posting that ran out of attempts."""
    return workbook_data.dead_letter_rows()


@pytest.fixture
def fake_paytrace() -> Iterator[FakePaytrace]:
    """A fake PayTrace on 127.0.0.1 with no data; tests load transactions and faults."""
    with FakePaytrace() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _restore_package_logger() -> Iterator[None]:
    """CLI runs configure the package logger; later tests must not write to their dead streams."""
    loggers = [logging.getLogger("paytrace_abas"), logging.getLogger("urllib3")]
    saved = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
