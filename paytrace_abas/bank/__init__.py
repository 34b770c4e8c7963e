"""The bank: the deposit account's statement (ISO 20022 camt.053 XML or CSV) read into
``Deposit`` values (docs/settlement.md#deposits-file)."""

from paytrace_abas.bank.statement import Statement, read_deposits

__all__ = ["Statement", "read_deposits"]
