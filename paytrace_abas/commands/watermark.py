"""The ``completed_through`` watermark: only closed, contiguous days (docs/posting.md)."""

from __future__ import annotations

import datetime as dt

from paytrace_abas.commands.inputs import open_ledger, utc_now
from paytrace_abas.config import Settings
from paytrace_abas.errors import UsageError
from paytrace_abas.models import Window


def open_day_refusal(window: Window, last_closed: dt.date, settings: Settings) -> str:
    """Why a posting window reaching past the last closed day is refused."""
    zone = settings.paytrace.zone
    return (
        f"window {window} reaches {window.last_day}, a day not closed yet in {zone} (the last "
        f"closed day is {last_closed}); payments may still arrive for it, so post closed days "
        "only, or pass --allow-open-day to post it anyway (the watermark stays before it)"
    )


def completed_through(
    window: Window, watermark: dt.date | None, last_closed: dt.date
) -> dt.date | None:
    """The day a posting run may move ``completed_through`` to, or None to leave it.

    Only closed days count, and only when they join the days completed before: a window after
    a gap, or wholly in an open day, leaves the watermark where it is, so ``--since-last``
    restarts at the first day never reconciled.
    """
    last = min(window.last_day, last_closed)
    if last < window.first_day:
        return None
    if watermark is not None and window.first_day > watermark + dt.timedelta(days=1):
        return None
    return last


def window_since_last(settings: Settings, now: dt.datetime | None = None) -> Window | None:
    """From the day after the last completed window up to yesterday (PayTrace time zone).

    None when the ledger is already complete through yesterday.
    """
    today = (now or utc_now()).astimezone(settings.paytrace.zone).date()
    yesterday = today - dt.timedelta(days=1)
    with open_ledger(settings, locked=False) as ledger:
        completed = ledger.watermark()
    if completed is None:
        raise UsageError(
            f"--since-last needs a completed run in the ledger {settings.ledger.path}; "
            "run once with --date D or --from D --to D"
        )
    first = completed + dt.timedelta(days=1)
    return Window(first, yesterday) if first <= yesterday else None
