"""``[settlement] deposits_file``: camt.053 XML or a CSV named in ``[settlement.columns]``."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from paytrace_abas.bank.camt053 import read_camt053
from paytrace_abas.config.settlement import SettlementSettings
from paytrace_abas.errors import InputFileError, MoneyError
from paytrace_abas.models import Deposit
from paytrace_abas.money import parse_amount
from paytrace_abas.privacy import mask_pans


@dataclass(frozen=True)
class Statement:
    """The credits of the deposit account, and the last day the statement covers."""

    deposits: tuple[Deposit, ...]
    through: dt.date | None
    path: Path


def read_deposits(path: Path, settings: SettlementSettings, currency: str) -> Statement:
    """The statement in ``path``: XML is read as camt.053, anything else as the CSV."""
    try:
        head = path.read_bytes()[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise InputFileError(f"cannot read deposits file {path}: {exc.strerror}") from None
    if head.startswith(b"<"):
        deposits, through = read_camt053(path)
    else:
        deposits = read_deposits_csv(path, settings, currency)
        through = max((d.booked_on for d in deposits), default=None)
    return Statement(tuple(deposits), through, path)


def read_deposits_csv(path: Path, settings: SettlementSettings, currency: str) -> list[Deposit]:
    """Credits (positive amounts) of a bank CSV; a debit or an empty amount is no deposit."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path} is not UTF-8 text at byte {exc.start}") from None
    rows = csv.reader(text.splitlines(), delimiter=settings.delimiter)
    header = next(rows, None)
    if header is None:
        raise InputFileError(f"{path} is empty (expected a header line)")
    names = [name.strip() for name in header]
    columns = settings.columns
    missing = [columns[c] for c in ("booked_on", "amount") if columns[c] not in names]
    if missing:
        raise InputFileError(
            f"{path} line 1: column {', '.join(missing)} is missing "
            "(set the names in [settlement.columns])"
        )
    deposits = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(names, (cell.strip() for cell in row), strict=False))
        deposit = _csv_deposit(cells, settings, currency, f"{path} line {line}")
        if deposit is not None:
            deposits.append(deposit)
    return deposits


def _csv_deposit(
    cells: dict[str, str], settings: SettlementSettings, currency: str, where: str
) -> Deposit | None:
    columns = settings.columns
    amount_text = cells.get(columns["amount"], "")
    try:
        cents = parse_amount(amount_text, settings.decimal_separator)
    except MoneyError as exc:
        raise InputFileError(f"{where}, column {columns['amount']}: {exc}") from None
    date_text = cells.get(columns["booked_on"], "")
    try:
        booked_on = dt.datetime.strptime(date_text, settings.date_format).date()
    except ValueError:
        raise InputFileError(
            f"{where}, column {columns['booked_on']}: {date_text!r} is not a date "
            f"like {settings.date_format}"
        ) from None
    if cents <= 0:
        return None
    return Deposit(
        booked_on=booked_on,
        amount_cents=cents,
        currency=(cells.get(columns["currency"]) or currency).upper(),
        reference=mask_pans(" ".join(cells.get(columns["reference"], "").split())),
        source=where,
    )
