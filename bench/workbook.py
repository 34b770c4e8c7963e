"""Benchmark: 100,000 exception rows through write_workbook vs a plain openpyxl write-only dump.

Each side runs in a fresh Python process so that its peak memory (max RSS) is its own. The
plain dump appends the very rows our exception sheet shows (same values, already prepared,
no styles) to one write-only sheet; ours starts from the results and payments frames and does
everything: join, conversion, styles, totals, Summary. Exit status 1 when ours is slower than
the plain dump or peaks at 500 MB or more.

    python bench/workbook.py [--rows N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

MEMORY_LIMIT_MB = 500
CATEGORIES = ["unmatched", "partial_payment", "overpayment", "ambiguous", "invoice_not_open"]


def frames(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A run of ``rows`` exceptions spread over five categories, with realistic text."""
    ids = [f"5{n:08d}" for n in range(rows)]
    amounts = [(n * 7_919) % 500_000 + 100 for n in range(rows)]
    results = pd.DataFrame(
        {
            "transaction_id": ids,
            "category": [CATEGORIES[n % len(CATEGORIES)] for n in range(rows)],
            "rule": "reference",
            "invoice_nos": [[f"4{n % 90_000:05d}"] for n in range(rows)],
            "applied_cents": [[] for _ in range(rows)],
            "amount_cents": amounts,
            "currency": "USD",
            "discount_cents": 0,
            "invoice_discounts_cents": [[] for _ in range(rows)],
            "difference_cents": [-(n % 5_000) for n in range(rows)],
            "customer_no": [f"7{n % 5_000:04d}" for n in range(rows)],
            "days_from_invoice": [n % 90 for n in range(rows)],
            "rule_confidence": 0.5,
            "runner_up": [f"4{(n + 1) % 90_000:05d}" if n % 3 == 0 else "" for n in range(rows)],
            "reason": [
                f"Pays {a / 100:,.2f} of {(a + 500) / 100:,.2f} open on invoice 4{n % 90_000:05d}."
                for n, a in enumerate(amounts)
            ],
        }
    )
    payments = pd.DataFrame(
        {
            "transaction_id": ids,
            "paid_on": [dt.date(2026, 11, 1) + dt.timedelta(days=n % 28) for n in range(rows)],
            "billing_name": [f"Customer {n % 5_000} Inc." for n in range(rows)],
            "card_type": "VISA",
            "card_last4": [f"{n % 10_000:04d}" for n in range(rows)],
            "paytrace_customer_id": [f"C{n % 5_000}" for n in range(rows)],
            "invoice_ref": [f"RE-4{n % 90_000:05d}" for n in range(rows)],
            "batch_number": 7001,
        }
    )
    return results, payments


def run_ours(rows: int, path: Path) -> None:
    from paytrace_abas.report import RunHeader, write_workbook

    results, payments = frames(rows)
    header = RunHeader("BENCH", "2026-11-01..2026-11-28", True, "USD", dt.datetime.now(dt.UTC))
    started = time.perf_counter()
    write_workbook(path, header, results, payments)
    report(time.perf_counter() - started)


def run_plain(rows: int, path: Path) -> None:
    from openpyxl import Workbook

    prepared = plain_rows(*frames(rows))
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Exceptions")
    for row in prepared:
        sheet.append(row)
    workbook.save(path)
    report(time.perf_counter() - started)


def plain_rows(results: pd.DataFrame, payments: pd.DataFrame) -> list[list[Any]]:
    """The values of our exception sheets' rows, as plain Python values."""
    merged = results.merge(payments, on="transaction_id")
    return [
        [
            r.transaction_id,
            r.paid_on,
            r.billing_name,
            f"{r.card_type} …{r.card_last4}",
            Decimal(r.amount_cents) / 100,
            ", ".join(r.invoice_nos),
            r.customer_no,
            Decimal(r.difference_cents) / 100,
            r.days_from_invoice,
            r.rule_confidence,
            r.rule,
            r.reason,
            r.runner_up,
            r.paytrace_customer_id,
            r.invoice_ref,
        ]
        for r in merged.itertuples(index=False)
    ]


def report(seconds: float) -> None:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024}))


def measure(side: str, rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{side}.xlsx"
        completed = subprocess.run(
            [sys.executable, __file__, "--child", side, "--rows", str(rows), "--path", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", choices=["ours", "plain"])
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.child:
        (run_ours if args.child == "ours" else run_plain)(args.rows, args.path)
        return 0
    plain = measure("plain", args.rows)
    ours = measure("ours", args.rows)
    ratio = ours["seconds"] / plain["seconds"]
    print(f"workbook bench: {args.rows:,} exception rows")
    print(f"  plain openpyxl write-only dump: {plain['seconds']:7.2f} s")
    print(
        f"  paytrace-abas write_workbook:   {ours['seconds']:7.2f} s, peak {ours['peak_mb']:.0f} MB"
    )
    print(f"  ratio ours/plain: {ratio:.2f} (must be <= 1.00); memory limit {MEMORY_LIMIT_MB} MB")
    return 0 if ratio <= 1.0 and ours["peak_mb"] < MEMORY_LIMIT_MB else 1


if __name__ == "__main__":
    sys.exit(main())
