"""Invoice numbers in payment text: whole tokens, boundary-aware, prefixes and lower case allowed.

All texts of all payments are scanned in one regular-expression pass over a single joined string
(a pass per row costs far more in Python than the scan itself); each token is mapped back to its
payment through the start offsets of the texts.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from paytrace_abas.config import MatchingSettings

# Texts are joined with a line break: no token pattern spans it, and it is a token boundary.
_SEPARATOR = "\n"
DIGITS = r"\d+"


def is_case_sensitive(settings: MatchingSettings) -> bool:
    """Digit-only invoice numbers need no case folding (which costs time on a million rows)."""
    return settings.reference_pattern == DIGITS


@lru_cache(maxsize=16)
def token_pattern(
    reference_pattern: str, prefixes: tuple[str, ...], min_length: int
) -> re.Pattern[str]:
    """The token regex: an optional glued prefix, then the number, never inside a longer word.

    ``RE-400123``, ``#400123``, ``Inv. 400123`` and ``inv400123`` give ``400123``;
    ``1814`` gives no ``14``; ``PO400123`` gives nothing (``PO`` is no invoice prefix);
    an amount such as ``1250.00`` or a date such as ``25.11.2026`` gives nothing.
    """
    glued = "|".join(re.escape(prefix) for prefix in sorted(prefixes, key=len, reverse=True))
    prefix = f"(?:{glued})?" if glued else ""
    not_alnum_before = r"(?<![^\W_])(?<!\d[.,])"
    not_alnum_after = r"(?![^\W_])(?![.,]\d)"
    # The default digit pattern carries the minimum length itself: fewer short matches to drop.
    body = rf"\d{{{min_length},}}" if reference_pattern == DIGITS else f"(?:{reference_pattern})"
    return re.compile(
        rf"{not_alnum_before}{prefix}(?P<token>{body}){not_alnum_after}", re.IGNORECASE
    )


def find_reference_tokens(text: str, settings: MatchingSettings) -> list[str]:
    """The invoice-number tokens of one text, in order, without repeats (for callers and tests)."""
    pattern = token_pattern(
        settings.reference_pattern, settings.reference_prefixes, settings.min_reference_length
    )
    found = (match.group("token") for match in pattern.finditer(text))
    if not is_case_sensitive(settings):
        found = (token.upper() for token in found)
    return list(dict.fromkeys(t for t in found if len(t) >= settings.min_reference_length))


def extract_tokens(texts: dict[str, pd.Series], settings: MatchingSettings) -> pd.DataFrame:
    """Tokens of every payment: columns ``pay`` (row position), ``token`` and ``field``.

    ``texts`` maps a field name to that field's values, aligned by position. A token named in
    several fields of one payment is kept once, with the first field it appeared in.
    """
    pattern = token_pattern(
        settings.reference_pattern, settings.reference_prefixes, settings.min_reference_length
    )
    chunks: list[str] = []
    owners: list[np.ndarray] = []
    fields: list[np.ndarray] = []
    for field_no, values in enumerate(texts.values()):
        array = values.to_numpy(dtype=object, na_value="")
        present = np.flatnonzero(array != "")
        chunks.extend(array[present].tolist())
        owners.append(present)
        fields.append(np.full(len(present), field_no))
    if not chunks:
        return pd.DataFrame({"pay": [], "token": [], "field": []}).astype(
            {"pay": "int64", "token": object, "field": object}
        )
    owner = np.concatenate(owners)
    field = np.concatenate(fields)
    lengths = np.fromiter((len(chunk) for chunk in chunks), dtype=np.int64, count=len(chunks))
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
    joined = _SEPARATOR.join(chunks)
    positions: list[int] = []
    tokens: list[str] = []
    for match in pattern.finditer(joined):
        positions.append(match.start("token"))
        tokens.append(match.group("token"))
    chunk_of = np.searchsorted(starts, np.asarray(positions, dtype=np.int64), side="right") - 1
    names = np.array(list(texts), dtype=object)
    found = pd.DataFrame(
        {
            "pay": owner[chunk_of],
            "token": _fold(tokens, settings),
            "field": names[field[chunk_of]],
        }
    )
    long_enough = found["token"].str.len() >= settings.min_reference_length
    found = found[long_enough.to_numpy(dtype=bool)]
    return found.drop_duplicates(["pay", "token"]).reset_index(drop=True)


def _fold(tokens: list[str], settings: MatchingSettings) -> np.ndarray:
    if is_case_sensitive(settings):
        return np.asarray(tokens, dtype=object)
    return np.asarray([token.upper() for token in tokens], dtype=object)
