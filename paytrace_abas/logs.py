"""Logging set-up for the CLI: level from -v/-q, text or JSON lines, secrets redacted."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from paytrace_abas.privacy import mask_pans


class RedactingFilter(logging.Filter):
    """Replaces every known secret and card number in a record's final message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = mask_pans(record.getMessage())
        for secret in self._secrets:
            message = message.replace(secret, "***")
        record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


def configure_logging(verbose: int, quiet: bool, log_format: str, secrets: Iterable[str]) -> None:
    """Send package logs to stderr at the level the flags ask for."""
    level = (
        logging.ERROR
        if quiet
        else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    )
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter(secrets))
    formatter: logging.Formatter = (
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    handler.setFormatter(formatter)
    root = logging.getLogger("paytrace_abas")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
