"""Benchmark: read N open items from the fake abas (20 ms per call) and compare with the ceiling.

Paging is sequential (``offset``/``limit``, one request in flight, as abas is asked), so the
ceiling is the number of requests the paging needs times the latency: ``N // page_size + 1``
requests (the last, short or empty, page says "no more"). The target is a ratio of at least
0.8: decoding the JSON and the values, building the frame and HTTP may eat 20 %. The reader's
pages overlap by one record (docs/abas.md), so it asks ``ceil((N - 1) / (page_size - 1))``
pages: also 201 for the default 100,000 items in pages of 500, more for small pages.

    python bench/abas_read.py [--open-items 100000] [--page-size 500] [--latency 0.02]

Side by side it times a bare fetch of the same pages (one ``requests`` GET each, the body read
but not decoded): what this machine's HTTP alone allows right now, so that a missed target can
be told apart from a loaded machine. The fake runs in its own process so that its threads do
not compete with the client's for the GIL. Exit status 1 when the ratio misses the target.
"""

from __future__ import annotations

import argparse
import base64
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from paytrace_abas.abas.client import AbasClient  # noqa: E402
from paytrace_abas.abas.source import fetch_open_items  # noqa: E402
from paytrace_abas.config import AbasSettings, Secrets  # noqa: E402

TARGET = 0.8


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open-items", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "tests" / "fake_abas.py"),
            "--latency",
            str(args.latency),
            "--open-items",
            str(args.open_items),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        return _run(base_url, args.open_items, args.page_size, args.latency)
    finally:
        server.terminate()
        server.wait()


def _run(base_url: str, count: int, page_size: int, latency: float) -> int:
    settings = AbasSettings(
        source="api",
        base_url=base_url,
        client="test",
        open_items_table="160:1",
        page_size=page_size,
        timeout_seconds=30,
    )
    client = AbasClient(settings, Secrets(abas_password="sy"), pool_size=2)
    # one warm-up page: the fake builds its selection once, as abas would have it at hand
    fetch_open_items(client, "160:1", max_pages=1)
    started, cpu = time.perf_counter(), time.process_time()
    frame = fetch_open_items(client, "160:1")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    client.close()
    requests = count // page_size + 1
    ceiling = requests * latency
    ratio = ceiling / elapsed
    bare = _bare_fetch(base_url, count, page_size)
    print(f"abas read: {count} open items, page size {page_size}, {latency * 1000:.0f} ms per call")
    print(f"  elapsed     {elapsed:8.2f} s   ({len(frame)} rows in the frame)")
    print(f"  ceiling     {ceiling:8.2f} s   ({requests} requests x latency)")
    print(
        f"  bare fetch  {bare:8.2f} s   (the same GETs, bodies not decoded: ratio "
        f"{ceiling / bare:.2f}; the client takes {elapsed / bare:.2f}x that)"
    )
    print(f"  throughput  {len(frame) / elapsed:8.0f} open items/s")
    print(
        f"  client CPU  {cpu:8.2f} s   ({cpu / requests * 1000:.1f} ms per page: HTTP, JSON, "
        "values)"
    )
    print(
        f"  ratio       {ratio:8.2f}   (target >= {TARGET}) {'OK' if ratio >= TARGET else 'MISSED'}"
    )
    return 0 if ratio >= TARGET and len(frame) == count else 1


def _bare_fetch(base_url: str, count: int, page_size: int) -> float:
    """Seconds to GET every page with plain ``requests``, reading but not decoding the body."""
    fields = "id,nummer,kunde^nummer,kunde^namebspr,vom,faelldat,waehr,rebetr,ofbetr,sksatz,skdat"
    headers = {"Authorization": "Basic " + base64.b64encode(b":sy").decode()}
    with requests.Session() as session:
        started = time.perf_counter()
        for offset in range(0, count + 1, page_size):
            params = {"headFields": fields, "offset": offset, "limit": page_size}
            session.get(f"{base_url}/mw/r/test/obj/data/160:1", params=params, headers=headers)
        return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
