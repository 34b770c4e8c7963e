"""Money arithmetic of matching on whole columns: tolerances, cash discounts, conversion.

Everything is integer cents in ``int64`` arrays; percentages are basis points. Conversion goes
through Python integers (exact rational arithmetic) because a rate times an amount can exceed
``int64``; only the rows in a foreign currency take that path.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.texts import filled

Cents = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]
Texts = npt.NDArray[np.object_]


def tolerance(expected: Cents, cents: int, basis_points: int | None) -> Cents:
    """The difference tolerated on ``expected``: the absolute limit, or the percentage if less."""
    limit: Cents = np.full(expected.shape, cents, dtype=np.int64)
    if basis_points is None:
        return limit
    percentage_limit = np.abs(expected) * basis_points // 10_000
    smaller: Cents = np.minimum(limit, percentage_limit)
    return smaller


def fits(amount: Cents, expected: Cents, settings: MatchingSettings) -> Flags:
    """Whether ``amount`` pays ``expected`` within the under- and overpayment tolerances."""
    difference = amount - expected
    under = tolerance(expected, settings.under_tolerance_cents, settings.under_tolerance_bp)
    over = tolerance(expected, settings.over_tolerance_cents, settings.over_tolerance_bp)
    result: Flags = (difference >= -under) & (difference <= over)
    return result


def cash_discount(gross: Cents, basis_points: Cents, until_day: Cents, paid_day: Cents) -> Cents:
    """Skonto a payment made on ``paid_day`` may take: basis points of gross, rounded half up.

    Zero after the discount date (days since the epoch; a missing date is a very small number).
    """
    # (2 * gross * bp + 10_000) // 20_000 is gross * bp / 10_000 rounded half up, in integers.
    discount = (2 * gross * basis_points + 10_000) // 20_000
    valid = (basis_points > 0) & (paid_day <= until_day)
    return np.where(valid, discount, 0).astype(np.int64)


def expired_discount(gross: Cents, basis_points: Cents, until_day: Cents, paid_day: Cents) -> Cents:
    """Skonto the invoice offered but that ran out before ``paid_day`` (for the clerk's reason)."""
    discount = (2 * gross * basis_points + 10_000) // 20_000
    expired = (basis_points > 0) & (paid_day > until_day)
    return np.where(expired, discount, 0).astype(np.int64)


def convert(
    cents: Cents, source: Texts, target: Texts, settings: MatchingSettings
) -> tuple[Cents, Flags, Texts]:
    """Amounts in the target currency, whether a rate was known, and the rate used (as text).

    ``source`` and ``target`` are currency codes per row. Same-currency rows keep their amount
    and an empty rate text.
    """
    result = cents.copy()
    known = np.ones(len(cents), dtype=bool)
    rate_text: Texts = filled(len(cents))
    foreign = source != target
    if not foreign.any():
        return result, known, rate_text
    pairs = pd.DataFrame({"source": source[foreign], "target": target[foreign]})
    positions = np.flatnonzero(foreign)
    for (from_code, to_code), group in pairs.groupby(["source", "target"], sort=False):
        rows = positions[group.index.to_numpy()]
        rate = settings.rate(str(from_code), str(to_code))
        if rate is None:
            known[rows] = False
            continue
        result[rows] = [_times(int(value), rate) for value in cents[rows]]
        rate_text[rows] = f"{from_code}/{to_code} {_rate_text(rate)}"
    return result, known, rate_text


def _times(cents: int, rate: Decimal) -> int:
    """``cents * rate`` rounded half up (away from zero), exactly."""
    numerator, denominator = rate.as_integer_ratio()
    magnitude = (2 * abs(cents) * numerator + denominator) // (2 * denominator)
    return magnitude if cents >= 0 else -magnitude


def _rate_text(rate: Decimal) -> str:
    return f"{rate.quantize(Decimal('0.000001')).normalize():f}"
