"""Masking of card numbers in free text (PCI): anything PAN-like never leaves a source module."""

from __future__ import annotations

import re

# 13-19 digits, optionally grouped by spaces or dashes, not inside a longer digit run.
_PAN_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def passes_luhn(digits: str) -> bool:
    """True when ``digits`` has a valid Luhn check digit (as every card number does)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        number = int(char)
        if position % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def _grouped_like_a_card(text: str) -> bool:
    """Cards are written in groups of 4 to 6 digits (4-4-4-4, 4-6-5); a date run such as
    ``2026-11-25-20261206`` in a file name has groups of 2 and is no card number."""
    return all(len(group) >= 3 for group in re.split(r"[ -]", text))


def mask_pans(text: str) -> str:
    """``text`` with every Luhn-valid 13-19 digit run replaced by ``************1234``."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _grouped_like_a_card(match.group()) and passes_luhn(digits):
            return "*" * (len(digits) - 4) + digits[-4:]
        return match.group()

    return _PAN_CANDIDATE.sub(_mask, text)
