"""``[settlement]``: the bank statement of the deposit account and how batches pair with it
(docs/settlement.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from paytrace_abas.config.reader import TomlSection

#: Canonical deposit column -> the default header of a deposits CSV.
DEFAULT_DEPOSIT_COLUMNS: Mapping[str, str] = {
    "booked_on": "booking_date",
    "amount": "amount",
    "currency": "currency",
    "reference": "reference",
}


@dataclass(frozen=True)
class SettlementSettings:
    #: the deposit account's statement: camt.053 XML or CSV; none: batches are checked alone
    deposits_file: Path | None = None
    #: the largest fee (batch net - deposit) that is normal, in percent of the batch net
    fee_percent_max: Decimal = Decimal("3.5")
    #: business days after settlement within which the deposit must be booked
    deposit_days: int = 3
    #: deposits CSV: canonical column -> header in the file
    columns: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_DEPOSIT_COLUMNS))
    #: deposits CSV: ";" or ","
    delimiter: str = ";"
    #: deposits CSV: "," (1.234,56) or "." (1,234.56)
    decimal_separator: str = ","
    #: deposits CSV: strptime format of the booking date
    date_format: str = "%d.%m.%Y"


def read_settlement(section: TomlSection) -> SettlementSettings:
    """``[settlement]`` and ``[settlement.columns]``; problems go to the section's list."""
    defaults = SettlementSettings()
    fee = section.percent("fee_percent_max")
    columns = {**DEFAULT_DEPOSIT_COLUMNS, **section.string_table("columns")}
    for name in sorted(set(columns) - set(DEFAULT_DEPOSIT_COLUMNS)):
        section.problem(f"columns.{name}", f"is not one of {', '.join(DEFAULT_DEPOSIT_COLUMNS)}")
    settings = SettlementSettings(
        deposits_file=section.path("deposits_file", must_exist=True),
        fee_percent_max=defaults.fee_percent_max if fee is None else fee,
        deposit_days=section.integer("deposit_days", defaults.deposit_days, minimum=0),
        columns=columns,
        delimiter=section.choice("delimiter", defaults.delimiter, (";", ",", "\t")),
        decimal_separator=section.choice(
            "decimal_separator", defaults.decimal_separator, (",", ".")
        ),
        date_format=section.text("date_format", defaults.date_format),
    )
    section.reject_unknown_keys()
    return settings
