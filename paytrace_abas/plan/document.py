"""Results -> Plan: the postings a run would make, with a stable hash of its inputs."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd

from paytrace_abas.config import AccountSettings
from paytrace_abas.errors import InputFileError
from paytrace_abas.frames import records
from paytrace_abas.models import Category, ManualBooking, Receipt, ReceiptLine, Window
from paytrace_abas.money import MAX_CENTS, cents_to_decimal

PLAN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Posting:
    """One cash receipt against one invoice; ``transaction_id`` is the idempotency key."""

    transaction_id: str
    invoice_no: str
    customer_no: str
    amount_cents: int
    discount_cents: int
    currency: str
    paid_on: str
    card_type: str
    #: counter (GL) account from the [accounts] rules
    account: str = ""
    #: the invoice's open amount when planned; apply re-checks it
    open_cents: int | None = None
    #: set on a line that books money to a GL account (a clerk's write-off) instead of an invoice
    write_off_account: str = ""
    #: "match" for the matching engine's postings, "resolution" for a clerk's decision
    source: str = "match"
    note: str = ""


@dataclass(frozen=True)
class ClerkDecision:
    """A clerk's decision, even one posting nothing; ``revises``: the applied one it replaces."""

    transaction_id: str
    action: str
    resolution: str
    note: str
    where: str
    revises: str = ""


@dataclass(frozen=True)
class Plan:
    """What a run would post, and the fingerprint of what it saw."""

    run_id: str
    window_from: str
    window_to: str
    input_hash: str
    postings: tuple[Posting, ...]
    decisions: tuple[ClerkDecision, ...] = ()

    def to_json(self, records: bool = True) -> dict[str, Any]:
        """``records=False`` keeps the dataclasses: msgspec encodes them alike, no dict each."""
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "run_id": self.run_id,
            "window": {"from": self.window_from, "to": self.window_to},
            "input_hash": self.input_hash,
            "postings": _as_dicts(self.postings, _POSTING_FIELDS) if records else self.postings,
            "decisions": _as_dicts(self.decisions, _DECISION_FIELDS) if records else self.decisions,
        }

    def receipts(self) -> tuple[Receipt, ...]:
        """Invoice postings grouped per transaction: one abas document per PayTrace payment.

        Write-off lines are not part of a receipt (see :meth:`write_offs`).
        """
        grouped: dict[str, list[Posting]] = {}
        for posting in self.postings:
            if not posting.write_off_account:
                grouped.setdefault(posting.transaction_id, []).append(posting)
        return tuple(_receipt(group) for group in grouped.values())

    def write_offs(self) -> tuple[ManualBooking, ...]:
        """The clerk's write-off lines, which are booked by hand in abas (docs/posting.md)."""
        return tuple(
            ManualBooking(
                transaction_id=p.transaction_id,
                counter_account=p.account,
                gl_account=p.write_off_account,
                customer_no=p.customer_no,
                amount_cents=p.amount_cents,
                currency=p.currency,
                paid_on=dt.date.fromisoformat(p.paid_on),
                note=p.note,
            )
            for p in self.postings
            if p.write_off_account
        )


@dataclass(frozen=True)
class Recheck:
    """A planned posting that no longer fits abas: it becomes an exception, not a posting."""

    transaction_id: str
    invoice_no: str
    category: Category
    reason: str


def _receipt(group: list[Posting]) -> Receipt:
    first = group[0]
    return Receipt(
        transaction_id=first.transaction_id,
        customer_no=first.customer_no,
        currency=first.currency,
        paid_on=dt.date.fromisoformat(first.paid_on),
        account=first.account,
        lines=tuple(
            ReceiptLine(p.invoice_no, p.amount_cents, p.discount_cents, p.open_cents) for p in group
        ),
        card_type=first.card_type,
    )


def build_plan(
    run_id: str,
    window: Window,
    results: pd.DataFrame,
    payments: pd.DataFrame,
    input_hash: str,
    accounts: AccountSettings | None = None,
    open_items: pd.DataFrame | None = None,
) -> Plan:
    """A posting per invoice of every ``matched`` result, in transaction order.

    ``accounts`` gives each posting its counter account; ``open_items`` its open amount, which
    ``apply`` re-checks.
    """
    matched = results[results["category"] == Category.MATCHED.value]
    # The payment facts by position of each matched transaction (a dict per payment was most
    # of the time of a big day's plan).
    position = pd.Index(payments["transaction_id"].astype(str)).get_indexer(
        pd.Index(matched["transaction_id"].astype(str))
    )
    paid_on = payments["paid_on"].to_numpy(dtype=object)[position]
    card_types = payments["card_type"].to_numpy(dtype=object)[position]
    account_of = _AccountRules(accounts or AccountSettings())
    open_by_invoice = _open_amounts(open_items)
    postings: list[Posting] = []
    columns = zip(
        matched["transaction_id"].tolist(),
        matched["customer_no"].tolist(),
        matched["currency"].tolist(),
        matched["invoice_nos"].tolist(),
        matched["applied_cents"].tolist(),
        matched["invoice_discounts_cents"].tolist(),
        paid_on.tolist(),
        card_types.tolist(),
        strict=True,
    )
    for tid, customer, currency, numbers, applied, discounts, day, card in columns:
        facts = {
            "transaction_id": str(tid),
            "customer_no": str(customer),
            "currency": str(currency),
            "paid_on": day.isoformat(),
            "card_type": str(card),
            "account": account_of(str(card), str(currency)),
        }
        for invoice_no, amount, discount in zip(numbers, applied, discounts, strict=True):
            postings.append(
                Posting(
                    invoice_no=str(invoice_no),
                    amount_cents=int(amount),
                    discount_cents=int(discount),
                    open_cents=open_by_invoice.get(str(invoice_no)),
                    **facts,
                )
            )
    return Plan(
        run_id=run_id,
        window_from=window.first_day.isoformat(),
        window_to=window.last_day.isoformat(),
        input_hash=input_hash,
        postings=tuple(postings),
    )


def input_hash(payments: pd.DataFrame, open_items: pd.DataFrame) -> str:
    """sha256 over the canonical inputs, independent of row order."""
    digest = _Digest()
    for frame, key in ((payments, "transaction_id"), (open_items, "invoice_no")):
        ordered = frame.sort_values(key).drop(columns=["source_line"], errors="ignore")
        # Streamed into the hash: a big day's CSV text is never held whole.
        ordered.to_csv(digest, index=False)
    return digest.hexdigest()


class _Digest(io.TextIOBase):
    """A text sink that hashes what is written to it (UTF-8), for ``DataFrame.to_csv``."""

    def __init__(self) -> None:
        super().__init__()
        self._sha = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._sha.update(text.encode())
        return len(text)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def write_plan(plan: Plan, path: Path) -> None:
    """Write the plan as pretty JSON (a clerk or reviewer may read it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(plan_json(plan))


def plan_json(plan: Plan) -> bytes:
    """The plan file's bytes: ``json.dumps(..., indent=2)`` and a line break.

    msgspec encodes and indents the same document ten times faster; it writes text other than
    printable ASCII unescaped where ``json`` escapes it, so such a plan goes through ``json``.
    """
    encoded = msgspec.json.format(msgspec.json.encode(plan.to_json(records=False)), indent=2)
    if encoded.isascii() and b"\\" not in encoded and b"\x7f" not in encoded:
        return encoded + b"\n"
    return (json.dumps(plan.to_json(), indent=2) + "\n").encode("utf-8")


def read_plan(path: Path) -> Plan:
    """A plan file written by :func:`write_plan`; InputFileError names what is wrong."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(f"plan file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"plan file {path} is not a readable JSON plan: {exc}") from None
    return plan_from_json(document, f"plan file {path}")


def plan_from_json(document: Any, where: str) -> Plan:
    """A plan from its JSON document; InputFileError names ``where`` and what is wrong."""
    if not isinstance(document, dict) or document.get("format_version") != PLAN_FORMAT_VERSION:
        raise InputFileError(
            f"{where}: format_version must be {PLAN_FORMAT_VERSION} "
            "(was it written by paytrace-abas reconcile --dry-run?)"
        )
    try:
        window = document["window"]
        postings = tuple(
            _posting(item, f"{where}, posting {n}")
            for n, item in enumerate(document["postings"], start=1)
        )
        plan = Plan(
            run_id=str(document["run_id"]),
            window_from=str(window["from"]),
            window_to=str(window["to"]),
            input_hash=str(document["input_hash"]),
            postings=postings,
            decisions=tuple(ClerkDecision(**item) for item in document.get("decisions", [])),
        )
    except (KeyError, TypeError) as exc:
        raise InputFileError(f"{where}: missing or malformed field {exc}") from None
    _check_date(plan.window_from, f"{where}: window.from")
    _check_date(plan.window_to, f"{where}: window.to")
    decided = {decision.transaction_id for decision in plan.decisions}
    undecided = sorted({b.transaction_id for b in plan.write_offs()} - decided)
    if undecided:
        raise InputFileError(
            f"{where}: the write-off of transaction {', '.join(undecided)} has no "
            "decision (write-offs come from paytrace-abas resolve)"
        )
    return plan


def _check_date(day: str, what: str) -> None:
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        raise InputFileError(f"{what} {day[:30]!r} is not a date (YYYY-MM-DD)") from None


def _posting(item: Any, where: str) -> Posting:
    if not isinstance(item, dict):
        raise InputFileError(f"{where}: must be an object")
    known = {f.name for f in fields(Posting)}
    unknown = sorted(set(item) - known)
    if unknown:
        raise InputFileError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for name in ("amount_cents", "discount_cents"):
        if not isinstance(item.get(name), int) or isinstance(item.get(name), bool):
            raise InputFileError(f"{where}: {name} must be whole cents, not {item.get(name)!r}")
        if abs(item[name]) >= MAX_CENTS:
            raise InputFileError(f"{where}: {name} {str(item[name])[:30]} is too large")
    _check_date(str(item.get("paid_on")), f"{where}: paid_on")
    try:
        return Posting(**item)
    except (TypeError, ValueError) as exc:
        raise InputFileError(f"{where}: {exc}") from None


def recheck_receipts(
    receipts: Iterable[Receipt], open_items: pd.DataFrame
) -> tuple[list[Receipt], list[Recheck]]:
    """Receipts whose every invoice is still open with the planned amount, and the rest.

    A receipt with one changed invoice is held back whole: posting part of a payment would
    leave the rest of it unexplained.
    """
    current = {str(row["invoice_no"]): row for row in records(open_items)}
    ready: list[Receipt] = []
    changed: list[Recheck] = []
    for receipt in receipts:
        problems = [
            problem
            for line in receipt.lines
            if (problem := _recheck_line(receipt, line, current)) is not None
        ]
        if problems:
            changed.extend(problems)
        else:
            ready.append(receipt)
    return ready, changed


def _recheck_line(
    receipt: Receipt, line: ReceiptLine, current: Mapping[str, Mapping[str, Any]]
) -> Recheck | None:
    item = current.get(line.invoice_no)
    planned = (
        line.open_cents if line.open_cents is not None else line.amount_cents + line.discount_cents
    )
    now_open = int(item["open_cents"]) if item is not None else 0
    if item is None or now_open <= 0:
        what = "is no longer open in abas" if item is not None else "is unknown to abas now"
        reason = f"Invoice {line.invoice_no} {what}; it was open with {_amount(planned)}."
        return Recheck(receipt.transaction_id, line.invoice_no, Category.INVOICE_NOT_OPEN, reason)
    if str(item["currency"]) != receipt.currency:
        reason = f"Invoice {line.invoice_no} is now in {item['currency']}, not {receipt.currency}."
        return Recheck(receipt.transaction_id, line.invoice_no, Category.CURRENCY_MISMATCH, reason)
    if now_open == planned:
        return None
    paid = line.amount_cents + line.discount_cents
    category = Category.PARTIAL_PAYMENT if paid < now_open else Category.OVERPAYMENT
    reason = (
        f"The open amount of invoice {line.invoice_no} changed from {_amount(planned)} to "
        f"{_amount(now_open)} since the plan was made."
    )
    return Recheck(receipt.transaction_id, line.invoice_no, category, reason)


def _amount(cents: int) -> str:
    return f"{cents_to_decimal(cents):,}"


def _open_amounts(open_items: pd.DataFrame | None) -> dict[str, int]:
    if open_items is None:
        return {}
    numbers = open_items["invoice_no"].astype(str).tolist()
    return dict(zip(numbers, [int(cents) for cents in open_items["open_cents"]], strict=True))


class _AccountRules:
    """``AccountSettings.account_for``, asked once per card type and currency."""

    def __init__(self, accounts: AccountSettings) -> None:
        self._accounts = accounts
        self._known: dict[tuple[str, str], str] = {}

    def __call__(self, card_type: str, currency: str) -> str:
        key = (card_type, currency)
        if key not in self._known:
            self._known[key] = self._accounts.account_for(card_type, currency)
        return self._known[key]


_POSTING_FIELDS = tuple(f.name for f in fields(Posting))
_DECISION_FIELDS = tuple(f.name for f in fields(ClerkDecision))


def _as_dicts(records: tuple[Any, ...], names: tuple[str, ...]) -> list[Any]:
    # Flat records of plain values: no deep copy (dataclasses.asdict) needed.
    return [{name: getattr(record, name) for name in names} for record in records]
