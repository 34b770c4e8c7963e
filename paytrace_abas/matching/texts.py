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


def matched_code(base: str, discount: np.ndarray, rate: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """The reason code of matches: ``base`` and the parts every matched reason may add (cash
    discount taken, exchange rate, a difference within tolerance; docs/i18n.md#reasons)."""
    code = np.full(len(discount), base, dtype=object)
    code += np.where(np.asarray(discount) != 0, "+less_discount", "")
    code += np.where(np.asarray(rate, dtype=object) != "", "+converted", "")
    code += np.where(np.asarray(gap) != 0, "+within_tolerance", "")
    return code


def how_many(joined: Sequence[str] | np.ndarray) -> npt.NDArray[np.int64]:
    """How many numbers each ``", "``-joined text holds (a reason's plural follows it)."""
    return np.fromiter(
        (text.count(", ") + 1 if text else 0 for text in joined), dtype=np.int64, count=len(joined)
    )


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
