"""A generated day (``_matching_dataset.generate``) as the files a user hands the CLI, for the
benchmarks that run it whole: the export body and open-items CSV of ``_reconcile_day.py``, and
a TOML config reading both in file mode with the ledger where the benchmark wants it.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
from _matching_dataset import generate
from _reconcile_day import _transactions, _write_open_items


def write_day(n: int, folder: Path, seed: int = 20261125, ledger: Path | None = None) -> Path:
    """Write the day's export, open-items CSV and config into ``folder``; return the config."""
    folder.mkdir(parents=True, exist_ok=True)
    payments, open_items = generate(n, seed)
    export = folder / "paytrace.json"
    body = {"success": True, "transactions": _transactions(payments)}
    export.write_bytes(msgspec.json.encode(body))
    _write_open_items(open_items, folder / "open_items.csv")
    config = folder / "day.toml"
    config.write_text(
        '[paytrace]\nsource = "file"\nfile = "paytrace.json"\n'
        'timezone = "America/Los_Angeles"\ncurrency = "USD"\n\n'
        '[abas]\nsource = "file"\nopen_items_file = "open_items.csv"\n\n'
        f'[ledger]\npath = "{ledger or folder / "ledger.sqlite3"}"\n\n'
        '[accounts]\ndefault = "18100"\n',
        encoding="utf-8",
    )
    return config
