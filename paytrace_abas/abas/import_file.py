"""The file sink: receipts appended to an abas EDP import file (docs/abas.md#edp-import-file).

The file is written in abas' EDP dialect (``edp.py``): ``#!`` header lines, a field-name line,
one data line per invoice of a receipt, the receipt's lines one record (same record id).

One data line per invoice of a receipt; every line carries the PayTrace transaction id in the
document reference (``beleg``), so the files themselves answer "is this receipt already there?".
The guarantees (docs/posting.md, "The file sink"):

- a line once written is never removed or changed; a file is appended to only when it starts
  with this configuration's header, and every new file starts with it;
- the sink indexes the references of the current file when it opens, and of the files in
  ``[abas] import_archive_dir`` (where the edpimport job moves imported files) when it is first
  asked, and answers "is this reference posted?" from that index. Of the archive it reads only
  files changed since the oldest payment asked about (less two days for time zones): a line
  is written after its payment, so an older file cannot hold it — the cost follows the day,
  not the archive's history;
- a last line without its newline is finished, never cut: a complete line (an editor dropped
  the final newline) gets its newline; a torn write is completed by the receipt it belongs to,
  and until one does nothing is appended after it;
- the import file moved away during a run is noticed at the next receipt, which starts a new
  file with the header.

Each receipt is written with one ``write`` and ``fsync``ed before the ledger calls it posted.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from paytrace_abas.abas import edp
from paytrace_abas.abas.sink import Found
from paytrace_abas.config import AbasSettings
from paytrace_abas.config.failpoints import reached
from paytrace_abas.errors import ConfigError, SourceError
from paytrace_abas.models import Receipt

log = logging.getLogger(__name__)

_ENCODING = "utf-8"
#: how much earlier than a payment's day (in PayTrace's zone) a file's time may lie (UTC, local)
_ZONE_MARGIN = dt.timedelta(days=2)


@dataclass
class _Held:
    """Where a reference's lines are, and which invoices they cover."""

    document: str
    invoice_nos: set[str] = field(default_factory=set)


class ImportFileSink:
    """Appends receipts to one EDP import file; safe to call from several threads."""

    def __init__(self, settings: AbasSettings) -> None:
        if settings.import_file is None:
            raise ValueError("ImportFileSink needs [abas] import_file")
        self.path: Path = settings.import_file
        self._archive = settings.import_archive_dir
        self._receipt_fields = settings.receipt_fields
        self._decimal = settings.import_decimal
        self._header = edp.header(settings).encode(_ENCODING)
        #: the current file's layout: this configuration's field-name line
        self._layout = edp.own_layout(self._receipt_fields)
        self._lock = threading.Lock()
        self._held: dict[str, _Held] = {}
        #: (device, inode) of the file indexed as the current one, and its number of lines
        self._identity: tuple[int, int] = (-1, -1)
        self._lines = 0
        #: the current file's unfinished last line, until the receipt it belongs to finishes it
        self._torn = b""
        #: archived files indexed so far, and the oldest payment day they cover
        self._archived: set[Path] = set()
        self._archive_from: dt.date | None = None
        self._open_current()

    # -- the port ---------------------------------------------------------------------------

    def find(self, receipt: Receipt) -> Found | None:
        """The lines already written for this receipt's reference, in any file."""
        return self.find_many([receipt]).get(receipt.transaction_id)

    def find_many(self, receipts: Sequence[Receipt]) -> dict[str, Found]:
        """Transaction id -> the lines already written, for those receipts that have any.

        A torn last line is finished here by the receipt it belongs to; one that none of them
        completes stops the posting before anything is appended after it.
        """
        with self._lock:
            if receipts:
                self._index_archive(min(receipt.paid_on for receipt in receipts))
            if self._torn:
                self._finish_torn_line(receipts)
            found = {
                receipt.transaction_id: Found(held.document, frozenset(held.invoice_nos))
                for receipt in receipts
                if (held := self._held.get(receipt.transaction_id)) is not None
            }
            if self._torn and len(found) < len(receipts):
                raise SourceError(self._torn_refusal())
        return found

    def post(self, receipt: Receipt) -> str:
        """Append the receipt's lines in one write and fsync them."""
        lines = edp.receipt_lines(receipt, self._decimal)
        data = "".join(lines).encode(_ENCODING)
        with self._lock:
            if self._torn:
                raise SourceError(self._torn_refusal())
            try:
                with self._append_handle() as handle:
                    reached(
                        "import_file.mid_line", lambda: _write_now(handle, data[: len(data) // 2])
                    )
                    reached(
                        "import_file.after_line",
                        lambda: _write_now(handle, data[: data.index(b"\n") + 1]),
                    )
                    handle.write(data)
                    handle.flush()
                    _sync(handle.fileno())
                    reached("import_file.after_fsync")
            except OSError as exc:
                raise SourceError(f"abas import file {self.path}: {exc.strerror}") from None
            first_line = self._lines + 1
            self._index(lines, first_line)
        return f"{self.path.name} line {first_line}"

    def close(self) -> None:
        """Nothing stays open between posts."""

    # -- opening and indexing ---------------------------------------------------------------

    def _open_current(self) -> None:
        """Index the file at ``path``: check or write its header, finish a complete last line."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as handle:
                handle.seek(0)
                content = handle.read()
                if not content.startswith(self._header):
                    content = self._finish_header(handle, content)
                complete = content.rfind(b"\n") + 1
                lines = _decode(content[:complete]).splitlines()
                self._lines = 0
                self._index(lines, 1)
                tail = content[complete:]
                if tail and self._layout.is_complete(_decode(tail)):
                    # Saved without its final newline (an editor, a tool): finish the line.
                    handle.write(b"\n")
                    _sync(handle.fileno())
                    self._index([_decode(tail)], self._lines + 1)
                    log.warning("import file %s lacked its final newline; added it", self.path)
                    tail = b""
                self._torn = tail
                if tail:
                    log.warning(
                        "import file %s ends in a torn line (%d bytes); the receipt it belongs "
                        "to will finish it",
                        self.path,
                        len(tail),
                    )
                stat = os.fstat(handle.fileno())
                self._identity = (stat.st_dev, stat.st_ino)
        except OSError as exc:
            raise SourceError(f"abas import file {self.path}: {exc.strerror}") from None

    def _finish_header(self, handle: BinaryIO, content: bytes) -> bytes:
        """Write the header into a new (or torn-at-birth) file; refuse a file not our own."""
        if not self._header.startswith(content):
            first = _decode(content.split(b"\n", 1)[0])[:60]
            ours = _decode(self._header.split(b"\n", 1)[0])
            if edp.layout_of(_decode(content).splitlines(), self._receipt_fields) is not None:
                raise ConfigError(
                    f"[abas] import_file {self.path} was written in an earlier format or with "
                    f"other header settings (it starts with {first!r}, not {ours!r}); nothing is "
                    "appended to it: import it with edpimport and move it to [abas] "
                    "import_archive_dir, where its receipts are still found, then run again"
                )
            raise ConfigError(
                f"[abas] import_file {self.path} does not start with this configuration's "
                f"header ({ours} …) but with {first!r}; "
                "it is not an import file this tool writes, so nothing is appended to it"
            )
        handle.write(self._header[len(content) :])
        handle.flush()
        _sync(handle.fileno())
        _sync_directory(self.path.parent)
        return self._header

    def _index_archive(self, oldest_payment: dt.date) -> None:
        """Index the archived files that can hold receipts of payments since ``oldest_payment``.

        A receipt's line is written after its payment, so a file last changed before that day
        (less two days for time zones) holds none of them; a moved file keeps its time.
        """
        if self._archive is None:
            return
        if self._archive_from is not None and self._archive_from <= oldest_payment:
            return
        since = dt.datetime.combine(oldest_payment - _ZONE_MARGIN, dt.time()).timestamp()
        try:
            moved = sorted(entry for entry in self._archive.iterdir() if entry.is_file())
            for path in moved:
                if path not in self._archived and path.stat().st_mtime >= since:
                    self._index_file(path, path.read_bytes())
                    self._archived.add(path)
        except OSError as exc:
            raise SourceError(
                f"[abas] import_archive_dir {self._archive}: {exc.strerror}; without it no "
                "receipt can be checked, so nothing is posted"
            ) from None
        self._archive_from = oldest_payment

    def _index_file(self, path: Path, content: bytes) -> None:
        """Index an archived file by its own field-name line (it may predate this dialect)."""
        for line in edp.read_lines(_decode(content), self._receipt_fields, str(path)):
            self._hold(line, f"{path.name} line {line.number}")

    def _index(self, lines: Iterable[str], first_number: int) -> None:
        """Index lines of the current file starting at line ``first_number``."""
        last = self._hold_lines(lines, first_number, self.path.name)
        self._lines = max(self._lines, last)

    def _hold_lines(self, lines: Iterable[str], first_number: int, name: str) -> int:
        """Index the data lines among ``lines``; returns the number of the last one."""
        number = first_number - 1
        for number, line in enumerate(lines, start=first_number):
            data = self._layout.read(line, number, str(self.path))
            if data is not None:
                self._hold(data, f"{name} line {number}")
        return number

    def _hold(self, line: edp.EdpLine, document: str) -> None:
        held = self._held.setdefault(line.reference, _Held(document))
        held.invoice_nos.add(line.invoice)

    def _append_handle(self) -> BinaryIO:
        """The current file opened for appending; a file moved away is replaced by a new one."""
        for _ in range(3):
            handle = self.path.open("ab")
            stat = os.fstat(handle.fileno())
            if (stat.st_dev, stat.st_ino) == self._identity:
                return handle
            handle.close()
            # The file was moved (imported) since it was indexed: its references stay in the
            # index; the file now at ``path`` is checked, given its header and indexed.
            log.info("import file %s was replaced; continuing in a new file", self.path)
            self._open_current()
            if self._torn:
                raise SourceError(self._torn_refusal())
        raise SourceError(f"abas import file {self.path} keeps being replaced while posting")

    # -- torn lines -------------------------------------------------------------------------

    def _finish_torn_line(self, receipts: Sequence[Receipt]) -> None:
        """Complete the torn last line with the rest of the receipt line it begins."""
        for receipt in receipts:
            held = self._held.get(receipt.transaction_id, _Held("")).invoice_nos
            for index in range(len(receipt.lines)):
                if receipt.lines[index].invoice_no in held:
                    continue  # a torn prefix may fit a line already written whole
                line = edp.receipt_lines(receipt, self._decimal)[index].encode(_ENCODING)
                if line.startswith(self._torn):
                    self._append_rest(line[len(self._torn) :])
                    self._torn = b""
                    self._index([_decode(line)], self._lines + 1)
                    log.warning(
                        "finished the torn last line of %s (transaction %s, invoice %s)",
                        self.path,
                        receipt.transaction_id,
                        receipt.lines[index].invoice_no,
                    )
                    return

    def _append_rest(self, rest: bytes) -> None:
        try:
            with self.path.open("ab") as handle:
                handle.write(rest)
                handle.flush()
                _sync(handle.fileno())
        except OSError as exc:
            raise SourceError(f"abas import file {self.path}: {exc.strerror}") from None

    def _torn_refusal(self) -> str:
        return (
            f"abas import file {self.path} ends in a torn line {_decode(self._torn)[:40]!r} that "
            "no receipt of this run completes; complete or remove it by hand (nothing was "
            "appended after it)"
        )


def _decode(data: bytes) -> str:
    return data.decode(_ENCODING, errors="replace")


def _write_now(handle: BinaryIO, data: bytes) -> None:
    """Hand ``data`` to the kernel without fsync: what a process killed after ``write`` leaves."""
    handle.write(data)
    handle.flush()


def _sync(descriptor: int) -> None:
    os.fsync(descriptor)


def _sync_directory(directory: Path) -> None:
    """Make a new file's directory entry durable too."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
