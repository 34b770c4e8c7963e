"""What the posting benchmarks share: N receipts, planned in a fresh ledger."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paytrace_abas.ledger import Ledger  # noqa: E402
from paytrace_abas.models import PostingRecord, Receipt, ReceiptLine  # noqa: E402


def receipts(count: int) -> list[Receipt]:
    """``count`` one-invoice receipts with distinct transaction ids and invoices."""
    return [
        Receipt(str(800_000_000 + n), "K1", "USD", dt.date(2026, 11, 25), "18100",
                (ReceiptLine(str(600_000 + n), 10_000 + n, 0, 10_000 + n),), "VISA")
        for n in range(count)
    ]  # fmt: skip


@contextmanager
def planned_ledger(folder: Path, count: int) -> Iterator[tuple[Ledger, str, list[PostingRecord]]]:
    """(ledger, run id, planned records) of ``count`` receipts in a new ledger in ``folder``."""
    now = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
    with Ledger.open(folder / "bench.sqlite3", now) as ledger:
        run_id = ledger.start_run("bench", "bench", None, False, {})
        ledger.record_planned(run_id, receipts(count))
        yield ledger, run_id, ledger.postings_in_state("planned")
