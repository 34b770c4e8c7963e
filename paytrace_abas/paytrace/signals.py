"""What state a PayTrace record is in, from every signal it carries (docs/inputs.md).

The record's ``transaction_type``, ``response_code``, ``success``, ``approval_code``,
``approval_message`` and ``status_message`` each say something; where they contradict each
other the record is reported in its own words, never guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paytrace_abas.errors import InputFileError
from paytrace_abas.models import CONFLICTING
from paytrace_abas.privacy import mask_pans

_KIND_BY_TYPE = {
    "SALE": "sale",
    "STR/FWD": "sale",
    "REFUND": "refund",
    "VOID": "void",
    "AUTHORIZATION": "authorization",
    "CAPTURE": "capture",
    "CHARGEBACK": "chargeback",
    "CHECK": "check",
    "DECLINED": "sale",
}

#: what a card response code says (docs/inputs.md#what-state-a-paytrace-record-is-in)
_CODE_SAYS = {
    101: "approved",
    102: "declined",
    103: "auto_voided",
    105: "declined",
    106: "refund",
    109: "void",
    112: "capture",
}
#: the transaction_type values each of those may stand with; any other is a contradiction
_TYPES_FOR = {
    "approved": {"SALE", "STR/FWD", "AUTHORIZATION", "CAPTURE"},
    "declined": {"SALE", "STR/FWD", "AUTHORIZATION", "DECLINED"},
    "auto_voided": {"SALE", "STR/FWD", "AUTHORIZATION"},
    "refund": {"REFUND"},
    "void": {"VOID"},
    "capture": {"CAPTURE"},
}
#: the kind a code names when the record has no transaction_type
_KIND_BY_CODE = {"refund": "refund", "void": "void", "capture": "capture"}


def kind_of(record: dict[str, Any], signals: Signals, source: str) -> str:
    """The transaction_type, or without one what the response code names (refund, void ...)."""
    if not signals.transaction_type:
        return _KIND_BY_CODE.get(_CODE_SAYS.get(signals.response_code or 0, ""), "sale")
    value = signals.transaction_type
    if value not in _KIND_BY_TYPE:
        raise InputFileError(f"{source}: field transaction_type has an unknown value {value!r}")
    return _KIND_BY_TYPE[value]


@dataclass(frozen=True)
class Signals:
    """Every field of a record that says what state it is in, as the record gives it."""

    transaction_type: str
    response_code: int | None
    success: bool | None
    approval_code: str | None
    approval_message: str
    status_message: str

    @classmethod
    def of(cls, record: dict[str, Any]) -> Signals:
        success = record.get("success")
        code = record.get("approval_code")
        return cls(
            transaction_type=str(record.get("transaction_type") or "").strip().upper(),
            response_code=_int_or_none(record.get("response_code")),
            success=success if isinstance(success, bool) else None,
            approval_code=None if code is None else str(code).strip(),
            approval_message=" ".join(str(record.get("approval_message") or "").split()),
            status_message=" ".join(str(record.get("status_message") or "").split()),
        )

    def declined(self) -> bool:
        """Any field that says the card was not approved."""
        return (
            self.transaction_type == "DECLINED"
            or _CODE_SAYS.get(self.response_code or 0) == "declined"
            or self.success is False
            or self.approval_message.upper().startswith("DECLINE")
            or "NOT APPROVED" in self.status_message.upper()
        )

    def approved(self) -> bool:
        """Any field that says the transaction went through."""
        said = _CODE_SAYS.get(self.response_code or 0)
        return self.success is True or bool(self.approval_code) or said not in (None, "declined")

    def contradiction(self) -> str | None:
        """Why the fields cannot all be true, or None when they agree."""
        said = _CODE_SAYS.get(self.response_code or 0)
        if self.declined() and self.approved():
            return "one field says declined, another approved"
        if said and self.transaction_type and self.transaction_type not in _TYPES_FOR[said]:
            return f"response_code {self.response_code} ({said}) on a {self.transaction_type}"
        return None

    def words(self) -> str:
        """The record's own words, for a person to judge (never a card number)."""
        given = [
            ("transaction_type", self.transaction_type or None),
            ("response_code", self.response_code),
            ("success", None if self.success is None else str(self.success).lower()),
            ("approval_code", self.approval_code),
            ("approval_message", self.approval_message or None),
            ("status_message", self.status_message or None),
        ]
        text = ", ".join(
            f"{name} {value!r}"
            if isinstance(value, str) and name != "success"
            else f"{name} {value}"
            for name, value in given
            if value is not None
        )
        return mask_pans(text)


def status_of(record: dict[str, Any], signals: Signals, kind: str, is_settled: bool) -> str:
    """Card state from every signal the record carries (docs/inputs.md); never a guess."""
    why = signals.contradiction()
    if why is not None:
        return f"{CONFLICTING}: {why}: {signals.words()}"
    if signals.declined():
        return "declined"
    if _CODE_SAYS.get(signals.response_code or 0) == "auto_voided":
        return "auto_voided"
    if kind == "void" or str(record.get("status") or "").upper() in {"VOID", "VOIDED"}:
        return "voided"
    return "settled" if is_settled else "pending"


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
