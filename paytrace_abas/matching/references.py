"""Invoice numbers in payment text: whole tokens, boundary-aware, prefixes and lower case allowed.

All texts of all payments are scanned in one regular-expression pass over a single joined string
(a pass per row costs far more in Python than the scan itself); each token is mapped back to its
payment through the start offsets of the texts.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import numpy.typing as npt
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


def extract_tokens(
    texts: dict[str, npt.NDArray[np.object_]], settings: MatchingSettings
) -> pd.DataFrame:
    """Tokens of every payment: columns ``pay`` (row position), ``token`` and ``field``.

    ``texts`` maps a field name to that field's values, aligned by position. Rows come field by
    field, so the first row of a repeated token is its first mention.
    """
    pattern = token_pattern(
        settings.reference_pattern, settings.reference_prefixes, settings.min_reference_length
    )
    chunks: list[str] = []
    owners: list[np.ndarray] = []
    fields: list[np.ndarray] = []
    for field_no, values in enumerate(texts.values()):
        present = np.flatnonzero(values != "")
        chunks.extend(values[present].tolist())
        owners.append(present)
        fields.append(np.full(len(present), field_no))
    if not chunks:
        return pd.DataFrame({"pay": [], "token": [], "field": []}).astype(
            {"pay": "int64", "token": object, "field": object}
        )
    # One scan: a separator matches as "" (the token group stays empty), a token as itself,
    # so counting the separators before a token tells whose text it came from.
    scanner = re.compile(rf"{_SEPARATOR}|{pattern.pattern}", pattern.flags)
    joined = _SEPARATOR.join(chunks)
    if scanner.groups == 1:
        found = np.asarray(scanner.findall(joined), dtype=object)
    else:  # a configured pattern with groups of its own
        matches = scanner.finditer(joined)
        found = np.asarray([m.group("token") or "" for m in matches], dtype=object)
    is_separator = found == ""
    chunk_of = np.cumsum(is_separator)[~is_separator]
    owner = np.concatenate(owners)
    field = np.concatenate(fields)
    names = np.array(list(texts), dtype=object)
    tokens = pd.DataFrame(
        {
            "pay": owner[chunk_of],
            "token": _fold(found[~is_separator].tolist(), settings),
            "field": names[field[chunk_of]],
        }
    )
    if not is_case_sensitive(settings) or settings.reference_pattern != DIGITS:
        long_enough = tokens["token"].str.len() >= settings.min_reference_length
        tokens = tokens[long_enough.to_numpy(dtype=bool)]
    return tokens.reset_index(drop=True)


def _fold(tokens: list[str], settings: MatchingSettings) -> np.ndarray:
    if is_case_sensitive(settings):
        return np.asarray(tokens, dtype=object)
    return np.asarray([token.upper() for token in tokens], dtype=object)
