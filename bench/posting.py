"""Benchmark: post N receipts to the fake abas (20 ms per call) and compare with the ceiling.

The ceiling is what the worker count allows when every call takes the latency: a receipt is
two calls (the commit, then the read-back of its invoice's open amount), so
``workers / (2 * latency)`` receipts per second. The target is a ratio of at least 0.8: the ledger
(one fsynced SQLite transaction per state change), HTTP and thread overhead may eat 20 %.

    python bench/posting.py [--receipts 10000] [--latency 0.02] [--workers N] [--config FILE]

The fake runs in its own process so that its threads do not compete with the client's for the
GIL. Exit status 1 when the ratio misses the target.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _posting_setup import ROOT, planned_ledger

from paytrace_abas.abas.rest import RestSink
from paytrace_abas.config import AbasSettings, PostingSettings, Secrets, load_settings
from paytrace_abas.delivery import deliver
from paytrace_abas.ledger import POSTED

TARGET = 0.8
#: the commit and the read-back of the invoice's open amount
CALLS_PER_RECEIPT = 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--workers", type=int, help="default: [posting] workers of the config")
    parser.add_argument("--config", type=Path, help="TOML config to take [posting] from")
    args = parser.parse_args()
    posting = load_settings(args.config, {}).posting if args.config else PostingSettings()
    workers = args.workers or posting.workers
    settings = PostingSettings(workers=workers, attempts=posting.attempts, backoff_seconds=0.05)
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_abas.py"), "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        return _run(base_url, args.receipts, args.latency, settings)
    finally:
        server.terminate()
        server.wait()


def _run(base_url: str, count: int, latency: float, settings: PostingSettings) -> int:
    abas = AbasSettings(sink="api", base_url=base_url, client="test", timeout_seconds=10)
    with (
        tempfile.TemporaryDirectory() as folder,
        planned_ledger(Path(folder), count) as (ledger, run_id, records),
    ):
        sink = RestSink(abas, Secrets(abas_password="sy"), pool_size=settings.workers)
        started = time.perf_counter()
        report = deliver(ledger, sink, records, run_id, settings)
        elapsed = time.perf_counter() - started
        sink.close()
        posted = ledger.count_in_state(POSTED)
    achieved = count / elapsed
    ceiling = settings.workers / (CALLS_PER_RECEIPT * latency)
    ratio = achieved / ceiling
    print(
        f"posting: {count} receipts, {settings.workers} workers, {latency * 1000:.0f} ms per call"
    )
    print(f"  elapsed     {elapsed:8.2f} s   ({posted} posted, {len(report.errors)} dead letters)")
    print(f"  throughput  {achieved:8.1f} receipts/s")
    print(f"  ceiling     {ceiling:8.1f} receipts/s (workers / (2 calls x latency))")
    print(
        f"  ratio       {ratio:8.2f}   (target >= {TARGET}) {'OK' if ratio >= TARGET else 'MISSED'}"
    )
    return 0 if ratio >= TARGET and posted == count else 1


if __name__ == "__main__":
    sys.exit(main())
