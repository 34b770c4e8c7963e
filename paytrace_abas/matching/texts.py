"""Pieces of the one-sentence reasons a clerk reads (amounts, lists of invoice numbers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.money import plain_amount, plain_amounts


def filled(size: int, text: str = "") -> npt.NDArray[np.object_]:
    """``size`` times ``text`` in an object array: ``np.full`` takes four times as long for
    objects, and the passes make many of these, a million long on a big day."""
    values = np.empty(size, dtype=object)
    values.fill(text)
    return values


def amount(cents: int) -> str:
    """``1,234.56``: the currency is in the row's own column."""
    return plain_amount(int(cents))


def amounts(cents: np.ndarray) -> list[str]:
    """:func:`amount` of each value of an integer array (fast: no numpy scalars)."""
    values = np.asarray(cents, dtype=np.int64)
    if len(values) and int(values.min()) >= 0:
        # Integers only (money is never a float), split in NumPy: the common all-positive case.
        whole, fraction = np.divmod(values, 100)
        return [f"{w:,}.{f:02d}" for w, f in zip(whole.tolist(), fraction.tolist(), strict=True)]
    return plain_amounts(values.tolist())


def matched_details(discount_cents: int, rate: str, gap_cents: int) -> str:
    """The tail every matched reason shares: cash discount, exchange rate, tolerated gap."""
    text = ""
    if discount_cents:
        text += f", less {amount(discount_cents)} cash discount"
    if rate:
        text += f", converted at {rate}"
    if gap_cents:
        text += f"; {amount(gap_cents)} difference within tolerance"
    return text


def day(number: int) -> str:
    """ISO date of a day number (days since 1970-01-01)."""
    return str(np.datetime64(int(number), "D"))


def joined_by_payment(pays: np.ndarray, values: Sequence[Any] | np.ndarray) -> pd.Series:
    """Distinct values joined by ", " into one text per payment (index: payment), in order.

    Most payments have one value; only the others pay for a Python-level join.
    """
    order = np.argsort(pays, kind="stable")
    keys = np.asarray(pays)[order]
    texts = np.asarray(values, dtype=object)[order]
    if pd.api.types.infer_dtype(texts, skipna=False) not in ("string", "empty"):
        texts = np.asarray([str(value) for value in texts], dtype=object)
    if not len(keys):
        return pd.Series([], dtype=object)
    boundary = np.empty(len(keys), dtype=bool)
    boundary[0] = True
    np.not_equal(keys[1:], keys[:-1], out=boundary[1:])
    starts = np.flatnonzero(boundary)
    ends = np.append(starts[1:], len(keys))
    joined = texts[starts].copy()
    for group in np.flatnonzero(ends - starts > 1):
        part = texts[starts[group] : ends[group]]
        joined[group] = ", ".join(dict.fromkeys(part))
    return pd.Series(joined, index=keys[starts], dtype=object)
