"""What the passes decide, collected per payment, and the results frame built from it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from paytrace_abas.matching.groups import Ints, ordered_rows
from paytrace_abas.matching.prepared import NO_DAY, InvoiceIndex, OpenItemIndex, Payments, take
from paytrace_abas.matching.texts import filled
from paytrace_abas.memory import collector_paused
from paytrace_abas.models import REASON_PARAMETERS, RESULT_COLUMNS, Category

_LINK_COLUMNS = ["pay", "item", "applied", "discount"]
_CODE = {category: code for code, category in enumerate(Category)}
_VALUES = np.array([category.value for category in Category], dtype=object)
#: the per-payment arrays of a decision (besides the evidence texts and the links)
_FIELDS = (
    "category",
    "rule",
    "reason_code",
    "difference",
    "expected",
    "has_expected",
    "rule_confidence",
)


@dataclass(frozen=True)
class DecidedPart:
    """Verdicts of some payments, aligned with ``pays`` (see ``Verdicts.extract``)."""

    pays: Ints
    fields: dict[str, np.ndarray]
    text: dict[str, npt.NDArray[np.object_]]
    because: dict[str, np.ndarray]
    links: pd.DataFrame | None


@dataclass
class Verdicts:
    """One decision per payment (in paying order) and the invoices each decision names.

    Local to one ``match_payments`` call; deciding a payment twice is a bug and raises.
    """

    size: int
    #: position of the category in ``Category`` (a small integer is fast to test), -1: undecided
    category: npt.NDArray[np.int8] = field(init=False)
    rule: npt.NDArray[np.object_] = field(init=False)
    #: what the reason says, as a code (report/reasons.py words it); parts joined by "+"
    reason_code: npt.NDArray[np.object_] = field(init=False)
    difference: Ints = field(init=False)
    expected: Ints = field(init=False)
    has_expected: npt.NDArray[np.bool_] = field(init=False)
    rule_confidence: npt.NDArray[np.float64] = field(init=False)
    text: dict[str, npt.NDArray[np.object_]] = field(init=False)
    #: the reason's parameters (REASON_PARAMETERS), made on first use
    because: dict[str, np.ndarray] = field(init=False)
    links: list[pd.DataFrame] = field(default_factory=list)
    #: invoices named by number only, per payment: ones abas no longer lists (already posted)
    numbers: dict[int, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.category = np.full(self.size, -1, dtype=np.int8)
        self.rule = filled(self.size)
        self.reason_code = filled(self.size)
        self.difference = np.zeros(self.size, dtype=np.int64)
        self.expected = np.zeros(self.size, dtype=np.int64)
        self.has_expected = np.zeros(self.size, dtype=bool)
        self.rule_confidence = np.zeros(self.size, dtype=np.float64)
        self.text = {}
        self.because = {}

    def pending(self) -> npt.NDArray[np.bool_]:
        """Payments no pass has decided yet."""
        result: npt.NDArray[np.bool_] = self.category < 0
        return result

    def _text(self, name: str) -> npt.NDArray[np.object_]:
        """An evidence column, made on first use (most proposals fill only a few)."""
        if name not in self.text:
            self.text[name] = filled(self.size)
        return self.text[name]

    def _parameter(self, name: str) -> np.ndarray:
        """A reason parameter column, made on first use (see REASON_PARAMETERS)."""
        if name not in self.because:
            kind = REASON_PARAMETERS[name]
            self.because[name] = filled(self.size) if kind is str else np.zeros(self.size, kind)
        return self.because[name]

    def explain(self, pays: Ints, code: Any, **parameters: Any) -> None:
        """Set the reason of ``pays``: a code and its parameters (arrays align with ``pays``)."""
        self.reason_code[pays] = code
        for name, values in parameters.items():
            self._parameter(name)[pays] = values

    def add_to_reason(self, pays: Ints, code: str, **parameters: Any) -> None:
        """Append a part (another sentence, docs/i18n.md) to the reasons of ``pays``."""
        if len(pays) == 0:
            return
        self.reason_code[pays] = self.reason_code[pays] + f"+{code}"
        for name, values in parameters.items():
            self._parameter(name)[pays] = values

    def is_matched(self, pays: Ints) -> npt.NDArray[np.bool_]:
        """Whether each of ``pays`` is decided ``matched``."""
        result: npt.NDArray[np.bool_] = self.category[pays] == _CODE[Category.MATCHED]
        return result

    def decide(
        self,
        pays: Ints,
        category: Category,
        rule: str | npt.NDArray[np.object_],
        reason: Any,
        *,
        because: Mapping[str, Any] | None = None,
        rule_confidence: float = 0.0,
        difference: Ints | None = None,
        expected: Ints | None = None,
        **evidence: Any,
    ) -> None:
        """Record ``category`` for ``pays``; array arguments align with ``pays``.

        ``reason`` is a reason code (or one per payment), ``because`` its parameters.
        """
        if len(pays) == 0:
            return
        if (self.category[pays] >= 0).any():
            raise AssertionError(f"{category}: a payment was decided twice")
        self.category[pays] = _CODE[category]
        self.rule[pays] = rule
        self.explain(pays, reason, **(because or {}))
        self.rule_confidence[pays] = rule_confidence
        if difference is not None:
            self.difference[pays] = difference
        if expected is not None:
            self.expected[pays] = expected
            self.has_expected[pays] = True
        for name, values in evidence.items():
            self._text(name)[pays] = values

    def set_amounts(self, pays: Ints, difference: Ints, expected: Ints) -> None:
        """Record how far the amount is from what the invoices ask, and what they ask."""
        self.difference[pays] = difference
        self.expected[pays] = expected
        self.has_expected[pays] = True

    def extract(self, pays: Ints) -> DecidedPart:
        """The verdicts of ``pays`` (and the invoices they name), to adopt elsewhere."""
        links = pd.concat(self.links, ignore_index=True) if self.links else None
        return DecidedPart(
            pays=pays,
            fields={name: getattr(self, name)[pays] for name in _FIELDS},
            text={name: values[pays] for name, values in self.text.items()},
            because={name: values[pays] for name, values in self.because.items()},
            links=None if links is None else links[np.isin(links["pay"].to_numpy(), pays)],
        )

    def adopt(self, part: DecidedPart) -> None:
        """Take the verdicts of ``part`` (made by a proposal)."""
        pays = part.pays
        if (self.category[pays] >= 0).any():
            raise AssertionError("a payment was decided twice")
        for name, values in part.fields.items():
            getattr(self, name)[pays] = values
        for name, values in part.text.items():
            self._text(name)[pays] = values
        for name, values in part.because.items():
            self._parameter(name)[pays] = values
        if part.links is not None and len(part.links):
            self.links.append(part.links)

    def link(
        self, pays: Ints, items: Ints, applied: Ints | None = None, discount: Ints | None = None
    ) -> None:
        """Name invoices in the verdicts of ``pays`` (one row per payment and invoice)."""
        if len(pays) == 0:
            return
        zeros = np.zeros(len(pays), dtype=np.int64)
        self.links.append(
            pd.DataFrame(
                {
                    "pay": pays,
                    "item": items,
                    "applied": zeros if applied is None else applied,
                    "discount": zeros if discount is None else discount,
                }
            )
        )


def results_frame(
    payments: Payments, item_index: OpenItemIndex, verdicts: Verdicts
) -> pd.DataFrame:
    """The results frame (RESULT_COLUMNS), one row per payment, in the payments' input order."""
    size = len(payments)
    # ``at[p]`` is the paying-order position of input row p: every column is taken through it.
    at = np.empty(size, dtype=np.int64)
    at[payments.order] = np.arange(size)
    links = _ordered_links(verdicts.links, item_index)
    link_pay = links["pay"].to_numpy()
    by_input = np.argsort(payments.order[link_pay], kind="stable")
    items = links["item"].to_numpy()[by_input]
    count = np.bincount(payments.order[link_pay], minlength=size)
    first_item = np.full(size, -1, dtype=np.int64)
    has_links = count > 0
    first_item[has_links] = items[(np.cumsum(count) - count)[has_links]]
    discount = np.zeros(size, dtype=np.int64)
    np.add.at(discount, link_pay, links["discount"].to_numpy())
    expected = pd.array(verdicts.expected[at], dtype="Int64")
    expected[~verdicts.has_expected[at]] = pd.NA
    columns: dict[str, Any] = {
        # a copy: the input column's array may be the caller's own
        "transaction_id": payments.input_columns["transaction_id"].copy(),
        "category": _VALUES[verdicts.category[at]],
        "rule": verdicts.rule[at],
        "invoice_nos": _lists(item_index.invoice_no[items], count),
        "applied_cents": _lists(links["applied"].to_numpy()[by_input], count, as_int=True),
        "amount_cents": pd.array(payments.amount[at], dtype="Int64"),
        "currency": payments.input_columns["currency"],
        "discount_cents": pd.array(discount[at], dtype="Int64"),
        "invoice_discounts_cents": _lists(
            links["discount"].to_numpy()[by_input], count, as_int=True
        ),
        "difference_cents": pd.array(verdicts.difference[at], dtype="Int64"),
        "customer_no": take(item_index.customer_no, first_item, ""),
        "days_from_invoice": _days_from_invoice(payments, item_index, links)[at],
        "rule_confidence": verdicts.rule_confidence[at],
        "runner_up": verdicts._text("runner_up")[at],
        "runner_up_reason": verdicts._text("runner_up_reason")[at],
        # worded at the edge, in the clerk's language (report/reasons.py)
        "reason": filled(size),
        "payer_customer_no": payments.input_columns["payer"],
        "expected_cents": expected,
        "found_in": verdicts._text("found_in")[at],
        "exchange_rate": verdicts._text("exchange_rate")[at],
    }
    _name_by_number(columns, payments, verdicts.numbers)
    columns["reason_code"] = verdicts.reason_code[at]
    # only the parameters some reason used: a big day of plain matches carries one or two
    for name, values in sorted(verdicts.because.items()):
        columns[f"reason_{name}"] = values[at]
    extra = [name for name in columns if name.startswith("reason_") and name != "reason"]
    return _frame({name: columns[name] for name in [*RESULT_COLUMNS, *extra]}, size)


def _name_by_number(
    columns: dict[str, Any], payments: Payments, numbers: Mapping[int, list[str]]
) -> None:
    """Invoices named by number only: listed in ``invoice_nos``, nothing applied to them."""
    for pay, invoices in numbers.items():
        row = payments.order[pay]
        columns["invoice_nos"][row] = list(invoices)
        columns["applied_cents"][row] = [0] * len(invoices)
        columns["invoice_discounts_cents"][row] = [0] * len(invoices)


def _frame(columns: dict[str, Any], size: int) -> pd.DataFrame:
    """A frame holding these freshly made columns as they are, one block each.

    Text columns stay plain object columns (inferring a string dtype costs seconds per
    million: hence each column's own dtype), and nothing is copied or consolidated into 2-D
    blocks (``copy=False``; half a second per million rows otherwise). Every array here is
    made by ``results_frame``, owned by no one else.
    """
    index = pd.RangeIndex(size)
    return pd.DataFrame(
        {
            name: pd.Series(values, index=index, dtype=values.dtype, copy=False)
            for name, values in columns.items()
        },
        copy=False,
    )


def _ordered_links(parts: list[pd.DataFrame], item_index: OpenItemIndex) -> pd.DataFrame:
    """All links by payment; several invoices of one payment oldest first, then by number."""
    if not parts:
        return pd.DataFrame({name: np.zeros(0, dtype=np.int64) for name in _LINK_COLUMNS})
    links = pd.concat(parts, ignore_index=True)
    item = links["item"].to_numpy()
    order = ordered_rows(
        links["pay"].to_numpy(), item_index.invoice_day[item], item_index.invoice_no[item]
    )
    return links.iloc[order].reset_index(drop=True)


def _lists(values: np.ndarray, count: Ints, as_int: bool = False) -> npt.NDArray[np.object_]:
    """Split ``values`` into one list per payment, ``count[p]`` values for payment ``p``.

    The lists come in a 1-D object array (``np.asarray`` of lists would make it 2-D).
    """
    plain = values.tolist() if as_int else list(values)
    ends = np.cumsum(count)
    starts = (ends - count).tolist()
    lists = np.empty(len(count), dtype=object)
    with collector_paused():
        lists[:] = [plain[start:end] for start, end in zip(starts, ends.tolist(), strict=True)]
    return lists


def _days_from_invoice(
    payments: Payments, item_index: OpenItemIndex, links: pd.DataFrame
) -> pd.arrays.IntegerArray:
    """Days from the oldest named invoice to the payment; missing when no dated invoice."""
    day = item_index.invoice_day[links["item"].to_numpy()]
    dated = day != NO_DAY
    oldest = np.full(len(payments), np.iinfo(np.int64).max)
    np.minimum.at(oldest, links["pay"].to_numpy()[dated], day[dated])
    known = oldest != np.iinfo(np.int64).max
    days = pd.array(np.where(known, payments.paid_day - oldest, 0), dtype="Int64")
    days[~known] = pd.NA
    return days


def claims_from_ledger(
    index: InvoiceIndex, paid_before: Mapping[str, str]
) -> npt.NDArray[np.object_]:
    """Who already paid each open item: the ledger's transaction id, or "" for nobody yet."""
    claimed = filled(len(index))
    if paid_before:
        numbers = pd.Index(list(paid_before), dtype=object)
        position = index.by_number.get_indexer(numbers)
        known = position >= 0
        claimed[position[known]] = np.asarray(list(paid_before.values()), dtype=object)[known]
    return claimed
