"""The syntax of the workbook's Resolution column: one cell's text -> instructions.

Pure; documented in docs/workbook.md#syntax. ValueError says in words what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from paytrace_abas.errors import MoneyError
from paytrace_abas.money import parse_clerk_amount
from paytrace_abas.plan import N_

_ASSIGN = ("assign", "zuordnen")
_WRITE_OFF = ("write off", "write-off", "writeoff", "ausbuchen")
_IGNORE = ("ignore", "ignorieren")
_SKONTO = ("skonto",)
#: in front of a decision: it replaces the one ``apply`` accepted before (docs/workbook.md)
_REVISE = ("revise", "ändern")
_TO = ("to", "auf", "an")
_INVOICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_/.-]*$")
_ACCOUNT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Assign:
    """Apply money to invoices; an amount of None means "the open amount, or what is left"."""

    targets: tuple[tuple[str, int | None], ...]


@dataclass(frozen=True)
class WriteOff:
    """Book money to a GL account; an amount of None means "whatever is left of the payment"."""

    account: str
    amount_cents: int | None


@dataclass(frozen=True)
class Ignore:
    """Close the exception without posting anything."""


@dataclass(frozen=True)
class Skonto:
    """Pay invoices less the cash discount their terms offer, granted after its date."""

    invoices: tuple[str, ...]


Instruction = Assign | WriteOff | Ignore | Skonto
ACTION_NAMES: dict[type, str] = {
    Assign: "assign",
    WriteOff: "write_off",
    Ignore: "ignore",
    Skonto: "skonto",
}


def split_revision(text: str) -> tuple[bool, str]:
    """(True, the decision) for ``revise DECISION`` (also ``revise: …``), else (False, text)."""
    stripped = text.strip()
    lowered = stripped.lower()
    for keyword in _REVISE:
        if lowered.startswith(keyword) and lowered[len(keyword) : len(keyword) + 1] in (" ", ":"):
            return True, stripped[len(keyword) :].lstrip(" :")
    return False, stripped


def same_decision(first: str, second: str) -> bool:
    """Whether two Resolution texts say the same, ignoring case, spacing and 'revise'."""
    return _plain_text(split_revision(first)[1]) == _plain_text(split_revision(second)[1])


def _plain_text(text: str) -> str:
    return " ".join(text.replace(";", " ; ").split()).lower()


class ClerkTextError(ValueError):
    """What is wrong with a Resolution cell: an English template (marked for the catalogs,
    docs/i18n.md) and its values; ``str`` is the English sentence."""

    def __init__(self, template: str, **values: str) -> None:
        super().__init__(template.format(**values))
        self.template = template
        self.values = values


def parse_resolution(text: str) -> list[Instruction]:
    """The instructions of one Resolution cell; ValueError says what is wrong in words."""
    parts = [part.strip() for part in text.split(";") if part.strip()]
    if not parts:
        raise ClerkTextError(N_("the resolution is empty"))
    instructions = [_parse_one(part) for part in parts]
    if any(isinstance(i, Ignore) for i in instructions) and len(instructions) > 1:
        raise ClerkTextError(
            N_("'ignore' stands alone; it cannot be combined with other decisions")
        )
    if sum(isinstance(i, WriteOff) for i in instructions) > 1:
        raise ClerkTextError(N_("write off at most once per payment"))
    return instructions


def _parse_one(part: str) -> Instruction:
    lowered = part.lower()
    if lowered in _IGNORE:
        return Ignore()
    parsers: tuple[tuple[tuple[str, ...], Callable[[str], Instruction]], ...] = (
        (_ASSIGN, lambda rest: Assign(_parse_targets(rest))),
        (_WRITE_OFF, _parse_write_off),
        (_SKONTO, _parse_skonto),
    )
    for keywords, parse in parsers:
        for keyword in keywords:
            if lowered.startswith(keyword + " "):
                return parse(part[len(keyword) :])
    raise ClerkTextError(
        N_(
            "'{part}' is not a decision; start with 'assign', 'skonto', 'write off … to' or "
            "'ignore'"
        ),
        part=part,
    )


def _parse_skonto(text: str) -> Skonto:
    invoices = tuple(token for token in re.split(r"[,\s]+", text.strip()) if token)
    if not invoices:
        raise ClerkTextError(N_("'skonto' needs at least one invoice number"))
    for invoice in invoices:
        if not _INVOICE.match(invoice) or "=" in invoice:
            raise ClerkTextError(
                N_("'{invoice}' is not an invoice number (skonto takes no amounts)"),
                invoice=invoice,
            )
    return Skonto(invoices)


def _parse_targets(text: str) -> tuple[tuple[str, int | None], ...]:
    normalized = re.sub(r"\s*=\s*", "=", text.strip())
    tokens = [t for t in re.split(r",\s+|\s+", normalized) if t]
    # "400123,400124" without a space: commas only separate when no amount is involved
    tokens = [piece for t in tokens for piece in (t.split(",") if "=" not in t else [t])]
    if not tokens:
        raise ClerkTextError(N_("'assign' needs at least one invoice number"))
    targets = []
    for token in tokens:
        invoice, _, amount = token.partition("=")
        if not _INVOICE.match(invoice):
            raise ClerkTextError(N_("'{invoice}' is not an invoice number"), invoice=invoice)
        targets.append((invoice, _amount(amount) if amount else None))
    return tuple(targets)


def _parse_write_off(text: str) -> WriteOff:
    words = text.split()
    if len(words) < 2 or words[-2].lower() not in _TO:
        raise ClerkTextError(
            N_("write it as 'write off to ACCOUNT' or 'write off 10.00 to ACCOUNT'")
        )
    if len(words) > 3:
        raise ClerkTextError(N_("'write off{text}' has extra words"), text=text)
    account = words[-1]
    if not _ACCOUNT.match(account):
        raise ClerkTextError(N_("'{account}' is not an account number"), account=account)
    amount = _amount(words[0]) if len(words) == 3 else None
    if amount == 0:
        raise ClerkTextError(N_("a write-off of 0.00 writes nothing off"))
    return WriteOff(account, amount)


def _amount(text: str) -> int:
    try:
        return parse_clerk_amount(text)
    except MoneyError:
        raise ClerkTextError(
            N_("'{amount}' is not an amount like 100.00 or 100,00 (no thousands separators)"),
            amount=text,
        ) from None
