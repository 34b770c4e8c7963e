"""Deliver receipts to an abas sink exactly once: bounded workers, backoff, dead letters.

Per receipt (docs/posting.md#state-machine)::

    planned -> sending -> posted
                   \\-> failed -> sending -> ... -> dead_letter -> (retry-dead-letters) sending

Every state change is committed before the next step. Before any receipt is sent the first
time, the sink is asked about all of them at once (a page of references per question): a lost
or restored ledger, whose receipts are all ``planned`` again, posts nothing abas or the import
file already holds. Later tries from ``sending`` (left by a crash), ``failed`` or
``dead_letter`` ask again first; after a send whose answer was lost, only once
``[abas] commit_grace_seconds`` have passed. If the question itself fails, nothing is sent. A
failing receipt never stops the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from paytrace_abas.abas.sink import Found, ReceiptSink
from paytrace_abas.config import PostingSettings
from paytrace_abas.errors import (
    MaybeCommittedError,
    ReadBackMismatchError,
    SourceError,
    TransientSourceError,
)
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
    #: the sink's answer from before the first send, used by the first try instead of asking
    answer: Found | None = None
    answered: bool = False
    #: how long to wait after a send that may have been committed unseen, before asking again
    grace_seconds: float = 0.0
    #: moved planned -> sending (durably) by this run and not sent yet: send without asking
    claimed: bool = False
    state: str = ""
    last_error: str = ""
    maybe_committed: bool = False

    def run(self) -> Outcome:
        self.state = self.state or self.record.state
        if self.state == POSTED:
            return Outcome.SKIPPED
        if self.record.state in (SENDING, FAILED) and not self.claimed:
            self._wait_out_grace()
        backoff = self.settings.backoff
        for attempt in range(1, self.settings.attempts + 1):
            if attempt > 1:
                wait = backoff.delay(attempt - 1, self.rng)
                if self.maybe_committed:
                    wait = max(wait, self.grace_seconds)
                self.sleep(wait)
            self.maybe_committed = False
            try:
                outcome = self._attempt()
            except TransientSourceError as exc:
                self.maybe_committed = isinstance(exc, MaybeCommittedError)
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
        # An earlier send, or one a lost ledger forgot, may have reached abas: ask first.
        found = self._ask(receipt)
        if found is not None:
            missing = tuple(
                line for line in receipt.lines if line.invoice_no not in found.invoice_nos
            )
            if not missing:
                if self.state == PLANNED:
                    self._move(SENDING)  # the state machine reaches posted via sending
                self._move(POSTED, document=found.document)
                log.info("transaction %s was already in abas as %s", tid, found.document)
                return Outcome.FOUND
            # A torn import-file write: complete the receipt with the lines it lacks.
            receipt = replace(receipt, lines=missing)
        if self.state == SENDING:
            self._move(FAILED, error="interrupted before abas confirmed; not found in abas")
        self._move(SENDING)
        return self._send(receipt)

    def _wait_out_grace(self) -> None:
        """A receipt an earlier run left sending or failed may have a request abas has not
        committed yet: ask only once the grace period since its last change has passed."""
        try:
            changed = dt.datetime.fromisoformat(self.record.updated_at)
            now = dt.datetime.fromisoformat(self.ledger.now())  # the clock that stamped it
        except ValueError:
            return
        elapsed = (now - changed).total_seconds()
        if 0 <= elapsed < self.grace_seconds:
            self.sleep(self.grace_seconds - elapsed)
            self.answered, self.answer = False, None  # asked before the wait: ask again

    def _ask(self, receipt: Receipt) -> Found | None:
        """The sink's answer: the one asked before the first send, then a fresh question."""
        if self.answered:
            self.answered = False
            return self.answer
        return self.sink.find(receipt)

    def _send(self, receipt: Receipt) -> Outcome:
        document = self.sink.post(receipt)
        self._move(POSTED, document=document)
        return Outcome.POSTED

    def _note_failure(self, exc: Exception) -> None:
        self.last_error = mask_pans(str(exc))
        log.warning("transaction %s: %s", self.record.receipt.transaction_id, self.last_error)
        if self.state == SENDING:
            self._move(FAILED, error=self.last_error)

    def _mismatch(self, exc: ReadBackMismatchError) -> Outcome:
        """Committed in abas, but abas shows other open amounts: a failed posting an operator
        must look at (dead letter, alerted); it is in abas, so it is never sent again."""
        self.last_error = mask_pans(str(exc))
        log.error("transaction %s: %s", self.record.receipt.transaction_id, self.last_error)
        self._move(FAILED, error=self.last_error, document=exc.document)
        self._move(DEAD_LETTER, error=self.last_error)
        return Outcome.DEAD_LETTER

    def _give_up(self) -> Outcome:
        if self.state == PLANNED:
            # abas could not even be asked, so nothing was sent; the state machine reaches
            # dead letters through sending and failed, and every retry asks first anyway.
            self._move(SENDING)
            self._move(FAILED, error=self.last_error)
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
    claimed = [
        job for job in jobs if job.record.state == PLANNED and job.answered and job.answer is None
    ]
    for job in claimed:
        tid = job.record.receipt.transaction_id
        ledger.transition(tid, run_id, SENDING, wait_durable=False)
        job.state, job.claimed, job.answered = SENDING, True, False
    if claimed:
        ledger.sync()


def _ask_first(sink: ReceiptSink, records: Sequence[PostingRecord]) -> dict[str, Found] | None:
    """What the sink already holds of these receipts; None when it could not say just now
    (each receipt then asks for itself before its send)."""
    try:
        return sink.find_many([r.receipt for r in records if r.state != POSTED])
    except TransientSourceError as exc:
        log.warning("asking abas about %d receipts failed: %s", len(records), mask_pans(str(exc)))
        return None


def deliver(
    ledger: Ledger,
    sink: ReceiptSink,
    records: Sequence[PostingRecord],
    run_id: str,
    settings: PostingSettings,
    sleep: Callable[[float], None] = time.sleep,
    seed: int | None = None,
    grace_seconds: float = 0.0,
) -> DeliveryReport:
    """Deliver every record with at most ``settings.workers`` in flight; never stops half-way.

    The sink is asked about every record before anything is sent; if it cannot answer (or a
    ledger failure ends it early), receipts not yet started stay in their state for the next run.
    """
    report = DeliveryReport()
    if not records:
        return report
    answers = _ask_first(sink, records)
    base = random.Random(seed)
    seeds = [base.getrandbits(32) for _ in records]
    lock = threading.Lock()

    def batch(indexes: range) -> None:
        jobs = [
            _Delivery(
                ledger,
                sink,
                run_id,
                records[i],
                settings,
                sleep,
                random.Random(seeds[i]),
                answer=(answers or {}).get(records[i].receipt.transaction_id),
                answered=answers is not None,
                grace_seconds=grace_seconds,
            )
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
