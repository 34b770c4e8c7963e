"""Links learned from the clerk: who paid an exception, and what an accepted ``assign`` teaches.

See docs/customers.md#links-learned-from-the-clerk. ``reconcile`` remembers the PayTrace
customer of each exception; ``apply`` turns an accepted ``assign`` that pays invoices of one
abas customer into the link PayTrace customer -> abas customer, which later runs use as payer.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import pandas as pd

from paytrace_abas.ledger import Ledger
from paytrace_abas.models import EXCEPTIONS, CustomerLink
from paytrace_abas.plan.document import ClerkDecision, Plan

log = logging.getLogger(__name__)


def payer_ids(payments: pd.DataFrame) -> list[str]:
    """The PayTrace customers of the window's payments, each once."""
    ids = payments["paytrace_customer_id"].dropna().astype(str)
    return [payer for payer in ids.unique().tolist() if payer]


def exception_payers(results: pd.DataFrame, payments: pd.DataFrame) -> list[tuple[str, str]]:
    """(transaction_id, PayTrace customer id) of the exceptions a clerk may decide."""
    waiting = results.loc[results["category"].isin(list(EXCEPTIONS)), "transaction_id"]
    known = payments.drop_duplicates("transaction_id").astype({"transaction_id": str})
    payers = known.set_index("transaction_id")["paytrace_customer_id"]
    found = payers.reindex(waiting.astype(str).unique()).dropna().astype(str)
    return [(str(tid), payer) for tid, payer in found.items() if payer]


def learn_from_decisions(
    ledger: Ledger,
    run_id: str,
    plan: Plan,
    decisions: Iterable[ClerkDecision],
    now: dt.datetime,
) -> list[CustomerLink]:
    """Record (and return) the links the accepted ``assign`` decisions teach.

    Only an unambiguous decision teaches: it assigns invoices of exactly one abas customer,
    and the payment has a PayTrace customer that is not that customer's own number.
    """
    assigning = [d for d in decisions if "assign" in d.action.split("+")]
    payers = ledger.payers_of(d.transaction_id for d in assigning)
    links = []
    for decision in assigning:
        payer = payers.get(decision.transaction_id, "")
        owners = {
            p.customer_no
            for p in plan.postings
            if p.transaction_id == decision.transaction_id and not p.write_off_account
        }
        if not payer or len(owners) != 1 or payer in owners:
            continue
        link = CustomerLink(
            paytrace_customer_id=payer,
            customer_no=owners.pop(),
            run_id=run_id,
            plan_run_id=plan.run_id,
            transaction_id=decision.transaction_id,
            place=decision.where,
            note=decision.note,
            linked_at=now,
        )
        links.append(link)
        log.info(
            "learned: PayTrace customer %s pays for abas customer %s (%s)",
            link.paytrace_customer_id,
            link.customer_no,
            link.place,
        )
    ledger.learn_links(links)
    return links
