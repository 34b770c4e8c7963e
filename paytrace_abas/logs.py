"""Logging set-up for the CLI: level from -v/-q, text or JSON lines, secrets redacted.

Every line carries an ISO 8601 time with its UTC offset and, once a run has its id, that id,
so that the lines of one night's run can be found in the journal or a log shipper.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable

from paytrace_abas.privacy import mask_pans

#: The run this process is working on; one run per process, shared by the posting threads.
_run_id: str | None = None


def set_run_id(run_id: str | None) -> None:
    """Stamp every later log record (and the fatal error line) with ``run_id``."""
    global _run_id
    _run_id = run_id


def current_run_id() -> str | None:
    return _run_id


class RedactingFilter(logging.Filter):
    """Replaces every known secret and card number in a record's final message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, message: str) -> str:
        message = mask_pans(message)
        for secret in self._secrets:
            message = message.replace(secret, "***")
        return message

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        record.run_id = _run_id or ""
        return True


def iso_time(created: float) -> str:
    """ISO 8601 in the local zone, with its offset: ``2026-11-26T06:15:02.123+01:00``."""
    return dt.datetime.fromtimestamp(created).astimezone().isoformat(timespec="milliseconds")


def json_line(level: str, logger: str, message: str, created: float) -> str:
    """One log line as JSON (also used for the fatal error line)."""
    document = {"time": iso_time(created), "level": level, "logger": logger, "message": message}
    if _run_id:
        document["run_id"] = _run_id
    return json.dumps(document)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        return json_line(record.levelname, record.name, record.getMessage(), record.created)


class TextFormatter(logging.Formatter):
    """``2026-11-26T06:15:02.123+01:00 INFO logger [run]: message``."""

    def format(self, record: logging.LogRecord) -> str:
        run = f" [{_run_id}]" if _run_id else ""
        text = f"{iso_time(record.created)} {record.levelname} {record.name}{run}: "
        return text + record.getMessage()


def configure_logging(verbose: int, quiet: bool, log_format: str, secrets: Iterable[str]) -> None:
    """Send package logs to stderr at the level the flags ask for."""
    # -q: the command's own last line says what failed; only what nobody would otherwise learn
    # (an alert that could not be sent) is logged, at CRITICAL.
    level = (
        logging.CRITICAL
        if quiet
        else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    )
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter(secrets))
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger("paytrace_abas")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # -vv: every HTTP request too (method, host, path, status; urllib3 logs no bodies or headers)
    http = logging.getLogger("urllib3")
    http.handlers[:] = [handler] if level == logging.DEBUG else []
    http.setLevel(logging.DEBUG if level == logging.DEBUG else logging.NOTSET)
