"""A fake abas REST API on loopback: tables to read, the editor that posts receipts, its faults.

It speaks the shapes of docs/abas.md (query envelope, ``/obj/meta``, the ``/exec`` editor,
``EditErrorResponse``, ``EditDialogResponse``) and keeps what it committed, so tests check
"posted exactly once" against abas' own state rather than the ledger:

* open items (``open_items_table``, found under its language-independent name in
  ``/obj/meta``) and customers (``0:1``) with ``offset``/``limit`` paging (default limit 20, as
  abas), ``headFields`` and ``criteria`` (``field==value``, ``field=from!to``, ``;`` = and);
* a committed receipt lowers each invoice's ``ofbetr`` by amount + cash discount, and a
  ``Cancel`` (preview) answers the rows abas would compute without keeping anything;
* faults per request: 503, RECORD_LOCKED, "committed, then the answer is lost" (HTTP 500 after
  the commit), scripted ones for the next calls (``script``), locked invoices, dialogs nobody
  answered, an unknown invoice (MISSING_OBJECT), and latency.

Also runs as a process for the benchmarks: ``python tests/fake_abas.py --latency 0.02
[--open-items N]``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import json
import random
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FAULTS = ("unavailable", "locked", "lost_answer")
OPEN_ITEMS_TABLE = "160:1"
CUSTOMERS_TABLE = "0:1"
DOCUMENTS_TABLE = "102:4"
META = [
    {"id": "OutstandingItems:OutstandingItem", "dbId": 160,
     "name": "(OutstandingItems):(OutstandingItem)", "description": "Offene Posten",
     "tableSpec": OPEN_ITEMS_TABLE},
    {"id": "Customer:Customer", "dbId": 0, "name": "(Customer):(Customer)",
     "description": "Kunde", "tableSpec": CUSTOMERS_TABLE},
    {"id": "OIProcessing:DebitOutstandingItems", "dbId": 102,
     "name": "(OIProcessing):(DebitOutstandingItems)", "description": "Offene Posten ausbuchen",
     "tableSpec": DOCUMENTS_TABLE},
]  # fmt: skip
#: what the client asks for with the default field map (the benchmark encodes it up front)
BENCH_HEAD_FIELDS = (
    "id,nummer,kunde^nummer,kunde^namebspr,vom,faelldat,waehr,rebetr,ofbetr,sksatz,skdat"
)
MONEY_FIELDS = frozenset({"rebetr", "ofbetr"})
DATE_FIELDS = frozenset({"vom", "faelldat", "skdat"})


@dataclass
class Document:
    number: int
    reference: str
    account: str
    rows: list[dict[str, str]]

    @property
    def document_number(self) -> str:
        """abas' own number of the committed document (``nummer``), unlike its object id."""
        return str(700000 + self.number)


@dataclass
class Request:
    """One request as abas saw it (for assertions on paths and queries)."""

    method: str
    path: str
    query: dict[str, str]


@dataclass
class FakeAbasState:
    """What abas holds, and how it misbehaves."""

    client: str = "test"
    password: str = "sy"
    token: str = ""
    latency: float = 0.0
    failure_rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    seed: int = 0
    documents: list[Document] = field(default_factory=list)
    #: invoice number -> abas field -> value (amounts in cents, dates as dt.date)
    open_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: list[dict[str, str]] = field(default_factory=list)
    #: dialog id -> answer abas insists on when committing
    dialogs: dict[str, str] = field(default_factory=lambda: {"588": "ja"})
    #: invoices whose open item another user holds: committing them is RECORD_LOCKED
    locked: set[str] = field(default_factory=set)
    #: faults for the next requests, in order ("unavailable", "locked", "lost_answer", "500")
    script: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    exec_calls: int = 0
    #: counter accounts abas knows; when set, a receipt to another one is refused
    accounts: frozenset[str] = frozenset()
    logouts: int = 0
    #: called with the exec call number before it commits (it may kill the client); when it
    #: returns True the request is dropped as if it never arrived, else abas commits it anyway
    on_exec: Callable[[int], bool] | None = None
    #: called with the exec call number after it committed and before the answer goes out
    #: (it may hold the answer until the client has given up on it)
    after_commit: Callable[[int], None] | None = None
    #: called with a query's parameters before it is answered (it may change the data, as
    #: other abas users do while a big table is read page by page)
    before_query: Callable[[dict[str, str]], None] | None = None
    #: set when the fake stops: a simulated latency ends early rather than outlive the test
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(init=False)
    _selection_cache: dict[tuple[str, str, int], list[dict[str, Any]]] = field(default_factory=dict)
    #: records already encoded as JSON, per (table, record, headFields), for this version
    _encoded: dict[tuple[str, int, str], bytes] = field(default_factory=dict)
    _encoded_version: int = 0
    _version: int = 0

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
            if self.script:
                return self.script.pop(0)
            if self.failure_rate and self.rng.random() < self.failure_rate:
                return self.rng.choice(self.faults)
        return None

    def add_open_item(self, **fields: Any) -> None:
        """An open item by abas field name (``nummer``, ``ofbetr`` in cents, ``vom`` a date)."""
        with self.lock:
            self.open_items[str(fields["nummer"])] = dict(fields)
            self._version += 1

    def remove_open_items(self, numbers: list[str]) -> None:
        """Open items filed away (cleared by someone else): gone from every selection."""
        with self.lock:
            for number in numbers:
                del self.open_items[number]
            self._version += 1

    def insert_open_item(self, position: int, **fields: Any) -> None:
        """An open item that appears at ``position`` of the table's order (a new invoice)."""
        with self.lock:
            items = list(self.open_items.items())
            items.insert(position, (str(fields["nummer"]), dict(fields)))
            self.open_items = dict(items)
            self._version += 1

    def withdraw(self, reference: str) -> Document:
        """Take a committed document out for a while (a commit abas has not finished yet)."""
        with self.lock:
            document = next(d for d in self.documents if d.reference == reference)
            self.documents.remove(document)
            self._version += 1
            return document

    def restore(self, document: Document) -> None:
        """Put a withdrawn document back: abas finished committing it."""
        with self.lock:
            self.documents.append(document)
            self._version += 1

    def open_cents(self, invoice_no: str) -> int:
        with self.lock:
            return int(self.open_items[invoice_no]["ofbetr"])

    def select(self, table: str, criteria: str) -> list[dict[str, Any]]:
        """The records of a table that meet the criteria (cached until the data changes)."""
        with self.lock:
            key = (table, criteria, self._version)
            if key not in self._selection_cache:
                records = self._records(table)
                parts = [part for part in criteria.split(";") if part]
                tests = [_criterion(part) for part in parts if not part.startswith("@")]
                # "beleg==A;beleg==B;@link=(Or)": any condition, not all (docs/abas.md)
                meets = any if "@link=(Or)" in parts else all
                self._selection_cache = {
                    key: [r for r in records if meets(test(r) for test in tests)]
                }
            return self._selection_cache[key]

    def encoded(self, table: str, records: list[dict[str, Any]], wanted: str) -> list[bytes]:
        """Records as JSON objects; encoded once per version, so that serving a page of a big
        table stays inside the latency the fake pretends (abas has its data at hand)."""
        with self.lock:
            if self._encoded_version != self._version:
                self._encoded, self._encoded_version = {}, self._version
            cache = self._encoded
        out = []
        for record in records:
            key = (table, id(record), wanted)
            data = cache.get(key)
            if data is None:
                data = cache[key] = json.dumps(_object(table, record, wanted)).encode()
            out.append(data)
        return out

    def _records(self, table: str) -> list[dict[str, Any]]:
        if table == OPEN_ITEMS_TABLE:
            return list(self.open_items.values())
        if table == CUSTOMERS_TABLE:
            return list(self.customers)
        if table == DOCUMENTS_TABLE:
            return [
                {
                    "id": f"({d.number},102,0)",
                    "nummer": d.document_number,
                    "beleg": d.reference,
                    "gkonto": d.account,
                }
                for d in self.documents
            ]
        raise LookupError(table)


def _criterion(part: str) -> Callable[[dict[str, Any]], bool]:
    """One abas selection condition: ``f==v`` exact, ``f=a!b`` range, ``@...`` options."""
    if part.startswith("@"):
        return lambda record: True
    exact = re.fullmatch(r"([\w^]+)==(.*)", part)
    if exact:
        name, value = exact.groups()
        return lambda record: _plain(record.get(name)) == value
    ranged = re.fullmatch(r"([\w^]+)=([^!]*)!(.*)", part)
    if ranged:
        name, low, high = ranged.groups()
        return lambda record: low <= _plain(record.get(name)) <= high
    raise ValueError(part)


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


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
        basic = "Basic " + base64.b64encode(f":{state.password}".encode()).decode()
        bearer = f"Bearer {state.token}" if state.token else None
        if header not in (basic, bearer):
            self._error(401, "AUTHENTICATION_FAILURE", "wrong password")
            return False
        return True

    def parse_request(self) -> bool:
        # The clock of a call starts when its request line is in, so that the fake's own
        # parsing is part of the latency rather than added to it.
        self.started = time.perf_counter()
        return super().parse_request()

    def _wait_out_latency(self) -> None:
        """Answer ``latency`` after the request arrived, whatever the fake itself spent."""
        left = self.server.state.latency - (time.perf_counter() - self.started)
        if left > 0:
            self.server.state.stopping.wait(left)

    def _route(self) -> tuple[str, dict[str, str]] | None:
        """The path below ``/mw/r/{client}`` and the query; None (answered 404) elsewhere."""
        state = self.server.state
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        with state.lock:
            state.requests.append(Request(self.command, unquote(parts.path), query))
        prefix = f"/mw/r/{state.client}"
        path = unquote(parts.path)
        if path != prefix and not path.startswith(prefix + "/"):
            self._error(404, "MISSING_OBJECT", f"no resource {path}")
            return None
        return path[len(prefix) :], query

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        route = self._route()
        if route is None:
            return
        if route[0] != "/exec":
            self._error(404, "MISSING_OBJECT", f"no resource {route[0]}")
            return
        if not self._authorized():
            return
        with state.lock:
            state.exec_calls += 1
            call = state.exec_calls
        fault = state.draw_fault()
        if self._answered_fault(fault):
            return
        customers = body["initAction"].get("tableName") == CUSTOMERS_TABLE
        if body["closeAction"]["_type"] == "Cancel" and not customers:
            self._preview(body)
            return
        if state.on_exec is not None and state.on_exec(call):
            self.close_connection = True
            return
        if customers:
            self._customer_editor(body)
            return
        self._commit(body, call, lost_answer=fault == "lost_answer")

    def _answered_fault(self, fault: str | None) -> bool:
        """Answer a drawn fault that fails the call outright; False for none (or lost_answer)."""
        if fault in ("unavailable", "500"):
            self._reply(503 if fault == "unavailable" else 500, {})
            return True
        if fault == "locked":
            self._error(409, "RECORD_LOCKED", "Datensatz ist gesperrt")
            return True
        return False

    def _customer_editor(self, body: dict[str, Any]) -> None:
        """The customer editor: NEW adds a customer (numbered by abas unless given), UPDATE
        (``editRefID`` a customer number, ``NUMSW``) sets fields of one; both commit."""
        state = self.server.state
        head, _ = _editor(body)
        init = body["initAction"]
        with state.lock:
            if init["editAction"] == "NEW":
                numbers = [int(c["nummer"]) for c in state.customers if c["nummer"].isdigit()]
                record = {"nummer": str(max(numbers, default=80000) + 1), **head}
                state.customers.append(record)
            else:
                found = [c for c in state.customers if c["nummer"] == init.get("editRefID")]
                if not found:
                    self._error(400, "MISSING_OBJECT", f"Kunde {init.get('editRefID')} fehlt")
                    return
                record = found[0]
                record.update(head)
            state._version += 1
            number = record["nummer"]
        fields = {"id": {"value": f"({number},0,0)"}, "nummer": {"value": number, "text": number}}
        self._reply(200, {"content": {"data": {"meta": {"id": f"({number},0,0)"},
                                               "head": {"fields": fields}}}})  # fmt: skip

    def _preview(self, body: dict[str, Any]) -> None:
        _, rows = _editor(body)
        problem = self._row_problem(rows)
        if problem is not None:
            self._error(*problem)
            return
        self._wait_out_latency()
        table = []
        for row in rows:
            item = self.server.state.open_items[row["tbeleg"]]
            paid = _cents(row.get("opzabetr", "0")) + _cents(row.get("skbetr", "0"))
            table.append(
                {
                    "fields": {
                        "tbeleg": {"value": row["tbeleg"], "text": row["tbeleg"]},
                        "opzabetr": _money(_cents(row.get("opzabetr", "0"))),
                        "ofbetr": _money(int(item["ofbetr"]) - paid),
                        "skbetr": _money(_cents(row.get("skbetr", "0"))),
                    }
                }
            )
        self._reply(200, {"content": {"data": {"head": {"fields": {}}, "table": table}}})

    def _row_problem(self, rows: list[dict[str, str]]) -> tuple[int, str, str] | None:
        state = self.server.state
        for row in rows:
            invoice = row.get("tbeleg", "")
            if invoice in state.locked:
                return 409, "RECORD_LOCKED", f"Offener Posten {invoice} ist gesperrt"
            if state.open_items and invoice not in state.open_items:
                return 400, "MISSING_OBJECT", f"Offener Posten {invoice} nicht gefunden"
        return None

    def _commit(self, body: dict[str, Any], call: int, lost_answer: bool) -> None:
        state = self.server.state
        head, rows = _editor(body)
        problem = self._row_problem(rows)
        account = head.get("gkonto", "")
        if problem is None and state.accounts and account not in state.accounts:
            problem = 400, "ILLEGAL_ARGUMENT", f"Konto {account} existiert nicht"
        if problem is not None:
            self._error(*problem)
            return
        asked = _unanswered(state.dialogs, body["closeAction"].get("dialogAnswers", []))
        if asked is not None:
            self._reply(
                200,
                {
                    "content": {
                        "_type": "EditDialogResponse",
                        "dialogInfo": {"id": asked, "type": "CONFIRMATION", "prompt": "Sicher?"},
                    }
                },
            )
            return
        document = _store(state, head, rows)
        if state.after_commit is not None:
            state.after_commit(call)
        self._wait_out_latency()
        if lost_answer:
            self._reply(500, {})
            return
        self._reply(200, {"content": {"data": _record(document)}})

    def do_GET(self) -> None:
        state = self.server.state
        route = self._route()
        if route is None:
            return
        path, query = route
        if not self._authorized():
            return
        self._wait_out_latency()
        if state.draw_fault() in ("unavailable", "lost_answer", "500"):
            self._reply(503, {})
            return
        if path == "/logout":
            with state.lock:
                state.logouts += 1
            self._reply(200, {})
        elif path == "":
            self._reply(200, {"content": {"data": {"client": state.client}}})
        elif path == "/obj/meta":
            self._reply(200, {"content": {"data": META}})
        elif path.startswith("/obj/data/"):
            self._query(path.removeprefix("/obj/data/"), query)
        else:
            self._error(404, "MISSING_OBJECT", f"no resource {path}")

    def _query(self, table: str, query: dict[str, str]) -> None:
        state = self.server.state
        if state.before_query is not None:
            state.before_query(query)
        try:
            selected = state.select(table, query.get("criteria", ""))
        except LookupError:
            self._error(404, "MISSING_OBJECT", f"Tabelle {table} unbekannt")
            return
        except ValueError as exc:
            self._error(400, "ILLEGAL_ARGUMENT", f"Selektion {exc} ungültig")
            return
        offset = int(query.get("offset", "0"))
        limit = int(query.get("limit", "20"))  # abas' default
        page = selected[offset : offset + limit] if limit else selected[offset:]
        objects = state.encoded(table, page, query.get("headFields", "*"))
        data = b'{"content": {"data": {"erpDataObjects": [' + b", ".join(objects) + b"]}}}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _object(table: str, record: dict[str, Any], wanted: str) -> dict[str, Any]:
    names = list(record) if wanted == "*" else [n for n in wanted.split(",") if n != "id"]
    key = record.get("nummer") or record.get("id")
    record_id = record.get("id") or f"({zlib.crc32(str(key).encode())},{table.split(':')[0]},0)"
    fields = {"id": {"value": record_id, "text": record_id}}
    for name in names:
        fields[name] = _field(name, record.get(name))
    return {"meta": {"id": record_id, "sourceType": "QUERY"}, "head": {"fields": fields}}


def _field(name: str, value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {"value": "", "text": ""}
    if name in MONEY_FIELDS:
        return _money(int(value))
    if name in DATE_FIELDS and isinstance(value, dt.date):
        return {"value": value.isoformat(), "text": value.strftime("%d.%m.%Y")}
    if name == "sksatz":
        return {"value": float(Decimal(value)), "text": str(value).replace(".", ",")}
    return {"value": str(value), "text": str(value)}


def _money(cents: int) -> dict[str, Any]:
    """A money field as abas sends it: a JSON number as value, German text."""
    text = f"{cents / 100:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return {"value": float(Decimal(cents) / 100), "text": text}


def _cents(text: str) -> int:
    return int(Decimal(text.replace(".", "").replace(",", ".") or "0") * 100)


def _editor(body: dict[str, Any]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Apply the editor actions the way abas would: head fields, then one row per InsertRow."""
    head: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    for action in body.get("actions", []):
        if action["_type"] == "InsertRow":
            rows.append({})
        elif action["_type"] == "SetFieldValue":
            target = rows[-1] if action.get("rowSpec") == "." else head
            target[action["fieldName"]] = action.get("value", "")
    return head, rows


def _unanswered(dialogs: dict[str, str], answers: list[dict[str, Any]]) -> str | None:
    given = {str(a["id"]): a.get("values", []) for a in answers}
    for dialog, answer in dialogs.items():
        if given.get(dialog) != [answer]:
            return dialog
    return None


def _store(state: FakeAbasState, head: dict[str, str], rows: list[dict[str, str]]) -> Document:
    with state.lock:
        document = Document(len(state.documents) + 1, head["beleg"], head["gkonto"], rows)
        state.documents.append(document)
        for row in rows:
            item = state.open_items.get(row.get("tbeleg", ""))
            if item is not None:
                paid = _cents(row.get("opzabetr", "0")) + _cents(row.get("skbetr", "0"))
                item["ofbetr"] = int(item["ofbetr"]) - paid
        state._version += 1
    return document


def _record(document: Document) -> dict[str, Any]:
    record_id = f"({document.number},102,0)"
    return {
        "meta": {"id": record_id},
        "head": {
            "fields": {
                "id": {"value": record_id},
                "nummer": {"value": document.document_number},
                "beleg": {"value": document.reference},
            }
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    state: FakeAbasState

    def handle_error(self, request: Any, _client_address: Any) -> None:
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
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def fill_open_items(state: FakeAbasState, count: int) -> None:
    """``count`` synthetic open items (for the read benchmark)."""
    for n in range(count):
        state.add_open_item(
            nummer=str(400000 + n),
            **{"kunde^nummer": f"K{n % 5000:05d}", "kunde^namebspr": f"Kunde {n % 5000}"},
            vom=dt.date(2026, 10, 1) + dt.timedelta(days=n % 50),
            faelldat=dt.date(2026, 11, 1) + dt.timedelta(days=n % 50),
            waehr="USD",
            rebetr=10_000 + n,
            ofbetr=10_000 + n,
            sksatz="2" if n % 8 == 0 else None,
            skdat=dt.date(2026, 11, 10) if n % 8 == 0 else None,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--client", default="test")
    parser.add_argument("--open-items", type=int, default=0)
    args = parser.parse_args()
    with FakeAbas(latency=args.latency, client=args.client) as fake:
        fill_open_items(fake.state, args.open_items)
        records = fake.state.select(OPEN_ITEMS_TABLE, "")
        fake.state.encoded(OPEN_ITEMS_TABLE, records, BENCH_HEAD_FIELDS)
        print(fake.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            fake.state.stopping.wait()  # until the benchmark ends this process


if __name__ == "__main__":
    main()
