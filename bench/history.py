"""A run costs what its day costs: the same day over an empty ledger and over years of history.

    python bench/history.py                          # 10,000 payments, 2,000,000 earlier postings
    python bench/history.py --n 10000 --earlier 5000000 --rounds 3

The day is generated once (bench/_day_files.py: export JSON + open-items CSV). One ledger is
empty, the other holds ``--earlier`` posted receipts of other payments, written through the
schema (tests/support/ledger_history.py: lines, events, run items, resolved exceptions, decisions).
Each round runs ``reconcile --dry-run`` over both, each in a fresh process, alternating; the
figures are the medians of the wall-clock times and of the peak resident sets (the process's
``ru_maxrss``). Prints one line: the time ratio (bar: at most 1.2) and the extra peak memory
(bar: at most 100 MB).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
DAY = "2026-11-25"  # the generated day (bench/_matching_dataset.py)
TIME_BAR, MEMORY_BAR_MB = 1.2, 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="payments of the day")
    parser.add_argument("--earlier", type=int, default=2_000_000, help="earlier postings")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        _prepare(Path(args.prepare), args.n, args.earlier)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-history-") as scratch:
        folder = Path(scratch)
        # Prepared in a child: a process's peak resident set is inherited by the processes it
        # forks, so this one stays small for the runs' peaks to be their own.
        prepare = [sys.executable, __file__, "--prepare", scratch, "--n", str(args.n)]
        subprocess.run([*prepare, "--earlier", str(args.earlier)], check=True)
        runs: dict[str, list[tuple[float, float]]] = {"empty": [], "full": []}
        for _ in range(args.rounds):
            for name, results in runs.items():
                results.append(_reconcile(folder / name / "day.toml"))
    return _report(args.n, args.earlier, runs)


def _prepare(folder: Path, n: int, earlier: int) -> None:
    """The day in ``folder``/empty and ``folder``/full, each with its own ledger."""
    from _day_files import write_day

    from tests.support.ledger_history import add_earlier_postings

    empty = write_day(n, folder / "empty", ledger=folder / "empty.sqlite3")
    shutil.copytree(folder / "empty", folder / "full")
    config = folder / "full" / "day.toml"
    config.write_text(
        empty.read_text().replace(str(folder / "empty.sqlite3"), str(folder / "full.sqlite3"))
    )
    started = time.perf_counter()
    add_earlier_postings(folder / "full.sqlite3", earlier)
    built = time.perf_counter() - started
    size_mb = (folder / "full.sqlite3").stat().st_size / 1e6
    print(
        f"  ledger of {earlier:,} earlier postings: {size_mb:,.0f} MB, built in {built:.0f} s",
        file=sys.stderr,
    )


def _reconcile(config: Path) -> tuple[float, float]:
    """(seconds, peak MB) of one dry run in a fresh process."""
    command = [sys.executable, "-m", "paytrace_abas", "-q", "--config", str(config)]
    command += ["reconcile", "--date", DAY, "--dry-run"]
    command += ["--out", str(config.parent / "out")]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"reconcile over {config} failed")
    return seconds, usage.ru_maxrss / 1024


def _report(n: int, earlier: int, runs: dict[str, list[tuple[float, float]]]) -> int:
    empty_s = statistics.median(s for s, _ in runs["empty"])
    full_s = statistics.median(s for s, _ in runs["full"])
    empty_mb = statistics.median(mb for _, mb in runs["empty"])
    full_mb = statistics.median(mb for _, mb in runs["full"])
    ratio, extra = full_s / empty_s, full_mb - empty_mb
    met = ratio <= TIME_BAR and extra <= MEMORY_BAR_MB
    print(
        f"history ({n:,} payments; {earlier:,} earlier postings vs empty ledger): "
        f"{full_s:.2f} s vs {empty_s:.2f} s = {ratio:.2f}x (bar {TIME_BAR}x), "
        f"peak {full_mb:,.0f} MB vs {empty_mb:,.0f} MB = {extra:+,.0f} MB "
        f"(bar +{MEMORY_BAR_MB} MB): {'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
