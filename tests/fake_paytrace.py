"""A loopback fake of the PayTrace v1 JSON API, for tests and the benchmark.

It speaks the documented contract (docs/paytrace.md): form-encoded password grant at
``/oauth/token``, bearer tokens, ``/v1/ping``, the transaction, batch, customer and recurring
exports, the ``success``/``errors`` envelope, ``invalid_grant`` and ``invalid_token``.
Faults are injected per request: token expiry, 5xx, 429 with Retry-After, slow answers,
malformed bodies, or a server that is down altogether.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

SUCCESS_MESSAGE = "Your request has been successfully completed."
ERROR_MESSAGE = "One or more errors has occurred."
#: Fake-only error code for a malformed request: PayTrace's real codes for this are undocumented.
BAD_REQUEST_CODE = "999"
_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y")
_DECIMAL_MARK = re.compile(r'"__decimal__(-?[0-9.]+)__"')


def dump_json(document: Any) -> bytes:
    """JSON bytes in which Decimal amounts stay exact JSON numbers (``110.50``, never a float)."""

    def _default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return f"__decimal__{value}__"
        raise TypeError(f"cannot encode {type(value).__name__}")

    return _DECIMAL_MARK.sub(r"\1", json.dumps(document, default=_default)).encode()


def load_json(text: str | bytes) -> Any:
    """JSON with exact Decimal numbers, as the client reads it."""
    return json.loads(text, parse_float=Decimal)


@dataclass
class Recorded:
    """One request the fake received, for assertions."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0

    def json(self) -> Any:
        return load_json(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class _Fault:
    kind: str  # "throttle", "malformed" or "slow"
    retry_after: str = "0"
    seconds: float = 0.0


@dataclass
class FakePaytrace:
    """State and fault switches of the fake; ``serve()`` starts it on 127.0.0.1, port 0."""

    username: str = "demo123"
    password: str = "demo-password"
    transactions: list[dict[str, Any]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    #: customer_id -> the body export_approved answers (its approved recurring charges)
    recurring: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: recurring schedules export_scheduled answers (docs/customers.md#recurring-billing)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    #: "created": exports filter on the created day; "settled": on the settled day if any
    date_filter: str = "created"
    token_lifetime: int = 7200
    latency_seconds: float = 0.0
    #: when > 1, each API request (not the token) is held until this many are in flight at
    #: once, which proves requests overlap without timing them (or until a deadline passes)
    rendezvous: int = 0
    #: the most requests in flight at one moment
    max_in_flight: int = 0
    fail_ratio: float = 0.0
    down: bool = False
    requests: list[Recorded] = field(default_factory=list)
    #: a body the export path answers instead of an export (an approval, a customer, ...)
    export_answer: dict[str, Any] | None = None
    #: every access token handed out, so tests can look for leaks
    issued_tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: deque[_Fault] = deque()
        self._tokens: set[str] = set()
        self._expire_after: int | None = None
        self._cache: dict[tuple[dt.date, dt.date], bytes] = {}
        self._by_day: dict[dt.date | None, list[dict[str, Any]]] = {}
        self._signature: tuple[int, int, str] | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        #: set when the fake stops: simulated latency ends early rather than outlive the test
        self._stopping = threading.Event()
        self._flight = threading.Condition()
        self._in_flight = 0

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "serve() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve(self) -> FakePaytrace:
        """Start listening on a free loopback port in a background thread."""
        fake = self

        class Handler(_Handler):
            state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePaytrace:
        return self.serve()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- fault injection -------------------------------------------------------------------

    def throttle_next(self, count: int = 1, retry_after: str = "0") -> None:
        """The next ``count`` requests answer 429 with this Retry-After header."""
        self._queue(count, _Fault("throttle", retry_after=retry_after))

    def malform_next(self, count: int = 1) -> None:
        """The next ``count`` requests answer 200 with a cut-off JSON body."""
        self._queue(count, _Fault("malformed"))

    def slow_next(self, count: int, seconds: float) -> None:
        """The next ``count`` requests wait ``seconds`` before answering."""
        self._queue(count, _Fault("slow", seconds=seconds))

    def expire_tokens(self) -> None:
        """Every token issued so far stops working now."""
        with self._lock:
            self._tokens.clear()

    def expire_tokens_after(self, requests: int) -> None:
        """Every token issued so far stops working after ``requests`` more authenticated calls."""
        with self._lock:
            self._expire_after = requests

    def _queue(self, count: int, fault: _Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * count)

    # -- request handling (called from server threads) ----------------------------------------

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> _Answer:
        """Record the request, apply the next fault or the normal contract, answer."""
        with self._flight:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            self._flight.notify_all()
        try:
            if path != "/oauth/token":
                self._meet_others()
            recorded, answer = self._answer(method, path, headers, body)
        finally:
            with self._flight:
                self._in_flight -= 1
        recorded.status = answer.status
        return answer

    def _meet_others(self) -> None:
        """Hold the request until ``rendezvous`` requests are in flight together."""
        with self._flight:
            met = self._flight.wait_for(
                lambda: self.max_in_flight >= self.rendezvous or self._stopping.is_set(),
                timeout=10,
            )
            if not met:
                self.rendezvous = 0  # never met: let the others through, the test reads the max

    def _answer(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[Recorded, _Answer]:
        recorded = Recorded(method, path, dict(headers), body)
        with self._lock:
            self.requests.append(recorded)
            fault = self._faults.popleft() if self._faults else None
            # Evenly spread, not random: 0.2 fails the 5th, 10th, 15th ... request, every run.
            seen = len(self.requests)
            spread_failure = int(seen * self.fail_ratio) > int((seen - 1) * self.fail_ratio)
        if self.latency_seconds:
            self._stopping.wait(self.latency_seconds)
        if self.down:
            return recorded, _html(503, "Service Unavailable")
        if fault is not None and fault.kind != "slow":
            return recorded, _faulty(fault)
        if fault is not None:
            self._stopping.wait(fault.seconds)
        if spread_failure:
            return recorded, _html(500, "Internal Server Error")
        return recorded, self._route(method, path, headers, body)

    def _route(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> _Answer:
        if path == "/v1/ping" and method == "GET":
            return _json(200, {"status": "success"})
        if path == "/oauth/token" and method == "POST":
            return self._token(headers, body)
        endpoint = _ENDPOINTS.get(path)
        if endpoint is None or method != "POST":
            return _html(404, "Not Found")
        if not self._authorized(headers.get("Authorization", "")):
            answer = {"error": "invalid_token", "error_description": "The access token is invalid"}
            return _json(401, answer, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        try:
            request = load_json(body)
        except ValueError:
            return _json(400, _errors({BAD_REQUEST_CODE: ["The request body is not JSON."]}))
        return endpoint(self, request if isinstance(request, dict) else {})

    def _token(self, headers: Mapping[str, str], body: bytes) -> _Answer:
        if not headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return _json(400, {"error": "invalid_request"})
        form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
        valid = (
            form.get("grant_type") == "password"
            and form.get("username") == self.username
            and form.get("password") == self.password
        )
        if not valid:
            return _json(400, _INVALID_GRANT)
        token = ":".join(secrets.token_hex(7) for _ in range(2)) + ":" + secrets.token_hex(32)
        with self._lock:
            self._tokens.add(token)
            self.issued_tokens.append(token)
        answer = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_lifetime,
            "created_at": int(time.time()),
        }
        return _json(200, answer, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _authorized(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        with self._lock:
            if self._expire_after is not None:
                if self._expire_after == 0:
                    self._tokens.clear()
                    self._expire_after = None
                else:
                    self._expire_after -= 1
            return scheme.lower() == "bearer" and token in self._tokens

    # -- endpoints -----------------------------------------------------------------------------

    def _export_by_date_range(self, request: dict[str, Any]) -> _Answer:
        days = _date_range(request)
        if days is None:
            return _json(200, _errors({BAD_REQUEST_CODE: ["Please provide a valid date range."]}))
        if self.export_answer is not None:
            return _json(200, self.export_answer)
        return _Answer(200, self._export_body(days), _JSON_HEADERS)

    def warm_export_cache(self, first: dt.date, last: dt.date) -> None:
        """Encode every one-day export body now, so that a benchmark times the client only."""
        while first <= last:
            self._export_body((first, first))
            first += dt.timedelta(days=1)

    def _export_body(self, days: tuple[dt.date, dt.date]) -> bytes:
        """The encoded export for a date range, cached until the data or the filter change."""
        with self._lock:
            signature = (id(self.transactions), len(self.transactions), self.date_filter)
            if signature != self._signature:
                self._by_day = {}
                for transaction in self.transactions:
                    day = self._filter_day(transaction)
                    self._by_day.setdefault(day, []).append(transaction)
                self._cache.clear()
                self._signature = signature
            cached = self._cache.get(days)
            if cached is None:
                chosen = [
                    transaction
                    for day, transactions in sorted(self._by_day.items(), key=_day_order)
                    if _inside(day, days)
                    for transaction in transactions
                ]
                cached = dump_json(_success(transactions=chosen, external_transaction_id=""))
                self._cache[days] = cached
            return cached

    def _filter_day(self, transaction: Mapping[str, Any]) -> dt.date | None:
        created = transaction.get("created")
        created_at = created.get("at") if isinstance(created, Mapping) else None
        if self.date_filter == "settled" and transaction.get("settled"):
            return _day(transaction.get("settled"))
        return _day(created_at)

    def _batches_export(self, request: dict[str, Any]) -> _Answer:
        days = _date_range(request)
        if days is None:
            return _json(200, _errors({BAD_REQUEST_CODE: ["Please provide a valid date range."]}))
        chosen = [batch for batch in self.batches if _inside(_day(batch.get("settled")), days)]
        # A batch's own transaction list (``transactions``) is served only per batch.
        summaries = [{k: v for k, v in batch.items() if k != "transactions"} for batch in chosen]
        return _json(200, _success(batches=summaries))

    def _batch_transactions(self, request: dict[str, Any]) -> _Answer:
        number = request.get("batch_number")
        if not isinstance(number, int):
            return _json(200, _errors({BAD_REQUEST_CODE: ["Please provide a batch number."]}))
        # Numbers wrap: PayTrace can only mean the most recent batch with this number.
        matching = [batch for batch in self.batches if batch.get("number") == number]
        if not matching:
            return _json(200, _success(transactions=[]))
        latest = max(matching, key=lambda batch: _day(batch.get("settled")) or dt.date.min)
        if "transactions" in latest:  # the batch names its transactions (several a day)
            return _json(200, _success(transactions=latest["transactions"]))
        day = _day(latest.get("settled"))
        chosen = [t for t in self.transactions if t.get("settled") and _day(t["settled"]) == day]
        return _json(200, _success(transactions=chosen))

    def _customer_export(self, request: dict[str, Any]) -> _Answer:
        wanted = request.get("customer_id")
        chosen = [c for c in self.customers if not wanted or c.get("customer_id") == wanted]
        return _json(200, _success(customers=chosen))

    def _recurring_export(self, request: dict[str, Any]) -> _Answer:
        customer_id = str(request.get("customer_id") or "")
        if customer_id not in self.recurring:
            message = f"Customer ID, {customer_id}, was not found or is incomplete."
            return _json(200, _errors({"30": [message]}))
        return _json(200, _success(**self.recurring[customer_id]))

    def _schedules_export(self, request: dict[str, Any]) -> _Answer:
        wanted = str(request.get("customer_id") or "")
        chosen = [s for s in self.schedules if not wanted or s.get("customer_id") == wanted]
        return _json(200, _success(recurrences=chosen))


_ENDPOINTS = {
    "/v1/transactions/export/by_date_range": FakePaytrace._export_by_date_range,
    "/v1/batches/export": FakePaytrace._batches_export,
    "/v1/batches/transaction_list": FakePaytrace._batch_transactions,
    "/v1/customer/export": FakePaytrace._customer_export,
    "/v1/recurrence/export_approved": FakePaytrace._recurring_export,
    "/v1/recurrence/export_scheduled": FakePaytrace._schedules_export,
}
_INVALID_GRANT = (
    '{"error":"invalid_grant","error_description":"The provided authorization grant is invalid, '
    "expired, revoked, does not match the redirection URI used in the authorization request, "
    'or was issued to another client."}'
)


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    headers: Mapping[str, str]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; Nagle plus delayed ACKs would add 40 ms each.
    disable_nagle_algorithm = True
    state: FakePaytrace

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.state.handle(method, self.path, dict(self.headers.items()), body)
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("X-Request-Id", secrets.token_hex(8))
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (timeout test); nothing left to tell it.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the fake must not litter test output."""


def _faulty(fault: _Fault) -> _Answer:
    if fault.kind == "throttle":
        headers = {"Retry-After": fault.retry_after, "Content-Type": "application/json"}
        return _Answer(429, b'{"error":"rate_limited"}', headers)
    return _Answer(200, b'{"success": true, "transactions": [{"transa', _JSON_HEADERS)


_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def _json(status: int, document: Any, headers: Mapping[str, str] | None = None) -> _Answer:
    body = document.encode() if isinstance(document, str) else dump_json(document)
    return _Answer(status, body, {**_JSON_HEADERS, **(headers or {})})


def _html(status: int, title: str) -> _Answer:
    body = f"<html><body><h1>{status} {title}</h1></body></html>".encode()
    return _Answer(status, body, {"Content-Type": "text/html; charset=utf-8"})


def _success(**fields: Any) -> dict[str, Any]:
    return {"success": True, "response_code": 1, "status_message": SUCCESS_MESSAGE, **fields}


def _errors(errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "success": False,
        "response_code": 1,
        "status_message": ERROR_MESSAGE,
        "errors": errors,
        "external_transaction_id": "",
    }


def _day(value: Any) -> dt.date | None:
    text = str(value or "").strip()
    for time_format in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, time_format).date()
        except ValueError:
            continue
    return None


def _date_range(request: Mapping[str, Any]) -> tuple[dt.date, dt.date] | None:
    first, last = _day(request.get("start_date")), _day(request.get("end_date"))
    if first is None or last is None or last < first:
        return None
    return first, last


def _day_order(item: tuple[dt.date | None, object]) -> dt.date:
    return item[0] or dt.date.min


def _inside(day: dt.date | None, days: tuple[dt.date, dt.date]) -> bool:
    return day is not None and days[0] <= day <= days[1]


def export_records(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """The transactions of export files, to load the fake with the file source's data."""
    records: list[dict[str, Any]] = []
    for path in paths:
        with open(path, encoding="utf-8-sig") as handle:
            records.extend(load_json(handle.read())["transactions"])
    return records


def batch_records(path: str | Path) -> list[dict[str, Any]]:
    """The batches of a ``[paytrace] batches_file``, each with its transaction list."""
    with open(path, encoding="utf-8-sig") as handle:
        batches: list[dict[str, Any]] = load_json(handle.read())["batches"]
    return batches


def transaction_record(
    transaction_id: int,
    amount: Decimal | int,
    created_at: str,
    settled: str = "",
    invoice_id: str = "",
    transaction_type: str = "SALE",
    customer_id: str = "",
) -> dict[str, Any]:
    """A transaction object shaped like the documented export sample (docs/paytrace.md)."""
    return {
        "transaction_id": transaction_id,
        "credit_card": {
            "masked_number": "************5454",
            "expiration_month": 12,
            "expiration_year": 29,
        },
        "transaction_type": transaction_type,
        "description": "",
        "amount": amount,
        "invoice_id": invoice_id,
        "shipping_address": {"name": "", "zip": "85284", "country": "US"},
        "billing_address": {"name": "Kevin", "city": "Spokane", "state": "WA", "country": "US"},
        "receipt_emailed_to": "",
        "tax_amount": "0.00",
        "customer_reference_id": "",
        "approval_code": "VTLMC1",
        "approval_message": "EXACT MATCH - Approved and completed",
        "avs_response": "Full Exact Match",
        "csc_response": "Match",
        "status_code": "GB571",
        "status_message": "GB571",
        "created": {"through": "API", "at": created_at, "by": "sandbox123", "from_ip": ""},
        "settled": settled,
        "customer_id": customer_id,
    }


def sample_day_config(
    folder: Path, fake: FakePaytrace | None = None, **paytrace: str | int | float
) -> Path:
    """config/demo.toml rewritten into ``folder``: own ledger and output, and with a ``fake``,
    ``[paytrace] source = "api"`` against it (``paytrace`` adds or overrides keys)."""
    root = Path(__file__).resolve().parent.parent
    text = (root / "config" / "demo.toml").read_text(encoding="utf-8")
    text = text.replace('"../sample_data/', f'"{root}/sample_data/').replace(
        '"../out', f'"{folder}'
    )
    if fake is not None:
        keys = {"source": "api", "base_url": fake.url, "backoff_seconds": 0.001, **paytrace}
        lines = "\n".join(f"{key} = {json.dumps(value)}" for key, value in keys.items())
        text = text.replace(f'source = "file"\nfile = "{root}/sample_data/paytrace"', lines, 1)
    path = folder / "paytrace-abas.toml"
    path.write_text(text, encoding="utf-8")
    return path
