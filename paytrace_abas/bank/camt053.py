"""ISO 20022 camt.053 (BankToCustomerStatement): the credits of the statement as deposits.

Parsed with the standard library against the schema's element names, whatever the version
(``urn:iso:std:iso:20022:tech:xsd:camt.053.001.02`` ... ``.08``): only the namespace differs.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

from paytrace_abas.errors import InputFileError, MoneyError
from paytrace_abas.models import Deposit
from paytrace_abas.money import to_cents
from paytrace_abas.privacy import mask_pans

_NAMESPACE_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.053."
_CREDIT = "CRDT"
_BOOKED = "BOOK"


def read_camt053(path: Path) -> tuple[list[Deposit], dt.date | None]:
    """(every booked credit entry, the last day the statements cover)."""
    root = _parse(path)
    namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    if not namespace.startswith(_NAMESPACE_PREFIX):
        raise InputFileError(
            f"{path}: root element {root.tag} is not an ISO 20022 camt.053 Document "
            f"(namespace {_NAMESPACE_PREFIX}...)"
        )
    ns = {"c": namespace}
    statements = root.findall("c:BkToCstmrStmt/c:Stmt", ns)
    if not statements:
        raise InputFileError(f"{path}: no element BkToCstmrStmt/Stmt (not a statement)")
    deposits: list[Deposit] = []
    through: dt.date | None = None
    for number, statement in enumerate(statements, start=1):
        until = _date_of(statement.find("c:FrToDt/c:ToDtTm", ns), path, f"Stmt[{number}]/FrToDt")
        for index, entry in enumerate(statement.findall("c:Ntry", ns), start=1):
            where = f"{path}: Stmt[{number}]/Ntry[{index}]"
            deposit = _deposit(entry, ns, where)
            if deposit is not None:
                deposits.append(deposit)
                until = max(until or deposit.booked_on, deposit.booked_on)
        if until is not None:
            through = max(through or until, until)
    return deposits, through


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputFileError(
            f"{path} line {line}, column {column}: not well-formed XML ({exc.msg})"
        ) from None
    except OSError as exc:
        raise InputFileError(f"cannot read deposits file {path}: {exc.strerror}") from None


def _deposit(entry: ET.Element, ns: dict[str, str], where: str) -> Deposit | None:
    """A booked credit entry as a deposit; debits and pending entries are none."""
    indicator = _text(entry, "c:CdtDbtInd", ns)
    if indicator not in (_CREDIT, "DBIT"):
        raise InputFileError(f"{where}/CdtDbtInd: {indicator!r} is neither CRDT nor DBIT")
    status = _text(entry, "c:Sts/c:Cd", ns) or _text(entry, "c:Sts", ns)
    if indicator != _CREDIT or (status and status != _BOOKED):
        return None
    amount = entry.find("c:Amt", ns)
    if amount is None or not (amount.text or "").strip():
        raise InputFileError(f"{where}/Amt is missing")
    try:
        cents = to_cents((amount.text or "").strip())
    except MoneyError as exc:
        raise InputFileError(f"{where}/Amt: {exc}") from None
    booked = entry.find("c:BookgDt/c:Dt", ns)
    if booked is None:
        booked = entry.find("c:BookgDt/c:DtTm", ns)
    booked_on = _date_of(booked, where, "BookgDt")
    if booked_on is None:
        raise InputFileError(f"{where}/BookgDt is missing")
    return Deposit(
        booked_on=booked_on,
        amount_cents=cents,
        currency=amount.get("Ccy", "").upper(),
        reference=_reference(entry, ns),
        source=where,
    )


def _reference(entry: ET.Element, ns: dict[str, str]) -> str:
    """Every reference text the bank carries for the entry, as one line."""
    paths = (
        "c:AcctSvcrRef",
        "c:AddtlNtryInf",
        "c:NtryDtls/c:TxDtls/c:Refs/c:EndToEndId",
        "c:NtryDtls/c:TxDtls/c:RmtInf/c:Ustrd",
        "c:NtryDtls/c:TxDtls/c:AddtlTxInf",
    )
    texts = [" ".join((e.text or "").split()) for p in paths for e in entry.findall(p, ns)]
    return mask_pans(" ".join(text for text in texts if text and text != "NOTPROVIDED"))


def _text(element: ET.Element, path: str, ns: dict[str, str]) -> str:
    found = element.find(path, ns)
    return (found.text or "").strip() if found is not None else ""


def _date_of(element: ET.Element | None, where: object, name: str) -> dt.date | None:
    if element is None:
        return None
    text = (element.text or "").strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InputFileError(f"{where}/{name}: {text!r} is not an ISO date") from None
