"""Shared fixtures: the loopback fake PayTrace server; logging reset between tests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fake_paytrace import FakePaytrace


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
