"""Deliver receipts to an abas sink exactly once: bounded workers, backoff, dead letters.

Per receipt (docs/posting.md#state-machine)::

    planned -> sending -> posted
                   \\-> failed -> sending -> ... -> dead_letter -> (retry-dead-letters) sending

Every state change is committed before the next step, and a receipt is only sent from a state
that proves no earlier send can have reached abas (``planned``). From any other state
(``sending`` left by a crash, ``failed`` after a timeout, ``dead_letter``) abas is asked first
whether a document with the transaction id as reference exists; if the question itself fails,
nothing is sent. A failing receipt never stops the others.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from paytrace_abas.abas.sink import ReceiptSink
from paytrace_abas.config import PostingSettings
from paytrace_abas.config.failpoints import reached
from paytrace_abas.errors import ReadBackMismatchError, SourceError, TransientSourceError
from paytrace_abas.ledger import (
    DEAD_LETTER,
    FAILED,
    PLANNED,
    POSTED,
    SENDING,
    Ledger,
)
from paytrace_abas.models import DeliveryReport, Outcome, PostingRecord, Receipt
from paytrace_abas.privacy import mask_pans

log = logging.getLogger(__name__)


@dataclass
class _Delivery:
    """One receipt's walk through the state machine, run on a worker thread."""

    ledger: Ledger
    sink: ReceiptSink
    run_id: str
    record: PostingRecord
    settings: PostingSettings
    sleep: Callable[[float], None]
    rng: random.Random
    #: moved planned -> sending (durably) by this run and not sent yet: send without asking
    claimed: bool = False
    state: str = ""
    last_error: str = ""

    def run(self) -> Outcome:
        self.state = self.state or self.record.state
        if self.state == POSTED:
            return Outcome.SKIPPED
        backoff = self.settings.backoff
        for attempt in range(1, self.settings.attempts + 1):
            if attempt > 1:
                self.sleep(backoff.delay(attempt - 1, self.rng))
            try:
                outcome = self._attempt()
            except TransientSourceError as exc:
                self._note_failure(exc)
                continue
            except ReadBackMismatchError as exc:
                return self._mismatch(exc)
            except SourceError as exc:  # rejected, or the sink itself is broken: do not retry
                self._note_failure(exc)
                break
            if outcome is not None:
                return outcome
        return self._give_up()

    def _attempt(self) -> Outcome | None:
        receipt = self.record.receipt
        tid = receipt.transaction_id
        if self.claimed:
            self.claimed = False  # a retry must ask abas first, like any other
            return self._send(receipt)
        if self.state != PLANNED:
            # An earlier send may have reached abas: ask before sending again.
            found = self.sink.find(receipt)
            if found is not None:
                missing = tuple(
                    line for line in receipt.lines if line.invoice_no not in found.invoice_nos
                )
                if not missing:
                    self._move(POSTED, document=found.document)
                    log.info("transaction %s was already in abas as %s", tid, found.document)
                    return Outcome.FOUND
                # A torn import-file write: complete the receipt with the lines it lacks.
                receipt = replace(receipt, lines=missing)
            if self.state == SENDING:
                self._move(FAILED, error="interrupted before abas confirmed; not found in abas")
        self._move(SENDING)
        return self._send(receipt)

    def _send(self, receipt: Receipt) -> Outcome:
        reached("posting.before_send")
        document = self.sink.post(receipt)
        reached("posting.after_send")
        self._move(POSTED, document=document)
        reached("posting.after_record")
        return Outcome.POSTED

    def _note_failure(self, exc: Exception) -> None:
        self.last_error = mask_pans(str(exc))
        log.warning("transaction %s: %s", self.record.receipt.transaction_id, self.last_error)
        if self.state == SENDING:
            self._move(FAILED, error=self.last_error)
            reached("posting.after_failure")

    def _mismatch(self, exc: ReadBackMismatchError) -> Outcome:
        """Committed in abas, but abas shows other open amounts: a failed posting an operator
        must look at (dead letter, alerted); it is in abas, so it is never sent again."""
        self.last_error = mask_pans(str(exc))
        log.error("transaction %s: %s", self.record.receipt.transaction_id, self.last_error)
        self._move(FAILED, error=self.last_error, document=exc.document)
        self._move(DEAD_LETTER, error=self.last_error)
        return Outcome.DEAD_LETTER

    def _give_up(self) -> Outcome:
        if self.state == FAILED:
            self._move(DEAD_LETTER, error=self.last_error)
        log.error(
            "transaction %s is a dead letter: %s",
            self.record.receipt.transaction_id,
            self.last_error,
        )
        return Outcome.DEAD_LETTER

    def _move(self, state: str, error: str | None = None, document: str | None = None) -> None:
        tid = self.record.receipt.transaction_id
        self.ledger.transition(tid, self.run_id, state, error=error, document=document)
        self.state = state


#: Receipts a worker marks ``sending`` together, made durable by one shared fsync. A crash
#: leaves at most this many per worker marked but not sent; the rerun asks abas about them.
_CLAIM_BATCH = 8


def _claim(ledger: Ledger, run_id: str, jobs: list[_Delivery]) -> None:
    """Mark the batch's planned receipts ``sending`` (one transaction each), then sync once."""
    claimed = [job for job in jobs if job.record.state == PLANNED]
    for job in claimed:
        tid = job.record.receipt.transaction_id
        ledger.transition(tid, run_id, SENDING, wait_durable=False)
        job.state, job.claimed = SENDING, True
    if claimed:
        ledger.sync()


def deliver(
    ledger: Ledger,
    sink: ReceiptSink,
    records: Sequence[PostingRecord],
    run_id: str,
    settings: PostingSettings,
    sleep: Callable[[float], None] = time.sleep,
    seed: int | None = None,
) -> DeliveryReport:
    """Deliver every record with at most ``settings.workers`` in flight; never stops half-way.

    Only a ledger failure (the record of what was sent can no longer be kept) ends it early;
    receipts not yet started then stay in their state for the next run.
    """
    report = DeliveryReport()
    if not records:
        return report
    base = random.Random(seed)
    seeds = [base.getrandbits(32) for _ in records]
    lock = threading.Lock()

    def batch(indexes: range) -> None:
        jobs = [
            _Delivery(ledger, sink, run_id, records[i], settings, sleep, random.Random(seeds[i]))
            for i in indexes
        ]
        _claim(ledger, run_id, jobs)
        for job in jobs:
            outcome = job.run()
            with lock:
                report.outcomes[job.record.receipt.transaction_id] = outcome
                if job.last_error and outcome is Outcome.DEAD_LETTER:
                    report.errors[job.record.receipt.transaction_id] = job.last_error

    workers = max(1, min(settings.workers, len(records)))
    size = max(1, min(_CLAIM_BATCH, len(records) // workers))
    batches = [range(i, min(i + size, len(records))) for i in range(0, len(records), size)]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="post") as pool:
        futures = [pool.submit(batch, indexes) for indexes in batches]
        try:
            for future in futures:
                future.result()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    log.info(
        "delivered %d receipts: %d posted, %d found in abas, %d dead letters",
        len(records),
        report.count(Outcome.POSTED),
        report.count(Outcome.FOUND),
        report.count(Outcome.DEAD_LETTER),
    )
    return report
