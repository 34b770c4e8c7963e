"""The REST sink: one ``POST /mw/r/{client}/exec`` per receipt, opening the OP-processing editor.

The payload follows docs/abas.md#posting-a-receipt-through-the-editor: head fields counter
account, document reference (the PayTrace transaction id), document and posting date; one row
per invoice with the invoice number, the "load item" button, the amount and the cash discount;
``Commit`` answering the configured dialogs. It checks itself twice:

* before a receipt is sent the first time, abas is asked whether a document with its
  reference exists, a page of references per query
  (``GET /obj/data/{lookup_table}?criteria=beleg==<a>;beleg==<b>;…;@link=(Or)``), and again
  before any later send;
* after a commit, each invoice's open amount is read back from the open-items table; another
  amount than expected is a ReadBackMismatchError naming both (a failed posting, never silent).

A preview is the same editor closed with ``Cancel``: abas computes the rows and keeps nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paytrace_abas.abas.client import AbasClient, data_objects
from paytrace_abas.abas.codec import (
    decode_cents,
    decode_text,
    encode_cents,
    encode_date,
    field_entry,
)
from paytrace_abas.abas.sink import Found
from paytrace_abas.abas.source import resolve_open_items_table
from paytrace_abas.config import AbasSettings, Secrets
from paytrace_abas.errors import ReadBackMismatchError, SourceError
from paytrace_abas.models import Receipt

log = logging.getLogger(__name__)

#: references asked about in one look-up before the first send (the criteria travel in the URL)
LOOKUP_PAGE = 50


@dataclass(frozen=True)
class PreviewLine:
    """What abas computed for one invoice of a receipt, before anything was committed."""

    invoice_no: str
    open_after_cents: int | None
    discount_cents: int | None


class RestSink:
    """Posts receipts through the shared abas REST client (one connection pool, thread-safe)."""

    def __init__(self, settings: AbasSettings, secrets: Secrets, pool_size: int = 4) -> None:
        self._settings = settings
        self._client = AbasClient(settings, secrets, pool_size=pool_size)
        self._table_lock = threading.Lock()
        self._open_items_table = ""
        self._warned_unverified = False

    def post(self, receipt: Receipt) -> str:
        """Open the editor, fill head and rows, commit, read back; returns abas' document."""
        body = exec_payload(receipt, self._settings)
        call = f"POST /exec for transaction {receipt.transaction_id}"
        answer = self._client.execute(body, call, retry=False)
        document = self._document(_content_data(answer), receipt.transaction_id)
        log.debug("transaction %s posted as abas document %s", receipt.transaction_id, document)
        self._read_back(receipt, document)
        return document

    def preview(self, receipt: Receipt) -> list[PreviewLine]:
        """The editor filled as for posting, then cancelled: abas' open amount and discount."""
        body = exec_payload(receipt, self._settings, commit=False)
        call = f"POST /exec (preview) for transaction {receipt.transaction_id}"
        rows = _content_data(self._client.execute(body, call, retry=True)).get("table") or []
        names = self._settings.receipt_fields
        by_invoice = {}
        for row in rows:
            fields = row.get("fields") if isinstance(row, dict) else None
            invoice = decode_text(field_entry(fields, names["invoice"]))
            by_invoice[invoice] = PreviewLine(
                invoice,
                decode_cents(field_entry(fields, names["open_after"])),
                decode_cents(field_entry(fields, names["discount"])),
            )
        return [
            by_invoice.get(line.invoice_no, PreviewLine(line.invoice_no, None, None))
            for line in receipt.lines
        ]

    def find(self, receipt: Receipt) -> Found | None:
        """The abas document whose reference is the transaction id, if any."""
        return self.find_many([receipt]).get(receipt.transaction_id)

    def find_many(self, receipts: Sequence[Receipt]) -> dict[str, Found]:
        """The abas documents holding these receipts' references: one query per page of them."""
        found: dict[str, Found] = {}
        for start in range(0, len(receipts), LOOKUP_PAGE):
            page = receipts[start : start + LOOKUP_PAGE]
            documents = self._documents_with_references([r.transaction_id for r in page])
            for receipt in page:
                if receipt.transaction_id in documents:
                    invoices = frozenset(line.invoice_no for line in receipt.lines)
                    found[receipt.transaction_id] = Found(
                        documents[receipt.transaction_id], invoices
                    )
        return found

    def _documents_with_references(self, references: list[str]) -> dict[str, str]:
        """Reference -> abas document, for those of ``references`` abas holds."""
        field = self._settings.receipt_fields["reference"]
        table = self._settings.lookup_table
        wanted = ";".join(f"{field}=={reference}" for reference in references)
        either = ";@link=(Or)" if len(references) > 1 else ""
        params = {
            "criteria": f"{wanted}{either};@filingmode=(Both)",
            "headFields": f"id,{field},{self._settings.receipt_fields['document_number']}",
            "limit": "0",
        }
        call = f"GET /obj/data/{table} for transaction {references[0]}"
        if len(references) > 1:
            call += f" and {len(references) - 1} more"
        documents: dict[str, str] = {}
        for data in data_objects(self._client.get(f"/obj/data/{table}", params, call), call):
            reference = decode_text(field_entry(data.get("head", {}).get("fields"), field))
            if not reference and len(references) == 1:
                reference = references[0]  # an answer without the field: the one asked about
            if reference in references:
                documents.setdefault(reference, self._document(data, reference))
        return documents

    def _document(self, data: dict[str, Any], reference: str) -> str:
        """abas' number of a receipt's document; its reference (``beleg``, the document
        number the receipt was booked under) when abas answers none. The REST object id
        (``(1,102,0)``) is not shown: a clerk cannot look it up (docs/abas.md)."""
        field = self._settings.receipt_fields["document_number"]
        number = decode_text(field_entry(data.get("head", {}).get("fields"), field))
        return number or reference

    def close(self) -> None:
        self._client.close()

    def _read_back(self, receipt: Receipt, document: str) -> None:
        """Compare each invoice's open amount in abas with what the receipt should leave."""
        problems = []
        for line in receipt.lines:
            if line.open_cents is None:
                continue  # planned without an open amount: nothing to compare with
            expected = line.open_cents - line.amount_cents - line.discount_cents
            try:
                found = self.open_amount(line.invoice_no)
            except SourceError as exc:
                log.warning(
                    "transaction %s: posted, but not read back: %s", receipt.transaction_id, exc
                )
                continue
            if found is None:
                self._note_unverified(receipt.transaction_id, line.invoice_no)
                continue
            if found != expected:
                problems.append(
                    f"invoice {line.invoice_no} open {encode_cents(found)} in abas, "
                    f"expected {encode_cents(expected)}"
                )
        if problems:
            raise ReadBackMismatchError(
                f"abas document {document} for transaction {receipt.transaction_id} was "
                f"committed, but the read-back differs: {'; '.join(problems)}",
                document,
            )

    def _note_unverified(self, transaction_id: str, invoice_no: str) -> None:
        """Not in the selection (another company, filed away): nothing to compare with.

        Said once as a warning (a wrong open-items table shows up), then only at info level.
        """
        with self._table_lock:
            first, self._warned_unverified = not self._warned_unverified, True
        log.log(
            logging.WARNING if first else logging.INFO,
            "transaction %s: posted, but invoice %s is not in the open-items table %s, so it "
            "was not read back%s",
            transaction_id,
            invoice_no,
            self._open_items_table,
            " (further ones are logged at info level)" if first else "",
        )

    def open_amount(self, invoice_no: str) -> int | None:
        """What abas shows open for an invoice now; None when no open item holds it."""
        names = self._settings.open_item_fields
        table = self._table()
        criteria = f"{names['invoice_no']}=={invoice_no}"
        if self._settings.open_items_criteria:
            criteria += f";{self._settings.open_items_criteria}"
        params = {
            "criteria": criteria,
            "headFields": f"id,{names['invoice_no']},{names['open_amount']}",
            "limit": "0",
        }
        call = f"GET /obj/data/{table} (read-back of invoice {invoice_no})"
        objects = data_objects(self._client.get(f"/obj/data/{table}", params, call), call)
        if not objects:
            return None
        amounts = (
            decode_cents(field_entry(obj.get("head", {}).get("fields"), names["open_amount"]))
            for obj in objects
        )
        return sum(amount or 0 for amount in amounts)

    def _table(self) -> str:
        with self._table_lock:
            if not self._open_items_table:
                self._open_items_table = resolve_open_items_table(self._client)
            return self._open_items_table


def exec_payload(receipt: Receipt, settings: AbasSettings, commit: bool = True) -> dict[str, Any]:
    """The ``CommonEditorCommands`` body of one receipt; ``commit=False`` cancels (a preview)."""
    names = settings.receipt_fields
    day = encode_date(receipt.paid_on)
    actions = [
        _set(names["counter_account"], receipt.account),
        _set(names["reference"], receipt.transaction_id),
        _set(names["document_date"], day),
        _set(names["posting_date"], day),
        _set(names["currency"], receipt.currency),
    ]
    for line in receipt.lines:
        actions += [
            {"_type": "InsertRow", "dialogAnswers": []},
            _set(names["invoice"], line.invoice_no, row="."),
            _set(names["load_item"], "", row="."),
            _set(names["amount"], encode_cents(line.amount_cents), row="."),
            _set(names["discount"], encode_cents(line.discount_cents), row="."),
        ]
    answers = [{"id": key, "values": [value]} for key, value in settings.dialog_answers.items()]
    close = {"_type": "Commit", "dialogAnswers": answers} if commit else {"_type": "Cancel"}
    table_fields = [names["invoice"], names["amount"]]
    if not commit:
        table_fields += [names["open_after"], names["discount"]]
    return {
        "initAction": {
            "_type": "OpenEditor",
            "tableName": settings.editor_table,
            "editAction": "NEW",
            "dialogAnswers": [],
            "screenEnterDialogAnswers": [],
        },
        "actions": actions,
        "closeAction": close,
        "headFields": f"id,{names['reference']},{names['document_number']}",
        "tableFields": ",".join(table_fields),
    }


def _set(field: str, value: str, row: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"_type": "SetFieldValue", "fieldName": field, "value": value}
    if row is not None:
        action["rowSpec"] = row
    action["dialogAnswers"] = []
    return action


def _content_data(answer: dict[str, Any]) -> dict[str, Any]:
    content = answer.get("content")
    data = content.get("data") if isinstance(content, dict) else None
    return data if isinstance(data, dict) else {}
