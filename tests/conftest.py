"""Shared fixtures: the loopback fake PayTrace server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_paytrace import FakePaytrace


@pytest.fixture
def fake_paytrace() -> Iterator[FakePaytrace]:
    """A fake PayTrace on 127.0.0.1 with no data; tests load transactions and faults."""
    with FakePaytrace() as fake:
        yield fake
