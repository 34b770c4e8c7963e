"""Exact per-payment aggregates over rows sorted by payment (integer sums, never float)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Groups:
    """Runs of equal keys in a sorted key column: one group per payment."""

    keys: Ints
    starts: Ints
    row_group: Ints
    size: int

    @classmethod
    def of(cls, sorted_keys: Ints) -> Groups:
        """Groups of ``sorted_keys``, which must be sorted."""
        size = len(sorted_keys)
        if size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(empty, empty, empty, 0)
        boundary = np.empty(size, dtype=bool)
        boundary[0] = True
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=boundary[1:])
        starts = np.flatnonzero(boundary).astype(np.int64)
        row_group = np.cumsum(boundary).astype(np.int64) - 1
        return cls(sorted_keys[starts], starts, row_group, size)

    def __len__(self) -> int:
        return len(self.keys)

    def count(self) -> Ints:
        return np.diff(np.append(self.starts, self.size)).astype(np.int64)

    def sum(self, values: Ints) -> Ints:
        if self.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(values.astype(np.int64), self.starts).astype(np.int64)

    def any(self, flags: Flags) -> Flags:
        if self.size == 0:
            return np.zeros(0, dtype=bool)
        result: Flags = np.maximum.reduceat(flags.astype(np.int8), self.starts) > 0
        return result

    def min(self, values: Ints) -> Ints:
        if self.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.minimum.reduceat(values, self.starts).astype(np.int64)

    def max(self, values: Ints) -> Ints:
        if self.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.maximum.reduceat(values, self.starts).astype(np.int64)

    def spread(self, per_group: np.ndarray) -> np.ndarray:
        """A per-group value repeated onto each row."""
        return per_group[self.row_group]


def ordered_rows(*keys: np.ndarray, text_at: Ints | None = None) -> Ints:
    """Row order by several keys, the last of them text (an invoice number) and rarely needed.

    Sorting on text is slow, so the integer keys are sorted first and only rows that tie on all
    of them are ordered by the text key. With ``text_at``, the text key of row r is
    ``text[text_at[r]]``: only the tied rows' texts are then gathered.
    """
    *numbers, text = keys
    has_text = text.dtype == object
    if not has_text:  # the last key is a number too: one sort does it
        numbers = list(keys)
    packed = _packed(numbers)
    if packed is not None:
        numbers = [packed]
        order = np.argsort(packed, kind="stable").astype(np.int64)
    else:
        order = np.lexsort(tuple(reversed(numbers))).astype(np.int64)
    if not has_text:
        return order
    if len(order) < 2:
        return order
    same = np.ones(len(order) - 1, dtype=bool)
    for key in numbers:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    if not same.any():
        return order
    tie = np.zeros(len(order), dtype=bool)
    tie[1:] |= same
    tie[:-1] |= same
    run = np.cumsum(~np.concatenate(([False], same)))
    tied = np.flatnonzero(tie)
    rows = order[tied] if text_at is None else text_at[order[tied]]
    fixed = tied[np.lexsort((text[rows].astype(str), run[tied]))]
    order[tied] = order[fixed]
    return order


def _packed(keys: list[np.ndarray]) -> np.ndarray | None:
    """Integer keys as one int64 that sorts the same way, when their ranges fit in 63 bits.

    One stable sort of one key is many times faster than ``np.lexsort`` over several (and
    fast when the leading key is already in order, as payment positions usually are).
    """
    if len(keys) < 2 or not all(key.dtype.kind in "biu" for key in keys) or len(keys[0]) == 0:
        return None
    shifted: list[tuple[np.ndarray, int]] = []
    bits = 0
    for key in keys:
        values = key.astype(np.int64)
        low, high = int(values.min()), int(values.max())
        width = (high - low).bit_length()
        bits += width
        if bits > 62:
            return None
        shifted.append((values - low, width))
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    for values, width in shifted:
        packed <<= width
        packed |= values
    return packed
