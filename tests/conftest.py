"""Shared fixtures: the bundled sample day, small hand-made frames, the loopback fakes."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.fake_abas import FakeAbas
from tests.fake_paytrace import FakePaytrace
from tests.support import builders
from tests.support.paths import DEMO_CONFIG, SAMPLE_DATA


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of config/demo.toml and sample_data/, so tests may break or extend them."""
    shutil.copytree(SAMPLE_DATA, tmp_path / "sample_data", ignore=shutil.ignore_patterns("*.py"))
    (tmp_path / "config").mkdir()
    shutil.copy(DEMO_CONFIG, tmp_path / "config" / "demo.toml")
    return tmp_path / "config" / "demo.toml"


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
    """Six transactions, one per interesting workbook sheet (see tests/support/builders.py)."""
    return builders.small_run()


@pytest.fixture
def posting_rows() -> pd.DataFrame:
    """One posted line, as the posting step reports it."""
    return builders.posting_rows()


@pytest.fixture
def dead_letter_rows() -> pd.DataFrame:
    """One posting that ran out of attempts."""
    return builders.dead_letter_rows()


@pytest.fixture
def fake_paytrace() -> Iterator[FakePaytrace]:
    """A fake PayTrace on 127.0.0.1 with no data; tests load transactions and faults."""
    with FakePaytrace() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _restore_package_logger() -> Iterator[None]:
    """CLI runs configure the package logger; later tests must not write to their dead streams."""
    logger = logging.getLogger("paytrace_abas")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved
