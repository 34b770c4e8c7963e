"""Judging the open invoices a payment names: matched, partial, over, or why not.

Order of the checks: another customer's invoice (``customer_mismatch``), a currency without a
rate (``currency_mismatch``), the amount within tolerance of the open amounts or of the open
amounts less a valid cash discount (``matched``), an invoice of the set already paid
(``duplicate``), otherwise ``partial_payment`` or ``overpayment``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching.amounts import cash_discount, convert, expired_discount, fits
from paytrace_abas.matching.groups import Flags, Groups, Ints, ordered_rows
from paytrace_abas.matching.prepared import NO_DAY, OpenItemIndex, Payments
from paytrace_abas.matching.texts import filled, how_many, joined_by_payment, matched_code
from paytrace_abas.matching.verdicts import Verdicts
from paytrace_abas.models import Category

RULE = "reference"
RULE_MULTI = "reference_multi"
Texts = npt.NDArray[np.object_]


class NamedInvoices:
    """The unclaimed open invoices each payment names (rows sorted by payment)."""

    def __init__(
        self,
        rows: pd.DataFrame,
        payments: Payments,
        item_index: OpenItemIndex,
        settings: MatchingSettings,
    ) -> None:
        self.settings, self.item_index, self.payments = settings, item_index, payments
        self.pay: Ints = rows["pay"].to_numpy()
        self.item: Ints = rows["item"].to_numpy()
        self.groups = g = Groups.of(self.pay)
        self.item_currency: Texts = item_index.currency[self.item]
        self.pay_currency: Texts = payments.currency[self.pay]
        self._compare_amounts()
        # Customer codes, not texts: a known payer's code names the same customer as its text;
        # an abas customer without open items has code -1, which owns no invoice.
        owner = item_index.customer_code[self.item]
        payer_known = payments.payer_is_customer[g.keys]
        self.mismatch: Flags = g.any(owner != payments.payer_code[self.pay]) & payer_known
        self.count: Ints = g.count()
        self.amount: Ints = payments.amount[g.keys]
        self.numbers = self._numbers()
        self.rule: Texts = np.where(self.count > 1, RULE_MULTI, RULE).astype(object)
        fields = rows["field"].to_numpy(dtype=object)
        self.evidence: dict[str, Texts] = {
            "found_in": joined_by_payment(self.pay, fields).reindex(g.keys).to_numpy(dtype=object)
        }

    def _compare_amounts(self) -> None:
        """Open amounts and valid cash discounts, converted into the payment's currency."""
        item_index, item, g = self.item_index, self.item, self.groups
        paid_day = self.payments.paid_day[self.pay]
        gross, bp, until = (
            item_index.gross_cents[item],
            item_index.discount_bp[item],
            item_index.discount_until[item],
        )
        open_cents = item_index.open_cents[item]
        discount = np.minimum(cash_discount(gross, bp, until, paid_day), open_cents)
        source, target = self.item_currency, self.pay_currency
        self.open, has_rate, rate = convert(open_cents, source, target, self.settings)
        after, _, _ = convert(open_cents - discount, source, target, self.settings)
        self.discount: Ints = self.open - after
        self.no_rate: Flags = g.any(~has_rate)
        self.rate: Texts = rate[g.starts]
        self.open_total: Ints = g.sum(self.open)
        self.discount_total: Ints = g.sum(self.discount)
        expired = expired_discount(gross, bp, until, paid_day)
        self.expired_total: Ints = g.sum(expired)
        self.expired_until: Ints = g.max(np.where(expired > 0, until, NO_DAY))

    def decide(
        self,
        verdicts: Verdicts,
        claimed: pd.DataFrame,
        claimed_by: Texts,
        rejected: pd.DataFrame,
    ) -> None:
        """Decide every payment of the rows; matched ones claim their invoices."""
        runner = rejected.reindex(self.groups.keys)
        self.evidence["runner_up"] = runner["token"].fillna("").to_numpy(dtype=object)
        self.evidence["runner_up_reason"] = runner["why"].fillna("").to_numpy(dtype=object)
        full = fits(self.amount, self.open_total, self.settings)
        after = self.open_total - self.discount_total
        with_discount = ~full & (self.discount_total > 0) & fits(self.amount, after, self.settings)
        customer = self.mismatch
        currency = ~customer & self.no_rate
        judged = ~customer & ~currency
        matched = judged & (full | with_discount)
        duplicate = judged & ~matched & np.isin(self.groups.keys, claimed["pay"].to_numpy())
        rest = judged & ~matched & ~duplicate
        short = rest & (self.amount < self.open_total)
        self._customer_mismatch(customer, verdicts)
        self._currency_mismatch(currency, verdicts)
        self._matched(matched, with_discount, verdicts, claimed_by)
        self._duplicate(duplicate, claimed, verdicts)
        self._short_or_over(short, Category.PARTIAL_PAYMENT, verdicts)
        self._short_or_over(rest & ~short, Category.OVERPAYMENT, verdicts)

    def _numbers(self) -> Texts:
        """Named invoice numbers per payment, oldest first, joined with ", "."""
        g = self.groups
        numbers: Texts = self.item_index.invoice_no[self.item[g.starts]].astype(object)
        several = np.flatnonzero(g.count() > 1)
        if len(several):
            rows = np.flatnonzero(np.isin(self.pay, g.keys[several]))
            pay, item = self.pay[rows], self.item[rows]
            number = self.item_index.invoice_no[item]
            order = ordered_rows(pay, self.item_index.invoice_day[item], number)
            text = joined_by_payment(pay[order], number[order])
            numbers[several] = text.reindex(g.keys[several]).to_numpy(dtype=object)
        return numbers

    def _record(
        self,
        mask: Flags,
        category: Category,
        code: Any,
        verdicts: Verdicts,
        because: dict[str, Any],
        **extra: Any,
    ) -> None:
        picked = np.flatnonzero(mask)
        evidence: dict[str, Any] = {name: values[picked] for name, values in self.evidence.items()}
        evidence.update({name: values[picked] for name, values in extra.items()})
        verdicts.decide(
            self.groups.keys[picked],
            category,
            self.rule[picked],
            code,
            because={
                "invoices": self.numbers[mask],
                "count": self.count[mask],
                **because,
            },
            exchange_rate=self.rate[picked],
            **evidence,
        )

    def _link(self, mask: Flags, verdicts: Verdicts) -> None:
        rows = self.groups.spread(mask)
        verdicts.link(self.pay[rows], self.item[rows])

    def _per_payment(self, mask: Flags, values: Texts) -> Texts:
        rows = self.groups.spread(mask)
        joined = joined_by_payment(self.pay[rows], values[rows])
        return joined.reindex(self.groups.keys[mask]).to_numpy(dtype=object)

    def _customer_mismatch(self, mask: Flags, verdicts: Verdicts) -> None:
        if not mask.any():
            return
        owners = self._per_payment(mask, self.item_index.customer_no[self.item])
        payers = self.payments.payer[self.groups.keys[mask]]
        self._record(
            mask,
            Category.CUSTOMER_MISMATCH,
            "other_customers_invoice",
            verdicts,
            {"customer": owners, "other": payers},
        )
        self._link(mask, verdicts)

    def _currency_mismatch(self, mask: Flags, verdicts: Verdicts) -> None:
        if not mask.any():
            return
        foreign = np.where(self.item_currency != self.pay_currency, self.item_currency, "")
        codes = self._per_payment(mask, foreign)
        paid_in = self.pay_currency[self.groups.starts[mask]]
        self._record(
            mask,
            Category.CURRENCY_MISMATCH,
            "other_currency",
            verdicts,
            {"other": paid_in, "detail": [text.strip(", ") for text in codes]},
        )
        self._link(mask, verdicts)

    def _matched(
        self, mask: Flags, with_discount: Flags, verdicts: Verdicts, claimed_by: Texts
    ) -> None:
        if not mask.any():
            return
        rows = self.groups.spread(mask)
        discount = np.where(self.groups.spread(with_discount), self.discount, 0)
        applied = self.open - discount
        taken = np.where(with_discount, self.discount_total, 0)
        expected = self.open_total - taken
        difference = self.amount - expected
        code = matched_code("pays_named", taken[mask], self.rate[mask], difference[mask])
        picked = np.flatnonzero(mask)
        self._record(mask, Category.MATCHED, code, verdicts, {})
        verdicts.rule_confidence[self.groups.keys[picked]] = 1.0
        verdicts.set_amounts(self.groups.keys[picked], difference[picked], expected[picked])
        verdicts.link(self.pay[rows], self.item[rows], applied[rows], discount[rows])
        claimed_by[self.item[rows]] = self.payments.transaction_id[self.pay[rows]]

    def _duplicate(self, mask: Flags, claimed: pd.DataFrame, verdicts: Verdicts) -> None:
        if not mask.any():
            return
        pays = self.groups.keys[mask]
        mine = claimed[claimed["pay"].isin(pays).to_numpy()]
        mine_pays = mine["pay"].to_numpy()
        payers = joined_by_payment(mine_pays, mine["claimant"].to_numpy()).reindex(pays)
        paid = joined_by_payment(mine_pays, self.item_index.invoice_no[mine["item"].to_numpy()])
        paid_numbers = paid.reindex(pays).to_numpy(dtype=object)
        self._record(
            mask,
            Category.DUPLICATE,
            "paid_rest_unexplained",
            verdicts,
            {
                "invoices": paid_numbers,
                "count": how_many(paid_numbers),
                "other": payers.to_numpy(dtype=object),
                "detail": self.numbers[mask],
            },
            runner_up=_full(self.groups, payers, mask),
            runner_up_reason=filled(len(self.groups), "paid that invoice first"),
        )
        verdicts.link(mine_pays, mine["item"].to_numpy())
        self._link(mask, verdicts)

    def _short_or_over(self, mask: Flags, category: Category, verdicts: Verdicts) -> None:
        if not mask.any():
            return
        picked = np.flatnonzero(mask)
        code, because = _short_or_over_reason(self, mask, category)
        self._record(mask, category, code, verdicts, because)
        verdicts.rule_confidence[self.groups.keys[picked]] = 0.5
        difference = self.amount - self.open_total
        verdicts.set_amounts(self.groups.keys[picked], difference[picked], self.open_total[picked])
        self._link(mask, verdicts)


def _full(groups: Groups, values: pd.Series, mask: Flags) -> Texts:
    result: Texts = filled(len(groups))
    result[mask] = values.to_numpy(dtype=object)
    return result


def _short_or_over_reason(
    named: NamedInvoices, mask: Flags, category: Category
) -> tuple[Texts, dict[str, Any]]:
    """Code and parameters: what is paid, what is open, the gap, and any cash discount that
    does not explain it or would have, had it not run out."""
    paid, due = named.amount[mask], named.open_total[mask]
    because = {"paid_cents": paid, "due_cents": due, "gap_cents": np.abs(due - paid)}
    if category is not Category.PARTIAL_PAYMENT:
        return np.full(len(paid), "pays_too_much", dtype=object), because
    offered, lapsed = named.discount_total[mask], named.expired_total[mask]
    code = np.full(len(paid), "pays_part", dtype=object)
    code += np.where(offered != 0, "+discount_too_small", "")
    code += np.where(lapsed != 0, "+discount_lapsed", "")
    because |= {"extra_cents": offered, "lapsed_cents": lapsed, "day": named.expired_until[mask]}
    return code, because
