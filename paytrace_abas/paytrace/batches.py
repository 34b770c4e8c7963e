"""The window's settlement batches with their transactions: over the API
(``/v1/batches/export``, then ``/v1/batches/transaction_list`` per batch) or from
``[paytrace] batches_file`` (docs/settlement.md#batches)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paytrace_abas.errors import InputFileError, SourceError
from paytrace_abas.models import Window
from paytrace_abas.paytrace.client import fetch_batch_transactions, fetch_batches
from paytrace_abas.paytrace.files import export_transactions, parse_json
from paytrace_abas.paytrace.normalize import RawTransaction
from paytrace_abas.paytrace.records import Batch, paytrace_day, read_batch
from paytrace_abas.paytrace.transport import PaytraceSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchPull:
    """One batch summary and the settled transactions PayTrace lists for it."""

    batch: Batch
    transactions: tuple[RawTransaction, ...]


def fetch_window_batches(session: PaytraceSession, window: Window) -> list[BatchPull]:
    """Every batch settled in the window, each with its transaction list (one request each)."""
    batches = fetch_batches(session, window.first_day, window.last_day)
    pulls = [BatchPull(batch, tuple(fetch_batch_transactions(session, batch))) for batch in batches]
    log.info("PayTrace: %d batch(es) settled in %s", len(pulls), window)
    return pulls


def read_batches_file(path: Path, window: Window) -> list[BatchPull]:
    """The window's batches of a ``/v1/batches/export`` body whose batches carry their
    ``transaction_list`` answer under ``transactions``."""
    body = _load_body(path)
    if not isinstance(body, dict) or body.get("success") is not True:
        raise InputFileError(
            f'{path} is not a PayTrace batches body (expected "success": true and "batches")'
        )
    records = body.get("batches")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise InputFileError(f'{path}: "batches" must be a list of objects')
    pulls = []
    for index, record in enumerate(records):
        where = f"{path}: batches[{index}]"
        try:
            batch = read_batch(record, where)
        except SourceError as exc:  # a file is the user's input: exit 2, not 1
            raise InputFileError(str(exc)) from None
        if batch.settled_on is None:
            raise InputFileError(f"{where}: field settled is missing or not a PayTrace time")
        if window.first_day <= batch.settled_on <= window.last_day:
            pulls.append(BatchPull(batch, _batch_transactions(record, batch, where)))
    return pulls


def _batch_transactions(
    record: dict[str, Any], batch: Batch, where: str
) -> tuple[RawTransaction, ...]:
    body = {"success": True, "transactions": record.get("transactions", [])}
    listed = export_transactions(body, where)
    tagged = []
    for index, item in enumerate(listed):
        settled_on = paytrace_day(item.get("settled"))
        if settled_on is not None and settled_on != batch.settled_on:
            raise InputFileError(
                f"{where}: transactions[{index}] settled on {settled_on}, "
                f"not on the batch's day {batch.settled_on}"
            )
        source = f"{where}: transactions[{index}]"
        tagged.append(RawTransaction({**item, "batch_number": batch.number}, source))
    return tuple(tagged)


def _load_body(path: Path) -> Any:
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read PayTrace batches file {path}: {exc.strerror}") from None
    return parse_json(path, content)
