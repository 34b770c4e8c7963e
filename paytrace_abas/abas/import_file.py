"""The file sink: receipts appended to an abas EDP import file (docs/abas.md#edp-import-file).

::

    #!database=102
    #!group=4
    #!action=NEW
    beleg;beldat;kbudat;gkonto;kwaehr;tbeleg;opzabetr;skbetr
    512330107;25.11.2026;25.11.2026;18100;USD;400101;1248,50;0,00

One data line per invoice of a receipt; every line carries the PayTrace transaction id in the
document reference (``beleg``), so the file itself answers "is this receipt already there?".
Each receipt is written with one ``write`` and ``fsync``ed before the ledger calls it posted. A
line without its newline is the torn tail of a killed write: it is cut off when the file is
opened, and the receipt it belonged to is completed by the crash recovery.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import BinaryIO

from paytrace_abas.abas.sink import Found
from paytrace_abas.config import AbasSettings
from paytrace_abas.config.failpoints import reached
from paytrace_abas.errors import PostingRejectedError, SourceError
from paytrace_abas.models import Receipt
from paytrace_abas.money import format_decimal_comma

log = logging.getLogger(__name__)

#: logical receipt fields in the order of the file's columns
FILE_COLUMNS = (
    "reference",
    "document_date",
    "posting_date",
    "counter_account",
    "currency",
    "invoice",
    "amount",
    "discount",
)
_ENCODING = "utf-8"


class ImportFileSink:
    """Appends receipts to one EDP import file; safe to call from several threads."""

    def __init__(self, settings: AbasSettings) -> None:
        if settings.import_file is None:
            raise ValueError("ImportFileSink needs [abas] import_file")
        self.path: Path = settings.import_file
        self._fields = [settings.receipt_fields[name] for name in FILE_COLUMNS]
        self._header = (
            f"#!database={settings.import_database}\n"
            f"#!group={settings.import_group}\n"
            f"#!action={settings.import_action}\n" + ";".join(self._fields) + "\n"
        )
        self._lock = threading.Lock()
        self._prepare()

    def _prepare(self) -> None:
        """Create the file with its header, or cut a torn last line left by a killed run."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as handle:
                size = handle.seek(0, os.SEEK_END)
                if size == 0:
                    handle.write(self._header.encode(_ENCODING))
                    _sync(handle.fileno())
                    _sync_directory(self.path.parent)
                    return
                handle.seek(0)
                content = handle.read()
                complete = content.rfind(b"\n") + 1
                if complete < size:
                    log.warning(
                        "import file %s ends in a torn line (%d bytes); cutting it off",
                        self.path,
                        size - complete,
                    )
                    handle.truncate(complete)
                    _sync(handle.fileno())
        except OSError as exc:
            raise SourceError(f"abas import file {self.path}: {exc.strerror}") from None

    def find(self, receipt: Receipt) -> Found | None:
        """The lines already in the file for this receipt's reference."""
        with self._lock:
            lines = self._data_lines()
        present = {
            cells[5]: number
            for number, cells in lines
            if len(cells) == len(FILE_COLUMNS) and cells[0] == receipt.transaction_id
        }
        if not present:
            return None
        return Found(
            document=f"{self.path.name} line {min(present.values())}",
            invoice_nos=frozenset(present),
        )

    def post(self, receipt: Receipt) -> str:
        """Append the receipt's lines in one write and fsync them."""
        text = "".join(self._line(receipt, index) for index in range(len(receipt.lines)))
        data = text.encode(_ENCODING)
        with self._lock:
            try:
                with self.path.open("ab") as handle:
                    first_line = self._count_lines() + 1
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
        return f"{self.path.name} line {first_line}"

    def close(self) -> None:
        """Nothing stays open between posts."""

    def _line(self, receipt: Receipt, index: int) -> str:
        line = receipt.lines[index]
        day = receipt.paid_on.strftime("%d.%m.%Y")
        cells = [
            receipt.transaction_id,
            day,
            day,
            receipt.account,
            receipt.currency,
            line.invoice_no,
            format_decimal_comma(line.amount_cents),
            format_decimal_comma(line.discount_cents),
        ]
        for cell in cells:
            if not cell or any(char in cell for char in ";\r\n"):
                raise PostingRejectedError(
                    f"transaction {receipt.transaction_id}: value {cell!r} cannot be written "
                    "to an import file (empty, or contains ';' or a line break)"
                )
        return ";".join(cells) + "\n"

    def _data_lines(self) -> list[tuple[int, list[str]]]:
        """(line number, cells) of every complete data line."""
        try:
            text = self.path.read_bytes().decode(_ENCODING)
        except OSError as exc:
            raise SourceError(f"abas import file {self.path}: {exc.strerror}") from None
        complete = text[: text.rfind("\n") + 1]
        return [
            (number, line.split(";"))
            for number, line in enumerate(complete.splitlines(), start=1)
            if line and not line.startswith("#!") and line.split(";") != self._fields
        ]

    def _count_lines(self) -> int:
        with self.path.open("rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 16), b""))


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
