"""A whole ``reconcile --dry-run`` of a generated day against a best-library reference pipeline.

    python bench/end_to_end.py                 # N = 100,000 (a few minutes on a busy machine)
    python bench/end_to_end.py --n 1000000     # the issue's size

The day (``_day_files.py``: an export body and a ``;`` open-items CSV) is written once, in a
child process. Then, each in a fresh process and in turn, ``paytrace-abas reconcile --date
2026-11-25 --dry-run`` reads it and writes its plan and workbook, and the reference
(``_reference_pipeline.py``: msgspec, pandas, DuckDB, openpyxl write-only) does the same steps.
Time is wall-clock of the process; peak is the most memory its processes held together (sum of
proportional set sizes, sampled once a second, as bench/matching.py does). Prints one line: the
time ratio (bar: at most 1.5) and the run's peak (bar: at most 3 GB).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]
DAY = "2026-11-25"
TIME_BAR, MEMORY_BAR_MB = 1.5, 3_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="payments and open items (each)")
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--reference", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        from _day_files import write_day

        write_day(args.n, Path(args.prepare))
        return 0
    if args.reference:
        return _reference(Path(args.reference))
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as scratch:
        folder = Path(scratch)
        subprocess.run(
            [sys.executable, __file__, "--prepare", scratch, "--n", str(args.n)], check=True
        )
        ours = [sys.executable, "-m", "paytrace_abas", "-q", "--config", str(folder / "day.toml")]
        ours += ["reconcile", "--date", DAY, "--dry-run", "--out", str(folder / "ours")]
        ours_s, ours_mb = _measure(ours)
        reference = [sys.executable, __file__, "--reference", scratch]
        ref_s, ref_mb = _measure(reference)
    ratio = ours_s / ref_s
    met = ratio <= TIME_BAR and ours_mb <= MEMORY_BAR_MB
    print(
        f"end to end ({args.n:,} payments, reconcile --dry-run vs reference): "
        f"{ours_s:.1f} s vs {ref_s:.1f} s = {ratio:.2f}x (bar {TIME_BAR}x), "
        f"peak {ours_mb:,.0f} MB vs {ref_mb:,.0f} MB (bar {MEMORY_BAR_MB:,} MB): "
        f"{'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


def _reference(folder: Path) -> int:
    import datetime as dt

    from _reference_pipeline import run

    out = folder / "reference"
    out.mkdir()
    day = dt.date.fromisoformat(DAY)
    counts = run(folder / "paytrace.json", folder / "open_items.csv", day, out)
    print(json.dumps(counts), file=sys.stderr)
    return 0


def _measure(command: list[str]) -> tuple[float, float]:
    """(seconds, peak MB of the process tree) of one command."""
    from matching import _tree_pss_kb

    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak_kb = 0
    while process.poll() is None:
        peak_kb = max(peak_kb, _tree_pss_kb(process.pid))
        time.sleep(1.0)
    seconds = time.perf_counter() - started
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return seconds, peak_kb / 1024


if __name__ == "__main__":
    sys.exit(main())
