"""Benchmark: pull 30 days x 5,000 transactions from the fake PayTrace with 50 ms per call.

The fake runs in its own process (so its JSON encoding does not compete with the client for
the GIL) and answers every request after ``LATENCY`` seconds. The latency floor is what the
server alone spends: requests served x LATENCY, as if they ran one after another. The client
target is a wall time within 1.5x of that floor.

Run: ``make bench`` or ``.venv/bin/python bench/paytrace_pull.py [--days N] [--per-day N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import multiprocessing as mp
import os
import sys
import time
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paytrace_abas.config import PaytraceSettings, Secrets  # noqa: E402
from paytrace_abas.paytrace.client import pull_transactions  # noqa: E402
from paytrace_abas.paytrace.transport import PaytraceSession  # noqa: E402
from tests.fake_paytrace import FakePaytrace, transaction_record  # noqa: E402

LATENCY = 0.050
TARGET_RATIO = 1.5
FIRST_DAY = dt.date(2026, 10, 1)
SECRETS = Secrets(paytrace_username="bench", paytrace_password="bench-password")


def day_records(day: dt.date, per_day: int, first_id: int) -> list[dict[str, object]]:
    """``per_day`` settled sales created on ``day``, shaped like the documented export sample."""
    stamp = f"{day.month}/{day.day}/{day.year}"
    return [
        transaction_record(
            first_id + index,
            Decimal(10_000 + index) / 100,
            f"{stamp} {1 + index % 11}:{index % 60:02d}:{index % 59:02d} PM",
            f"{stamp} 8:13:45 PM",
            invoice_id=f"4{index:05d}",
        )
        for index in range(per_day)
    ]


def serve(days: int, per_day: int, pipe: Connection) -> None:
    """Child process: build the data, pre-encode each day, serve until told to stop."""
    records = []
    for offset in range(days):
        records += day_records(FIRST_DAY + dt.timedelta(days=offset), per_day, offset * per_day)
    fake = FakePaytrace(username="bench", password="bench-password", transactions=records)
    with fake:
        fake.warm_export_cache(FIRST_DAY, FIRST_DAY + dt.timedelta(days=days - 1))
        fake.latency_seconds = LATENCY
        pipe.send(fake.url)
        cpu = time.process_time()
        pipe.recv()  # stop
        pipe.send((len(fake.requests), time.process_time() - cpu))


def pull_once(url: str, days: list[dt.date], parallel: int) -> tuple[int, float, float]:
    """Transactions pulled, wall seconds and client CPU seconds of one full pull."""
    settings = PaytraceSettings(source="api", base_url=url, parallel_requests=parallel)
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    with PaytraceSession(settings, SECRETS) as session:
        records = pull_transactions(session, days, settings.parallel_requests)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    # Freeing 150,000 records takes a while; a real run keeps them, so it is not timed.
    return len(records), wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=5000)
    parser.add_argument("--parallel", type=int, default=PaytraceSettings().parallel_requests)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the fastest counts")
    options = parser.parse_args()

    ours, theirs = mp.Pipe()
    server = mp.Process(target=serve, args=(options.days, options.per_day, theirs), daemon=True)
    server.start()
    url = ours.recv()
    days = [FIRST_DAY + dt.timedelta(days=offset) for offset in range(options.days)]
    runs = [pull_once(url, days, options.parallel) for _ in range(options.repeat)]
    ours.send("stop")
    served, server_cpu = ours.recv()
    server.join(timeout=10)

    count, wall, client_cpu = min(runs, key=lambda run: run[1])
    requests_per_run = served // options.repeat  # day requests and one token each
    floor = requests_per_run * LATENCY
    ratio = wall / floor
    walls = ", ".join(f"{run[1]:.2f}" for run in runs)
    cpus = ", ".join(f"{run[2]:.2f}" for run in runs)
    print(
        f"paytrace pull: {count:,} transactions in {options.days} day requests "
        f"(+{requests_per_run - options.days} token), {options.parallel} in flight, "
        f"best of {options.repeat}"
    )
    print(f"  wall time      {wall:6.2f} s  (runs: {walls})")
    print(f"  client CPU     {client_cpu:6.2f} s  (runs: {cpus}; fake server: {server_cpu:.2f} s)")
    print(
        f"  latency floor  {floor:6.2f} s  ({requests_per_run} requests x {LATENCY * 1000:.0f} ms)"
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"  machine        {os.cpu_count()} CPUs, load average {load} (others' work slows this)")
    verdict = "ok" if ratio <= TARGET_RATIO else "SLOWER THAN TARGET"
    print(f"  ratio          {ratio:6.2f}x  (target <= {TARGET_RATIO}x: {verdict})")
    if count != options.days * options.per_day:
        print(f"  WRONG COUNT: expected {options.days * options.per_day:,} transactions")
        return 1
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
