"""Paging a selection by ``offset``/``limit`` so that records changing meanwhile are not lost.

abas pages a query by position and gives neither a total nor a cursor (docs/abas.md, "Reading
a table"). While a big table is read page by page, open items are cleared and filed away or
added; the positions behind them shift, so plain paging would skip a record (a shift to the
left) or read one twice (to the right). Therefore:

* every page after the first starts at the last record of the page before (pages overlap by
  one record), and a page counts only if it is *connected*: its first record is one already
  read. Then nothing between the records read and this page can be missing, whatever moved in
  front of it;
* records already read are left out by record id (the overlap, and whatever a shift to the
  right brought back);
* a page that is not connected (its first record new, or no record where one was) means
  records in front of it disappeared: the read steps back a page and looks again, at most
  ``MAX_STEP_BACKS`` times per read, then fails in one line.

A record added or removed in front of the read while it runs may or may not be in it, as if it
had changed just before or after the read; every record present throughout is read exactly
once. This holds as long as abas keeps the records of a selection in the same order between
two calls (by their key, as it does unless a selection option sorts by a changing field).

A thread asks for the pages one after the other, each as soon as the one before is in; the
page's body stays undecoded there (only the record ids are read, cheaply): decoding it is the
caller's work, done while the next page is on its way.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from paytrace_abas.abas.codec import decode_json, decode_text, field_entry
from paytrace_abas.errors import SourceError

#: step-backs allowed in one read: each re-asks a page; a table that changes faster than it
#: can be read this many times over fails the read instead of running on
MAX_STEP_BACKS = 20


@dataclass(frozen=True)
class Answer:
    """One page as abas answered it: the raw body when its envelope is the usual one (the
    caller decodes it), else the objects the generic decode found; the record keys in order."""

    body: bytes | None
    decoded: list[dict[str, Any]] | None
    keys: list[str]


@dataclass(frozen=True)
class Page:
    """The records of one answer that were not read before (``fresh``: their indexes)."""

    answer: Answer
    fresh: list[int]

    def objects(self) -> list[dict[str, Any]]:
        """The fresh records as plain JSON objects (amounts as ``Decimal``)."""
        objects = self.answer.decoded
        if objects is None:
            body = self.answer.body or b"{}"
            objects = decode_json(body)["content"]["data"]["erpDataObjects"] or []
        return [objects[index] for index in self.fresh]


# gc=False: JSON values cannot form reference cycles; tracking them is most of a decode's time.


class _IdMeta(msgspec.Struct, gc=False):
    id: str = ""


class _IdObject(msgspec.Struct, gc=False):
    meta: _IdMeta


class _IdData(msgspec.Struct):
    erpDataObjects: list[_IdObject] | None = None  # noqa: N815 (abas' name)


class _IdContent(msgspec.Struct):
    data: _IdData
    error: None = None
    kind: str = msgspec.field(name="_type", default="")


class _IdEnvelope(msgspec.Struct):
    content: _IdContent


_read_ids = msgspec.json.Decoder(_IdEnvelope).decode


def usual_answer(body: bytes) -> Answer | None:
    """The answer of a query in its usual envelope, reading only the record ids; None when it
    is anything else (an error, a dialog, a record without ``meta.id``, not JSON)."""
    try:
        content = _read_ids(body).content
    except msgspec.DecodeError:
        return None
    keys = [item.meta.id for item in content.data.erpDataObjects or []]
    if content.kind == "EditDialogResponse" or not all(keys):
        return None
    return Answer(body, None, keys)


def decoded_answer(objects: list[dict[str, Any]]) -> Answer:
    """An answer the generic decode read; a record without an id is known by its content."""
    return Answer(None, objects, [_key(item) for item in objects])


def _key(item: dict[str, Any]) -> str:
    meta = item.get("meta")
    record = meta.get("id") if isinstance(meta, dict) else None
    if record not in (None, ""):
        return str(record)
    head = item.get("head")
    fields = head.get("fields") if isinstance(head, dict) else None
    return decode_text(field_entry(fields, "id")) or msgspec.json.encode(item).decode()


class Reading:
    """Where a paged read stands: the records read so far and the offset to ask next."""

    def __init__(self, page_size: int, call: str) -> None:
        if page_size < 2:
            raise ValueError("pages of one record cannot overlap")
        self.page_size = page_size
        self.offset = 0
        self._call = call
        self._seen: set[str] = set()
        self._step_backs = 0

    def take(self, keys: list[str]) -> tuple[list[int], bool]:
        """The indexes of this page's new records, and whether another page is to be asked
        (at ``offset``, moved on here)."""
        if self.offset and (not keys or keys[0] not in self._seen):
            self._step_back()
            return [], True
        fresh = []
        for index, key in enumerate(keys):
            if key not in self._seen:
                self._seen.add(key)
                fresh.append(index)
        self.offset += len(keys) - 1
        return fresh, len(keys) >= self.page_size

    def _step_back(self) -> None:
        self._step_backs += 1
        if self._step_backs > MAX_STEP_BACKS:
            raise SourceError(
                f"abas {self._call}: the selection kept changing while it was read (records "
                f"in front of offset {self.offset} disappeared {MAX_STEP_BACKS} times); "
                "nothing of it was used, run again"
            )
        self.offset = max(0, self.offset - (self.page_size - 1))


def read_ahead(
    ask: Callable[[int], Answer], reading: Reading, max_pages: int | None = None
) -> Iterator[Page]:
    """The pages of a read (or its first ``max_pages``), asked for by ``ask(offset)`` in a
    thread of their own, one request at a time, at most two pages ahead of the caller.

    The thread asks for the next page as soon as one is in, not when the caller comes back for
    it: decoding a page holds the GIL, and a thread waiting for the GIL gets it only after
    Python's switch interval (5 ms), which would delay every request.
    """
    pages: queue.Queue[Page | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def run() -> None:
        try:
            asked = 0
            while not stop.is_set():
                answer, asked = ask(reading.offset), asked + 1
                fresh, more = reading.take(answer.keys)
                pages.put(Page(answer, fresh))
                if not more or asked == max_pages:
                    break
            pages.put(None)
        except BaseException as exc:  # raised in the caller's thread, not lost in this one
            pages.put(exc)

    reader = threading.Thread(target=run, name="abas-page", daemon=True)
    reader.start()
    try:
        while (item := pages.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # a page still coming: let it finish, nobody waits for it
            with contextlib.suppress(queue.Empty):
                pages.get(timeout=0.05)
        reader.join()
