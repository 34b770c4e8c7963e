"""The one abas REST client, shared by the open-items source and the receipt sink.

``{base_url}/mw/r/{client}/…`` with Basic auth (empty user, the ERP password) or a bearer
token, ``Accept-Language`` and ``variableLanguage`` set explicitly, a timeout on every call, and
bounded retries with backoff for what may pass (5xx, RECORD_LOCKED, no answer). A commit is the
one call never retried here: whether it arrived is asked of abas by the delivery instead
(docs/posting.md). ``close()`` logs out, so the session's licence seat is freed.

One ``requests.Session`` with a connection pool as large as the posting workers; retries are
ours (urllib3's own are off), so that a commit is never repeated behind the caller's back.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import msgspec
import requests
from requests.adapters import HTTPAdapter

from paytrace_abas.abas.codec import decode_json
from paytrace_abas.abas.failures import classify_failure, connection_failure, unanswered_dialog
from paytrace_abas.abas.paging import (
    Answer,
    Page,
    Reading,
    decoded_answer,
    read_ahead,
    usual_answer,
)
from paytrace_abas.config import AbasSettings, Secrets
from paytrace_abas.errors import MaybeCommittedError, TransientSourceError

log = logging.getLogger(__name__)
_T = TypeVar("_T")

_MAX_BACKOFF_SECONDS = 30.0

#: answers after which a sent receipt may be committed anyway (a proxy gave up, abas went on)
_MAYBE_COMMITTED_STATUS = frozenset({500, 502, 504})


def api_root(settings: AbasSettings) -> str:
    """``…/mw/r/{client}``; ``base_url`` may be given with or without its ``/mw``."""
    base = settings.base_url.rstrip("/").removesuffix("/mw")
    return f"{base}/mw/r/{quote(settings.client, safe='@')}"


class AbasClient:
    """Authenticated, retrying calls to one abas client (Mandant); thread-safe."""

    def __init__(
        self,
        settings: AbasSettings,
        secrets: Secrets,
        pool_size: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.root = api_root(settings)
        self._headers = {
            "Authorization": authorization(settings, secrets),
            "Accept": "application/json",
            "Accept-Language": settings.language,
            "X-abas-mw-ws-label": "paytrace-abas",
        }
        self._session = {
            "variableLanguage": settings.language,
            "maxWaitOnLock": str(settings.max_wait_on_lock_seconds),
        }
        self._http = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, pool_block=True)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._used = False

    def get(self, path: str, params: Mapping[str, str], call: str) -> dict[str, Any]:
        """GET ``root + path``; retried while the failure may pass."""
        return self._retrying(lambda: self._once("GET", path, params, None, call))

    def execute(self, body: dict[str, Any], call: str, retry: bool) -> dict[str, Any]:
        """POST ``/exec`` (one editor, opened and closed in one request).

        ``retry`` only for calls that change nothing (a preview ending in ``Cancel``).
        """
        data = json.dumps(body).encode()

        def once() -> dict[str, Any]:
            return self._once("POST", "/exec", {}, data, call)

        return self._retrying(once) if retry else once()

    def query(
        self,
        table: str,
        criteria: str,
        head_fields: str,
        page_size: int,
        max_pages: int | None = None,
    ) -> Iterator[Page]:
        """Every record of a selection (or its first ``max_pages`` pages), page by page.

        Paging is ``offset``/``limit``, never abas' default limit of 20, with pages overlapping
        by one record so that a table changing meanwhile loses nothing (abas/paging.py). A
        thread asks for the pages one after the other while the caller decodes the ones it
        has (at most two wait for it); abas still sees one request at a time. A page shorter
        than ``page_size`` is the last.
        """
        path = f"/obj/data/{quote(table, safe=':')}"
        call = f"GET /obj/data/{table}"
        params = {"headFields": head_fields, "tableFields": "-"}
        if criteria:  # optional in abas' API: an empty selection is left out, not sent empty
            params = {"criteria": criteria, **params}

        def page(offset: int) -> Answer:
            query = {**params, "offset": str(offset), "limit": str(page_size)}
            return self._retrying(lambda: self._page_once(path, query, call))

        return read_ahead(page, Reading(page_size, call), max_pages)

    def table_specs(self) -> list[dict[str, Any]]:
        """``GET /obj/meta``: the database groups with their ``tableSpec``."""
        content = self.get("/obj/meta", {}, "GET /obj/meta").get("content")
        data = content.get("data") if isinstance(content, dict) else None
        candidates = data if isinstance(data, list) else []
        if isinstance(data, dict):
            for value in data.values():
                if isinstance(value, list):
                    candidates = value
                    break
        return [entry for entry in candidates if isinstance(entry, dict)]

    def close(self) -> None:
        """Log out (frees the licence seat) if anything was asked, and drop the connections."""
        if self._used:
            try:
                self._once("GET", "/logout", {}, None, "GET /logout")
            except Exception as exc:  # a failed logout must not hide the run's own outcome
                log.debug("abas logout failed: %s", exc)
        self._http.close()

    def _retrying(self, attempt: Callable[[], _T]) -> _T:
        tries = self.settings.max_attempts
        for number in range(1, tries + 1):
            try:
                return attempt()
            except TransientSourceError as exc:
                if number == tries:
                    raise
                wait = self._backoff(number)
                log.info("%s; try %d of %d in %.1f s", exc, number + 1, tries, wait)
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        ceiling = min(_MAX_BACKOFF_SECONDS, self.settings.backoff_seconds * 2.0 ** (attempt - 1))
        with self._rng_lock:
            return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _page_once(self, path: str, params: Mapping[str, str], call: str) -> Answer:
        """One page of a query; its body is left for the caller to decode when it is the
        usual answer, so that the next page can be on its way meanwhile."""
        self._used = True
        url = f"{self.root}{path}?{urlencode({**self._session, **params})}"
        response = self._request("GET", url, None, self._headers, call)
        if 200 <= response.status_code < 300:
            usual = usual_answer(response.content)
            if usual is not None:
                request_id = response.headers.get("mw-request-id", "-")
                status = response.status_code
                log.debug("abas %s: HTTP %d, mw-request-id %s", call, status, request_id)
                return usual
        return decoded_answer(data_objects(self._answer("GET", response, call), call))

    def _once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        body: bytes | None,
        call: str,
    ) -> dict[str, Any]:
        self._used = True
        url = f"{self.root}{path}?{urlencode({**self._session, **params})}"
        headers = self._headers
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        response = self._request(method, url, body, headers, call)
        return self._answer(method, response, call)

    def _request(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str], call: str
    ) -> requests.Response:
        """The HTTP exchange; a request that may have reached abas unanswered says so."""
        try:
            return self._http.request(
                method, url, data=body, headers=headers, timeout=self.settings.timeout_seconds
            )
        except requests.exceptions.ConnectTimeout:
            raise connection_failure(call, "no connection within the timeout") from None
        except requests.exceptions.Timeout:
            raise _unanswered(
                method, connection_failure(call, "no answer within the timeout")
            ) from None
        except requests.exceptions.RequestException as exc:
            lost = connection_failure(call, f"connection failed ({type(exc).__name__})")
            if isinstance(exc, requests.exceptions.ConnectionError) and _never_sent(exc):
                raise lost from None
            raise _unanswered(method, lost) from None

    def _answer(self, method: str, response: requests.Response, call: str) -> dict[str, Any]:
        """The JSON payload of a successful answer, or the failure abas' envelope names."""
        request_id = response.headers.get("mw-request-id", "-")
        log.debug("abas %s: HTTP %d, mw-request-id %s", call, response.status_code, request_id)
        payload = _json(response.content)
        ok = 200 <= response.status_code < 300
        if ok and payload is None:
            raise connection_failure(call, "the answer is not JSON (cut off?)")
        payload = payload or {}
        dialog = unanswered_dialog(call, payload)
        if dialog is not None:
            raise dialog
        if ok and not _has_error(payload):
            return payload
        refused = classify_failure(call, response.status_code, payload)
        if (
            response.status_code in _MAYBE_COMMITTED_STATUS
            and type(refused) is TransientSourceError
        ):
            raise _unanswered(method, refused)  # a gateway gave up; abas may have gone on
        raise refused


def data_objects(answer: dict[str, Any], call: str) -> list[dict[str, Any]]:
    """``content.data.erpDataObjects`` of a query answer."""
    content = answer.get("content")
    data = content.get("data") if isinstance(content, dict) else None
    if not isinstance(data, dict):
        # an empty answer must never read as an empty table
        raise TransientSourceError(f"abas {call}: the answer has no content.data")
    objects = data.get("erpDataObjects")
    if objects is None:
        return []
    if not isinstance(objects, list):
        raise TransientSourceError(f"abas {call}: erpDataObjects is not a list")
    return [item for item in objects if isinstance(item, dict)]


def authorization(settings: AbasSettings, secrets: Secrets) -> str:
    """``Bearer ABAS_TOKEN`` when given, else Basic with the ERP password."""
    if secrets.abas_token:
        return f"Bearer {secrets.abas_token}"
    # abas identifies the user by the ERP password; the user name is ignored (docs/abas.md).
    pair = f"{settings.user}:{secrets.abas_password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def _json(data: bytes) -> dict[str, Any] | None:
    """The answer's JSON object; {} for an empty body, None when it is not a JSON object."""
    if not data:
        return {}
    try:
        payload = decode_json(data)
    except msgspec.DecodeError:
        return None
    return payload if isinstance(payload, dict) else None


def _has_error(payload: dict[str, Any]) -> bool:
    content = payload.get("content")
    return isinstance(content, dict) and content.get("error") is not None


def _unanswered(method: str, failure: TransientSourceError) -> TransientSourceError:
    """A sent request without its answer: a POST may be committed anyway (docs/posting.md,
    "The grace period"), so it is asked about again only after the grace period."""
    return MaybeCommittedError(str(failure)) if method == "POST" else failure


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """Whether the connection failed before the request went out (refused, no route)."""
    return "NewConnectionError" in repr(exc) or "Failed to establish" in str(exc)
