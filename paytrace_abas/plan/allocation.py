"""One clerk's decision spread over invoices and an account, and the bad cell that stops it.

Part of resolving a workbook's decisions (``resolutions.py``): the row a decision is in, what
is still open per invoice while rows are applied in workbook order, and the allocation of one
payment's money. Problems are English templates marked for the catalogs (docs/i18n.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from paytrace_abas.config import AccountSettings
from paytrace_abas.money import format_cents
from paytrace_abas.plan import N_
from paytrace_abas.plan.document import Posting
from paytrace_abas.plan.syntax import Assign, Ignore, Instruction, Skonto, WriteOff

#: Where a bad cell is, in the problems ``resolve`` lists.
LOCATION = N_("sheet '{sheet}', row {row}, column {column}")


@dataclass(frozen=True)
class DecisionRow:
    """One filled-in Resolution cell, with where it is so errors can point at it."""

    sheet: str
    row: int
    resolution_column: str
    note_column: str
    transaction_id: str
    resolution: str
    note: str

    def at(self, column: str) -> str:
        return LOCATION.format(**self.where(column))

    def where(self, column: str) -> dict[str, str]:
        """The values of ``LOCATION`` for a cell of this row."""
        return {"sheet": self.sheet, "row": str(self.row), "column": column}


@dataclass
class OpenBalances:
    """What is still open per invoice while decisions are applied in workbook order."""

    open_cents: dict[str, int]
    invoices: dict[str, dict[str, object]]
    accounts: AccountSettings
    decided: dict[str, DecisionRow] = field(default_factory=dict)
    paid_by: dict[str, str] = field(default_factory=dict)


class RowError(Exception):
    """A bad cell: its column, and an English template (marked for the catalogs) with values."""

    def __init__(self, column: str, template: str, **values: str) -> None:
        super().__init__(template.format(**values))
        self.column = column
        self.template = template
        self.values = values


class Allocation:
    """Money of one payment being spread over invoices and an account."""

    def __init__(
        self,
        row: DecisionRow,
        payment: Mapping[str, object],
        balances: OpenBalances,
        currency_format: tuple[str, str],
    ) -> None:
        self.row = row
        self.payment = payment
        self.balances = balances
        self.amount_cents = int(str(payment["amount_cents"]))
        self.currency = str(payment["currency"])
        self.locale = currency_format[1]
        self.assigned: list[tuple[str, int]] = []
        #: invoice -> cash discount granted by a ``skonto`` decision
        self.discounts: dict[str, int] = {}
        self.written_off: tuple[str, int] | None = None
        self.ignored = False

    @property
    def left_cents(self) -> int:
        used = sum(c for _, c in self.assigned) + (self.written_off[1] if self.written_off else 0)
        return self.amount_cents - used

    def money(self, cents: int) -> str:
        return format_cents(cents, self.currency, self.locale)

    def apply(self, instruction: Instruction) -> None:
        if isinstance(instruction, Ignore):
            self.ignored = True
        elif isinstance(instruction, Assign):
            for invoice_no, cents in instruction.targets:
                self.assign(invoice_no, cents)
        elif isinstance(instruction, Skonto):
            for invoice_no in instruction.invoices:
                self.grant_skonto(invoice_no)
        else:
            self.write_off(instruction)

    def assign(self, invoice_no: str, cents: int | None) -> None:
        column = self.row.resolution_column
        open_cents = self._open_cents_to_assign(invoice_no)
        if cents is None:
            cents = min(open_cents, self.left_cents)
            if cents <= 0:
                raise RowError(
                    column,
                    N_("nothing of the payment is left for invoice {invoice}"),
                    invoice=invoice_no,
                )
        if cents <= 0:
            raise RowError(
                column, N_("the amount for invoice {invoice} must be positive"), invoice=invoice_no
            )
        if cents > open_cents:
            raise RowError(
                column,
                N_("assigns {amount} to invoice {invoice}, but only {open} is open"),
                amount=self.money(cents),
                invoice=invoice_no,
                open=self.money(open_cents),
            )
        self.assigned.append((invoice_no, cents))

    def grant_skonto(self, invoice_no: str) -> None:
        """Pay the open amount less the discount the invoice's terms offer, as an in-time
        cash discount is posted (docs/matching.md), though its date has passed."""
        open_cents = self._open_cents_to_assign(invoice_no)
        discount = min(_terms_discount(self.balances.invoices[invoice_no]), open_cents)
        if discount <= 0:
            raise RowError(
                self.row.resolution_column,
                N_("invoice {invoice} offers no cash discount; use assign and write off"),
                invoice=invoice_no,
            )
        self.assigned.append((invoice_no, open_cents - discount))
        self.discounts[invoice_no] = discount

    def _open_cents_to_assign(self, invoice_no: str) -> int:
        """What is still open on an invoice this payment may be assigned to, or why it may not."""
        column = self.row.resolution_column
        item = self.balances.invoices.get(invoice_no)
        if item is None:
            raise RowError(column, N_("abas has no open item {invoice}"), invoice=invoice_no)
        if any(number == invoice_no for number, _ in self.assigned):
            raise RowError(column, N_("invoice {invoice} is named twice"), invoice=invoice_no)
        open_cents = self.balances.open_cents[invoice_no]
        if open_cents <= 0:
            payer = self.balances.paid_by.get(invoice_no)
            if payer:
                template = N_(
                    "invoice {invoice} is not open any more (paid by transaction {payer})"
                )
                raise RowError(column, template, invoice=invoice_no, payer=payer)
            template = N_("invoice {invoice} is not open any more (cleared in abas)")
            raise RowError(column, template, invoice=invoice_no)
        if str(item["currency"]) != self.currency:
            raise RowError(
                column,
                N_("invoice {invoice} is in {currency}, the payment in {paid_in}"),
                invoice=invoice_no,
                currency=str(item["currency"]),
                paid_in=self.currency,
            )
        return open_cents

    def write_off(self, instruction: WriteOff) -> None:
        if not self.row.note.strip():
            raise RowError(self.row.note_column, N_("a write-off needs a note saying why"))
        cents = instruction.amount_cents
        if cents is None:
            cents = self.left_cents
            if cents == 0:
                raise RowError(
                    self.row.resolution_column,
                    N_(
                        "nothing is left of the payment to write off; give an amount to close "
                        "an invoice beyond the payment (assign INVOICE=AMOUNT)"
                    ),
                )
        self.written_off = (instruction.account, cents)

    def check_complete(self) -> None:
        if self.ignored:
            return
        left = self.left_cents
        if left == 0:
            return
        used = self.amount_cents - left
        template = (
            N_("the decisions use {used} of a payment of {amount}; add an invoice or "
               "'write off to ACCOUNT'")
            if left > 0
            else N_("the decisions use {used} of a payment of {amount}; lower an amount")
        )  # fmt: skip
        raise RowError(
            self.row.resolution_column,
            template,
            used=self.money(used),
            amount=self.money(self.amount_cents),
        )

    def postings(self) -> list[Posting]:
        payment = self.payment
        card_type = str(payment["card_type"])
        common = {
            "transaction_id": self.row.transaction_id,
            "currency": self.currency,
            "paid_on": _iso_day(payment["paid_on"]),
            "card_type": card_type,
            "account": self.balances.accounts.account_for(card_type, self.currency),
            "source": "resolution",
            "note": self.row.note,
        }
        invoices = self.balances.invoices
        lines = [
            Posting(
                invoice_no=invoice_no,
                customer_no=str(invoices[invoice_no]["customer_no"]),
                amount_cents=cents,
                discount_cents=self.discounts.get(invoice_no, 0),
                open_cents=int(str(invoices[invoice_no]["open_cents"])),
                **common,
            )
            for invoice_no, cents in self.assigned
        ]
        if self.written_off is not None:
            account, cents = self.written_off
            customer = lines[0].customer_no if lines else ""
            lines.append(
                Posting(
                    invoice_no="",
                    customer_no=customer,
                    amount_cents=cents,
                    discount_cents=0,
                    write_off_account=account,
                    **common,  # type: ignore[arg-type]
                )
            )
        return lines


def _terms_discount(item: Mapping[str, object]) -> int:
    """The invoice's cash discount: basis points of gross, rounded half up, as matching
    computes it (matching/amounts.py); 0 without terms (or from inputs saved before them)."""
    try:
        gross, points = int(str(item.get("gross_cents"))), int(str(item.get("discount_bp")))
    except ValueError:  # None, NaN or <NA>: no terms
        return 0
    return (2 * gross * points + 10_000) // 20_000


def _iso_day(value: object) -> str:
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)
