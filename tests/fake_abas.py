"""A fake abas REST API on loopback: the exec editor that posts receipts and the table query.

It speaks the shapes of docs/abas.md (response shape, editor posting, errors) and keeps what it
committed, so tests check "posted exactly once" against abas' own state rather than the ledger.
Faults are injected per request: 503, RECORD_LOCKED, or the nasty one, "committed, then the
answer is lost" (HTTP 500 after the commit), which only the existence check can get right.

Also runs as a process for the benchmark: ``python tests/fake_abas.py --latency 0.02``.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FAULTS = ("unavailable", "locked", "lost_answer")


@dataclass
class Document:
    number: int
    reference: str
    account: str
    rows: list[dict[str, str]]


@dataclass
class FakeAbasState:
    """What abas holds, and how it misbehaves."""

    client: str = "test"
    password: str = "sy"
    latency: float = 0.0
    failure_rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    seed: int = 0
    documents: list[Document] = field(default_factory=list)
    exec_calls: int = 0
    query_calls: int = 0
    #: called with the exec call number before it commits (it may kill the client); when it
    #: returns True the request is dropped as if it never arrived, else abas commits it anyway
    on_exec: Callable[[int], bool] | None = None
    #: counter accounts abas knows; when set, a receipt to another one is refused
    accounts: frozenset[str] = frozenset()
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def by_reference(self) -> dict[str, list[Document]]:
        with self.lock:
            grouped: dict[str, list[Document]] = {}
            for document in self.documents:
                grouped.setdefault(document.reference, []).append(document)
            return grouped

    def draw_fault(self) -> str | None:
        with self.lock:
            if self.failure_rate and self.rng.random() < self.failure_rate:
                return self.rng.choice(self.faults)
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for a delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, category: str, text: str) -> None:
        self._reply(
            status,
            {
                "meta": {"contentType": "EditErrorResponse"},
                "content": {
                    "_type": "EditErrorResponse",
                    "error": {
                        "category": category,
                        "error": {"_type": "ErpMessage", "text": [text], "type": "ERROR"},
                    },
                },
            },
        )

    def _authorized(self) -> bool:
        state = self.server.state
        header = self.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f":{state.password}".encode()).decode()
        if header != expected:
            self._error(401, "AUTHENTICATION_FAILURE", "wrong password")
            return False
        return True

    def parse_request(self) -> bool:
        # The clock of a call starts when its request line is in, so that the fake's own
        # parsing is part of the latency rather than added to it.
        self.started = time.perf_counter()
        return super().parse_request()

    def _wait_out_latency(self, started: float) -> None:
        """Answer ``latency`` after the request arrived, whatever the fake itself spent."""
        left = self.server.state.latency - (time.perf_counter() - started)
        if left > 0:
            time.sleep(left)

    def do_POST(self) -> None:
        started = self.started
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        path = urlsplit(self.path).path
        if path != f"/mw/r/{state.client}/exec":
            self._error(404, "MISSING_OBJECT", f"no resource {path}")
            return
        if not self._authorized():
            return
        with state.lock:
            state.exec_calls += 1
            call = state.exec_calls
        fault = state.draw_fault()
        if fault == "unavailable":
            self._reply(503, {})
            return
        if fault == "locked":
            self._error(409, "RECORD_LOCKED", "Datensatz ist gesperrt")
            return
        if state.on_exec is not None and state.on_exec(call):
            self.close_connection = True
            return
        account = _head_value(body, "gkonto")
        if state.accounts and account not in state.accounts:
            self._error(400, "ILLEGAL_ARGUMENT", f"Konto {account} existiert nicht")
            return
        document = _commit(state, body)
        self._wait_out_latency(started)
        if fault == "lost_answer":
            self._reply(500, {})
            return
        self._reply(
            200,
            {
                "content": {
                    "data": {
                        "meta": {"id": f"({document.number},102,0)"},
                        "head": {
                            "fields": {
                                "id": {"value": f"({document.number},102,0)"},
                                "beleg": {"value": document.reference},
                            }
                        },
                    }
                }
            },
        )

    def do_GET(self) -> None:
        started = self.started
        state = self.server.state
        parts = urlsplit(self.path)
        match = re.fullmatch(rf"/mw/r/{re.escape(state.client)}/obj/data/([^/]+)", parts.path)
        if match is None:
            self._error(404, "MISSING_OBJECT", f"no resource {parts.path}")
            return
        if not self._authorized():
            return
        self._wait_out_latency(started)
        with state.lock:
            state.query_calls += 1
        if state.draw_fault() in ("unavailable", "lost_answer"):
            self._reply(503, {})
            return
        criteria = parse_qs(parts.query).get("criteria", [""])[0]
        # "beleg==A" or "beleg==A;beleg==B;…;@link=(Or)" (reference §3.6)
        wanted = re.findall(r"beleg==([^;]*)", unquote(criteria))
        held = state.by_reference()
        found = [document for reference in wanted for document in held.get(reference, [])]
        objects = [
            {
                "meta": {"id": f"({d.number},102,0)"},
                "head": {
                    "fields": {
                        "id": {"value": f"({d.number},102,0)"},
                        "beleg": {"value": d.reference},
                    }
                },
            }
            for d in found
        ]
        self._reply(200, {"content": {"data": {"erpDataObjects": objects}}})


def _head_value(body: dict[str, Any], name: str) -> str:
    for action in body.get("actions", []):
        if action.get("fieldName") == name and action.get("rowSpec") is None:
            return str(action.get("value", ""))
    return ""


def _commit(state: FakeAbasState, body: dict[str, Any]) -> Document:
    """Apply the editor actions the way abas would: head fields, then one row per InsertRow."""
    head: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    for action in body.get("actions", []):
        if action["_type"] == "InsertRow":
            rows.append({})
        elif action["_type"] == "SetFieldValue":
            target = rows[-1] if action.get("rowSpec") == "." else head
            target[action["fieldName"]] = action.get("value", "")
    assert body["closeAction"]["_type"] == "Commit"
    with state.lock:
        document = Document(len(state.documents) + 1, head["beleg"], head["gkonto"], rows)
        state.documents.append(document)
    return document


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    state: FakeAbasState

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request is what the crash test does; stay quiet about it."""


class FakeAbas:
    """Start with ``with FakeAbas(...) as fake:``; ``fake.base_url`` is the abas base URL."""

    def __init__(self, **options: Any) -> None:
        self.state = FakeAbasState(**options)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeAbas:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--client", default="test")
    args = parser.parse_args()
    with FakeAbas(latency=args.latency, client=args.client) as fake:
        print(fake.base_url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
