"""Alerts over the wire: a real SMTP server (aiosmtpd) and a webhook receiver on loopback."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner

from paytrace_abas.alerts import Alert, check_smtp, send_alert
from paytrace_abas.cli import cli
from paytrace_abas.config import AlertSettings
from paytrace_abas.ledger import Ledger
from tests.fake_abas import FakeAbas
from tests.fake_paytrace import FakePaytrace, export_records, sample_day_config
from tests.support.alerts import Inbox, alerts_toml, free_port
from tests.support.cli import run_cli
from tests.support.days import FIRST_TRANSACTION, write_day

CARD_DATA = ("4242", "8431", "371449", "Card Holder", "************")


@pytest.mark.slow  # posts a day through failing abas calls until they are dead letters
def test_dead_letters_alert_by_mail_and_webhook_without_card_data(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_server: tuple[Inbox, int],
    webhook: tuple[list[dict[str, Any]], str],
) -> None:
    inbox, port = smtp_server
    received, url = webhook
    monkeypatch.setenv("ABAS_PASSWORD", "sy")
    with FakeAbas(failure_rate=1.0, faults=("unavailable",)) as fake:
        day = write_day(
            tmp_path,
            8,
            sink="api",
            base_url=fake.base_url,
            attempts=2,
            extra=alerts_toml(port, url),
        )
        result = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 3, result.output

    assert len(inbox.messages) == 1
    sender, recipients, raw = inbox.messages[0]
    assert (sender, recipients) == (
        "paytrace-abas@example.com",
        ["finance@example.com", "ops@example.com"],
    )
    mail = message_from_bytes(raw, policy=policy.default)
    assert "8 posting(s) in dead letters" in mail["Subject"]
    body = mail.get_content()
    assert f"{FIRST_TRANSACTION + 7}: abas " in body
    assert "temporary failure (HTTP 503)" in body
    assert "Workbook: " in body and ".xlsx" in body
    assert "paytrace-abas retry-dead-letters" in body

    assert len(received) == 1
    hook = received[0]
    assert hook["problem"] == "dead_letters"
    assert hook["dead_letter_count"] == 8
    assert hook["counts"]["matched"] == 8
    assert hook["workbook"].endswith(".xlsx")
    for text in (body, mail["Subject"], json.dumps(hook)):
        for card in CARD_DATA:
            assert card not in text, card
        assert "ABAS_PASSWORD" not in text


def test_a_failed_run_is_alerted(
    tmp_path: Path,
    smtp_server: tuple[Inbox, int],
    webhook: tuple[list[dict[str, Any]], str],
) -> None:
    inbox, port = smtp_server
    received, url = webhook
    day = write_day(tmp_path, 2, extra=alerts_toml(port, url))
    (tmp_path / "open_items.csv").write_text("invoice_no;customer_no\n1;2\n")
    result = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 2
    assert "run failed" in message_from_bytes(inbox.messages[0][2])["Subject"]
    assert received[0]["problem"] == "failed"
    assert "missing column(s) currency, open_amount" in received[0]["error"]


def test_dry_runs_do_not_alert(tmp_path: Path, smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    day = write_day(tmp_path, 2, extra=alerts_toml(port, ""))
    (tmp_path / "open_items.csv").write_text("invoice_no;customer_no\n1;2\n")
    assert run_cli(day.config, "reconcile", "--date", "2026-11-25", "--dry-run").exit_code == 2
    assert inbox.messages == []


@dataclass
class TlsServer:
    """An SMTP server that requires STARTTLS and a login (password ``smtp-secret``)."""

    settings: AlertSettings
    inbox: Inbox
    logins: list[tuple[bytes, bytes]]


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[TlsServer]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl makes the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(server: Any, session: Any, envelope: Any, _mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"smtp-secret")

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    settings = AlertSettings(
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_starttls=True,
        smtp_user="alerts",
        smtp_from="paytrace-abas@example.com",
        smtp_to=("finance@example.com",),
        smtp_ca_file=cert,
    )
    yield TlsServer(settings, inbox, logins)
    controller.stop()


def test_mail_goes_through_starttls_and_login(tls_smtp: TlsServer) -> None:
    alert = Alert("R1", "reconcile", "chargebacks", chargebacks=("512330999",))
    assert send_alert(tls_smtp.settings, "smtp-secret", alert) == []
    assert tls_smtp.logins == [(b"alerts", b"smtp-secret")]
    assert "1 chargeback(s)" in message_from_bytes(tls_smtp.inbox.messages[0][2])["Subject"]


def test_check_logs_in_through_starttls_and_sends_nothing(tls_smtp: TlsServer) -> None:
    ok, detail = check_smtp(tls_smtp.settings, "smtp-secret", send_test=False)
    assert (ok, tls_smtp.inbox.messages) == (True, [])
    assert detail.endswith("connected, STARTTLS, logged in as alerts, no mail sent "
                           "(--send-test sends one)")  # fmt: skip
    short = replace(tls_smtp.settings, timeout_seconds=2)
    ok, detail = check_smtp(short, "wrong", send_test=False)
    assert not ok and detail.startswith(f"127.0.0.1:{short.smtp_port}: ") and "wrong" not in detail
    assert check_smtp(tls_smtp.settings, "smtp-secret", send_test=True)[0]
    assert "test alert" in message_from_bytes(tls_smtp.inbox.messages[0][2])["Subject"]


def test_unreachable_channels_are_reported_not_raised() -> None:
    settings = AlertSettings(
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_starttls=False,
        smtp_from="a@example.com",
        smtp_to=("b@example.com",),
        webhook_url=f"http://127.0.0.1:{free_port()}/hook?token=secret",
        timeout_seconds=2,
    )
    assert send_alert(settings, "", Alert("R1", "reconcile", "failed", error="x")) == [
        "email",
        "webhook",
    ]


def test_alert_text_masks_card_numbers_that_slipped_into_an_error() -> None:
    alert = Alert(
        "R1", "apply", "dead_letters", dead_letters={"7": "abas said 4111 1111 1111 1111"}
    )
    assert "4111 1111 1111 1111" not in alert.body()
    assert "************1111" in json.dumps(alert.to_json())


def _empty_day_run(
    tmp_path: Path, fake: FakePaytrace, url: str, alert: bool
) -> tuple[int, dict[dt.date, int]]:
    tmp_path.mkdir(exist_ok=True)
    config = sample_day_config(tmp_path, fake, empty_day_alert=alert, backoff_seconds=0.001)
    # about empty days only: the sample's recurring schedules and its dispute folder would
    # alert their own news
    lines = config.read_text(encoding="utf-8").splitlines()
    wanted = [x for x in lines if not x.startswith(("recurring_file", "chargebacks_dir"))]
    config.write_text("\n".join(wanted) + "\n")
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[alerts]\nwebhook_url = "{url}"\ntimeout_seconds = 5\n')
    env = {"PAYTRACE_USERNAME": fake.username, "PAYTRACE_PASSWORD": fake.password}
    args = ["--config", str(config), "reconcile", "--date", "2026-11-25", "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    with Ledger.open(tmp_path / "demo-ledger.sqlite3", _utc_now) as ledger:
        (run,) = ledger.runs()
        return result.exit_code, ledger.pulled_days(run.run_id)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_a_weekday_paytrace_answers_empty_is_recorded_and_alerted(
    tmp_path: Path, fake_paytrace: FakePaytrace, webhook: tuple[list[dict[str, Any]], str]
) -> None:
    received, url = webhook
    exit_code, pulled = _empty_day_run(tmp_path, fake_paytrace, url, alert=True)
    assert exit_code == 0
    # the overlap days, the window (Wednesday 25th) and the day after: all answered empty
    assert pulled == {dt.date(2026, 11, day): 0 for day in (23, 24, 25, 26)}
    assert len(received) == 1
    assert received[0]["problem"] == "empty_days"
    assert received[0]["empty_days"] == ["2026-11-25"]
    assert "1 weekday(s) without PayTrace transactions" in received[0]["subject"]


def test_empty_days_are_recorded_but_not_alerted_unless_asked(
    tmp_path: Path, fake_paytrace: FakePaytrace, webhook: tuple[list[dict[str, Any]], str]
) -> None:
    received, url = webhook
    sample = Path(__file__).resolve().parent.parent / "sample_data" / "paytrace"
    fake_paytrace.transactions = export_records(sorted(sample.glob("*.json")))
    exit_code, pulled = _empty_day_run(tmp_path / "full", fake_paytrace, url, alert=True)
    assert exit_code == 0 and pulled[dt.date(2026, 11, 25)] > 0
    assert received == []  # the window's weekday had transactions

    fake_paytrace.transactions = []
    exit_code, pulled = _empty_day_run(tmp_path / "off", fake_paytrace, url, alert=False)
    assert exit_code == 0 and pulled[dt.date(2026, 11, 25)] == 0
    assert received == []  # [paytrace] empty_day_alert is off
