"""Results -> Plan: the postings a run would make, with a stable hash of its inputs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from paytrace_abas.frames import records
from paytrace_abas.models import Category, Window

PLAN_FORMAT_VERSION = 1


@dataclass(frozen=True)
class Posting:
    """One cash receipt against one invoice; ``transaction_id`` is the idempotency key."""

    transaction_id: str
    invoice_no: str
    customer_no: str
    amount_cents: int
    discount_cents: int
    currency: str
    paid_on: str
    card_type: str


@dataclass(frozen=True)
class Plan:
    """What a run would post, and the fingerprint of what it saw."""

    run_id: str
    window_from: str
    window_to: str
    input_hash: str
    postings: tuple[Posting, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "run_id": self.run_id,
            "window": {"from": self.window_from, "to": self.window_to},
            "input_hash": self.input_hash,
            "postings": [asdict(posting) for posting in self.postings],
        }


def build_plan(
    run_id: str, window: Window, results: pd.DataFrame, payments: pd.DataFrame, input_hash: str
) -> Plan:
    """A posting per invoice of every ``matched`` result, in transaction order."""
    matched = results[results["category"] == Category.MATCHED.value]
    details = {str(p["transaction_id"]): p for p in records(payments)}
    postings: list[Posting] = []
    for row in records(matched):
        payment = details[str(row["transaction_id"])]
        per_invoice = zip(
            row["invoice_nos"], row["applied_cents"], row["invoice_discounts_cents"], strict=True
        )
        for invoice_no, applied, discount in per_invoice:
            postings.append(
                Posting(
                    transaction_id=str(row["transaction_id"]),
                    invoice_no=str(invoice_no),
                    customer_no=str(row["customer_no"]),
                    amount_cents=int(applied),
                    discount_cents=int(discount),
                    currency=str(row["currency"]),
                    paid_on=payment["paid_on"].isoformat(),
                    card_type=str(payment["card_type"]),
                )
            )
    return Plan(
        run_id=run_id,
        window_from=window.first_day.isoformat(),
        window_to=window.last_day.isoformat(),
        input_hash=input_hash,
        postings=tuple(postings),
    )


def input_hash(payments: pd.DataFrame, open_items: pd.DataFrame) -> str:
    """sha256 over the canonical inputs, independent of row order."""
    digest = hashlib.sha256()
    for frame, key in ((payments, "transaction_id"), (open_items, "invoice_no")):
        ordered = frame.sort_values(key).drop(columns=["source_line"], errors="ignore")
        digest.update(ordered.to_csv(index=False).encode())
    return digest.hexdigest()


def write_plan(plan: Plan, path: Path) -> None:
    """Write the plan as pretty JSON (a clerk or reviewer may read it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plan.to_json(), indent=2) + "\n", encoding="utf-8")
