"""Writes the sample day's recurring export (sample_data/paytrace-recurring.json).

One schedule per case a clerk sees on the Recurring sheet of 2026-11-25
(docs/customers.md#recurring-billing): charged, declined, missing, card expiring. The charges
are transactions of the sample day's export (generate.py); the export names the approved one
again, as PayTrace's recurring export does, and the run must not count it twice.
Run: python sample_data/generate_recurring.py  (after generate.py; deterministic).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from generate import HERE, TRANSACTIONS


def charge(transaction_id: int) -> dict:
    return next(t for t in TRANSACTIONS if t["transaction_id"] == transaction_id)


def card(month: int, year: int) -> dict:
    return {"masked_number": "************4242", "expiration_month": month,
            "expiration_year": year}


# Tri-Cities' monthly fee: charged on the 25th by the sample day's payment 512330275
# (customer + amount pays invoice 400140 like any payment).
CHARGED = {"id": 880101, "customer_id": "70017", "amount": charge(512330275)["amount"],
           "frequency": "3", "start_date": "09/25/2026", "total_count": 12,
           "description": "Monthly maintenance contract", "credit_card": card(9, 28)}
# Yakima Valley Cold Storage: the charge of the 25th was declined (512330562).
DECLINED = {"id": 880102, "customer_id": "70007", "amount": charge(512330562)["amount"],
            "frequency": "3", "start_date": "08/25/2026", "total_count": 0,
            "description": "Cold storage rent", "credit_card": card(9, 28)}
# Grangeville Hardware: due on the 25th, no charge at all.
MISSING = {"id": 880103, "customer_id": "70025", "amount": Decimal("310.00"), "frequency": "3",
           "start_date": "07/25/2026", "total_count": 0, "description": "Shelf lease",
           "credit_card": card(3, 29)}
# Cascade Hydraulics: due on the 10th (not in the window); the card ends 11/26, the next
# charge is on 12/10/2026.
EXPIRING = {"id": 880104, "customer_id": "70001", "amount": Decimal("89.00"), "frequency": "3",
            "start_date": "01/10/2026", "total_count": 0, "description": "Software licence",
            "credit_card": card(11, 26)}


def write() -> None:
    body = {"success": True, "response_code": 1,
            "status_message": "Your request has been successfully completed.",
            "recurrences": [CHARGED, DECLINED, MISSING, EXPIRING],
            # the approved recurring charge, as export_approved answers it
            "transactions": [charge(512330275)]}
    text = json.dumps(body, indent=2, default=lambda d: f"@@{d}@@")
    text = re.sub(r'"@@([0-9.]+)@@"', r"\1", text)
    (HERE / "paytrace-recurring.json").write_text(text + "\n", encoding="utf-8")
    print(f"{len(body['recurrences'])} recurring schedules")


if __name__ == "__main__":
    write()
