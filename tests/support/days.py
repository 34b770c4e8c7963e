"""Configured days on disk for the posting tests, and the checks of what they posted.

``write_day`` writes N card payments, each paying one open invoice, with a config around them.
Every payment names its invoice, so all N end ``matched``; a few odd ones (a duplicate payment,
an AMEX card, a two-invoice payment) make the checks less trivial. ``import_file_receipts``,
``abas_receipts`` and ``assert_exactly_once`` read back what reached the import file or abas.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.fake_abas import FakeAbas

FIRST_INVOICE = 500000
FIRST_TRANSACTION = 700000000


@dataclass(frozen=True)
class Day:
    config: Path
    import_file: Path
    ledger: Path
    out_dir: Path
    #: transaction id -> invoice numbers it must clear, for every payment that should post
    expected: dict[str, list[str]]


def write_day(
    folder: Path,
    payments: int,
    *,
    day: str = "11/25/2026",
    sink: str = "file",
    source: str = "file",
    base_url: str = "",
    workers: int = 4,
    attempts: int = 3,
    backoff: float = 0.001,
    timeout: float = 5,
    extra: str = "",
    abas_extra: str = "",
) -> Day:
    """Write export, open items and a config into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    transactions, items, expected = [], [], {}
    for n in range(payments):
        tid = str(FIRST_TRANSACTION + n)
        invoice = str(FIRST_INVOICE + n)
        cents = 10_000 + 137 * n
        amount = f"{cents // 100}.{cents % 100:02d}"
        card = "371449******8431" if n % 7 == 3 else "************4242"
        transactions.append(_sale(tid, amount, invoice, f"C{n % 40:03d}", day, card))
        items.append(
            f"{invoice};K{n % 40:03d};Customer {n % 40};01.10.2026;;USD;"
            f"{_comma(cents)};{_comma(cents)};;"
        )
        expected[tid] = [invoice]
    # A second payment for invoice 500000: a duplicate, never posted.
    transactions.append(
        _sale(
            str(FIRST_TRANSACTION - 1),
            "100.00",
            str(FIRST_INVOICE),
            "X",
            day,
            "************4242",
            created="3:59:00 PM",
        )
    )
    export = folder / "paytrace"
    export.mkdir(exist_ok=True)
    (export / "export.json").write_text(
        json.dumps({"success": True, "transactions": transactions}), encoding="utf-8"
    )
    header = (
        "invoice_no;customer_no;customer_name;invoice_date;due_date;currency;gross_amount;"
        "open_amount;discount_percent;discount_until"
    )
    (folder / "open_items.csv").write_text(
        header + "\n" + "\n".join(items) + "\n", encoding="utf-8"
    )
    day_info = Day(
        config=folder / "paytrace-abas.toml",
        import_file=folder / "abas-import.edp",
        ledger=folder / "ledger.sqlite3",
        out_dir=folder / "out",
        expected=expected,
    )
    day_info.config.write_text(
        f"""[paytrace]
source = "file"
file = "paytrace"
timezone = "America/Los_Angeles"

[abas]
source = "{source}"
open_items_file = "open_items.csv"
sink = "{sink}"
import_file = "abas-import.edp"
{f'base_url = "{base_url}"' if base_url else ""}
client = "test"
timeout_seconds = {timeout}
commit_grace_seconds = 0.01
# the client's own retries of reads wait as briefly as the postings' (a down abas is tested)
backoff_seconds = {backoff}
{abas_extra}

[ledger]
path = "ledger.sqlite3"

[report]
out_dir = "out"

[posting]
workers = {workers}
attempts = {attempts}
backoff_seconds = {backoff}
backoff_max_seconds = {backoff * 4}

[accounts]
default = "18100"

[[accounts.rules]]
card_type = "AMEX"
account = "18120"
{extra}
""",
        encoding="utf-8",
    )
    return day_info


def _sale(
    tid: str,
    amount: str,
    invoice: str,
    customer: str,
    day: str,
    card: str,
    created: str = "2:14:05 PM",
) -> dict[str, object]:
    return {
        "transaction_id": int(tid),
        "credit_card": {"masked_number": card, "expiration_month": 9, "expiration_year": 28},
        "transaction_type": "SALE",
        "description": "",
        "amount": amount,
        "invoice_id": invoice,
        "billing_address": {"name": f"Card Holder {tid[-3:]}"},
        "customer_reference_id": "",
        "approval_code": "TAS" + tid[-3:],
        "approval_message": "EXACT MATCH - Approved and completed",
        "created": {"through": "API", "at": f"{day} {created}", "by": "ar_clerk"},
        "settled": f"{day} 8:13:45 PM",
        "customer_id": customer,
    }


def _comma(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d}"


def import_file_receipts(path: Path) -> dict[str, list[str]]:
    """transaction id (beleg) -> invoice numbers, read back from the EDP import file."""
    found: dict[str, list[str]] = {}
    if not path.exists():
        return found
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:4] == ["#!charset=UTF-8", "#!database=102", "#!group=4", "#!action=NEW"]
    assert lines[6].startswith("beleg;"), lines[6]
    for line in lines[7:]:
        cells = line.split(";")
        assert len(cells) == 9, line
        found.setdefault(cells[0], []).append(cells[5])
    return found


def abas_receipts(fake: FakeAbas) -> dict[str, list[list[str]]]:
    """beleg -> one list of invoice numbers per document abas holds with that reference."""
    return {
        reference: [[row["tbeleg"] for row in d.rows] for d in documents]
        for reference, documents in fake.state.by_reference().items()
    }


def assert_exactly_once(fake: FakeAbas, expected: dict[str, list[str]]) -> None:
    """abas holds one document per expected transaction, clearing exactly its invoices."""
    held = abas_receipts(fake)
    assert sorted(held) == sorted(expected), "lost or unexpected receipts"
    duplicates = {tid: docs for tid, docs in held.items() if len(docs) != 1}
    assert not duplicates, f"posted more than once: {duplicates}"
    assert {tid: docs[0] for tid, docs in held.items()} == expected
