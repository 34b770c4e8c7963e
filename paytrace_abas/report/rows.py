"""Rows of the run workbook's tables: results joined with payments, values per column."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd

from paytrace_abas.report import labels
from paytrace_abas.report.cells import is_missing
from paytrace_abas.report.tables import Column


def report_frame(results: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Results joined with the payment details the sheets show, in the results' order."""
    detail_columns = ["transaction_id", "paid_on", "billing_name", "card_type", "card_last4"]
    detail_columns += ["paytrace_customer_id", "invoice_ref", "batch_number"]
    details = payments[[c for c in detail_columns if c in payments.columns]]
    merged = results.merge(details, on="transaction_id", how="left", suffixes=("", "_payment"))
    return merged


def table_rows(
    frame: pd.DataFrame, columns: Sequence[Column], language: str
) -> Iterator[tuple[Any, ...]]:
    """Rows of plain values, one list per column built column-wise (fast for big frames)."""
    prepared = [_column_values(frame, column.key, language) for column in columns]
    return zip(*prepared, strict=True) if prepared else iter(())


def _column_values(frame: pd.DataFrame, key: str, language: str) -> list[Any]:
    derive = _DERIVED.get(key)
    if derive is not None:
        return derive(frame, language)
    if key in frame.columns:
        return _plain_values(frame[key])
    return [None] * len(frame)


def _plain_values(column: pd.Series) -> list[Any]:
    values = column.tolist()
    if column.dtype != object or not any(isinstance(v, list | tuple) for v in values):
        return values  # nothing to join: a column of numbers or plain text as it is
    return [_plain(value) for value in values]


def _plain(value: Any) -> Any:
    """Lists become comma-separated text; everything else is written as it is."""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return value


def _card(frame: pd.DataFrame, language: str) -> list[Any]:
    if "card_type" not in frame.columns:
        return [None] * len(frame)
    kinds = frame["card_type"].fillna("").astype(str).replace("UNKNOWN", "")
    last4 = frame["card_last4"].fillna("").astype(str)
    return [
        f"{kind} …{digits}".strip() if digits else kind
        for kind, digits in zip(kinds.tolist(), last4.tolist(), strict=True)
    ]


def _sum_cents(column: str) -> Callable[[pd.DataFrame, str], list[Any]]:
    def derive(frame: pd.DataFrame, language: str) -> list[Any]:
        return [sum(v) if isinstance(v, list | tuple) else v for v in frame[column].tolist()]

    return derive


def _copy(column: str) -> Callable[[pd.DataFrame, str], list[Any]]:
    def derive(frame: pd.DataFrame, language: str) -> list[Any]:
        if column not in frame.columns:
            return [None] * len(frame)
        return frame[column].tolist()

    return derive


def _text_or_blank(column: str) -> Callable[[pd.DataFrame, str], list[Any]]:
    def derive(frame: pd.DataFrame, language: str) -> list[Any]:
        if column not in frame.columns:
            return [None] * len(frame)
        return [value or None for value in frame[column].tolist()]

    return derive


def _difference(frame: pd.DataFrame, language: str) -> list[Any]:
    """The difference to the open amount; blank where no invoice was there to compare with."""
    return [
        difference if _has_items(invoices) else None
        for difference, invoices in zip(
            frame["difference_cents"].tolist(), frame["invoice_nos"].tolist(), strict=True
        )
    ]


def _has_items(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return len(value) > 0
    return not is_missing(value)


def _category(frame: pd.DataFrame, language: str) -> list[Any]:
    return [labels.category_name(code, language) for code in frame["category"].tolist()]


def _dispute_status(frame: pd.DataFrame, language: str) -> list[Any]:
    if "dispute_status" not in frame.columns:
        return [None] * len(frame)
    return [
        labels.text(f"dispute_{status}", language) if status else None
        for status in frame["dispute_status"].fillna("").tolist()
    ]


_DERIVED: dict[str, Callable[[pd.DataFrame, str], list[Any]]] = {
    "card": _card,
    "category": _category,
    "amount": _copy("amount_cents"),
    "applied": _sum_cents("applied_cents"),
    "discount": _copy("discount_cents"),
    "difference": _difference,
    "invoices": lambda frame, language: _plain_values(frame["invoice_nos"]),
    "original_invoices": lambda frame, language: [
        _plain(v) for v in frame.get("original_invoice_nos", pd.Series([()] * len(frame)))
    ],
    # The engine leaves rule_confidence at 0 where it did not judge one; 0% would read as a verdict.
    "rule_confidence": lambda frame, language: [
        v or None for v in frame["rule_confidence"].tolist()
    ],
    "dispute_status": _dispute_status,
    # a decision applied before shows pre-filled; the clerk may change it with "revise"
    "resolution": _text_or_blank("decided_resolution"),
    "note": _text_or_blank("decided_note"),
    **{key: _text_or_blank(key) for key in ("decided_run", "decided_resolution", "decided_note")},
}
