"""Benchmark: post receipts to the EDP import file; a big day must go as fast as a small one.

Posts ``--small`` (1,000) and then ``--large`` (100,000) receipts through the real delivery
(ledger state changes, group-committed fsyncs, the file sink's append and fsync per receipt)
into a fresh import file each, and prints both rates side by side. The target is a ratio
large/small of at least 0.8: the sink keeps an index of the references it holds, so a receipt
costs one append however long the file has grown (it used to re-count the whole file).

    python bench/file_sink.py [--small 1000] [--large 100000] [--workers 4]

Exit status 1 when the ratio misses the target.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _posting_setup import planned_ledger

from paytrace_abas.abas.import_file import ImportFileSink
from paytrace_abas.config import AbasSettings, PostingSettings
from paytrace_abas.delivery import deliver
from paytrace_abas.ledger import POSTED

TARGET = 0.8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=PostingSettings().workers)
    args = parser.parse_args()
    settings = PostingSettings(workers=args.workers, attempts=1, backoff_seconds=0.01)
    small = _rate(args.small, settings)
    large = _rate(args.large, settings)
    ratio = large / small
    print(f"file sink: {settings.workers} workers, one fsynced append per receipt")
    print(f"  {args.small:>7} receipts  {small:8.1f} receipts/s")
    print(f"  {args.large:>7} receipts  {large:8.1f} receipts/s")
    print(
        f"  ratio     {ratio:8.2f}   (target >= {TARGET}) {'OK' if ratio >= TARGET else 'MISSED'}"
    )
    return 0 if ratio >= TARGET else 1


def _rate(count: int, settings: PostingSettings) -> float:
    """Receipts per second posting ``count`` receipts into a new import file."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with planned_ledger(folder, count) as (ledger, run_id, records):
            started = time.perf_counter()
            sink = ImportFileSink(AbasSettings(import_file=folder / "import.edp"))
            deliver(ledger, sink, records, run_id, settings)
            elapsed = time.perf_counter() - started
            posted = ledger.count_in_state(POSTED)
    if posted != count:
        raise SystemExit(f"only {posted} of {count} receipts were posted")
    return count / elapsed


if __name__ == "__main__":
    sys.exit(main())
