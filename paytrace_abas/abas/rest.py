"""The REST sink: one ``POST /mw/r/{client}/exec`` per receipt, opening the OP-processing editor.

The payload is the one docs/abas.md#posting-a-receipt-through-the-editor describes (composed,
not tested against a live abas):
head fields counter account, document reference (the PayTrace transaction id), document and
posting date; one row per invoice with the invoice number, the "load item" button, the amount and
the cash discount; ``Commit`` answering the configured dialogs. Existence is asked with
``GET /mw/r/{client}/obj/data/{lookup_table}?criteria=beleg==<id>``.

Status codes and ``AbasErpError.category`` map to retryable or not in :func:`classify_failure`,
the one place that decides it. Messages never carry credentials or query strings.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

import urllib3

from paytrace_abas.abas.sink import Found
from paytrace_abas.config import AbasSettings, Secrets
from paytrace_abas.errors import (
    MaybeCommittedError,
    PostingRejectedError,
    SourceError,
    TransientSourceError,
)
from paytrace_abas.models import Receipt
from paytrace_abas.money import format_decimal_comma

log = logging.getLogger(__name__)

_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_RETRYABLE_CATEGORIES = frozenset({"RECORD_LOCKED", "UNAVAILABLE"})
_CREDENTIAL_CATEGORIES = frozenset({"AUTHENTICATION_FAILURE", "ACCESS_DENIED"})
#: answers after which a sent receipt may be committed anyway (a proxy gave up, abas went on)
_MAYBE_COMMITTED_STATUS = frozenset({500, 502, 504})
#: references asked about in one look-up (the criteria travel in the URL)
LOOKUP_PAGE = 50


class RestSink:
    """Posts receipts through the abas REST API over one thread-safe connection pool.

    urllib3 directly, not requests: at 20 ms per abas call the client's own overhead decides
    how close the workers get to their ceiling, and requests costs about 2 ms more per call.
    """

    def __init__(self, settings: AbasSettings, secrets: Secrets, pool_size: int = 4) -> None:
        self._settings = settings
        self._root = f"{settings.base_url}/mw/r/{quote(settings.client, safe='@')}"
        self._headers = {
            "Authorization": _authorization(settings, secrets),
            "Accept": "application/json",
            "Accept-Language": settings.language,
            "Content-Type": "application/json",
            "X-abas-mw-ws-label": "paytrace-abas",
        }
        self._pool = urllib3.PoolManager(
            num_pools=2,
            maxsize=pool_size,
            block=True,
            retries=False,
            timeout=urllib3.Timeout(total=settings.timeout_seconds),
        )

    def post(self, receipt: Receipt) -> str:
        """Open the editor, fill head and rows, commit; returns the document abas reports."""
        body = json.dumps(exec_payload(receipt, self._settings)).encode()
        what = f"abas POST {self._root}/exec for transaction {receipt.transaction_id}"
        answer = self._call("POST", f"{self._root}/exec", what, {}, body)
        document = _document_id(answer) or receipt.transaction_id
        log.debug("transaction %s posted as abas document %s", receipt.transaction_id, document)
        return document

    def find(self, receipt: Receipt) -> Found | None:
        """The abas document whose reference is the transaction id, if any."""
        return self.find_many([receipt]).get(receipt.transaction_id)

    def find_many(self, receipts: Sequence[Receipt]) -> dict[str, Found]:
        """The abas documents holding these receipts' references: one query per page of them."""
        found: dict[str, Found] = {}
        for start in range(0, len(receipts), LOOKUP_PAGE):
            page = receipts[start : start + LOOKUP_PAGE]
            documents = self._documents_with_references([r.transaction_id for r in page])
            for receipt in page:
                if receipt.transaction_id in documents:
                    invoices = frozenset(line.invoice_no for line in receipt.lines)
                    found[receipt.transaction_id] = Found(
                        documents[receipt.transaction_id], invoices
                    )
        return found

    def _documents_with_references(self, references: list[str]) -> dict[str, str]:
        """Reference -> abas document, for those of ``references`` abas holds."""
        field = self._settings.receipt_fields["reference"]
        table = quote(self._settings.lookup_table, safe=":")
        wanted = ";".join(f"{field}=={reference}" for reference in references)
        either = ";@link=(Or)" if len(references) > 1 else ""
        params = {
            "criteria": f"{wanted}{either};@filingmode=(Both)",
            "headFields": f"id,{field}",
            "limit": "0",
        }
        what = f"abas GET {self._root}/obj/data/{table} for transaction {references[0]}"
        if len(references) > 1:
            what += f" and {len(references) - 1} more"
        answer = self._call("GET", f"{self._root}/obj/data/{table}", what, params, None)
        documents: dict[str, str] = {}
        for data in _dig(answer, "content", "data", "erpDataObjects") or []:
            reference = _field_value(_dig(data, "head", "fields"), field)
            if reference is None and len(references) == 1:
                reference = references[0]  # an answer without the field: the one asked about
            if reference is not None and str(reference) in references:
                documents.setdefault(str(reference), _object_id(data) or str(reference))
        return documents

    def close(self) -> None:
        self._pool.clear()

    def _call(
        self,
        method: str,
        url: str,
        what: str,
        params: dict[str, str],
        body: bytes | None,
    ) -> dict[str, Any]:
        session = {
            "variableLanguage": self._settings.language,
            "maxWaitOnLock": str(self._settings.max_wait_on_lock_seconds),
        }
        query = urlencode({**session, **params})
        # A sent request without its answer: a POST may be committed anyway (docs/posting.md).
        unanswered = MaybeCommittedError if method == "POST" else TransientSourceError
        try:
            response = self._pool.request(
                method, f"{url}?{query}", body=body, headers=self._headers
            )
        except urllib3.exceptions.NewConnectionError:  # a subclass of the timeout error
            raise TransientSourceError(f"{what}: connection failed") from None
        except urllib3.exceptions.TimeoutError:
            raise unanswered(f"{what}: no answer within the timeout") from None
        except urllib3.exceptions.HTTPError as exc:
            raise unanswered(f"{what}: connection failed ({type(exc).__name__})") from None
        payload = _json(response.data)
        if 200 <= response.status < 300 and _dig(payload, "content", "error") is None:
            return payload
        failure = classify_failure(what, response.status, payload)
        unseen = method == "POST" and response.status in _MAYBE_COMMITTED_STATUS
        if unseen and type(failure) is TransientSourceError:
            raise MaybeCommittedError(str(failure))
        raise failure


def classify_failure(what: str, status: int, payload: dict[str, Any]) -> SourceError:
    """The error to raise for a failed abas answer: retryable or not (docs/abas.md#errors)."""
    error = _dig(payload, "content", "error") or {}
    category = str(error.get("category") or "")
    text = _erp_message(error) or f"HTTP {status}"
    if category in _RETRYABLE_CATEGORIES or (not category and status in _RETRYABLE_STATUS):
        return TransientSourceError(f"{what}: {category or 'temporary failure'} ({text})")
    if category in _CREDENTIAL_CATEGORIES or status in (401, 403):
        return PostingRejectedError(
            f"{what}: abas refused the credentials ({category or status}); "
            "check ABAS_PASSWORD / ABAS_TOKEN and the user's rights"
        )
    return PostingRejectedError(f"{what}: {category or 'rejected'} ({text})")


def exec_payload(receipt: Receipt, settings: AbasSettings) -> dict[str, Any]:
    """The ``CommonEditorCommands`` body that posts one receipt.

    See docs/abas.md#posting-a-receipt-through-the-editor.
    """
    names = settings.receipt_fields
    day = receipt.paid_on.strftime("%d.%m.%Y")
    actions = [
        _set(names["counter_account"], receipt.account),
        _set(names["reference"], receipt.transaction_id),
        _set(names["document_date"], day),
        _set(names["posting_date"], day),
        _set(names["currency"], receipt.currency),
    ]
    for line in receipt.lines:
        actions += [
            {"_type": "InsertRow", "dialogAnswers": []},
            _set(names["invoice"], line.invoice_no, row="."),
            _set(names["load_item"], "", row="."),
            _set(names["amount"], format_decimal_comma(line.amount_cents), row="."),
            _set(names["discount"], format_decimal_comma(line.discount_cents), row="."),
        ]
    answers = [{"id": key, "values": [value]} for key, value in settings.dialog_answers.items()]
    return {
        "initAction": {
            "_type": "OpenEditor",
            "tableName": settings.editor_table,
            "editAction": "NEW",
            "dialogAnswers": [],
            "screenEnterDialogAnswers": [],
        },
        "actions": actions,
        "closeAction": {"_type": "Commit", "dialogAnswers": answers},
        "headFields": f"id,{names['reference']}",
        "tableFields": f"{names['invoice']},{names['amount']}",
    }


def _set(field: str, value: str, row: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"_type": "SetFieldValue", "fieldName": field, "value": value}
    if row is not None:
        action["rowSpec"] = row
    action["dialogAnswers"] = []
    return action


def _authorization(settings: AbasSettings, secrets: Secrets) -> str:
    if secrets.abas_token:
        return f"Bearer {secrets.abas_token}"
    # abas identifies the user by the ERP password; the user name is ignored
    # (docs/abas.md#authentication).
    pair = f"{settings.user}:{secrets.abas_password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _json(data: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(data) if data else {}
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _dig(payload: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(payload, dict):
            return None
        payload = payload.get(key)
    return payload


def _field_value(fields: Any, name: str) -> Any:
    """A head field's value; ``fields`` is an object by name or a list.

    See docs/abas.md#response-shape.
    """
    if isinstance(fields, dict):
        entry = fields.get(name)
        return entry.get("value") if isinstance(entry, dict) else None
    if isinstance(fields, list):
        for entry in fields:
            if isinstance(entry, dict) and entry.get("name") == name:
                return entry.get("value")
    return None


def _object_id(data: Any) -> str | None:
    value = _field_value(_dig(data, "head", "fields"), "id") or _dig(data, "meta", "id")
    return str(value) if value else None


def _document_id(answer: dict[str, Any]) -> str | None:
    return _object_id(_dig(answer, "content", "data"))


def _erp_message(error: dict[str, Any]) -> str:
    inner = error.get("error")
    text = inner.get("text") if isinstance(inner, dict) else error.get("message")
    if isinstance(text, list):
        return " ".join(str(part) for part in text)
    return str(text or "")
