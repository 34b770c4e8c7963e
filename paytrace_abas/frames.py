"""Small DataFrame helpers shared by the pure core and the writers."""

from __future__ import annotations

from typing import Any

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts keyed by column name (typed loosely: the columns are the contract)."""
    return [{str(key): value for key, value in row.items()} for row in frame.to_dict("records")]
