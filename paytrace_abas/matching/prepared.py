"""The inputs as the passes use them: open items indexed, payments in paying order.

Both are built once per run from the canonical frames (never mutated); every pass then works on
integer positions: ``item`` is a row of :class:`OpenItemIndex`, ``pay`` a row of :class:`Payments`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.groups import Ints, ordered_rows
from paytrace_abas.matching.payers import CustomerDirectory
from paytrace_abas.matching.references import is_case_sensitive
from paytrace_abas.matching.texts import filled

#: a day number for a missing date: before every real one
NO_DAY = np.int64(-(2**40))


@dataclass(frozen=True)
class OpenItemIndex:
    """Open items by position, with look-ups by invoice number and by customer."""

    invoice_no: npt.NDArray[np.object_]
    customer_no: npt.NDArray[np.object_]
    currency: npt.NDArray[np.object_]
    open_cents: Ints
    gross_cents: Ints
    discount_bp: Ints
    discount_until: Ints
    invoice_day: Ints
    #: customer codes of the items, the customers' names, and items grouped by customer (CSR)
    customer_code: Ints
    customers: pd.Index
    customer_start: Ints
    customer_items: Ints

    def __len__(self) -> int:
        return len(self.invoice_no)

    def items_of(self, codes: Ints) -> tuple[Ints, Ints]:
        """(owner position, item) for every item of each customer code (-1 has none)."""
        valid = codes >= 0
        safe = np.where(valid, codes, 0)
        first = np.where(valid, self.customer_start[safe], 0)
        count = np.where(valid, self.customer_start[safe + 1] - first, 0)
        owner = np.repeat(np.arange(len(codes), dtype=np.int64), count)
        offset = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
        return owner, self.customer_items[np.repeat(first, count) + offset]


@dataclass(frozen=True)
class Payments:
    """Payments in paying order (earliest first: the first payer of an invoice wins)."""

    order: Ints
    transaction_id: npt.NDArray[np.object_]
    #: payment kind and card status as codes into ``kinds`` / ``statuses`` (few distinct texts)
    kind_code: Ints
    kinds: npt.NDArray[np.object_]
    status_code: Ints
    statuses: npt.NDArray[np.object_]
    amount: Ints
    currency: npt.NDArray[np.object_]
    paid_day: Ints
    payer: npt.NDArray[np.object_]
    payer_code: Ints
    #: the payer is an abas customer (a walk-in or a vault id of another shape is not)
    payer_is_customer: npt.NDArray[np.bool_]
    billing_name: npt.NDArray[np.object_]
    #: transaction id, currency and payer in input order (``x[order]`` of the input column):
    #: the results frame takes them as they are instead of gathering them back
    input_columns: dict[str, npt.NDArray[np.object_]]

    def __len__(self) -> int:
        return len(self.order)


def take(values: np.ndarray, positions: Ints, missing: object) -> np.ndarray:
    """``values[positions]``, with ``missing`` where a position is -1 (also for no values)."""
    found = positions >= 0
    result = np.empty(len(positions), dtype=values.dtype)
    result.fill(missing)  # np.full is four times slower for objects
    result[found] = values[positions[found]]
    return result


@dataclass(frozen=True)
class InvoiceIndex:
    """Open items by invoice number (positions as in :class:`OpenItemIndex`), to look numbers up."""

    by_number: pd.Index
    open_cents: Ints

    def __len__(self) -> int:
        return len(self.open_cents)


def index_invoices(open_items: pd.DataFrame, settings: MatchingSettings) -> InvoiceIndex:
    """Hash the invoice numbers, which must be unique (the abas reader checks that too)."""
    numbers = _texts(open_items["invoice_no"])
    keys = numbers if is_case_sensitive(settings) else np.char.upper(numbers.astype(str))
    by_number = pd.Index(keys, dtype=object)
    if not by_number.is_unique:
        raise ValueError("open items must have unique invoice numbers")
    return InvoiceIndex(by_number, _cents(open_items["open_cents"]))


def index_open_items(open_items: pd.DataFrame, settings: MatchingSettings) -> OpenItemIndex:
    """The open items by position and grouped by customer (numbers: :func:`index_invoices`)."""
    numbers = _texts(open_items["invoice_no"])
    customer = _texts(open_items["customer_no"])
    codes, customers = pd.factorize(customer, sort=False)
    customer = np.asarray(customers, dtype=object)[codes]  # one shared object per customer
    grouped = np.argsort(codes, kind="stable").astype(np.int64)
    start = np.zeros(len(customers) + 1, dtype=np.int64)
    start[1:] = np.cumsum(np.bincount(codes, minlength=len(customers)))
    return OpenItemIndex(
        invoice_no=numbers,
        customer_no=customer,
        currency=_shared(_texts(open_items["currency"])),
        open_cents=_cents(open_items["open_cents"]),
        gross_cents=_cents(open_items["gross_cents"]),
        discount_bp=_cents(open_items["discount_bp"]),
        discount_until=_days(open_items["discount_until"]),
        invoice_day=_days(open_items["invoice_date"]),
        customer_code=codes.astype(np.int64),
        customers=pd.Index(customers, dtype=object),
        customer_start=start,
        customer_items=grouped,
    )


def build_payments(
    payments: pd.DataFrame,
    item_index: OpenItemIndex,
    settings: MatchingSettings,
    directory: CustomerDirectory,
    learned_links: Mapping[str, str] | None = None,
) -> Payments:
    """Payments sorted by creation time, then transaction id (stable under any input order).

    The payer is the abas customer ``[matching] customer_map`` names, else the one a clerk's
    decision linked (``learned_links``: PayTrace customer id -> abas customer), else the
    PayTrace customer id itself.
    """
    ids = _texts(payments["transaction_id"])
    created = pd.to_datetime(payments["created_at"], utc=True).to_numpy(dtype="datetime64[ns]")
    order = ordered_rows(created.astype(np.int64), _sortable(ids))
    # Customers, currencies, kinds and states repeat: each is coded once in input order (where
    # the strings lie in memory in sequence) and rebuilt from its few distinct values, so that
    # later look-ups, comparisons and gathers touch a few shared objects, not a million.
    ref_codes, refs = _coded(_texts(payments["paytrace_customer_id"]))
    payers = _payers(refs, settings, learned_links or {})
    payer_codes = item_index.customers.get_indexer(pd.Index(payers, dtype=object)).astype(np.int64)
    payer_in_input = payers[ref_codes]
    is_customer = directory.is_customer(payers) | (payer_codes >= 0)
    currency = _shared(_texts(payments["currency"]))
    kind_code, kinds = _coded(_texts(payments["kind"]))
    status_code, statuses = _coded(_texts(payments["status"]))
    return Payments(
        order=order,
        transaction_id=ids[order],
        kind_code=kind_code[order],
        kinds=kinds,
        status_code=status_code[order],
        statuses=statuses,
        amount=_cents(payments["amount_cents"])[order],
        currency=currency[order],
        paid_day=_days(payments["paid_on"])[order],
        payer=payer_in_input[order],
        payer_code=payer_codes[ref_codes[order]],
        payer_is_customer=is_customer[ref_codes[order]],
        billing_name=_column(payments, "billing_name")[order],
        input_columns={"transaction_id": ids, "currency": currency, "payer": payer_in_input},
    )


def _coded(values: npt.NDArray[np.object_]) -> tuple[Ints, npt.NDArray[np.object_]]:
    """(code per row, distinct values): ``distinct[code]`` equals ``values``."""
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _shared(values: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Equal values as one shared object each (same texts, a handful of objects)."""
    codes, uniques = _coded(values)
    result: npt.NDArray[np.object_] = uniques[codes]
    return result


def _sortable(ids: npt.NDArray[np.object_]) -> np.ndarray:
    """Transaction ids as numbers when all are (PayTrace's are): ties sort fast and the same way."""
    try:
        numbers = ids.astype(np.int64)
    except (ValueError, OverflowError):
        return ids
    # "007" and "7" would tie and fall back on input order: numbers only when they are unique.
    return numbers if pd.Index(numbers).is_unique else ids


def _payers(
    paytrace_customer_id: npt.NDArray[np.object_],
    settings: MatchingSettings,
    learned_links: Mapping[str, str],
) -> np.ndarray:
    if not settings.customer_map and not learned_links:
        return paytrace_customer_id
    ids = pd.Series(paytrace_customer_id, dtype=object)
    # The configured map always wins over a learned link (docs/customers.md).
    payer_of = {**learned_links, **settings.customer_map}
    return ids.map(payer_of).fillna(ids).to_numpy(dtype=object)


def _column(payments: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
    """A text column of the payments, or "" everywhere when the frame has none."""
    return _texts(payments[name]) if name in payments.columns else filled(len(payments))


def reference_texts(
    payments: pd.DataFrame, settings: MatchingSettings
) -> dict[str, npt.NDArray[np.object_]]:
    """The reference fields in input order (the token scan reads them in sequence in memory)."""
    return {name: _column(payments, name) for name in settings.reference_fields}


def _texts(column: pd.Series) -> npt.NDArray[np.object_]:
    """A text column as an object array, missing values as "" (numbers become their text)."""
    values = column.to_numpy(dtype=object, na_value="")
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        values = np.asarray([str(value) for value in values], dtype=object)
    return values


def _cents(column: pd.Series) -> Ints:
    return column.fillna(0).to_numpy(dtype=np.int64)


def _days(column: pd.Series) -> Ints:
    """Days since the epoch of a date column (date objects or datetime64); missing -> NO_DAY."""
    values = pd.to_datetime(column, errors="coerce") if column.dtype == object else column
    days = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    numbers = days.astype(np.int64)
    return np.where(np.isnat(days), NO_DAY, numbers)
