"""How PayTrace's answers are read: status code and body to a result or an error, in one place."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from paytrace_abas.errors import (
    SourceError,
    ThrottledError,
    TokenRejectedError,
    TransientSourceError,
)
from paytrace_abas.privacy import mask_pans

_MAX_MESSAGE_CHARS = 300


@dataclass(frozen=True)
class Token:
    """A bearer token and the wall-clock second after which it is refreshed."""

    value: str = field(repr=False)
    refresh_at: float
    lifetime_seconds: int


@dataclass(frozen=True)
class Answer:
    """What one HTTP exchange brought back; no ``requests.Response`` leaves the transport."""

    status: int
    retry_after: str | None
    content: bytes = field(repr=False)


#: Reads a body faster than ``json.loads`` where it can; raises ``ValueError`` where it cannot.
Decoder = Callable[[bytes], Any]


def interpret(
    where: str,
    answer: Answer,
    token: Token | None,
    redact: Callable[[str], str],
    decode: Decoder | None = None,
) -> dict[str, Any]:
    """Map status code and body to a result or an error, in one place."""
    status = answer.status
    body = _json_or_none(answer.content, decode)
    codes = redact(_codes(body))
    if status == 429:
        raise ThrottledError(
            f"PayTrace {where} answered HTTP 429 (too many requests)",
            _retry_after_seconds(answer.retry_after),
        )
    if status >= 500 or status == 408:
        raise TransientSourceError(f"PayTrace {where} answered HTTP {status}{codes}")
    if token is not None and (status == 401 or _error_code(body) == "invalid_token"):
        raise TokenRejectedError(f"HTTP {status}{codes}", token)
    if 300 <= status < 400:
        raise SourceError(
            f"PayTrace {where} answered a redirect (HTTP {status}); check [paytrace] base_url"
        )
    if body is None:
        text = f"PayTrace {where} answered HTTP {status} with a body that is not JSON"
        # A 2xx that is not JSON is a cut-off or proxy page: worth another try.
        raise (TransientSourceError if status < 300 else SourceError)(text)
    if not isinstance(body, dict):
        raise SourceError(f"PayTrace {where} answered JSON that is not an object")
    if _error_code(body) == "invalid_grant":
        raise SourceError(
            f"PayTrace {where} refused the credentials (invalid_grant): "
            "check PAYTRACE_USERNAME and PAYTRACE_PASSWORD"
        )
    if status >= 400 or body.get("success") is False or _error_code(body):
        raise SourceError(f"PayTrace {where} failed with HTTP {status}{codes}")
    return body


def _json_or_none(content: bytes, decode: Decoder | None = None) -> Any:
    if not content:
        return None
    if decode is not None:
        try:
            return decode(content)
        except ValueError:
            pass  # what the fast decoder refuses, json.loads judges as before
    try:
        # Decimal, never float: amounts arrive as JSON numbers.
        return json.loads(content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return None


def _error_code(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return ""


def _codes(body: Any) -> str:
    """``: error codes and messages`` from any PayTrace error shape, short and PAN-free."""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    if _error_code(body):
        parts.append(_error_code(body))
    errors = body.get("errors")
    if isinstance(errors, dict):
        for code, messages in errors.items():
            texts = messages if isinstance(messages, list) else [messages]
            parts.append(f"{code} {' '.join(str(text) for text in texts)}".strip())
    if body.get("success") is False and "response_code" in body and not errors:
        parts.append(f"response_code {body['response_code']} {body.get('status_message', '')}")
    text = mask_pans("; ".join(part.strip() for part in parts))
    if len(text) > _MAX_MESSAGE_CHARS:
        text = text[: _MAX_MESSAGE_CHARS - 3] + "..."
    return f": {text}" if text else ""


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
