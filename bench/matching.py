"""Time the matching engine against the same passes in DuckDB, side by side on one dataset.

    python bench/matching.py                # N = 200,000 (about a minute)
    python bench/matching.py --n 1000000    # the issue's target size

The dataset (bench/_matching_dataset.py, seeded) is generated once and pickled; each
implementation then runs in a fresh process that loads it, so that peak memory is measured
the same way for both: the most that the worker and the processes it forks held together
(sum of their proportional set sizes, sampled once a second; inputs included). Prints
both times, the ratio, both peaks and how many outcomes (category, rule, invoices) agree.
"""

from __future__ import annotations

import argparse
import gc
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SETTINGS = {"invoice_pattern": r"\d{8}"}
ENGINE = "engine (pandas):"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="payments and open items (each)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    parser.add_argument("--worker", choices=["engine", "duckdb"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _work(args.worker, Path(args.data), Path(args.out), args.threads)
    return _compare(args.n, args.seed, args.threads)


def _compare(n: int, seed: int, threads: int) -> int:
    import _matching_dataset as dataset

    with tempfile.TemporaryDirectory(prefix="bench-matching-") as folder:
        data = Path(folder) / "data.pickle"
        started = time.perf_counter()
        payments, open_items = dataset.generate(n, seed)
        with data.open("wb") as handle:
            pickle.dump((payments, open_items), handle, protocol=pickle.HIGHEST_PROTOCOL)
        del payments, open_items
        print(
            f"dataset: {n:,} payments x {n:,} open items (seed {seed}), "
            f"{time.perf_counter() - started:.1f}s to generate"
        )
        runs = {name: _run(name, data, Path(folder), threads) for name in ("engine", "duckdb")}
        agree = _agreement(Path(folder))
    engine, duck = runs["engine"], runs["duckdb"]
    for label, run in ((ENGINE, engine), (f"DuckDB ({threads} threads):", duck)):
        print(
            f"{label:<28} {run['seconds']:8.2f}s   peak {run['tree_peak_mb']:7,.0f} MB "
            f"(all its processes; main process's largest RSS {run['peak_mb']:,.0f} MB)"
        )
    print(f"ratio engine/DuckDB:         {engine['seconds'] / duck['seconds']:8.2f}x")
    print(f"same outcome (category, rule, invoices): {agree:.2%} of payments")
    return 0


def _run(name: str, data: Path, folder: Path, threads: int) -> dict[str, float]:
    """Run one implementation in its own process; its peak is the most memory its processes
    held together (a forked process shares most pages with its parent, so resident sets
    would overlap: the sum of their proportional set sizes counts each page once)."""
    out = folder / f"{name}.json"
    command = [
        sys.executable,
        __file__,
        "--worker",
        name,
        "--data",
        str(data),
        "--out",
        str(out),
        "--threads",
        str(threads),
    ]
    worker = subprocess.Popen(command)
    peak_kb = 0
    while worker.poll() is None:
        peak_kb = max(peak_kb, _tree_pss_kb(worker.pid))
        time.sleep(1.0)  # reading smaps_rollup walks page tables: often, it slows the worker
    if worker.returncode:
        raise subprocess.CalledProcessError(worker.returncode, command)
    result: dict[str, float] = json.loads(out.read_text())
    # A sample a second can miss a short peak; the worker's own largest resident set cannot.
    result["tree_peak_mb"] = max(peak_kb / 1024, result["peak_mb"])
    return result


def _tree_pss_kb(pid: int) -> int:
    """Proportional set size of a process and all its descendants, in kB (0 once gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:  # it ended meanwhile
            continue
        total += next(
            int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")
        )
        pending.extend(int(child) for child in children)
    return total


def _work(name: str, data: Path, out: Path, threads: int) -> int:
    import pandas as pd

    from paytrace_abas.config import MatchingSettings

    with data.open("rb") as handle:
        payments, open_items = pickle.load(handle)
    settings = MatchingSettings(**SETTINGS)  # type: ignore[arg-type]
    if name == "engine":
        from paytrace_abas.matching import match_payments

        started = time.perf_counter()
        results = match_payments(payments, open_items, settings)
    else:
        from _matching_duckdb import match_with_duckdb

        # The engine pauses the cyclic garbage collector while it builds its million lists;
        # the reference gets the same treatment for the lists its result holds.
        gc.disable()
        started = time.perf_counter()
        results = match_with_duckdb(payments, open_items, settings, threads=threads)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    outcome = pd.DataFrame(
        {
            "transaction_id": results["transaction_id"].astype(str),
            "outcome": results["category"].astype(str)
            + " "
            + results["rule"].astype(str)
            + " "
            + results["invoice_nos"].map(lambda nos: ",".join(sorted(map(str, nos)))),
        }
    )
    outcome.to_pickle(out.with_suffix(".outcome.pickle"))
    out.write_text(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))
    return 0


def _agreement(folder: Path) -> float:
    import pandas as pd

    engine = pd.read_pickle(folder / "engine.outcome.pickle").set_index("transaction_id")
    duck = pd.read_pickle(folder / "duckdb.outcome.pickle").set_index("transaction_id")
    same = engine["outcome"] == duck["outcome"].reindex(engine.index)
    for transaction_id in same[~same].index[:5]:
        print(
            f"  differs {transaction_id}: engine {engine.loc[transaction_id, 'outcome']!r}, "
            f"DuckDB {duck.loc[transaction_id, 'outcome']!r}"
        )
    return float(same.mean()) if len(same) else 1.0


if __name__ == "__main__":
    raise SystemExit(main())
