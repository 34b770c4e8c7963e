"""``[abas] preview``: a dry run asks abas what each planned receipt would leave open.

Each receipt opens the OP-processing editor, sets its rows as posting would, reads abas' open
amount and cash discount, and cancels: nothing is committed. The figures go into the Postings
sheet next to the plan's own, so a clerk sees abas' numbers before anything is posted.
"""

from __future__ import annotations

import logging

import pandas as pd

from paytrace_abas.abas.check import require_secret
from paytrace_abas.abas.rest import RestSink
from paytrace_abas.config import Settings
from paytrace_abas.errors import SourceError
from paytrace_abas.plan.document import Plan

log = logging.getLogger(__name__)


def with_abas_preview(settings: Settings, plan: Plan, rows: pd.DataFrame) -> pd.DataFrame:
    """Planned posting rows plus ``abas_open_after`` / ``abas_discount`` from abas."""
    require_secret(settings.abas, settings.secrets)
    figures: dict[tuple[str, str], tuple[int | None, int | None]] = {}
    errors: dict[str, str] = {}
    sink = RestSink(settings.abas, settings.secrets, pool_size=1)
    try:
        for receipt in plan.receipts():
            try:
                lines = sink.preview(receipt)
            except SourceError as exc:  # a missing invoice or a refusal: shown on its rows
                errors[receipt.transaction_id] = str(exc)
                log.warning("preview of transaction %s: %s", receipt.transaction_id, exc)
                continue
            for line in lines:
                key = (receipt.transaction_id, line.invoice_no)
                figures[key] = (line.open_after_cents, line.discount_cents)
    finally:
        sink.close()
    previewed = rows.copy()
    keys = list(zip(previewed["transaction_id"], previewed["invoice_no"], strict=True))
    previewed["abas_open_after"] = pd.array(
        [figures.get(key, (None, None))[0] for key in keys], dtype="Int64"
    )
    previewed["abas_discount"] = pd.array(
        [figures.get(key, (None, None))[1] for key in keys], dtype="Int64"
    )
    failed = previewed["transaction_id"].isin(list(errors))
    previewed.loc[failed, "status"] = "preview failed"
    previewed.loc[failed, "last_error"] = previewed.loc[failed, "transaction_id"].map(errors)
    return previewed
