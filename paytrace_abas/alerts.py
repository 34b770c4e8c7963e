"""Alerts to people: e-mail through SMTP and/or a JSON webhook, when a run needs attention.

Sent when a run fails, leaves dead letters, saw chargebacks, a refund or void of a payment
already in abas, or a recurring charge was declined or missing. An alert carries counts,
transaction and invoice numbers, the error in one line and the workbook path; never card data
(no card numbers, last four digits, card holders or billing names) and never a secret.
"""

from __future__ import annotations

import json
import logging
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import requests

from paytrace_abas.config import AlertSettings
from paytrace_abas.privacy import mask_pans

log = logging.getLogger(__name__)

#: Listed at most; the rest is counted ("and 12 more").
_MAX_LISTED = 50


@dataclass(frozen=True)
class Alert:
    """What a person needs to act on a run."""

    run_id: str
    command: str
    #: "failed", "dead_letters", "chargebacks", "reversals", "empty_days", "recurring"
    #: (comma-separated when several)
    problem: str
    window: str = ""
    error: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)
    dead_letters: Mapping[str, str] = field(default_factory=dict)  # transaction id -> last error
    chargebacks: tuple[str, ...] = ()  # transaction ids
    #: refunds and voids of payments already in abas, one sentence each ("reverse the receipt")
    reversals: tuple[str, ...] = ()
    #: new or changed disputes: the disputed sale, its invoice and customer, one line each
    disputes: tuple[str, ...] = ()
    empty_days: tuple[str, ...] = ()  # weekdays PayTrace answered empty (ISO dates)
    #: recurring charges declined or missing on their due day, one line each
    recurring: tuple[str, ...] = ()
    workbook: str = ""

    @property
    def subject(self) -> str:
        if self.problem == "test":
            return f"[paytrace-abas] test alert from {self.command}"
        parts = []
        if self.error:
            parts.append("run failed")
        if self.dead_letters:
            parts.append(f"{len(self.dead_letters)} posting(s) in dead letters")
        if self.chargebacks:
            parts.append(f"{len(self.chargebacks)} chargeback(s)")
        if self.reversals:
            parts.append(f"{len(self.reversals)} refund(s) or void(s) of posted payments")
        if self.empty_days:
            parts.append(f"{len(self.empty_days)} weekday(s) without PayTrace transactions")
        if self.recurring:
            parts.append(f"{len(self.recurring)} recurring charge(s) declined or missing")
        return f"[paytrace-abas] {self.command} {self.run_id}: " + ", ".join(parts or ["notice"])

    @property
    def headline(self) -> str:
        """The subject and, for a failed run, its error: what stderr says when no alert got out."""
        return f"{self.subject}: {self.error}" if self.error else self.subject

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["subject"] = self.subject
        document["counts"] = dict(self.counts)
        listed = dict(list(self.dead_letters.items())[:_MAX_LISTED])
        document["dead_letters"] = [{"transaction_id": k, "error": v} for k, v in listed.items()]
        document["dead_letter_count"] = len(self.dead_letters)
        document["chargebacks"] = list(self.chargebacks)
        masked: dict[str, Any] = _masked(document)
        return masked

    def body(self) -> str:
        lines = [self.subject, "", f"Run:      {self.run_id} ({self.command})"]
        if self.window:
            lines.append(f"Window:   {self.window}")
        if self.workbook:
            lines.append(f"Workbook: {self.workbook}")
        if self.error:
            lines += ["", f"Error: {self.error}"]
        if self.counts:
            lines += ["", "Counts:"] + [f"  {name}: {n}" for name, n in self.counts.items()]
        lines += self._dead_letter_lines()
        if self.chargebacks:
            lines += ["", "Chargebacks: " + ", ".join(self.chargebacks)]
        lines += _listed("Refunds and voids of payments already in abas:", self.reversals)
        lines += _listed("Disputes (chargebacks) and the sales they dispute:", self.disputes)
        if self.empty_days:
            lines += [
                "",
                "PayTrace answered these weekdays with no transactions at all (a closed "
                "business, or a PayTrace account or export problem): " + ", ".join(self.empty_days),
            ]
        if self.recurring:
            lines += ["", "Recurring charges declined or missing on their due day:"]
            lines += [f"  {line}" for line in self.recurring]
        return mask_pans("\n".join(lines) + "\n")

    def _dead_letter_lines(self) -> list[str]:
        """The first dead letters with their errors, and how many more there are."""
        if not self.dead_letters:
            return []
        items = list(self.dead_letters.items())
        lines = ["", "Dead letters (retry with: paytrace-abas retry-dead-letters):"]
        lines += [f"  {tid}: {error}" for tid, error in items[:_MAX_LISTED]]
        if len(items) > _MAX_LISTED:
            lines.append(f"  … and {len(items) - _MAX_LISTED} more")
        return lines


def _listed(title: str, lines: tuple[str, ...]) -> list[str]:
    """A titled list of the first lines, and how many more there are."""
    if not lines:
        return []
    shown = ["", title] + [f"  {line}" for line in lines[:_MAX_LISTED]]
    if len(lines) > _MAX_LISTED:
        shown.append(f"  … and {len(lines) - _MAX_LISTED} more")
    return shown


def send_alert(settings: AlertSettings, smtp_password: str, alert: Alert) -> list[str]:
    """Send by every configured channel; returns the channels that failed (never raises)."""
    failed = []
    if settings.wants_email:
        try:
            _send_email(settings, smtp_password, alert)
            log.info("alert for run %s mailed to %s", alert.run_id, ", ".join(settings.smtp_to))
        except (OSError, smtplib.SMTPException) as exc:
            log.critical(
                "alert e-mail via %s failed: %s; the alert was: %s",
                settings.smtp_host,
                exc,
                alert.headline,
            )
            failed.append("email")
    if settings.webhook_url:
        try:
            _post_webhook(settings, alert)
            log.info("alert for run %s posted to the webhook", alert.run_id)
        except requests.RequestException as exc:
            # The URL may carry a token in its query: name only its host.
            host = urlsplit(settings.webhook_url).hostname
            log.critical(
                "alert webhook to %s failed: %s; the alert was: %s",
                host,
                _webhook_failure(exc),
                alert.headline,
            )
            failed.append("webhook")
    if not (settings.wants_email or settings.webhook_url):
        # A failure is on stderr already; dead letters and chargebacks would go unseen.
        report = log.info if alert.error else log.warning
        report("run %s needs attention but no [alerts] channel is configured", alert.run_id)
    return failed


def _send_email(settings: AlertSettings, password: str, alert: Alert) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.smtp_to)
    message.set_content(alert.body())
    with _smtp_session(settings, password) as smtp:
        smtp.send_message(message)


def _smtp_session(settings: AlertSettings, password: str) -> smtplib.SMTP:
    """Connected, through STARTTLS when configured, and logged in when a password is set."""
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds)
    try:
        if settings.smtp_starttls:
            context = ssl.create_default_context(
                cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None
            )
            smtp.starttls(context=context)
        if password:
            smtp.login(settings.smtp_user or settings.smtp_from, password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def check_smtp(settings: AlertSettings, password: str, send_test: bool) -> tuple[bool, str]:
    """(ok, detail): connect, STARTTLS and log in as an alert would; mail only if ``send_test``."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    steps = ["connected"]
    steps += ["STARTTLS"] if settings.smtp_starttls else []
    steps += [f"logged in as {settings.smtp_user or settings.smtp_from}"] if password else []
    try:
        if send_test:
            _send_email(settings, password, TEST_ALERT)
            steps.append(f"test mail sent to {', '.join(settings.smtp_to)}")
        else:
            with _smtp_session(settings, password) as smtp:
                smtp.noop()
            steps.append("no mail sent (--send-test sends one)")
    except (OSError, smtplib.SMTPException) as exc:
        return False, f"{where}: {exc}"
    return True, f"{where}: " + ", ".join(steps)


def check_webhook(settings: AlertSettings, send_test: bool) -> tuple[bool, str]:
    """(ok, detail): the webhook's host accepts a connection; a test POST only if ``send_test``."""
    url = urlsplit(settings.webhook_url)
    host = url.hostname or ""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        if send_test:
            _post_webhook(settings, TEST_ALERT)
            return True, f"{host}: test alert POSTed and accepted"
        with socket.create_connection((host, port), timeout=settings.timeout_seconds):
            pass
    except requests.RequestException as exc:
        return False, f"{host}: {_webhook_failure(exc)}"
    except OSError as exc:
        return False, f"{host}:{port}: {exc}"
    return True, f"{host}:{port} accepts connections (--send-test POSTs a test alert)"


def _webhook_failure(exc: requests.RequestException) -> str:
    """The failure without the URL, whose query may carry a token."""
    if exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__


#: What ``check-config --send-test`` sends through each channel.
TEST_ALERT = Alert("test", "check-config", "test", error="nothing failed: this is a test alert")


def _post_webhook(settings: AlertSettings, alert: Alert) -> None:
    response = requests.post(
        settings.webhook_url,
        data=json.dumps(alert.to_json()),
        headers={"Content-Type": "application/json"},
        timeout=settings.timeout_seconds,
    )
    response.raise_for_status()


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pans(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value
