"""Write a generated day as the files the CLI reads, for timing a whole ``reconcile --dry-run``.

    python bench/_reconcile_day.py --n 300000 --out /tmp/day300k [--matching "key = value"]
    /usr/bin/time -v .venv/bin/paytrace-abas --config /tmp/day300k/paytrace-abas.toml \\
        reconcile --date 2026-11-25 --dry-run

The day is the matching benchmark's (``_matching_dataset.py``), written the way PayTrace and
abas deliver it: an export body (JSON, times in the account's zone) and a ``;`` open-items CSV
with decimal commas. Not run by ``make bench`` (a helper: its name starts with ``_``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _matching_dataset import DAY, generate

_TYPE_BY_STATE = {
    ("sale", "settled"): "SALE",
    ("sale", "pending"): "SALE",
    ("sale", "declined"): "DECLINED",
    ("void", "voided"): "VOID",
    ("refund", "settled"): "REFUND",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--matching", default="", help="a line for the [matching] section")
    args = parser.parse_args()
    payments, open_items = generate(args.n, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "paytrace").mkdir(exist_ok=True)
    with open(args.out / "paytrace" / "export.json", "w", encoding="utf-8") as file:
        json.dump({"success": True, "transactions": _transactions(payments)}, file)
    _write_open_items(open_items, args.out / "open_items.csv")
    (args.out / "paytrace-abas.toml").write_text(_config(args.matching))
    print(f"{args.n} payments and open items in {args.out}")


def _transactions(payments: pd.DataFrame) -> list[dict[str, object]]:
    # The generator's times are seconds into the day; written as wall-clock times of the zone.
    local = payments["created_at"].dt.tz_localize(None).dt.strftime("%m/%d/%Y %I:%M:%S %p")
    records = []
    for row, at in zip(payments.itertuples(index=False), local, strict=True):
        cents = int(row.amount_cents)
        records.append(
            {
                "transaction_id": int(row.transaction_id),
                "credit_card": {"masked_number": "************4242"},
                "transaction_type": _TYPE_BY_STATE[(row.kind, row.status)],
                "description": row.description,
                "amount": f"{cents // 100}.{cents % 100:02d}",
                "invoice_id": row.invoice_ref,
                "customer_reference_id": row.purchase_order,
                "customer_id": row.paytrace_customer_id,
                "created": {"at": at},
                "settled": at if row.status == "settled" else "",
            }
        )
    return records


def _write_open_items(items: pd.DataFrame, path: Path) -> None:
    def amount(cents: pd.Series) -> pd.Series:
        whole = (cents // 100).astype(str)
        return whole + "," + (cents % 100).astype(str).str.zfill(2)

    def day(moments: pd.Series) -> pd.Series:
        return moments.dt.strftime("%d.%m.%Y").fillna("")

    percent = (items["discount_bp"] // 100).astype(str).where(items["discount_bp"] > 0, "")
    frame = pd.DataFrame(
        {
            "invoice_no": items["invoice_no"],
            "customer_no": items["customer_no"],
            "customer_name": items["customer_name"],
            "invoice_date": day(items["invoice_date"]),
            "due_date": day(items["due_date"]),
            "currency": items["currency"],
            "gross_amount": amount(items["gross_cents"].astype("int64")),
            "open_amount": amount(items["open_cents"].astype("int64")),
            "discount_percent": percent,
            "discount_until": day(items["discount_until"]),
        }
    )
    frame.to_csv(path, sep=";", index=False)


def _config(matching: str) -> str:
    return f"""# A generated day of {DAY}: reconcile --date {DAY} --dry-run
[paytrace]
source = "file"
file = "paytrace"
timezone = "America/Los_Angeles"

[abas]
source = "file"
open_items_file = "open_items.csv"
sink = "file"
import_file = "abas-import.edp"

[ledger]
path = "ledger.sqlite3"

[report]
out_dir = "out"

[matching]
invoice_pattern = "\\\\d{{8}}"
{matching}

[accounts]
default = "18100"
"""


if __name__ == "__main__":
    main()
