"""The shape of this installation's numbers, learned from the numbers abas lists.

abas hands out invoice and customer numbers from number ranges: every invoice number of an
installation looks alike (``400123``: six digits starting with 4), and so does every customer
number (``70012``). When ``[matching] invoice_pattern`` is empty, the shape of the open items'
invoice numbers tells an invoice number that abas does not list as open (``400099``) from a PO
or order number (``4500012345``, ``88172``); the shape of their customer numbers tells an abas
customer from a PayTrace vault id (docs/matching.md#numbers-of-this-installation).

A shape is the literal text before the digits, the first digit, and the number of digits; all
known numbers must share it, otherwise nothing is learned and no number counts as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

_NUMBER = re.compile(r"(?P<prefix>\D*)(?P<digits>\d+)")


@dataclass(frozen=True)
class NumberShape:
    """``prefix`` then ``digits`` digits, the first of them ``first_digit``."""

    prefix: str
    first_digit: str
    digits: int

    @property
    def pattern(self) -> str:
        """A regular expression that fully matches numbers of this shape (any case)."""
        rest = self.digits - 1
        return f"(?i:{re.escape(self.prefix)}){self.first_digit}\\d{{{rest}}}"

    def matches(self, text: str) -> bool:
        return re.fullmatch(self.pattern, text) is not None

    def __str__(self) -> str:
        return f"{self.prefix}{self.first_digit}{'n' * (self.digits - 1)}"


def learn_shape(numbers: npt.NDArray[np.object_]) -> NumberShape | None:
    """The shape every one of ``numbers`` has, or None (no numbers, or they differ in shape)."""
    if not len(numbers):
        return None
    found = _NUMBER.fullmatch(str(numbers[0]).strip())
    if found is None:
        return None
    digits = found["digits"]
    shape = NumberShape(found["prefix"].upper(), digits[0], len(digits))
    # One regular-expression pass over all numbers, not a Python loop (a million open items).
    every = pd.Series(numbers, dtype=object).astype(str).str.strip().str.fullmatch(shape.pattern)
    return shape if bool(every.all()) else None
