"""Export bodies decoded at C speed: only the fields the package reads, money exact.

A day of exports is ~4 MB of JSON and 5,000 records; ``json.loads`` builds every one of their
~45 values as Python objects, although normalization reads fewer than half of them. msgspec
decodes into the Structs below instead: fields not declared here are skipped without being
built, which halves the parsing time of a pull (docs/paytrace.md, bench/paytrace_pull.py).

Every field is typed ``Any`` on purpose. PayTrace's types vary (``transaction_id`` a number or a
string, ``amount`` a number or a string, nested objects sometimes missing), and normalization
already copes with each of them and words the errors; a stricter type here would turn such a
record into a decoding failure with a different message. JSON numbers with a fraction become
``Decimal`` from their literal text (``float_hook``), never a float: ``1.5``, ``110`` and
``"12.30"`` stay exactly what PayTrace sent, as with ``json.loads(..., parse_float=Decimal)``.

Whatever msgspec refuses (not an object, ``transactions`` not a list of objects, a BOM,
``NaN``, broken JSON) is left to the caller's ``json.loads``, so odd bodies fail exactly as before.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType


class ExportRecord(msgspec.Struct):
    """One transaction object: the fields normalize.py, client.py and records.py read.

    A field PayTrace left out is ``None``, which every reader treats like a missing key.
    """

    transaction_id: Any = None
    transaction_type: Any = None
    amount: Any = None
    currency: Any = None
    status: Any = None
    response_code: Any = None
    approval_code: Any = None
    approval_message: Any = None
    success: Any = None
    status_message: Any = None
    check_transaction_id: Any = None
    created: Any = None
    settled: Any = None
    credit_card: Any = None
    masked_card_number: Any = None
    card_type: Any = None
    billing_address: Any = None
    invoice_id: Any = None
    description: Any = None
    customer_reference_id: Any = None
    customer_id: Any = None
    batch_number: Any = None


class ExportBody(msgspec.Struct):
    """The envelope of an export or batch transaction list, success or error.

    Keys PayTrace left out stay out of the dict (``"transactions" not in body`` means something).
    """

    success: Any = UNSET
    transactions: list[ExportRecord] | UnsetType | None = UNSET
    response_code: Any = UNSET
    status_message: Any = UNSET
    #: what a decline or approval answered to the export path carries, to name it
    transaction_id: Any = UNSET
    approval_code: Any = UNSET
    approval_message: Any = UNSET
    error: Any = UNSET
    error_description: Any = UNSET
    errors: Any = UNSET


_DECODER = msgspec.json.Decoder(ExportBody, float_hook=Decimal)
_ENVELOPE_FIELDS = tuple(name for name in ExportBody.__struct_fields__ if name != "transactions")
_RECORD_FIELDS = ExportRecord.__struct_fields__


def decode_export(content: bytes) -> dict[str, Any]:
    """An export body as the dict ``json.loads`` would give, less the fields nobody reads.

    Raises ``ValueError`` for anything msgspec does not decode; the caller falls back then.
    """
    try:
        envelope = _DECODER.decode(content)
    except msgspec.MsgspecError as exc:
        raise ValueError(str(exc)) from None
    body: dict[str, Any] = {
        name: value for name in _ENVELOPE_FIELDS if (value := getattr(envelope, name)) is not UNSET
    }
    transactions = envelope.transactions
    if transactions is None:
        body["transactions"] = None
    elif not isinstance(transactions, UnsetType):
        # Only the fields the record has: a million dicts of all 22 fields, mostly None, were
        # the largest thing a big day held (readers treat None and a missing key alike).
        fields, astuple = _RECORD_FIELDS, msgspec.structs.astuple
        body["transactions"] = [
            {
                name: value
                for name, value in zip(fields, astuple(record), strict=True)
                if value is not None
            }
            for record in transactions
        ]
    return body
