"""Runs every benchmark script in bench/ (each prints its own ratio against a reference run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    # Modules named _*.py are helpers of a benchmark, not benchmarks.
    scripts = sorted(
        p for p in HERE.glob("*.py") if p.name != "run.py" and not p.name.startswith("_")
    )
    if not scripts:
        print(
            "no benchmarks yet: the matching, PayTrace pull, posting and workbook benchmarks "
            "arrive with their issues"
        )
        return 0
    failed = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        failed |= subprocess.call([sys.executable, str(script)])
    return failed


if __name__ == "__main__":
    sys.exit(main())
