"""A seeded synthetic day: N PayTrace payments against N abas open items, in canonical frames.

The mix follows what the sample day shows a finance team sees, scaled up: most payments name
their invoice (in every style payers type), a fifth pay by customer and amount, some pay
several invoices, take a cash discount, pay short or too much, pay twice, name another
customer's or a cleared invoice, or are no money at all (declines, voids, refunds, pending).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

DAY = dt.date(2026, 11, 25)
STYLES = ["{}", "RE-{}", "#{}", "Inv {}", "Inv. {}", "re {}", "INV{}", "Invoice {}", "RE {}"]
FIELDS = ["invoice_ref", "description", "purchase_order"]
#: share of payments per scenario (sums to 1)
MIX = {
    "reference": 0.43,
    "reference_discount": 0.04,
    "reference_multi": 0.04,
    "customer_amount": 0.17,
    "customer_set": 0.03,
    "partial": 0.04,
    "overpayment": 0.02,
    "duplicate": 0.02,
    "customer_mismatch": 0.02,
    "not_open": 0.02,
    "currency": 0.01,
    "unmatched": 0.06,
    "card_state": 0.10,
}


def generate(n: int, seed: int = 20261125) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(payments, open_items) with ``n`` rows each."""
    rng = np.random.default_rng(seed)
    items = _open_items(n, rng)
    payments = _payments(n, items, rng)
    return payments, _open_items_frame(items)


def _open_items(n: int, rng: np.random.Generator) -> pd.DataFrame:
    customers = max(n // 5, 1)
    # A few customers have many open items, most have a handful.
    customer = np.minimum(rng.zipf(1.6, n) - 1, customers - 1) + rng.integers(0, customers, n)
    customer %= customers
    gross = np.round(rng.lognormal(11.0, 1.2, n)).astype(np.int64) + 100
    age = rng.integers(1, 120, n)
    discount = rng.random(n) < 0.12
    cleared = rng.random(n) < 0.02
    partly = rng.random(n) < 0.05
    open_cents = np.where(partly, gross // 2, gross)
    open_cents = np.where(cleared, 0, open_cents)
    return pd.DataFrame(
        {
            "invoice_no": (10_000_000 + rng.permutation(n * 3)[:n]).astype(str),
            "customer_no": (500_000 + customer).astype(str),
            "invoice_day": age,
            "currency": np.where(rng.random(n) < 0.01, "EUR", "USD"),
            "gross_cents": gross,
            "open_cents": open_cents,
            "discount_bp": np.where(discount, 200, 0),
            "discount_left": np.where(discount, rng.integers(-10, 20, n), 0),
        }
    )


def _payments(n: int, items: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    scenario = rng.choice(list(MIX), size=n, p=list(MIX.values()))
    usable = items[(items["open_cents"] > 0) & (items["currency"] == "USD")]
    usable = usable[(usable["discount_bp"] == 0)].sample(frac=1.0, random_state=rng)
    usable = usable.reset_index(drop=True)
    is_ = {name: scenario == name for name in MIX}
    idle = is_["card_state"] | is_["unmatched"] | is_["not_open"] | is_["currency"]
    pairs = is_["reference_multi"] | is_["customer_set"]
    target, partner = _targets(
        usable, pairs, ~idle & ~is_["duplicate"] & ~is_["reference_discount"]
    )
    amount = usable["open_cents"].to_numpy()[target].copy()
    number = usable["invoice_no"].to_numpy(dtype=object)[target]
    customer = usable["customer_no"].to_numpy(dtype=object)[target].copy()
    style = rng.integers(0, len(STYLES), n)
    text = np.array([STYLES[k].format(v) for k, v in zip(style, number, strict=True)], dtype=object)
    second = usable.iloc[rng.integers(0, len(usable), n)].reset_index(drop=True)
    # several invoices: a second open item of the same customer, paid by no other payment
    multi = is_["reference_multi"] & (partner >= 0)
    partner_number = usable["invoice_no"].to_numpy(dtype=object)[np.maximum(partner, 0)]
    amount[multi] += usable["open_cents"].to_numpy()[partner[multi]]
    text[multi] = [f"{a}/{b}" for a, b in zip(number[multi], partner_number[multi], strict=True)]
    cust_set = is_["customer_set"] & (partner >= 0)
    amount[cust_set] += usable["open_cents"].to_numpy()[partner[cust_set]]
    discounted = items[
        (items["discount_bp"] > 0)
        & (items["open_cents"] == items["gross_cents"])
        & (items["currency"] == "USD")
    ]
    disc_pick = discounted.iloc[
        rng.integers(0, max(len(discounted), 1), n) % max(len(discounted), 1)
    ]
    rd = is_["reference_discount"] & (len(discounted) > 0)
    amount[rd] = (
        disc_pick["gross_cents"].to_numpy() - (disc_pick["gross_cents"].to_numpy() * 2 + 50) // 100
    )[rd]
    number[rd] = disc_pick["invoice_no"].to_numpy()[rd]
    customer[rd] = disc_pick["customer_no"].to_numpy()[rd]
    text[rd] = number[rd]
    amount[is_["partial"]] = amount[is_["partial"]] // 2
    amount[is_["overpayment"]] += 1_000
    customer[is_["customer_mismatch"]] = second["customer_no"].to_numpy()[is_["customer_mismatch"]]
    text[is_["not_open"]] = [
        f"RE {x}" for x in rng.integers(90_000_000, 99_999_999, int(is_["not_open"].sum()))
    ]
    eur = items[items["currency"] == "EUR"]
    if len(eur):
        eur_pick = eur.iloc[rng.integers(0, len(eur), n)]
        text[is_["currency"]] = eur_pick["invoice_no"].to_numpy()[is_["currency"]]
        customer[is_["currency"]] = eur_pick["customer_no"].to_numpy()[is_["currency"]]
    no_text = is_["customer_amount"] | is_["customer_set"] | is_["unmatched"]
    text[no_text] = np.where(rng.random(int(no_text.sum())) < 0.5, "Online payment", "")
    amount[is_["unmatched"]] = rng.integers(1_000, 500_000, int(is_["unmatched"].sum()))
    customer[is_["unmatched"] & (rng.random(n) < 0.5)] = ""
    # duplicates: copy an earlier reference payment (same text, amount, customer)
    dup = np.flatnonzero(is_["duplicate"])
    source = np.flatnonzero(is_["reference"])
    if len(source) and len(dup):
        origin = source[rng.integers(0, len(source), len(dup))]
        text[dup], amount[dup], customer[dup] = text[origin], amount[origin], customer[origin]
    kind, status = _card_states(is_["card_state"], rng)
    field = rng.integers(0, 3, n)
    columns = {name: np.where(field == k, text, "") for k, name in enumerate(FIELDS)}
    seconds = rng.integers(0, 82_800, n)
    if len(source) and len(dup):
        seconds[dup] = seconds[origin] + 3_600
    created_at = pd.Series(
        pd.Timestamp(DAY.isoformat(), tz="UTC") + pd.to_timedelta(seconds, unit="s")
    )
    return pd.DataFrame(
        {
            "transaction_id": (600_000_000 + np.arange(n)).astype(str),
            "kind": kind,
            "status": status,
            "amount_cents": pd.array(amount, dtype="Int64"),
            "currency": "USD",
            "created_at": created_at,
            "settled_at": created_at.where(status == "settled"),
            **columns,
            "paytrace_customer_id": customer,
            "card_type": "VISA",
            "card_last4": "4242",
            "billing_name": "",
            "approval_code": "",
            "batch_number": 1,
            "source_line": "bench",
            "paid_on": [DAY] * n,
        }
    )


def _targets(
    usable: pd.DataFrame, wants_pair: np.ndarray, consumes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per payment an invoice (position in ``usable``) and, for pair scenarios, a partner.

    Every invoice is used by at most one payment while they last; pairs come from customers
    with two or more open items, and their two items are used by no other payment.
    """
    n = len(wants_pair)
    rank = usable.groupby("customer_no").cumcount().to_numpy()
    first = np.flatnonzero(rank == 0)
    second_of = pd.Series(
        np.flatnonzero(rank == 1), index=usable["customer_no"].to_numpy()[rank == 1]
    )
    paired_first = first[pd.Index(usable["customer_no"].to_numpy()[first]).isin(second_of.index)]
    pair_rows = np.flatnonzero(wants_pair)[: len(paired_first)]
    a = paired_first[: len(pair_rows)]
    b = second_of.reindex(usable["customer_no"].to_numpy()[a]).to_numpy()
    used = np.zeros(len(usable), dtype=bool)
    used[a] = used[b] = True
    # Payments that pay no particular invoice still come from some customer.
    target = np.random.default_rng(len(usable)).integers(0, len(usable), n).astype(np.int64)
    single_rows = np.flatnonzero(consumes & ~np.isin(np.arange(n), pair_rows))
    target[single_rows] = np.resize(np.flatnonzero(~used), len(single_rows))
    partner = np.full(n, -1, dtype=np.int64)
    target[pair_rows], partner[pair_rows] = a, b
    return target.astype(np.int64), partner


def _card_states(card: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n = len(card)
    state = rng.choice(["declined", "void", "pending", "refund"], size=n)
    kind = np.where(
        card & (state == "refund"), "refund", np.where(card & (state == "void"), "void", "sale")
    )
    status = np.where(
        card & (state == "declined"),
        "declined",
        np.where(
            card & (state == "void"),
            "voided",
            np.where(card & (state == "pending"), "pending", "settled"),
        ),
    )
    return kind.astype(object), status.astype(object)


def _open_items_frame(items: pd.DataFrame) -> pd.DataFrame:
    day = pd.Timestamp(DAY.isoformat())
    invoice_date = day - pd.to_timedelta(items["invoice_day"], unit="D")
    until = (day + pd.to_timedelta(items["discount_left"], unit="D")).where(
        items["discount_bp"] > 0
    )
    return pd.DataFrame(
        {
            "invoice_no": items["invoice_no"],
            "customer_no": items["customer_no"],
            "customer_name": "Customer " + items["customer_no"],
            "invoice_date": invoice_date.astype("datetime64[s]"),
            "due_date": (invoice_date + pd.Timedelta(days=30)).astype("datetime64[s]"),
            "currency": items["currency"],
            "gross_cents": pd.array(items["gross_cents"], dtype="Int64"),
            "open_cents": pd.array(items["open_cents"], dtype="Int64"),
            "discount_bp": pd.array(items["discount_bp"], dtype="Int64"),
            "discount_until": until.astype("datetime64[s]"),
            "source_line": "bench",
        }
    )
