"""Alert channels on loopback for tests: a real SMTP server's inbox, a free port, the TOML
section that sends to them. The fixtures starting them (``smtp_server``, ``webhook``,
``channels``) are in ``tests/conftest.py``."""

from __future__ import annotations

import socket
from typing import Any


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    # aiosmtpd calls a handler method named after the SMTP verb, in capitals.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def alerts_toml(port: int, url: str, starttls: bool = False, extra: str = "") -> str:
    """An ``[alerts]`` section sending mail to ``port`` and posting to the webhook ``url``."""
    return f"""
[alerts]
smtp_host = "127.0.0.1"
smtp_port = {port}
smtp_starttls = {str(starttls).lower()}
smtp_from = "paytrace-abas@example.com"
smtp_to = ["finance@example.com", "ops@example.com"]
webhook_url = "{url}"
timeout_seconds = 5
{extra}"""
