"""Alerts to people: e-mail through SMTP and/or a JSON webhook, when a run needs attention.

Sent when a run fails, leaves dead letters, or saw chargebacks. An alert carries counts,
transaction and invoice numbers, the error in one line and the workbook path; never card data
(no card numbers, last four digits, card holders or billing names) and never a secret.
"""

from __future__ import annotations

import json
import logging
import smtplib
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
    problem: str  # "failed", "dead_letters", "chargebacks" (comma-separated when several)
    window: str = ""
    error: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)
    dead_letters: Mapping[str, str] = field(default_factory=dict)  # transaction id -> last error
    chargebacks: tuple[str, ...] = ()  # transaction ids
    workbook: str = ""

    @property
    def subject(self) -> str:
        parts = []
        if self.error:
            parts.append("run failed")
        if self.dead_letters:
            parts.append(f"{len(self.dead_letters)} posting(s) in dead letters")
        if self.chargebacks:
            parts.append(f"{len(self.chargebacks)} chargeback(s)")
        return f"[paytrace-abas] {self.command} {self.run_id}: " + ", ".join(parts or ["notice"])

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
        if self.dead_letters:
            lines += ["", "Dead letters (retry with: paytrace-abas retry-dead-letters):"]
            items = list(self.dead_letters.items())
            lines += [f"  {tid}: {error}" for tid, error in items[:_MAX_LISTED]]
            if len(items) > _MAX_LISTED:
                lines.append(f"  … and {len(items) - _MAX_LISTED} more")
        if self.chargebacks:
            lines += ["", "Chargebacks: " + ", ".join(self.chargebacks)]
        return mask_pans("\n".join(lines) + "\n")


def send_alert(settings: AlertSettings, smtp_password: str, alert: Alert) -> list[str]:
    """Send by every configured channel; returns the channels that failed (never raises)."""
    failed = []
    if settings.wants_email:
        try:
            _send_email(settings, smtp_password, alert)
            log.info("alert for run %s mailed to %s", alert.run_id, ", ".join(settings.smtp_to))
        except (OSError, smtplib.SMTPException) as exc:
            log.error("alert e-mail via %s failed: %s", settings.smtp_host, exc)
            failed.append("email")
    if settings.webhook_url:
        try:
            _post_webhook(settings, alert)
            log.info("alert for run %s posted to the webhook", alert.run_id)
        except requests.RequestException as exc:
            # The URL may carry a token in its query: name only its host.
            host = urlsplit(settings.webhook_url).hostname
            log.error("alert webhook to %s failed: %s", host, type(exc).__name__)
            failed.append("webhook")
    if not (settings.wants_email or settings.webhook_url):
        log.warning("run %s needs attention but no [alerts] channel is configured", alert.run_id)
    return failed


def _send_email(settings: AlertSettings, password: str, alert: Alert) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.smtp_to)
    message.set_content(alert.body())
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds
    ) as smtp:
        if settings.smtp_starttls:
            context = ssl.create_default_context(
                cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None
            )
            smtp.starttls(context=context)
        if password:
            smtp.login(settings.smtp_user or settings.smtp_from, password)
        smtp.send_message(message)


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
