"""A chargeback dispute in the clerk's language: its line in the alert and console, and the
state a refund's or chargeback's reason starts with (docs/money-trail.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paytrace_abas.report.catalog import N_, translate
from paytrace_abas.report.reasons import amount_texts

#: a dispute's state in words (the codes stay in the ledger and JSON)
_STATES = {"open": N_("open"), "won": N_("won"), "lost": N_("lost")}
#: the sentence a disputed payment's reason starts with
_REASON_STARTS = {
    "open": N_("Dispute open."),
    "won": N_("Dispute won: the money comes back."),
    "lost": N_("Dispute lost."),
}


@dataclass(frozen=True)
class Dispute:
    """What the alert says of one dispute; empty where the disputed sale is not known."""

    case: str
    status: str
    payment: str | None
    customer: str
    invoice_nos: Sequence[str]


def dispute_line(
    dispute: Dispute, amount_cents: int, currency: str, language: str, locale: str
) -> str:
    """``chargeback 2026-0142 (open) disputes payment 512330107 of customer 70001, …``."""
    unknown = translate(N_("unknown"), language)
    line = translate(
        N_(
            "chargeback {case} ({status}) disputes payment {payment} of customer {customer}, "
            "invoice {invoices}, amount {amount} {currency}"
        ),
        language,
    )
    state = _STATES.get(dispute.status)
    return line.format(
        case=dispute.case,
        status=translate(state, language) if state else dispute.status,
        payment=dispute.payment or unknown,
        customer=dispute.customer or unknown,
        invoices=", ".join(dispute.invoice_nos) or unknown,
        amount=amount_texts(np.asarray([amount_cents]), locale)[0],
        currency=currency,
    )


def with_dispute_status(sentence: str, status: str, language: str) -> str:
    """``sentence`` after what became of its dispute (nothing when it is no dispute)."""
    start = _REASON_STARTS.get(status)
    return f"{translate(start, language)} {sentence}" if start else sentence
