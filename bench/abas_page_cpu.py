"""Benchmark: the CPU one page of open items costs the abas reader, without HTTP or latency.

Pages are built as the fake abas serves them (``tests/fake_abas.py``: 500 records, ``value``
and ``text`` per field) and decoded in memory the way ``fetch_open_items`` does:

* fetch thread: the record ids read from the raw body (paging, abas/paging.py);
* caller: the page decoded by columns (abas/columns.py: msgspec into typed objects, then one
  pass per field), and, side by side, the same page decoded record by record (msgspec into
  plain dicts, then every field of every record: the path before, and the one a page takes
  when the columns give up);
* at the end: the canonical frame built from the columns.

    python bench/abas_page_cpu.py [--open-items 20000] [--page-size 500] [--profile]

Process CPU time, the best of five rounds (the machine is shared). ``--profile`` prints the
cProfile top of the column decode.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from paytrace_abas.abas.codec import decode_json  # noqa: E402
from paytrace_abas.abas.normalize import open_items_from_columns  # noqa: E402
from paytrace_abas.abas.paging import Answer, Page, decoded_answer, usual_answer  # noqa: E402
from paytrace_abas.abas.source import page_columns  # noqa: E402
from paytrace_abas.config import AbasSettings  # noqa: E402
from paytrace_abas.models import OPEN_ITEM_COLUMNS  # noqa: E402
from tests.fake_abas import (  # noqa: E402
    BENCH_HEAD_FIELDS,
    OPEN_ITEMS_TABLE,
    FakeAbasState,
    fill_open_items,
)

NAMES = AbasSettings().open_item_fields


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open-items", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    bodies = _bodies(args.open_items, args.page_size)
    answers = [usual_answer(body) for body in bodies]
    assert all(answers), "the fake's pages are the usual envelope"
    usual = [answer for answer in answers if answer is not None]
    ids = _best(lambda: [usual_answer(body) for body in bodies])
    by_columns = _best(lambda: _decode(usual))
    by_records = _best(lambda: _decode([_decoded(body) for body in bodies]))
    columns = _decode(usual)
    frame = _best(lambda: open_items_from_columns(columns))
    pages = len(bodies)
    print(f"abas page CPU: {args.open_items} open items in {pages} pages of {args.page_size}")
    print(f"  fetch thread: record ids      {ids / pages * 1000:6.2f} ms per page")
    print(f"  caller: page by columns       {by_columns / pages * 1000:6.2f} ms per page")
    print(f"  caller: page record by record {by_records / pages * 1000:6.2f} ms per page")
    print(f"  frame from the columns        {frame * 1000:6.0f} ms in all")
    print(f"  columns / record by record    {by_columns / by_records:6.2f}")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(_decode, usual)
        pstats.Stats(profile).sort_stats("tottime").print_stats(12)
    return 0


def _bodies(count: int, page_size: int) -> list[bytes]:
    state = FakeAbasState()
    fill_open_items(state, count)
    records = state.select(OPEN_ITEMS_TABLE, "")
    bodies = []
    for start in range(0, count, page_size):
        page = records[start : start + page_size]
        objects = state.encoded(OPEN_ITEMS_TABLE, page, BENCH_HEAD_FIELDS)
        bodies.append(b'{"content": {"data": {"erpDataObjects": [' + b", ".join(objects) + b"]}}}")
    return bodies


def _decoded(body: bytes) -> Answer:
    """The same page as the generic decode gives it (record by record from here on)."""
    return decoded_answer(decode_json(body)["content"]["data"]["erpDataObjects"])


def _decode(answers: list[Answer]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {column: [] for column in OPEN_ITEM_COLUMNS}
    for answer in answers:
        page = Page(answer, list(range(len(answer.keys))))
        for column, values in page_columns(page, NAMES, OPEN_ITEMS_TABLE, 0).items():
            columns[column].extend(values)
    return columns


def _best(work: Callable[[], object], rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


if __name__ == "__main__":
    sys.exit(main())
