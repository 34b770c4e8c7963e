"""Authenticated, retrying HTTP to the PayTrace v1 JSON API; no caller outside sees a Response."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from paytrace_abas.config import Backoff, PaytraceSettings, Secrets
from paytrace_abas.errors import (
    ConfigError,
    GaveUpError,
    SourceError,
    ThrottledError,
    TokenRejectedError,
    TransientSourceError,
)
from paytrace_abas.paytrace.answers import (
    Answer,
    Decoder,
    Token,
    interpret,
)

log = logging.getLogger(__name__)

TOKEN_PATH = "/oauth/token"
PING_PATH = "/v1/ping"
#: PayTrace's documented lifetime, used when a token answer leaves ``expires_in`` out.
_DEFAULT_TOKEN_SECONDS = 7200
#: Refresh this long before PayTrace would expire the token (at most half its lifetime).
_REFRESH_MARGIN_SECONDS = 300.0
_MAX_BACKOFF_SECONDS = 30.0
_REDACTED = "[redacted]"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long one call may be retried: bounded in count and in total time."""

    max_attempts: int
    backoff: Backoff
    budget_seconds: float


class PaytraceSession:
    """One ``requests.Session`` to PayTrace: timeouts, a cached token, bounded retries."""

    def __init__(
        self,
        settings: PaytraceSettings,
        secrets: Secrets,
        *,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self._base_url = settings.base_url.rstrip("/")
        self._host = urlsplit(self._base_url).netloc or self._base_url
        self._timeout = settings.timeout_seconds
        self._policy = RetryPolicy(
            settings.max_attempts,
            Backoff(settings.backoff_seconds, _MAX_BACKOFF_SECONDS),
            settings.retry_budget_seconds,
        )
        self._secrets = secrets
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self._token: Token | None = None
        #: every token this session was given, so that messages can never carry one
        self._token_values: list[str] = []
        self._token_lock = threading.Lock()
        self._closed = threading.Event()
        self._http = _new_http_session(settings.parallel_requests)

    def __enter__(self) -> PaytraceSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop every retry wait at once and release the connections."""
        self._closed.set()
        self._http.close()

    def post(
        self,
        path: str,
        payload: Mapping[str, Any],
        what: str = "",
        decode: Decoder | None = None,
    ) -> dict[str, Any]:
        """POST JSON to an authenticated v1 endpoint; the parsed answer (money as Decimal).

        ``what`` names the request in messages, e.g. the day of an export; ``decode`` reads
        the body where it can (exports: paytrace/wire.py), else ``json.loads`` does.
        """
        body = dict(payload)
        if self._secrets.paytrace_integrator_id:
            body["integrator_id"] = self._secrets.paytrace_integrator_id
        where = f"POST {path}" + (f" for {what}" if what else "")
        return self._call(where, lambda: self._send_json(path, where, body, decode))

    def ping(self) -> dict[str, Any]:
        """``GET /v1/ping``, which needs no token."""
        where = f"GET {PING_PATH}"
        return self._call(where, lambda: self._send("GET", PING_PATH, where, {}, None, None))

    def token(self) -> Token:
        """The cached token, fetched or refreshed when it is missing or near its expiry."""
        with self._token_lock:
            if self._token is None or self._wall_clock() >= self._token.refresh_at:
                self._token = self._fetch_token()
            return self._token

    def _call(self, where: str, send: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run ``send`` with retries; a rejected token is replaced exactly once per call."""
        try:
            return self._with_retries(where, send)
        except TokenRejectedError as rejected:
            log.info("PayTrace rejected the access token at %s; authenticating again", where)
            self._forget_token(rejected)
        try:
            return self._with_retries(where, send)
        except TokenRejectedError as again:
            raise SourceError(
                f"PayTrace {where} rejected a freshly issued access token ({again})"
            ) from None

    def _with_retries(self, where: str, send: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        started = time.monotonic()
        deadline = started + self._policy.budget_seconds
        attempt = 0
        while True:
            attempt += 1
            try:
                return send()
            except GaveUpError:
                raise
            except TransientSourceError as exc:
                wait = self._wait_before_retry(exc, attempt, deadline)
                if wait is None:
                    elapsed = time.monotonic() - started
                    raise GaveUpError(
                        f"{exc} (gave up after {attempt} attempt(s) in {elapsed:.1f} s)"
                    ) from None
                # INFO, not WARNING: a retry that works must not fill the nightly cron mail.
                log.info(
                    "%s; retrying in %.2f s (attempt %d of %d)",
                    exc,
                    wait,
                    attempt + 1,
                    self._policy.max_attempts,
                )
                if self._closed.wait(wait):
                    raise SourceError(f"PayTrace {where} was cancelled") from None

    def _wait_before_retry(
        self, exc: TransientSourceError, attempt: int, deadline: float
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when the call must give up."""
        if attempt >= self._policy.max_attempts or self._closed.is_set():
            return None
        wait = self._policy.backoff.delay(attempt, self._rng)
        if isinstance(exc, ThrottledError) and exc.retry_after is not None:
            wait = exc.retry_after
        if time.monotonic() + wait > deadline:
            return None
        return wait

    def _send_json(
        self, path: str, where: str, body: dict[str, Any], decode: Decoder | None
    ) -> dict[str, Any]:
        token = self.token()
        headers = {
            "Authorization": f"Bearer {token.value}",
            "Content-Type": "application/json",
        }
        return self._send("POST", path, where, headers, json.dumps(body), token, decode)

    def _fetch_token(self) -> Token:
        """OAuth2 password grant; PayTrace documents only the form-encoded body."""
        if not self._secrets.paytrace_username or not self._secrets.paytrace_password:
            raise ConfigError(
                "PAYTRACE_USERNAME and PAYTRACE_PASSWORD must be set to use the PayTrace API"
            )
        form = {
            "grant_type": "password",
            "username": self._secrets.paytrace_username,
            "password": self._secrets.paytrace_password,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}
        where = f"POST {TOKEN_PATH}"
        answer = self._with_retries(
            where, lambda: self._send("POST", TOKEN_PATH, where, headers, form, None)
        )
        return self._read_token(answer, where)

    def _read_token(self, answer: dict[str, Any], where: str) -> Token:
        value = answer.get("access_token")
        if not isinstance(value, str) or not value:
            raise SourceError(f"PayTrace {where} answered without an access_token")
        lifetime = _int_or(answer.get("expires_in"), _DEFAULT_TOKEN_SECONDS)
        received = self._wall_clock()
        # PayTrace may hand back a still-valid earlier token; created_at then lies in the past.
        issued = min(received, float(_int_or(answer.get("created_at"), int(received))))
        margin = min(_REFRESH_MARGIN_SECONDS, lifetime / 2)
        token = Token(value=value, refresh_at=issued + lifetime - margin, lifetime_seconds=lifetime)
        self._token_values.append(value)
        log.debug("PayTrace issued an access token valid for %d s", lifetime)
        return token

    def _forget_token(self, rejected: TokenRejectedError) -> None:
        with self._token_lock:
            # Another thread may already have replaced the rejected token.
            if self._token is rejected.token:
                self._token = None

    def _send(
        self,
        method: str,
        path: str,
        where: str,
        headers: dict[str, str],
        data: str | dict[str, str] | None,
        token: Token | None,
        decode: Decoder | None = None,
    ) -> dict[str, Any]:
        """One HTTP exchange, classified: a parsed JSON object or one of our errors."""
        started = time.monotonic()
        try:
            # stream=True and one unchunked read: a month of exports is ~150 MB, and requests'
            # default 10 kB chunks cost more than the parsing saved elsewhere.
            with self._http.request(
                method,
                self._base_url + path,
                headers=headers,
                data=data,
                timeout=self._timeout,
                allow_redirects=False,
                stream=True,
            ) as response:
                content = b"".join(response.iter_content(chunk_size=None))
        except requests.Timeout:
            raise TransientSourceError(
                f"PayTrace {where} did not answer within {self._timeout:g} s"
            ) from None
        except requests.ConnectionError:
            raise TransientSourceError(
                f"PayTrace {where} failed: the connection to {self._host} failed"
            ) from None
        except requests.exceptions.ChunkedEncodingError:
            raise TransientSourceError(
                f"PayTrace {where} failed: the connection broke while reading the answer"
            ) from None
        except requests.RequestException as exc:
            raise SourceError(f"PayTrace {where} failed: {type(exc).__name__}") from None
        log.debug(
            "PayTrace %s -> HTTP %d, %d bytes in %.0f ms",
            where,
            response.status_code,
            len(content),
            (time.monotonic() - started) * 1000,
        )
        answer = Answer(response.status_code, response.headers.get("Retry-After"), content)
        return interpret(where, answer, token, self._redact, decode)

    def _redact(self, text: str) -> str:
        """Belt and braces: no secret or token survives into a message, whatever PayTrace echoed."""
        for secret in [*self._secrets.values(), *self._token_values]:
            text = text.replace(secret, _REDACTED)
        return text


def _new_http_session(pool_size: int) -> requests.Session:
    http = requests.Session()
    # Retries live in PaytraceSession, which also decides on JSON bodies and Retry-After;
    # urllib3's own retries would double them and never see a token expiry.
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool_size, 1), max_retries=0)
    http.mount("https://", adapter)
    http.mount("http://", adapter)
    http.headers.update({"Accept": "application/json", "User-Agent": "paytrace-abas"})
    return http


def _int_or(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
