"""Time wording the reasons (report/reasons.py) against the matching that decides them.

    python bench/reasons.py              # N = 100,000
    python bench/reasons.py --n 1000000  # the size of a big day

Reasons are rendered at the edge, per distinct reason code, in the configured language: this
prints the matching time, the rendering time in English and in German, and each ratio to the
matching (the share of a run the words add), plus how many distinct codes the day had.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="payments and open items (each)")
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args(argv)

    import _matching_dataset as dataset

    from paytrace_abas.config import MatchingSettings
    from paytrace_abas.matching import match_payments
    from paytrace_abas.report.reasons import reason_texts

    payments, open_items = dataset.generate(args.n, args.seed)
    settings = MatchingSettings(invoice_pattern=r"\d{8}")
    started = time.perf_counter()
    results = match_payments(payments, open_items, settings)
    matching = time.perf_counter() - started
    codes = results["reason_code"].nunique()
    print(f"{args.n:,} payments, {codes} distinct reason codes")
    print(f"matching:          {matching:6.2f}s")
    for language, locale in (("en", "en_US"), ("de", "de_DE")):
        started = time.perf_counter()
        texts = reason_texts(results, language, locale)
        took = time.perf_counter() - started
        assert all(texts), "a reason without words"
        print(f"reasons ({language}):      {took:6.2f}s  = {took / matching:.3f} x matching")
    return 0


if __name__ == "__main__":
    sys.exit(main())
