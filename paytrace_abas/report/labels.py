"""Sheet names, column labels and category colours: every word a clerk reads, in two languages."""

from __future__ import annotations

from paytrace_abas.models import Category

LANGUAGES = ("en", "de")

# Sheet keys are stable identifiers; names are what the clerk sees (at most 31 characters).
SHEET_NAMES: dict[str, dict[str, str]] = {
    "summary": {"en": "Summary", "de": "Übersicht"},
    "matched": {"en": "Matched", "de": "Zugeordnet"},
    "postings": {"en": "Postings", "de": "Buchungen"},
    "money_out": {"en": "Refunds & Chargebacks", "de": "Erstattungen & Rückbuchungen"},
    "not_money": {"en": "Not money", "de": "Keine Zahlung"},
    "dead_letters": {"en": "Dead letters", "de": "Fehlgeschlagene Buchungen"},
    "daily": {"en": "Daily totals", "de": "Tagessummen"},
    "card_types": {"en": "Card types", "de": "Kartenarten"},
    "batches": {"en": "Batches", "de": "Batches"},
    "settlement": {"en": "Settlement", "de": "Abrechnung"},
    "open_exceptions": {"en": "Open exceptions", "de": "Offene Klärfälle"},
    "customers_linked": {"en": "Linked customers", "de": "Verknüpfte Kunden"},
    "customers_paytrace_only": {"en": "PayTrace only", "de": "Nur in PayTrace"},
    "customers_abas_only": {"en": "abas only", "de": "Nur in abas"},
    "customers_differences": {"en": "Differences", "de": "Abweichungen"},
    "customers_created": {"en": "Created in abas", "de": "In abas angelegt"},
    "recurring": {"en": "Recurring", "de": "Wiederkehrende Zahlungen"},
    Category.PARTIAL_PAYMENT: {"en": "Partial payments", "de": "Teilzahlungen"},
    Category.OVERPAYMENT: {"en": "Overpayments", "de": "Überzahlungen"},
    Category.AMBIGUOUS: {"en": "Ambiguous", "de": "Mehrdeutig"},
    Category.UNMATCHED: {"en": "Unmatched", "de": "Nicht zugeordnet"},
    Category.INVOICE_NOT_OPEN: {"en": "Invoice not open", "de": "Rechnung nicht offen"},
    Category.DUPLICATE: {"en": "Duplicates", "de": "Doppelzahlungen"},
    Category.CUSTOMER_MISMATCH: {"en": "Customer mismatch", "de": "Anderer Kunde"},
    Category.CURRENCY_MISMATCH: {"en": "Currency mismatch", "de": "Andere Währung"},
    Category.ALREADY_POSTED: {"en": "Already posted", "de": "Bereits gebucht"},
}

CATEGORY_NAMES: dict[str, dict[str, str]] = {
    Category.MATCHED: {"en": "Matched", "de": "Zugeordnet"},
    Category.PARTIAL_PAYMENT: {"en": "Partial payment", "de": "Teilzahlung"},
    Category.OVERPAYMENT: {"en": "Overpayment", "de": "Überzahlung"},
    Category.AMBIGUOUS: {"en": "Ambiguous", "de": "Mehrdeutig"},
    Category.UNMATCHED: {"en": "Unmatched", "de": "Nicht zugeordnet"},
    Category.INVOICE_NOT_OPEN: {"en": "Invoice not open", "de": "Rechnung nicht offen"},
    Category.DUPLICATE: {"en": "Duplicate", "de": "Doppelzahlung"},
    Category.CUSTOMER_MISMATCH: {"en": "Customer mismatch", "de": "Anderer Kunde"},
    Category.CURRENCY_MISMATCH: {"en": "Currency mismatch", "de": "Andere Währung"},
    Category.ALREADY_POSTED: {"en": "Already posted", "de": "Bereits gebucht"},
    Category.REFUND: {"en": "Refund", "de": "Erstattung"},
    Category.CHARGEBACK: {"en": "Chargeback", "de": "Rückbuchung"},
    Category.VOID: {"en": "Void", "de": "Storniert"},
    Category.DECLINED: {"en": "Declined", "de": "Abgelehnt"},
    Category.PENDING: {"en": "Pending", "de": "Nicht abgerechnet"},
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

COLUMN_LABELS: dict[str, dict[str, str]] = {
    "category": {"en": "Category", "de": "Kategorie"},
    "transaction_id": {"en": "Transaction", "de": "Transaktion"},
    "paid_on": {"en": "Paid on", "de": "Bezahlt am"},
    "created_on": {"en": "Date", "de": "Datum"},
    "day": {"en": "Day", "de": "Tag"},
    "billing_name": {"en": "Billing name", "de": "Karteninhaber"},
    "card": {"en": "Card", "de": "Karte"},
    "card_type": {"en": "Card type", "de": "Kartenart"},
    "batch_number": {"en": "Batch", "de": "Batch"},
    "amount": {"en": "Amount", "de": "Betrag"},
    "invoices": {"en": "Invoices", "de": "Rechnungen"},
    "customer_no": {"en": "Customer", "de": "Kunde"},
    "account": {"en": "Counter account", "de": "Gegenkonto"},
    "posting_state": {"en": "Posting", "de": "Buchung"},
    "applied": {"en": "Applied", "de": "Ausgeglichen"},
    "discount": {"en": "Cash discount", "de": "Skonto"},
    "difference": {"en": "Difference", "de": "Differenz"},
    "days_from_invoice": {"en": "Days after invoice", "de": "Tage nach Rechnung"},
    "rule_confidence": {"en": "Confidence", "de": "Sicherheit"},
    "rule": {"en": "Rule", "de": "Regel"},
    "reason": {"en": "Reason", "de": "Begründung"},
    "runner_up": {"en": "Runner-up", "de": "Nächstbester Kandidat"},
    "paytrace_customer_id": {"en": "PayTrace customer", "de": "PayTrace-Kunde"},
    "invoice_ref": {"en": "Reference text", "de": "Verwendungszweck"},
    "invoice_no": {"en": "Invoice", "de": "Rechnung"},
    "write_off_account": {"en": "Write-off account", "de": "Ausbuchungskonto"},
    "status": {"en": "Status", "de": "Status"},
    "abas_document": {"en": "abas document", "de": "abas-Beleg"},
    "abas_open_after": {"en": "Open after (abas preview)", "de": "Danach offen (abas-Vorschau)"},
    "abas_discount": {"en": "Cash discount (abas preview)", "de": "Skonto (abas-Vorschau)"},
    "attempts": {"en": "Attempts", "de": "Versuche"},
    "last_error": {"en": "Last error", "de": "Letzter Fehler"},
    "failed_at": {"en": "Failed on", "de": "Fehlgeschlagen am"},
    "posted_on": {"en": "Posted on", "de": "Gebucht am"},
    "run_id": {"en": "Run", "de": "Lauf"},
    "count": {"en": "Count", "de": "Anzahl"},
    "age_days": {"en": "Age (days)", "de": "Alter (Tage)"},
    "received_cents": {"en": "Received", "de": "Eingang"},
    "refunded_cents": {"en": "Refunded", "de": "Erstattet"},
    "net_cents": {"en": "Net", "de": "Netto"},
    "settled_on": {"en": "Settled on", "de": "Abgerechnet am"},
    "card_types": {"en": "Card types", "de": "Kartenarten"},
    "sales_cents": {"en": "Sales", "de": "Umsätze"},
    "deposit_cents": {"en": "Deposit", "de": "Gutschrift"},
    "fee_cents": {"en": "Fee", "de": "Gebühr"},
    "deposit_on": {"en": "Deposited on", "de": "Gutgeschrieben am"},
    "deposit_source": {"en": "Statement entry", "de": "Kontoauszug-Eintrag"},
    "first_seen": {"en": "First seen in run", "de": "Erstmals in Lauf"},
    "original_transaction_id": {"en": "Undoes payment", "de": "Macht Zahlung rückgängig"},
    "original_invoices": {"en": "Its invoices", "de": "Deren Rechnungen"},
    "dispute_status": {"en": "Dispute", "de": "Streitfall"},
    "resolution": {"en": "Resolution", "de": "Entscheidung"},
    "note": {"en": "Note", "de": "Notiz"},
    "name": {"en": "Name", "de": "Name"},
    "street": {"en": "Street", "de": "Straße"},
    "zip": {"en": "ZIP code", "de": "PLZ"},
    "city": {"en": "City", "de": "Ort"},
    "country": {"en": "Country", "de": "Land"},
    "email": {"en": "E-mail", "de": "E-Mail"},
    "card_last4": {"en": "Card (last 4)", "de": "Karte (letzte 4)"},
    "card_expiry": {"en": "Card expires", "de": "Karte gültig bis"},
    "linked_by": {"en": "Linked by", "de": "Verknüpft über"},
    "similarity": {"en": "Similarity", "de": "Ähnlichkeit"},
    "field": {"en": "Field", "de": "Feld"},
    "paytrace_value": {"en": "In PayTrace", "de": "In PayTrace"},
    "abas_value": {"en": "In abas", "de": "In abas"},
    "creation_state": {"en": "Creation", "de": "Anlage"},
    "schedule_id": {"en": "Schedule", "de": "Zahlungsplan"},
    "due_on": {"en": "Due on", "de": "Fällig am"},
    "card_expires": {"en": "Card expires", "de": "Karte gültig bis"},
    "decided_run": {"en": "Decided (apply run)", "de": "Entschieden (Lauf)"},
    "decided_resolution": {"en": "Applied decision", "de": "Angewendete Entscheidung"},
    "returned_on": {"en": "Returned on", "de": "Zurückgebucht am"},
}

#: Words of the Summary sheet and of notes inside tables.
TEXTS: dict[str, dict[str, str]] = {
    # where a chargeback's dispute stands (docs/money-trail.md)
    "dispute_open": {"en": "open", "de": "offen"},
    "dispute_won": {"en": "won", "de": "gewonnen"},
    "dispute_lost": {"en": "lost", "de": "verloren"},
    # no "↔": Liberation Sans, which renders Arial where LibreOffice prints, lacks the glyph
    "title": {"en": "PayTrace – abas reconciliation", "de": "Abgleich PayTrace – abas"},
    "period_title": {
        "en": "PayTrace – abas period report",
        "de": "PayTrace – abas Periodenbericht",
    },
    "run": {"en": "Run", "de": "Lauf"},
    "runs": {"en": "Runs", "de": "Läufe"},
    "window": {"en": "Window", "de": "Zeitraum"},
    "mode": {"en": "Mode", "de": "Modus"},
    "dry_run": {"en": "Dry run: nothing posted", "de": "Probelauf: nichts gebucht"},
    "posted": {"en": "Posted to abas", "de": "In abas gebucht"},
    "generated": {"en": "Generated", "de": "Erstellt"},
    "currency": {"en": "Currency", "de": "Währung"},
    "matched_total": {"en": "Matched", "de": "Zugeordnet"},
    "exceptions_total": {"en": "Exceptions", "de": "Klärfälle"},
    "not_money_total": {"en": "Not money", "de": "Keine Zahlung"},
    "paytrace_total": {"en": "PayTrace total", "de": "Summe PayTrace"},
    "net_settled": {
        "en": "Net settled in batches (sales - refunds)",
        "de": "Netto abgerechnet in Batches (Umsätze - Erstattungen)",
    },
    "hit_rate": {
        "en": "Hit rate (received payments matched to invoices)",
        "de": "Trefferquote (Zahlungseingänge mit Rechnung)",
    },
    "money_rate": {
        "en": "Matched share of received money",
        "de": "Zugeordneter Anteil des Geldeingangs",
    },
    "postings_by_status": {"en": "Postings by status", "de": "Buchungen nach Status"},
    "sheets": {"en": "Sheets", "de": "Blätter"},
    "rows": {"en": "rows", "de": "Zeilen"},
    "more_matched": {
        "en": "More matched rows, in a CSV file beside this workbook:",
        "de": "Weitere zugeordnete Zeilen, in einer CSV-Datei neben dieser Mappe:",
    },
    "more_postings": {
        "en": "More posting lines, in a CSV file beside this workbook:",
        "de": "Weitere Buchungszeilen, in einer CSV-Datei neben dieser Mappe:",
    },
    "total": {"en": "Total", "de": "Summe"},
    "continued_on": {"en": "Continued on sheet {name}.", "de": "Fortsetzung auf Blatt {name}."},
    "continued_from": {"en": "Continued from sheet {name}.", "de": "Fortsetzung von Blatt {name}."},
    "no_rows": {"en": "No rows.", "de": "Keine Zeilen."},
    "resolution_note": {
        "en": "Resolution column: assign 400123 | assign 400123=100.00, 400124 | "
        "write off to 6855 (needs a note) | skonto 400123 | ignore | revise … "
        "More on the Summary sheet.",
        "de": "Spalte Entscheidung: zuordnen 400123 | zuordnen 400123=100,00, 400124 | "
        "ausbuchen auf 6855 (Notiz nötig) | skonto 400123 | ignorieren | ändern: … "
        "Mehr auf dem Blatt Übersicht.",
    },
    # at most 255 characters: Excel's limit for an input message
    "resolution_prompt": {
        "en": "assign 400123\nassign 400123=100.00, 400124\nwrite off to 6855 (with a Note)\n"
        "skonto 400123 (cash discount granted late)\nignore\n"
        "Several decisions: separate with ;\nrevise … replaces an applied decision",
        "de": "zuordnen 400123\nzuordnen 400123=100,00, 400124\n"
        "ausbuchen auf 6855 (mit Notiz)\nskonto 400123 (Skonto nachträglich)\nignorieren\n"
        "Mehrere Entscheidungen: mit ; trennen\nändern: … ersetzt eine angewendete Entscheidung",
    },
    "syntax_title": {
        "en": "Deciding exceptions: type into the Resolution column, then run resolve",
        "de": "Klärfälle entscheiden: in die Spalte Entscheidung schreiben, dann resolve ausführen",
    },
    "page_of": {"en": "Page &P of &N", "de": "Seite &P von &N"},
    "no_transactions": {
        "en": "No PayTrace transactions in this window.",
        "de": "Keine PayTrace-Transaktionen in diesem Zeitraum.",
    },
    "open_exceptions": {"en": "Open exceptions", "de": "Offene Klärfälle"},
    "decided_exceptions": {
        "en": "Exceptions decided by a clerk",
        "de": "Bereits entschiedene Klärfälle",
    },
    "oldest": {"en": "Oldest open exception (days)", "de": "Ältester offener Klärfall (Tage)"},
    # the status of a recurring schedule's due day (Recurring sheet)
    "recurring_charged": {"en": "Charged", "de": "Belastet"},
    "recurring_declined": {"en": "Declined", "de": "Abgelehnt"},
    "recurring_missing": {"en": "Missing", "de": "Fehlt"},
    "recurring_card_expiring": {"en": "Card expiring", "de": "Karte läuft ab"},
}


#: The Summary's syntax block: what to type into Resolution, and what it does.
SYNTAX: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("assign 400123", "pay invoice 400123 (its open amount, or what the payment has left)"),
        ("assign 400123=100.00, 400124", "several invoices; an exact amount after ="),
        ("write off to 6855", "book what is left to account 6855 (needs a Note)"),
        ("write off 10.00 to 6855", "book exactly 10.00 to account 6855 (needs a Note)"),
        ("ignore", "post nothing; the Note says why"),
        ("skonto 400164", "pay 400164 less its cash discount, granted although paid late"),
        ("assign 400300; write off to 4970", "several decisions, separated by ;"),
        ("revise assign 400302", "replace a decision applied before (none posted to abas)"),
    ),
    "de": (
        ("zuordnen 400123", "Rechnung 400123 ausgleichen (offener Betrag oder Rest der Zahlung)"),
        ("zuordnen 400123=100,00, 400124", "mehrere Rechnungen; genauer Betrag nach ="),
        ("ausbuchen auf 6855", "den Rest auf Konto 6855 buchen (Notiz nötig)"),
        ("ausbuchen 10,00 auf 6855", "genau 10,00 auf Konto 6855 buchen (Notiz nötig)"),
        ("ignorieren", "nichts buchen; die Notiz sagt warum"),
        ("skonto 400164", "400164 abzüglich Skonto ausgleichen, trotz verspäteter Zahlung"),
        ("zuordnen 400300; ausbuchen auf 4970", "mehrere Entscheidungen, mit ; getrennt"),
        ("ändern: zuordnen 400302", "angewendete Entscheidung ersetzen (nichts in abas gebucht)"),
    ),
}


def sheet_name(key: str, language: str) -> str:
    """The visible name of a sheet."""
    return SHEET_NAMES[key][language]


def column_label(key: str, language: str) -> str:
    """The header of a column; unknown (extra evidence) columns get a readable English name."""
    labels = COLUMN_LABELS.get(key)
    if labels is not None:
        return labels[language]
    readable = key.removesuffix("_cents").replace("_", " ")
    return readable[:1].upper() + readable[1:]


def category_name(code: str, language: str) -> str:
    """A category code in words; unknown codes are shown as they are."""
    names = CATEGORY_NAMES.get(code)
    return names[language] if names else code


def text(key: str, language: str) -> str:
    """A fixed text of the workbook."""
    return TEXTS[key][language]


def continuation_name(base: str, number: int) -> str:
    """``Unmatched (2)``: the n-th sheet of a table, kept within Excel's 31 characters."""
    if number == 1:
        return base
    suffix = f" ({number})"
    return base[: 31 - len(suffix)] + suffix
