"""The one place where an abas answer becomes an error (docs/abas.md, "Errors").

abas reports ERP errors in an ``EditErrorResponse`` whose ``error.category`` says what went
wrong, and other failures in a generic envelope ``content.error{message, type}``. The category
decides, the HTTP status only when there is none:

* ``RECORD_LOCKED``, ``UNAVAILABLE``, 408/425/429/5xx, no answer: retry (TransientSourceError);
* ``AUTHENTICATION_FAILURE``, ``ACCESS_DENIED``, ``SECURITY_ERROR``, 401/403: the configuration
  is wrong (AbasAccessError, exit 2);
* ``MISSING_OBJECT``: the record named does not exist (MissingObjectError: an exception row);
* anything else: abas refused it (PostingRejectedError, a SourceError: exit 1 / dead letter).

Messages name abas, the call (method and path, never the query string) and the ERP message
text; they never carry a password or token, because nothing here ever sees one.
"""

from __future__ import annotations

from typing import Any

from paytrace_abas.errors import (
    AbasAccessError,
    MissingObjectError,
    PaytraceAbasError,
    PostingRejectedError,
    TransientSourceError,
)

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
RETRYABLE_CATEGORIES = frozenset({"RECORD_LOCKED", "UNAVAILABLE"})
ACCESS_CATEGORIES = frozenset({"AUTHENTICATION_FAILURE", "ACCESS_DENIED", "SECURITY_ERROR"})


def classify_failure(call: str, status: int, payload: dict[str, Any]) -> PaytraceAbasError:
    """The error for a failed abas answer to ``call`` (``GET /obj/data/0:1``)."""
    category = error_category(payload)
    text = erp_message(payload) or f"HTTP {status}"
    where = f"abas {call}"
    if category in RETRYABLE_CATEGORIES or (not category and status in RETRYABLE_STATUS):
        return TransientSourceError(f"{where}: {category or 'temporary failure'} ({text})")
    if category in ACCESS_CATEGORIES or status in (401, 403):
        return AbasAccessError(
            f"{where}: abas refused the credentials or access ({category or status}: {text}); "
            "check ABAS_PASSWORD / ABAS_TOKEN and the user's rights"
        )
    if category == "MISSING_OBJECT":
        return MissingObjectError(f"{where}: MISSING_OBJECT ({text})")
    return PostingRejectedError(f"{where}: {category or 'rejected'} ({text})")


def unanswered_dialog(call: str, payload: dict[str, Any]) -> PostingRejectedError | None:
    """An error when abas stopped at a dialog no configured answer covers, else None.

    The one-shot editor is cancelled when it cannot finish, so nothing was committed.
    """
    content = payload.get("content")
    if not isinstance(content, dict) or content.get("_type") != "EditDialogResponse":
        return None
    info = content.get("dialogInfo")
    if not isinstance(info, dict):
        info = {}
    dialog = info.get("id", "?")
    prompt = info.get("prompt", "")
    return PostingRejectedError(
        f"abas {call}: abas asked dialog {dialog} ({prompt!s}) which [abas.dialog_answers] "
        "does not answer; the editor was cancelled, nothing was posted"
    )


def connection_failure(call: str, reason: str) -> TransientSourceError:
    """No answer at all: retry later."""
    return TransientSourceError(f"abas {call}: {reason}")


def error_category(payload: dict[str, Any]) -> str:
    """``AbasErpError.category``, or the generic envelope's ``type`` for security errors."""
    error = _error(payload)
    category = error.get("category")
    if category:
        return str(category)
    kind = str(error.get("type") or "")
    return kind if kind == "SECURITY_ERROR" else ""


def erp_message(payload: dict[str, Any]) -> str:
    """The ERP message text (``error.error.text``) or the envelope's ``message``."""
    error = _error(payload)
    inner = error.get("error")
    text = inner.get("text") if isinstance(inner, dict) else error.get("message")
    if isinstance(text, list):
        return " ".join(str(part) for part in text)
    return str(text or "")


def _error(payload: dict[str, Any]) -> dict[str, Any]:
    content = payload.get("content")
    error = content.get("error") if isinstance(content, dict) else None
    return error if isinstance(error, dict) else {}
