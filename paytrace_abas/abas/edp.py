"""abas' EDP import dialect as the file sink writes and reads it.

See docs/posting.md#the-edp-import-file.

::

    #!charset=UTF-8
    #!database=102
    #!group=4
    #!action=NEW
    #!recordidfld=beleg
    #!firsttabfld=tbeleg
    beleg;beldat;kbudat;gkonto;kwaehr;tbeleg;topladen;opzabetr;skbetr
    512330107;25.11.2026;25.11.2026;18100;USD;400101;;1248.50;0.00
    512330107;25.11.2026;25.11.2026;18100;USD;400102;;380.00;6.00

One record per receipt: every line of a receipt carries the same record id (the reference,
``beleg`` = PayTrace transaction id), each line adds one table row from ``tbeleg`` on. The
load-item field (``topladen``) is listed with an empty value, which is how EDP presses a button:
it loads the open item named in ``tbeleg`` instead of entering a new one.

The reader takes the field-name line of each file as it finds it, so files written before the
dialect changed (no ``#!charset``, no load-item column, decimal comma) are read too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from paytrace_abas.config import AbasSettings
from paytrace_abas.config.settings import IMPORT_FILE_COLUMNS
from paytrace_abas.errors import PostingRejectedError, SourceError
from paytrace_abas.models import Receipt
from paytrace_abas.money import to_cents

FILE_COLUMNS = IMPORT_FILE_COLUMNS
#: characters no value may hold: the cell separator, abas' line separator, line breaks
FORBIDDEN = ";#\r\n"
#: an amount as either dialect wrote it: no grouping, a decimal point (now) or comma (before)
_AMOUNT = re.compile(r"^-?\d+[.,]\d\d$")


def header(settings: AbasSettings) -> str:
    """The ``#!`` lines and field-name line every import file of this configuration starts with."""
    lines = [
        f"#!charset={settings.import_charset}",
        f"#!database={settings.import_database}",
        f"#!group={settings.import_group}",
        f"#!action={settings.import_action}",
    ]
    if settings.import_menuchoice:
        lines.append(f"#!menuchoice={settings.import_menuchoice}")
    lines += [
        f"#!recordidfld={settings.import_recordidfld}",
        f"#!firsttabfld={settings.import_firsttabfld}",
        ";".join(field_names(settings.receipt_fields)),
    ]
    return "\n".join(lines) + "\n"


def field_names(receipt_fields: Mapping[str, str]) -> list[str]:
    return [receipt_fields[name] for name in FILE_COLUMNS]


def format_amount(cents: int, decimal: str) -> str:
    """``123456`` -> ``1234.56`` (or ``1234,56``): no grouping, always two decimals."""
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}{decimal}{fraction:02d}"


def parse_amount(text: str) -> int | None:
    """Cents of an amount this sink wrote, in either dialect; None when it is no such amount."""
    if not _AMOUNT.match(text):
        return None
    return to_cents(text.replace(",", "."))


def receipt_lines(receipt: Receipt, decimal: str) -> list[str]:
    """The receipt's lines, one per invoice, all with the receipt's reference as record id."""
    return [_line(receipt, index, decimal) for index in range(len(receipt.lines))]


def _line(receipt: Receipt, index: int, decimal: str) -> str:
    line = receipt.lines[index]
    day = receipt.paid_on.strftime("%d.%m.%Y")
    cells = [
        receipt.transaction_id,
        day,
        day,
        receipt.account,
        receipt.currency,
        line.invoice_no,
        format_amount(line.amount_cents, decimal),
        format_amount(line.discount_cents, decimal),
    ]
    for cell in cells:
        if not cell or any(char in cell for char in FORBIDDEN):
            raise PostingRejectedError(
                f"transaction {receipt.transaction_id}: value {cell!r} cannot be written "
                "to an import file (empty, or contains ';', '#' or a line break)"
            )
    # the load item is pressed by listing it with an empty value
    cells.insert(FILE_COLUMNS.index("load_item"), "")
    return ";".join(cells) + "\n"


@dataclass(frozen=True)
class EdpLine:
    """One data line read back: which receipt (reference) paid which invoice, how much."""

    reference: str
    invoice: str
    amount_cents: int
    discount_cents: int
    number: int


@dataclass(frozen=True)
class Layout:
    """Where the fields the reader needs stand, after one file's field-name line."""

    names: tuple[str, ...]
    reference: int
    invoice: int
    amount: int
    discount: int

    @classmethod
    def of(cls, names_line: str, receipt_fields: Mapping[str, str]) -> Layout | None:
        """The layout of a field-name line; None when it lacks a field the reader needs."""
        names = tuple(name.strip() for name in names_line.rstrip("\n").split(";"))
        wanted = [receipt_fields[key] for key in ("reference", "invoice", "amount", "discount")]
        if not all(name in names for name in wanted):
            return None
        return cls(names, *(names.index(name) for name in wanted))

    def read(self, line: str, number: int, where: str) -> EdpLine | None:
        """A data line read back; None for a header, comment, field-name or incomplete line."""
        text = line.rstrip("\n")
        cells = text.split(";")
        if text.startswith("#") or len(cells) != len(self.names) or tuple(cells) == self.names:
            return None
        amount = parse_amount(cells[self.amount])
        discount = parse_amount(cells[self.discount])
        if amount is None or discount is None:
            raise SourceError(
                f"{where} line {number}: {cells[self.amount]!r} / {cells[self.discount]!r} "
                "is not an amount this tool writes; the file cannot answer which receipts "
                "it holds, so nothing is posted"
            )
        return EdpLine(cells[self.reference], cells[self.invoice], amount, discount, number)

    def is_complete(self, line: str) -> bool:
        """Whether an unfinished last line is a whole data line that only lacks its newline."""
        cells = line.split(";")
        return len(cells) == len(self.names) and _AMOUNT.match(cells[-1]) is not None


def own_layout(receipt_fields: Mapping[str, str]) -> Layout:
    """The layout of the field-name line this configuration writes."""
    layout = Layout.of(";".join(field_names(receipt_fields)), receipt_fields)
    if layout is None:  # cannot happen: the line holds every receipt field
        raise ValueError("the import file's own field-name line lacks a receipt field")
    return layout


def layout_of(lines: Iterable[str], receipt_fields: Mapping[str, str]) -> Layout | None:
    """The layout after a file's first line that is no ``#`` line (its field-name line)."""
    for line in lines:
        if line.strip() and not line.startswith("#"):
            return Layout.of(line, receipt_fields)
    return None


def read_lines(text: str, receipt_fields: Mapping[str, str], where: str) -> list[EdpLine]:
    """The data lines of a whole import file, old dialect or new (the sink's own reader)."""
    lines = text.splitlines()
    layout = layout_of(lines, receipt_fields)
    if layout is None:
        raise SourceError(
            f"{where}: no field-name line with the fields "
            f"{receipt_fields['reference']} and {receipt_fields['invoice']}; it is not an "
            "import file this tool writes, so it cannot say which receipts it holds"
        )
    found = (layout.read(line, number, where) for number, line in enumerate(lines, start=1))
    return [line for line in found if line is not None]
