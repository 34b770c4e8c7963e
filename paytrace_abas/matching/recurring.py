"""Recurring schedules against the charges PayTrace made: pure, frames in and out.

See docs/customers.md#recurring-billing. A schedule is due on its start day and every step
after it (``total_count`` charges, or without end), counted in the PayTrace time zone. Its
charge on a due day is a sale of the schedule's PayTrace customer, of the schedule's amount,
made that day. A due day is judged only once it is over (``judged_before``): until then a
charge may still come, and the day is left out rather than called missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd
from dateutil.relativedelta import relativedelta

from paytrace_abas.frames import records
from paytrace_abas.models import Window

#: What the recurring check found per schedule and due day (JSON ``recurring``, Recurring sheet).
RECURRING_COLUMNS = [
    "schedule_id",
    "customer_no",
    "paytrace_customer_id",
    "amount_cents",
    "due_on",
    "status",
    "transaction_id",
    "card_expires",
    # worded at the edge from the code and its parameters (docs/i18n.md#reasons)
    "reason",
    "reason_code",
    "reason_other",
    "reason_detail",
    "reason_day",
]


class RecurringStatus(StrEnum):
    """The outcome of one schedule's due day (or next charge, for an expiring card)."""

    CHARGED = "charged"
    DECLINED = "declined"
    MISSING = "missing"
    CARD_EXPIRING = "card_expiring"


_STEPS = {"monthly": relativedelta(months=1), "yearly": relativedelta(years=1)}
#: kinds of transaction a schedule charges with; anything else (a refund) is no charge
_CHARGE_KINDS = frozenset({"sale", "capture", "authorization"})
_APPROVED = frozenset({"settled", "pending"})


@dataclass(frozen=True)
class Payers:
    """What tells the abas customer of a PayTrace customer (docs/matching.md#the-payer)."""

    #: transaction_id -> the abas customer the run's matching gave the payment
    by_transaction: Mapping[str, str]
    customer_map: Mapping[str, str]
    #: abas customer numbers the run knows (open items and customer master)
    known: frozenset[str]

    def customer_no(self, paytrace_id: str, transaction_id: str = "") -> str:
        found = self.by_transaction.get(transaction_id, "")
        if found:
            return found
        if paytrace_id in self.customer_map:
            return self.customer_map[paytrace_id]
        return paytrace_id if paytrace_id in self.known else ""


def due_days(start_on: dt.date, step: str, total_count: int) -> Iterator[dt.date]:
    """Every day the schedule charges, in order (endless when ``total_count`` is 0).

    Counted from the start day, not from the last due day: a schedule starting on the 31st
    charges on the 30th in short months and on the 31st again after them.
    """
    number = 0
    while not total_count or number < total_count:
        yield start_on + _STEPS[step] * number
        number += 1


def check_schedules(
    schedules: pd.DataFrame,
    charges: pd.DataFrame,
    window: Window,
    judged_before: dt.date,
    payers: Payers,
) -> pd.DataFrame:
    """One row per schedule and due day in the window, plus one per schedule whose card
    expires before its next charge after the window (RECURRING_COLUMNS).

    ``charges`` is the payments frame of everything the run pulled (the window and its
    overlap: a charge made late on its due day settles the next day, outside the window).
    """
    candidates = _candidates(charges)
    used: set[str] = set()
    rows: list[dict[str, object]] = []
    for schedule in records(schedules):
        days = due_days(schedule["start_on"], schedule["step"], int(schedule["total_count"]))
        next_charge = None
        for day in days:
            if day > window.last_day:
                next_charge = day
                break
            if day < window.first_day:
                continue
            row = _due_day_row(schedule, day, judged_before, candidates, used, payers)
            if row is not None:
                rows.append(row)
        if next_charge is not None and _expires_before(schedule["card_expires"], next_charge):
            rows.append(_expiring_row(schedule, next_charge, payers))
    frame = pd.DataFrame(rows, columns=RECURRING_COLUMNS)
    return frame.sort_values(["due_on", "schedule_id"], kind="stable").reset_index(drop=True)


def _candidates(charges: pd.DataFrame) -> pd.DataFrame:
    """Charges by (customer, day, amount), earliest first."""
    wanted = charges[charges["kind"].isin(_CHARGE_KINDS)]
    columns = ["transaction_id", "status", "amount_cents", "paytrace_customer_id", "paid_on"]
    return wanted.sort_values("created_at", kind="stable")[columns]


def _due_day_row(
    schedule: Mapping[str, object],
    day: dt.date,
    judged_before: dt.date,
    candidates: pd.DataFrame,
    used: set[str],
    payers: Payers,
) -> dict[str, object] | None:
    same = candidates[
        (candidates["paytrace_customer_id"] == schedule["paytrace_customer_id"])
        & (candidates["paid_on"] == day)
        & (candidates["amount_cents"] == schedule["amount_cents"])
        & ~candidates["transaction_id"].isin(used)
    ]
    approved = same[same["status"].isin(_APPROVED)]
    declined = same[same["status"] == "declined"]
    if not approved.empty:
        status, transaction_id = RecurringStatus.CHARGED, str(approved["transaction_id"].iloc[0])
    elif not declined.empty:
        status, transaction_id = RecurringStatus.DECLINED, str(declined["transaction_id"].iloc[0])
    elif day < judged_before:
        status, transaction_id = RecurringStatus.MISSING, ""
    else:
        return None  # the due day is not over: the charge may still come
    used.add(transaction_id)
    # worded at the edge (report/reasons.py): the code and the transaction it names
    reason = {"reason_code": f"recurring_{status.value}", "reason_other": transaction_id}
    return _row(schedule, day, status, transaction_id, reason, payers)


def _expiring_row(
    schedule: Mapping[str, object], next_charge: dt.date, payers: Payers
) -> dict[str, object]:
    reason = {
        "reason_code": "recurring_card_expiring",
        "reason_detail": str(schedule["card_expires"]),
        "reason_day": (next_charge - dt.date(1970, 1, 1)).days,
    }
    return _row(schedule, next_charge, RecurringStatus.CARD_EXPIRING, "", reason, payers)


def _row(
    schedule: Mapping[str, object],
    day: dt.date,
    status: RecurringStatus,
    transaction_id: str,
    reason: Mapping[str, object],
    payers: Payers,
) -> dict[str, object]:
    paytrace_id = str(schedule["paytrace_customer_id"])
    return {
        "schedule_id": schedule["schedule_id"],
        "customer_no": payers.customer_no(paytrace_id, transaction_id),
        "paytrace_customer_id": paytrace_id,
        "amount_cents": int(str(schedule["amount_cents"])),
        "due_on": day,
        "status": status.value,
        "transaction_id": transaction_id,
        "card_expires": schedule["card_expires"],
        "reason": "",
        **{"reason_other": "", "reason_detail": "", "reason_day": 0, **reason},
    }


def _expires_before(card_expires: object, charge_day: dt.date) -> bool:
    """Whether a card valid through the month ``YYYY-MM`` is expired on ``charge_day``."""
    text = str(card_expires or "")
    if not text:
        return False  # the export did not say: nothing to warn about
    year, month = (int(part) for part in text.split("-"))
    return (charge_day.year, charge_day.month) > (year, month)
