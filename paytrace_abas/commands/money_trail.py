"""What refunds, voids and chargebacks undo, and the dispute files of ``[paytrace]
chargebacks_dir`` (docs/money-trail.md): the ledger's side of the money trail for reconcile."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from paytrace_abas.commands.inputs import load_chargebacks
from paytrace_abas.config import Settings
from paytrace_abas.frames import records
from paytrace_abas.ledger import POSTED, Ledger
from paytrace_abas.ledger.trail import Dispute, PaymentKey
from paytrace_abas.matching.originals import (
    MONEY_IN_KINDS,
    SALE_COLUMNS,
    OriginalFacts,
    find_originals,
    kinds_by_id,
    payer_keys,
    trail_reason,
    undoing_rows,
    voided_by,
    window_sales,
)
from paytrace_abas.models import Window
from paytrace_abas.paytrace.chargebacks import (
    content_hash,
    dispute_files,
    read_chargebacks,
    with_original_payer,
)
from paytrace_abas.report.catalog import N_, translator
from paytrace_abas.report.disputes import Dispute as DisputeLine
from paytrace_abas.report.disputes import dispute_line, with_dispute_status

log = logging.getLogger(__name__)


@dataclass
class Disputes:
    """The chargebacks a run reads from the folder, and what it records once it is done."""

    frame: pd.DataFrame
    #: (content hash, name) of the folder's files read completely: recorded by a posting run
    files: list[tuple[str, str]] = field(default_factory=list)


def read_dispute_folder(
    ledger: Ledger, settings: Settings, window: Window, payments: pd.DataFrame
) -> Disputes:
    """The disputes of ``[paytrace] chargebacks_dir`` no run has read yet, up to the window's
    last day, less those the ledger already holds with the same status."""
    folder = settings.paytrace.chargebacks_dir
    if folder is None:
        return Disputes(pd.DataFrame())
    paths = dispute_files(folder)
    hashes = {path: content_hash(path) for path in paths}
    read, named = ledger.chargeback_files_read(hashes.values(), [p.name for p in paths])
    frames: list[pd.DataFrame] = []
    complete: list[tuple[str, str]] = []
    for path in paths:
        digest = hashes[path]
        if digest in read or digest in {d for d, _ in complete}:
            continue  # this content was read already, under this name or another
        if path.name in named:
            log.warning(
                "%s changed since run %s read it: read again; only new disputes and changed "
                "statuses count",
                path,
                named[path.name],
            )
        every = read_chargebacks(path, settings.paytrace.zone, settings.paytrace.currency)
        rows, waiting = _dated_by(every, window.last_day)
        frames.append(rows)
        if waiting:
            log.info("%s: %d dispute(s) dated after %s wait for a later run", path, waiting, window)
        else:
            complete.append((digest, path.name))
    if not frames:
        return Disputes(pd.DataFrame(), complete)
    every = pd.concat(frames, ignore_index=True).drop_duplicates("transaction_id", keep="last")
    return Disputes(with_original_payer(_news(ledger, every), payments), complete)


def _dated_by(chargebacks: pd.DataFrame, last_day: dt.date) -> tuple[pd.DataFrame, int]:
    """(the disputes dated by ``last_day``, how many are dated later)."""
    inside = chargebacks["paid_on"] <= last_day
    return chargebacks[inside], int((~inside).sum())


def _news(ledger: Ledger, chargebacks: pd.DataFrame) -> pd.DataFrame:
    """Disputes new to the ledger, or whose status changed since it recorded them."""
    known = ledger.disputes_of(case_number(tid) for tid in chargebacks["transaction_id"])
    pairs = zip(chargebacks["transaction_id"], chargebacks["dispute_status"], strict=True)
    news = [
        case_number(tid) not in known or known[case_number(tid)][4] != status
        for tid, status in pairs
    ]
    return chargebacks[news]


def case_number(transaction_id: str) -> str:
    """The processor's case number behind a chargeback row ``CB-<case>``."""
    return str(transaction_id).removeprefix("CB-")


def with_disputes(payments: pd.DataFrame, *chargebacks: pd.DataFrame) -> pd.DataFrame:
    """The payments plus the chargebacks, each case once (the last file's word on it wins)."""
    frames = [frame for frame in chargebacks if not frame.empty]
    if not frames:
        return payments
    disputes = pd.concat(frames, ignore_index=True).drop_duplicates("transaction_id", keep="last")
    return pd.concat([payments, disputes], ignore_index=True)


def with_money_trail(
    ledger: Ledger,
    settings: Settings,
    window: Window,
    payments: pd.DataFrame,
    chargebacks_file: Path | None,
) -> tuple[pd.DataFrame, pd.DataFrame, Disputes]:
    """(payments with the chargebacks and voided sales marked, their originals, the folder's
    disputes): what reconcile matches and later records."""
    one_off = pd.DataFrame()
    if chargebacks_file is not None:
        one_off = load_chargebacks(settings, window, chargebacks_file, payments)
    disputes = read_dispute_folder(ledger, settings, window, payments)
    payments = with_disputes(payments, disputes.frame, one_off)
    originals = find_undone(ledger, settings, payments)
    return cancel_voided(payments, originals), originals, disputes


def find_undone(ledger: Ledger, settings: Settings, payments: pd.DataFrame) -> pd.DataFrame:
    """The original of every refund, void and chargeback (matching.originals.ORIGINAL_COLUMNS),
    searched in the window and in the ledger's payments of the same payers."""
    lookback = settings.matching.refund_lookback_days
    undoing = undoing_rows(payments)
    days = undoing["paid_on"] if len(undoing) else pd.Series([dt.date(1970, 1, 1)])
    customers, cards = payer_keys(payments)
    earlier = ledger.payments_of_payers(
        customers, cards, min(days) - dt.timedelta(days=lookback), max(days)
    )
    sales = pd.concat([window_sales(payments), _ledger_sales(earlier, payments)], ignore_index=True)
    # a sale found by its customer and by its card is one candidate
    sales = sales.drop_duplicates("transaction_id")
    return find_originals(payments, sales, lookback)


def _ledger_sales(keys: list[PaymentKey], payments: pd.DataFrame) -> pd.DataFrame:
    in_window = set(payments["transaction_id"].astype(str))
    rows = [
        {
            "transaction_id": tid,
            "paid_on": dt.date.fromisoformat(day),
            "created_at": pd.NaT,
            "customer_ref": customer,
            "card_last4": card,
            "amount_cents": cents,
        }
        for tid, kind, day, customer, card, cents in keys
        if kind in MONEY_IN_KINDS and tid not in in_window
    ]
    frame = pd.DataFrame(rows, columns=SALE_COLUMNS)
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["amount_cents"] = frame["amount_cents"].astype("int64")
    return frame


def cancel_voided(payments: pd.DataFrame, originals: pd.DataFrame) -> pd.DataFrame:
    """The payments with every sale a void of the window cancels marked voided: never planned."""
    cancelled = voided_by(payments, originals)
    if not cancelled:
        return payments
    marked = payments.copy()
    marked.loc[marked["transaction_id"].astype(str).isin(cancelled), "status"] = "voided"
    return marked


def payment_keys(payments: pd.DataFrame) -> list[PaymentKey]:
    """The window's money-in payments as the ledger keeps them for later refunds."""
    sales = window_sales(payments)
    kinds = kinds_by_id(payments)
    return [
        (tid, kinds[tid], day.isoformat(), customer, card, int(cents))
        for tid, day, customer, card, cents in zip(
            sales["transaction_id"],
            sales["paid_on"],
            sales["customer_ref"],
            sales["card_last4"],
            sales["amount_cents"],
            strict=True,
        )
    ]


def original_facts(
    ledger: Ledger, results: pd.DataFrame, payments: pd.DataFrame, originals: pd.DataFrame
) -> dict[str, OriginalFacts]:
    """Invoices, abas date and customer of every original found, from this run's results or,
    for an earlier day's payment, from the ledger (its receipt, else the newest run's item)."""
    wanted = {str(t) for t in originals["original_transaction_id"].dropna()}
    facts: dict[str, OriginalFacts] = {}
    paid_on = dict(zip(payments["transaction_id"].astype(str), payments["paid_on"], strict=True))
    for row in records(results[results["transaction_id"].astype(str).isin(wanted)]):
        tid = str(row["transaction_id"])
        posted = row.get("posting_state") == POSTED
        facts[tid] = OriginalFacts(
            tuple(str(n) for n in row["invoice_nos"]),
            paid_on.get(tid) if posted else None,
            str(row.get("customer_no") or ""),
            int(row["amount_cents"]),
            # the plan gave it a counter account: a receipt this run plans (or failed) to post
            is_planned=not posted and bool(row.get("account")),
        )
    earlier = wanted - set(facts)
    for _, item in ledger.run_items_of(earlier):
        facts[item.transaction_id] = OriginalFacts(item.invoice_nos, None, "", item.amount_cents)
    for record in ledger.postings_of(earlier):
        receipt = record.receipt
        facts[receipt.transaction_id] = OriginalFacts(
            tuple(line.invoice_no for line in receipt.lines),
            receipt.paid_on if record.state == POSTED else None,
            receipt.customer_no,
            receipt.amount_cents,
        )
    return facts


@dataclass(frozen=True)
class Trail:
    """The results with the money trail's columns, and the lines its alert lists."""

    results: pd.DataFrame
    #: refunds and voids of payments already in abas: "… — reverse the receipt in abas"
    reversals: tuple[str, ...]
    #: the new or changed disputes: the sale each disputes, its invoice and customer
    disputes: tuple[str, ...]


def trail_of_run(
    ledger: Ledger,
    settings: Settings,
    results: pd.DataFrame,
    payments: pd.DataFrame,
    originals: pd.DataFrame,
) -> Trail:
    """The run's results told what its refunds, voids and chargebacks undo (once posting is
    done, so that a payment this run posted counts as posted)."""
    facts = original_facts(ledger, results, payments, originals)
    lookback = settings.matching.refund_lookback_days
    report = settings.report
    return describe_trail(
        results, payments, originals, facts, lookback, report.workbook_language, report.locale
    )


def describe_trail(
    results: pd.DataFrame,
    payments: pd.DataFrame,
    originals: pd.DataFrame,
    facts: Mapping[str, OriginalFacts],
    lookback_days: int,
    language: str = "en",
    locale: str = "en_US",
) -> Trail:
    """Results plus ``original_transaction_id``, ``original_invoice_nos``,
    ``original_candidates`` and ``dispute_status``; each undoing row's reason says what it
    undoes."""
    undone: dict[str, str | None] = {
        str(tid): original if isinstance(original, str) else None
        for tid, original in zip(
            originals["transaction_id"], originals["original_transaction_id"], strict=True
        )
    }
    candidates: dict[str, list[str]] = dict(
        zip(originals["transaction_id"], originals["original_candidates"], strict=True)
    )
    cancelled = voided_by(payments, originals)
    statuses = _dispute_statuses(payments)
    kinds = kinds_by_id(payments)
    ids = [str(tid) for tid in results["transaction_id"].tolist()]
    reasons = [str(reason) for reason in results["reason"].tolist()]
    reversals: list[str] = []
    disputes: list[str] = []
    say = translator(language)
    for position, tid in enumerate(ids):
        original = undone.get(tid)
        if tid in cancelled:
            voided = say(N_("Voided by transaction {transaction}: not posted."))
            reasons[position] = voided.format(transaction=cancelled[tid])
        elif tid in undone:
            if original is not None and cancelled.get(original) == tid:
                cancels = say(
                    N_("Void {void} cancels payment {original} of this window: not posted.")
                )
                sentence = cancels.format(void=tid, original=original)
            else:
                sentence = trail_reason(
                    kinds[tid], tid, original, candidates[tid], facts, lookback_days, say
                )
            reasons[position] = with_dispute_status(sentence, statuses.get(tid, ""), language)
            fact = facts.get(original) if original is not None else None
            if tid in statuses:
                line = _chargeback_line(
                    tid, original, fact, statuses[tid], payments, language, locale
                )
                disputes.append(line)
            elif fact is not None and fact.posted_on is not None:
                reversals.append(sentence)
    enriched = results.copy()
    enriched["reason"] = reasons
    enriched["original_transaction_id"] = pd.Series(
        [undone.get(tid) for tid in ids], index=enriched.index, dtype=object
    )
    enriched["original_invoice_nos"] = [
        list(facts[o].invoice_nos) if o is not None and o in facts else []
        for o in enriched["original_transaction_id"]
    ]
    enriched["original_candidates"] = [list(candidates.get(tid, [])) for tid in ids]
    enriched["dispute_status"] = [statuses.get(tid, "") for tid in ids]
    return Trail(enriched, tuple(reversals), tuple(disputes))


def _dispute_statuses(payments: pd.DataFrame) -> dict[str, str]:
    if "dispute_status" not in payments.columns:
        return {}
    chargebacks = payments[payments["kind"].astype(str) == "chargeback"]
    return dict(
        zip(
            chargebacks["transaction_id"].astype(str),
            chargebacks["dispute_status"].fillna("open").astype(str),
            strict=True,
        )
    )


def _chargeback_line(
    tid: str,
    undone: str | None,
    fact: OriginalFacts | None,
    status: str,
    payments: pd.DataFrame,
    language: str,
    locale: str,
) -> str:
    """One alert line: the dispute, the sale it disputes, that sale's invoice and customer."""
    row = payments[payments["transaction_id"].astype(str) == tid].iloc[0]
    customer = (fact.customer_no if fact else "") or str(row.get("paytrace_customer_id") or "")
    dispute = DisputeLine(
        case_number(tid), status, undone, customer, fact.invoice_nos if fact else ()
    )
    return dispute_line(dispute, int(row["amount_cents"]), str(row["currency"]), language, locale)


def record_trail(
    ledger: Ledger, run_id: str, payments: pd.DataFrame, disputes: Disputes, dry_run: bool
) -> None:
    """The run's last writes: payers' keys always; the disputes and files a posting run read."""
    ledger.record_payment_keys(run_id, payment_keys(payments))
    if dry_run:
        return
    chargebacks = payments[payments["kind"].astype(str) == "chargeback"]
    if "dispute_status" in chargebacks.columns:
        ledger.record_disputes(run_id, _dispute_rows(chargebacks))
    ledger.record_chargeback_files(run_id, disputes.files)


def _dispute_rows(chargebacks: pd.DataFrame) -> list[Dispute]:
    return [
        (
            case_number(str(row["transaction_id"])),
            str(row["purchase_order"]),
            int(row["amount_cents"]),
            row["paid_on"].isoformat(),
            str(row["dispute_status"] or "open"),
        )
        for row in records(chargebacks)
    ]
