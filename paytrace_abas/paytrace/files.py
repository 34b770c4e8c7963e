"""PayTrace export files: JSON bodies of ``POST /v1/transactions/export/by_date_range``."""

from __future__ import annotations

import codecs
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from paytrace_abas.errors import InputFileError
from paytrace_abas.paytrace.normalize import RawTransaction
from paytrace_abas.paytrace.records import Customer, read_customer
from paytrace_abas.paytrace.wire import decode_export
from paytrace_abas.privacy import mask_pans


def read_export_files(path: Path) -> list[RawTransaction]:
    """Every transaction in one export file, or in every ``*.json`` file of a folder."""
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise InputFileError(f"PayTrace export folder {path} contains no .json files")
    elif path.exists():
        files = [path]
    else:
        raise InputFileError(f"PayTrace export file {path} does not exist")
    records: list[RawTransaction] = []
    for file in files:
        records.extend(read_export_file(file))
    return records


def read_export_file(path: Path) -> list[RawTransaction]:
    """The transactions of one export body, each tagged with where it came from."""
    body = _load_json(path)
    transactions = export_transactions(body, str(path))
    return [
        RawTransaction(record=record, source=f"{path}: transactions[{index}]")
        for index, record in enumerate(transactions)
    ]


_MAX_CODES_CHARS = 300


def export_transactions(body: Any, origin: str) -> list[dict[str, Any]]:
    """The ``transactions`` list of an export body; InputFileError if it is not one."""
    if isinstance(body, dict) and body.get("success") is False:
        what = "decline" if "approval_code" in body or "transaction_id" in body else "error"
        raise InputFileError(
            f"{origin} is a PayTrace {what} response, not an export: {answer_codes(body)}"
        )
    if not isinstance(body, dict) or body.get("success") is not True or "transactions" not in body:
        raise InputFileError(
            f"{origin} is not a PayTrace export body "
            '(expected a JSON object with "success": true and "transactions")'
        )
    transactions = body["transactions"]
    if not isinstance(transactions, list) or not all(isinstance(t, dict) for t in transactions):
        raise InputFileError(f'{origin}: "transactions" must be a list of objects')
    return transactions


def read_customers_file(path: Path) -> list[Customer]:
    """Vault profiles from a file holding the body of ``/v1/customer/export``."""
    if not path.is_file():
        raise InputFileError(f"PayTrace customers file {path} does not exist")
    body = _load_json(path, export=False)
    records = body.get("customers") if isinstance(body, dict) else None
    if not isinstance(records, list) or not all(isinstance(item, dict) for item in records):
        raise InputFileError(f'{path}: "customers" must be a list of objects')
    return [
        read_customer(record, f"{path}: customers[{index}]") for index, record in enumerate(records)
    ]


def _load_json(path: Path, export: bool = True) -> Any:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read PayTrace export file {path}: {exc.strerror}") from None
    try:
        # The API's decoder, so both sources hand normalization the same records.
        if export:
            return decode_export(content.removeprefix(codecs.BOM_UTF8))
    except (ValueError, RecursionError):
        pass  # not an export body msgspec reads: json.loads words the error as before
    return parse_json(path, content)


def parse_json(path: Path, content: bytes) -> Any:
    """Any PayTrace JSON body, amounts as Decimal; InputFileError naming line and column."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path} is not UTF-8 text at byte {exc.start} (a PayTrace export is UTF-8 JSON)"
        ) from None
    try:
        # Decimal, never float: amounts arrive as JSON numbers (110, 1.5).
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path} line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise InputFileError(f"{path} is nested too deeply to be a PayTrace export") from None


def answer_codes(body: dict[str, Any]) -> str:
    """What an answer says about itself, in its own words: codes and messages, PAN-free."""
    parts = []
    if "success" in body:
        parts.append(f"success {str(body['success']).lower()}")
    if "response_code" in body:
        parts.append(f"response_code {body['response_code']}")
    errors = body.get("errors")
    if isinstance(errors, dict) and errors:
        parts += [f"{code}: {' '.join(map(str, msgs))}" for code, msgs in errors.items()]
    for key in ("status_message", "approval_message"):
        if str(body.get(key) or "").strip():
            parts.append(f"{key} {' '.join(str(body[key]).split())!r}")
    text = mask_pans(", ".join(parts) or "no codes, no message")
    return text if len(text) <= _MAX_CODES_CHARS else text[: _MAX_CODES_CHARS - 3] + "..."
