"""Shared fixtures: the bundled sample day, small hand-made frames, the loopback fakes."""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from hypothesis import HealthCheck, settings

from tests.fake_abas import FakeAbas
from tests.fake_paytrace import FakePaytrace
from tests.support import builders
from tests.support.alerts import Inbox, alerts_toml, free_port
from tests.support.paths import DEMO_CONFIG, SAMPLE_DATA

# No test may depend on how fast the machine is right now: Hypothesis neither times an example
# (deadline) nor fails when a busy machine makes its data generation slow.
settings.register_profile("no_timing", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("no_timing")


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


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server (aiosmtpd) on loopback: its inbox and port."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[list[dict[str, Any]], str]]:
    """A webhook receiver on loopback: the JSON bodies it received and its URL."""
    received: list[dict[str, Any]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            """Quiet."""

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, f"http://127.0.0.1:{server.server_address[1]}/hooks/finance?token=abc"
    server.shutdown()
    server.server_close()


@pytest.fixture
def channels(
    smtp_server: tuple[Inbox, int], webhook: tuple[list[dict[str, Any]], str]
) -> tuple[Inbox, list[dict[str, Any]], str]:
    """(mail inbox, webhook deliveries, the [alerts] section sending to both)."""
    (inbox, port), (received, url) = smtp_server, webhook
    return inbox, received, alerts_toml(port, url)


@pytest.fixture(autouse=True)
def _restore_package_logger() -> Iterator[None]:
    """CLI runs configure the package logger; later tests must not write to their dead streams."""
    loggers = [logging.getLogger("paytrace_abas"), logging.getLogger("urllib3")]
    saved = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
