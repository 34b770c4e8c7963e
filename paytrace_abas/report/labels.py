"""Sheet names, column labels, category names and fixed texts: every word a clerk reads.

The English text is marked here for extraction; its translation lives in the message catalogs
(report/catalog.py, docs/i18n.md). The keys are stable identifiers other modules use.
"""

from __future__ import annotations

from paytrace_abas.models import Category
from paytrace_abas.report.catalog import LANGUAGES, N_, NC_, translate

__all__ = ["LANGUAGES"]

# Sheet keys are stable identifiers; names are what the clerk sees (at most 31 characters).
SHEET_NAMES: dict[str, str] = {
    "summary": N_("Summary"),
    "matched": N_("Matched"),
    "postings": N_("Postings"),
    "money_out": N_("Refunds & Chargebacks"),
    "not_money": N_("Not money"),
    "dead_letters": N_("Dead letters"),
    "daily": N_("Daily totals"),
    "card_types": N_("Card types"),
    "batches": N_("Batches"),
    "open_exceptions": N_("Open exceptions"),
    "recurring": N_("Recurring"),
    "customers_linked": N_("Linked customers"),
    "customers_paytrace_only": N_("PayTrace only"),
    "customers_abas_only": N_("abas only"),
    "customers_differences": N_("Differences"),
    "customers_created": N_("Created in abas"),
    "settlement": N_("Settlement"),
    Category.PARTIAL_PAYMENT: N_("Partial payments"),
    Category.OVERPAYMENT: N_("Overpayments"),
    Category.AMBIGUOUS: N_("Ambiguous"),
    Category.UNMATCHED: N_("Unmatched"),
    Category.INVOICE_NOT_OPEN: N_("Invoice not open"),
    Category.DUPLICATE: N_("Duplicates"),
    Category.CUSTOMER_MISMATCH: N_("Customer mismatch"),
    Category.CURRENCY_MISMATCH: N_("Currency mismatch"),
    Category.ALREADY_POSTED: N_("Already posted"),
}

CATEGORY_NAMES: dict[str, str] = {
    Category.MATCHED: N_("Matched"),
    Category.PARTIAL_PAYMENT: N_("Partial payment"),
    Category.OVERPAYMENT: N_("Overpayment"),
    Category.AMBIGUOUS: N_("Ambiguous"),
    Category.UNMATCHED: N_("Unmatched"),
    Category.INVOICE_NOT_OPEN: N_("Invoice not open"),
    Category.DUPLICATE: N_("Duplicate"),
    Category.CUSTOMER_MISMATCH: N_("Customer mismatch"),
    Category.CURRENCY_MISMATCH: N_("Currency mismatch"),
    Category.ALREADY_POSTED: N_("Already posted"),
    Category.REFUND: N_("Refund"),
    Category.CHARGEBACK: N_("Chargeback"),
    Category.VOID: N_("Void"),
    Category.DECLINED: N_("Declined"),
    Category.PENDING: N_("Pending"),
}

#: Light fills, one per category: header row of its sheet, its tab, its line on the Summary.
CATEGORY_COLOURS: dict[str, str] = {
    Category.MATCHED: "C6EFCE",
    Category.PARTIAL_PAYMENT: "FFEB9C",
    Category.OVERPAYMENT: "F8CBAD",
    Category.AMBIGUOUS: "E4DFEC",
    Category.UNMATCHED: "FFC7CE",
    Category.INVOICE_NOT_OPEN: "FCE4D6",
    Category.DUPLICATE: "DDEBF7",
    Category.CUSTOMER_MISMATCH: "FFF2CC",
    Category.CURRENCY_MISMATCH: "D9E1F2",
    Category.ALREADY_POSTED: "EDEDED",
    Category.REFUND: "E2EFDA",
    Category.CHARGEBACK: "F4B084",
    Category.VOID: "D9D9D9",
    Category.DECLINED: "D9D9D9",
    Category.PENDING: "F2F2F2",
}
#: Sheets that are no single category.
NEUTRAL_COLOUR = "D9E1F2"
ALERT_COLOUR = "FF9999"

COLUMN_LABELS: dict[str, str] = {
    "category": N_("Category"),
    "transaction_id": N_("Transaction"),
    "paid_on": N_("Paid on"),
    "created_on": N_("Date"),
    "day": N_("Day"),
    "billing_name": N_("Billing name"),
    "card": N_("Card"),
    "card_type": N_("Card type"),
    "batch_number": N_("Batch"),
    "amount": N_("Amount"),
    "invoices": N_("Invoices"),
    "customer_no": N_("Customer"),
    "account": N_("Counter account"),
    "posting_state": N_("Posting"),
    "applied": N_("Applied"),
    "discount": N_("Cash discount"),
    "difference": N_("Difference"),
    "days_from_invoice": N_("Days after invoice"),
    "rule_confidence": N_("Confidence"),
    "rule": N_("Rule"),
    "reason": N_("Reason"),
    "runner_up": N_("Runner-up"),
    "paytrace_customer_id": N_("PayTrace customer"),
    "invoice_ref": N_("Reference text"),
    "invoice_no": N_("Invoice"),
    "write_off_account": N_("Write-off account"),
    "status": N_("Status"),
    "abas_document": N_("abas document"),
    "abas_open_after": N_("Open after (abas preview)"),
    "abas_discount": N_("Cash discount (abas preview)"),
    "attempts": N_("Attempts"),
    "last_error": N_("Last error"),
    "failed_at": N_("Failed on"),
    "posted_on": N_("Posted on"),
    "run_id": N_("Run"),
    "count": N_("Count"),
    "age_days": N_("Age (days)"),
    "received_cents": N_("Received"),
    "refunded_cents": N_("Refunded"),
    "net_cents": N_("Net"),
    "first_seen": N_("First seen in run"),
    "settled_on": N_("Settled on"),
    "card_types": N_("Card types"),
    "sales_cents": N_("Sales"),
    "deposit_cents": N_("Deposit"),
    "fee_cents": N_("Fee"),
    "deposit_on": N_("Deposited on"),
    "deposit_source": N_("Statement entry"),
    "original_transaction_id": N_("Undoes payment"),
    "original_invoices": N_("Its invoices"),
    "dispute_status": N_("Dispute"),
    "resolution": N_("Resolution"),
    "note": N_("Note"),
    "name": N_("Name"),
    "street": N_("Street"),
    "zip": N_("ZIP code"),
    "city": N_("City"),
    "country": N_("Country"),
    "email": N_("E-mail"),
    "card_last4": N_("Card (last 4)"),
    "card_expiry": N_("Card expires"),
    "linked_by": N_("Linked by"),
    "similarity": N_("Similarity"),
    "field": N_("Field"),
    "paytrace_value": N_("In PayTrace"),
    "abas_value": N_("In abas"),
    "creation_state": N_("Creation"),
    "schedule_id": N_("Schedule"),
    "due_on": N_("Due on"),
    "card_expires": N_("Card expires"),
    "decided_run": N_("Decided (apply run)"),
    "decided_resolution": N_("Applied decision"),
    "returned_on": N_("Returned on"),
}

#: Words of the Summary sheet and of notes inside tables.
TEXTS: dict[str, str] = {
    # where a chargeback's dispute stands (docs/money-trail.md)
    "dispute_open": NC_("dispute", "open"),
    "dispute_won": NC_("dispute", "won"),
    "dispute_lost": NC_("dispute", "lost"),
    # no "↔": Liberation Sans, which renders Arial where LibreOffice prints, lacks the glyph
    "title": N_("PayTrace – abas reconciliation"),
    "period_title": N_("PayTrace – abas period report"),
    "run": N_("Run"),
    "runs": N_("Runs"),
    "window": N_("Window"),
    "mode": N_("Mode"),
    "dry_run": N_("Dry run: nothing posted"),
    "posted": N_("Posted to abas"),
    "generated": N_("Generated"),
    "currency": N_("Currency"),
    "matched_total": N_("Matched"),
    "exceptions_total": N_("Exceptions"),
    "not_money_total": N_("Not money"),
    "paytrace_total": N_("PayTrace total"),
    "hit_rate": N_("Hit rate (received payments matched to invoices)"),
    "money_rate": N_("Matched share of received money"),
    "postings_by_status": N_("Postings by status"),
    "sheets": N_("Sheets"),
    "rows": N_("rows"),
    "more_matched": N_("More matched rows, in a CSV file beside this workbook:"),
    "more_postings": N_("More posting lines, in a CSV file beside this workbook:"),
    "total": N_("Total"),
    "continued_on": N_("Continued on sheet {name}."),
    "continued_from": N_("Continued from sheet {name}."),
    "no_rows": N_("No rows."),
    "resolution_note": N_(
        "Resolution column: assign 400123 | assign 400123=100.00, 400124 | "
        "write off to 6855 (needs a note) | skonto 400123 | ignore | revise … "
        "More on the Summary sheet."
    ),
    "resolution_prompt": N_(
        "assign 400123\nassign 400123=100.00, 400124\nwrite off to 6855 (with a Note)\n"
        "skonto 400123 (cash discount granted late)\nignore\n"
        "Several decisions: separate with ;\nrevise … replaces an applied decision"
    ),
    "syntax_title": N_("Deciding exceptions: type into the Resolution column, then run resolve"),
    "page_of": N_("Page &P of &N"),
    "no_transactions": N_("No PayTrace transactions in this window."),
    "open_exceptions": N_("Open exceptions"),
    "decided_exceptions": N_("Exceptions decided by a clerk"),
    "oldest": N_("Oldest open exception (days)"),
    "net_settled": N_("Net settled in batches (sales - refunds)"),
    # the status of a recurring schedule's due day (Recurring sheet)
    "recurring_charged": N_("Charged"),
    "recurring_declined": N_("Declined"),
    "recurring_missing": N_("Missing"),
    "recurring_card_expiring": N_("Card expiring"),
}

#: The Summary's syntax block: what to type into Resolution, and what it does.
SYNTAX: tuple[tuple[str, str], ...] = (
    (N_("assign 400123"), N_("pay invoice 400123 (its open amount, or what the payment has left)")),
    (N_("assign 400123=100.00, 400124"), N_("several invoices; an exact amount after =")),
    (N_("write off to 6855"), N_("book what is left to account 6855 (needs a Note)")),
    (N_("write off 10.00 to 6855"), N_("book exactly 10.00 to account 6855 (needs a Note)")),
    (N_("ignore"), N_("post nothing; the Note says why")),
    (N_("skonto 400164"), N_("pay 400164 less its cash discount, granted although paid late")),
    (N_("assign 400300; write off to 4970"), N_("several decisions, separated by ;")),
    (
        N_("revise assign 400302"),
        N_("replace a decision applied before (none posted to abas)"),
    ),
)

#: Matching rules (docs/matching.md) in words: the Rule column.
RULE_NAMES: dict[str, str] = {
    "reference": N_("Invoice named"),
    "reference_multi": N_("Invoices named"),
    "customer_amount": N_("Debtor and amount"),
    "customer_amount_set": N_("Debtor and sum of invoices"),
    "card_state": N_("Card state"),
    "ledger": N_("Earlier run"),
    "none": N_("No rule"),
}

#: Posting states (ledger, plan, abas preview) in words: the Status and Posting columns.
STATUS_NAMES: dict[str, str] = {
    "planned": N_("Planned"),
    "sending": N_("Being sent"),
    "posted": NC_("posting state", "Posted"),
    "failed": N_("Failed, retried"),
    "dead_letter": N_("Dead letter"),
    "book_by_hand": N_("Book by hand in abas"),
    "preview failed": N_("abas preview failed"),
}


def sheet_name(key: str, language: str) -> str:
    """The visible name of a sheet."""
    return translate(SHEET_NAMES[key], language)


def column_label(key: str, language: str) -> str:
    """The header of a column; unknown (extra evidence) columns get a readable English name."""
    label = COLUMN_LABELS.get(key)
    if label is not None:
        return translate(label, language)
    readable = key.removesuffix("_cents").replace("_", " ")
    return readable[:1].upper() + readable[1:]


def column_labels(key: str) -> set[str]:
    """The header of a column in every language (reading a workbook back)."""
    return {column_label(key, language) for language in LANGUAGES}


def category_name(code: str, language: str) -> str:
    """A category code in words; unknown codes are shown as they are."""
    name = CATEGORY_NAMES.get(code)
    return translate(name, language) if name else code


def text(key: str, language: str) -> str:
    """A fixed text of the workbook."""
    return translate(TEXTS[key], language)


def syntax(language: str) -> list[tuple[str, str]]:
    """The Summary's syntax block in ``language``: (what to type, what it does)."""
    return [(translate(typed, language), translate(meaning, language)) for typed, meaning in SYNTAX]


def rule_name(code: str, language: str) -> str:
    """A matching rule's code in words; unknown codes are shown as they are."""
    name = RULE_NAMES.get(code)
    return translate(name, language) if name else code


def status_name(code: str, language: str) -> str:
    """A posting state (ledger or plan) in words; unknown states are shown as they are."""
    name = STATUS_NAMES.get(code)
    return translate(name, language) if name else code


def continuation_name(base: str, number: int) -> str:
    """``Unmatched (2)``: the n-th sheet of a table, kept within Excel's 31 characters."""
    if number == 1:
        return base
    suffix = f" ({number})"
    return base[: 31 - len(suffix)] + suffix
