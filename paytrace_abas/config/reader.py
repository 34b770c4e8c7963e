"""Typed, problem-collecting access to a parsed TOML document (used by loading.py).

Every wrong type, bad value and unknown key becomes one entry in a shared problem list, so a
broken config file is reported whole, not one mistake per run.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from paytrace_abas.errors import MoneyError
from paytrace_abas.money import parse_percent_basis_points, to_cents

log = logging.getLogger(__name__)


class TomlDocument:
    """The parsed TOML; hands out sections and remembers which ones were read."""

    def __init__(self, document: dict[str, Any], base_dir: Path, problems: list[str]) -> None:
        self._document = document
        self._base_dir = base_dir
        self._problems = problems
        self._read: set[str] = set()

    def section(self, name: str) -> TomlSection:
        self._read.add(name)
        table = self._document.get(name, {})
        if not isinstance(table, dict):
            self._problems.append(f"[{name}] must be a table")
            table = {}
        return TomlSection(name, table, self._base_dir, self._problems)

    def reject_unknown_sections(self) -> None:
        for name in sorted(set(self._document) - self._read):
            self._problems.append(
                f"unknown section or key [{name}]{did_you_mean(name, self._read)}"
            )


class TomlSection:
    """Typed access to one TOML table; wrong types and unknown keys become problems."""

    def __init__(
        self, name: str, table: dict[str, Any], base_dir: Path, problems: list[str]
    ) -> None:
        self.name = name
        self._table = table
        self._base_dir = base_dir
        self._problems = problems
        self._used: set[str] = set()

    def peek(self, key: str) -> Any:
        return self._table.get(key)

    def _get(self, key: str, kind: type | tuple[type, ...], label: str) -> Any:
        self._used.add(key)
        if key not in self._table:
            return None
        value = self._table[key]
        # TOML booleans are ints to Python; a number key must not accept ``true``.
        is_wrong_bool = isinstance(value, bool) and kind is not bool
        if is_wrong_bool or not isinstance(value, kind):
            self._problem(key, f"must be {label}, not {value!r}")
            return None
        return value

    @property
    def present(self) -> bool:
        """True when the file has this section at all."""
        return bool(self._table)

    def _problem(self, key: str, text: str) -> None:
        self._problems.append(f"[{self.name}] {key} {text}")

    def problem(self, key: str, text: str) -> None:
        """Record a cross-key problem found by a section reader."""
        self._problem(key, text)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, bool, "true or false")
        return default if value is None else bool(value)

    def string_list(self, key: str) -> list[str]:
        value = self._get(key, list, "a list of strings")
        if value is None:
            return []
        if not all(isinstance(item, str) for item in value):
            self._problem(key, "must be a list of strings")
            return []
        return [str(item) for item in value]

    def table_list(self, key: str) -> list[dict[str, Any]]:
        """An array of tables (``[[section.key]]``)."""
        value = self._get(key, list, "an array of tables")
        if value is None:
            return []
        if not all(isinstance(item, dict) for item in value):
            self._problem(key, "must be an array of tables ([[...]])")
            return []
        return [dict(item) for item in value]

    def text(self, key: str, default: str) -> str:
        value = self._get(key, str, "a string")
        return default if value is None else str(value)

    def integer(self, key: str, default: int, minimum: int | None = None) -> int:
        value = self._get(key, int, "a whole number")
        if value is None:
            return default
        if minimum is not None and value < minimum:
            self._problem(key, f"must be at least {minimum}, not {value}")
            return default
        return int(value)

    def file_mode(self, key: str, default: int) -> int:
        """Octal permissions such as "0640": the owner may read and write, nobody executes."""
        value = self._get(key, str, 'an octal mode such as "0640"')
        if value is None:
            return default
        try:
            mode = int(value, 8)
        except ValueError:
            mode = -1
        if not 0 <= mode <= 0o666 or mode & 0o600 != 0o600:
            self._problem(key, f'must be an octal mode from "0600" to "0666", not {value!r}')
            return default
        return mode

    def amount(self, key: str, default_cents: int) -> int:
        """Cents of an amount given as a string ("10000000.00") or a whole number; above 0."""
        value = self._get(key, (str, int), 'an amount such as "10000000.00"')
        if value is None or isinstance(value, bool):
            return default_cents
        try:
            cents = to_cents(str(value))
        except MoneyError as exc:
            self._problem(key, str(exc))
            return default_cents
        if cents <= 0:
            self._problem(key, f"must be above 0, not {value}")
            return default_cents
        return cents

    def number(self, key: str, default: float) -> float:
        value = self._get(key, (int, float), "a number")
        if value is None:
            return default
        if value <= 0:
            self._problem(key, f"must be positive, not {value}")
            return default
        return float(value)

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.text(key, default)
        if value not in choices:
            self._problem(key, f"must be one of {', '.join(choices)}, not {value!r}")
            return default
        return value

    def url(self, key: str, default: str) -> str:
        value = self.text(key, default)
        if value and not re.match(r"^https?://[^\s/]+", value):
            self._problem(key, f"must be an http(s) URL, not {value!r}")
        return value.rstrip("/")

    def timezone(self, key: str, default: str) -> str:
        value = self.text(key, default)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            self._problem(key, f"is not a known time zone name: {value!r}")
            return default
        return value

    def currency(self, key: str, default: str) -> str:
        value = self.text(key, default)
        if not re.fullmatch(r"[A-Z]{3}", value):
            self._problem(key, f"must be a 3-letter ISO 4217 code, not {value!r}")
            return default
        return value

    def regex(self, key: str, default: str) -> str:
        value = self.text(key, default)
        try:
            re.compile(value)
        except re.error as exc:
            self._problem(key, f"is not a valid regular expression: {exc}")
            return default
        return value

    def path(self, key: str, must_exist: bool) -> Path | None:
        value = self._get(key, str, "a path string")
        if not value:
            return None
        resolved = Path(value).expanduser()
        if not resolved.is_absolute():
            # normpath keeps messages readable: sample_data/x.csv, not config/../sample_data/x.csv
            resolved = Path(os.path.normpath(self._base_dir / resolved))
        if must_exist and not resolved.exists():
            self._problem(key, f"names {resolved}, which does not exist")
        return resolved

    def string_table(self, key: str) -> dict[str, str]:
        value = self._get(key, dict, "a table")
        if value is None:
            return {}
        bad = [name for name, item in value.items() if not isinstance(item, str)]
        for name in bad:
            self._problem(f"{key}.{name}", "must be a string")
        return {str(name): str(item) for name, item in value.items() if name not in bad}

    def string_tuple(
        self, key: str, default: tuple[str, ...], allowed: tuple[str, ...] | None = None
    ) -> tuple[str, ...]:
        """A list of strings (``default`` when absent), each one of ``allowed`` if given."""
        if self.peek(key) is None:
            self._used.add(key)
            return default
        value = self.string_list(key)
        unknown = [item for item in value if allowed is not None and item not in allowed]
        if unknown:
            self._problem(key, f"may only name {', '.join(allowed or ())}, not {unknown!r}")
            return default
        return tuple(str(item) for item in value)

    def percent(self, key: str) -> Decimal | None:
        """A percentage like ``0.5`` or ``"0,5"`` (two decimals at most); None if absent or ""."""
        value = self._get(key, (int, float, str), "a percentage")
        if value is None or value == "":
            return None
        try:
            return Decimal(parse_percent_basis_points(str(value))) / 100
        except MoneyError as exc:
            self._problem(key, str(exc))
            return None

    def rate_table(self, key: str) -> dict[str, Decimal]:
        """``"EUR/USD" = "1.0850"``: positive exact rates between two ISO currency codes."""
        rates: dict[str, Decimal] = {}
        for pair, text in self.string_table(key).items():
            if not re.fullmatch(r"[A-Z]{3}/[A-Z]{3}", pair):
                self._problem(f"{key}.{pair}", "must be named like EUR/USD")
                continue
            try:
                rate = Decimal(text)
            except InvalidOperation:
                rate = Decimal(0)
            if not rate.is_finite() or rate <= 0:
                self._problem(f"{key}.{pair}", f"must be a positive number as text, not {text!r}")
                continue
            rates[pair] = rate
        return rates

    def retired(self, key: str, note: str) -> None:
        """Accept a key that no longer does anything, with a warning, so old files still load."""
        self._used.add(key)
        if key in self._table:
            log.warning("[%s] %s is no longer used and is ignored: %s", self.name, key, note)

    def reject_unknown_keys(self) -> None:
        """Report every key of the table that no reader asked for (typos, stale keys)."""
        for key in sorted(set(self._table) - self._used):
            self._problem(key, "is not a known key" + did_you_mean(key, self._used))


def did_you_mean(name: str, known: set[str]) -> str:
    """`` (did you mean x?)`` for a near-miss of a known name, else nothing."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""
