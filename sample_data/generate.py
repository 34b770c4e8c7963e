"""Writes the bundled sample day (2026-11-25) and its hand-specified expectations.

Each scenario below says what a clerk should see for that payment; the expected-results file
for the golden test is written from these intentions, never from the program's output.
Run: python sample_data/generate.py  (deterministic; commit the outputs).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from settlement_data import write_settlement

HERE = Path(__file__).parent
GOLDEN = HERE.parent / "tests" / "golden" / "sample_day_expected.json"

CUSTOMERS = {
    "70001": "Cascade Hydraulics Inc.",
    "70002": "Blue Mountain Machining LLC",
    "70003": "Palouse Ag Equipment Co.",
    "70004": "Spokane Valley Fabrication",
    "70005": "Columbia Gorge Pumps",
    "70006": "Inland Northwest Bearings",
    "70007": "Yakima Valley Cold Storage",
    "70008": "Coeur d'Alene Marine Supply",
    "70009": "Okanogan Timber Works",
    "70010": "Tri-Cities Conveyor Systems",
    "70011": "Walla Walla Winery Equipment",
    "70012": "Pullman Precision Tools",
    "70013": "Bitterroot Welding & Supply",
    "70014": "Lewiston Gear & Drive",
    "70015": "Moses Lake Packaging",
    "70016": "Wenatchee Orchard Machinery",
    "70017": "Kettle Falls Sawmill Parts",
    "70018": "Sandpoint Outdoor Gear GmbH",
    "70019": "Ellensburg Feed & Grain",
    "70020": "Boise Fluid Power",
    "70021": "Missoula Motion Control",
    "70022": "Chelan Irrigation Supply",
    "70023": "Müller Präzisionsteile GmbH",
}
# Customers abas knows (customer master) who have no open item today.
MASTER_ONLY = {
    "70024": "Snake River Castings Inc.",
    "70025": "Grangeville Hardware Co.",
}

# invoice_no, customer, invoice date (DD.MM.YYYY), gross, open, discount %, discount until, currency
ITEMS: list[tuple[str, str, str, str, str, str, str, str]] = []


def item(no, customer, day, gross, open_=None, pct="", until="", currency="USD"):
    ITEMS.append((no, customer, day, gross, gross if open_ is None else open_, pct, until, currency))


# PayTrace transactions: (id, scenario fields..., expected category, rule, invoices)
TRANSACTIONS: list[dict] = []
EXPECTED: list[dict] = []


def sale(tid, amount, customer, *, invoice_id="", description="", po="", created="2:14:05 PM",
         settled="8:13:45 PM", day="11/25/2026", settled_day=None, kind="SALE", card="4242",
         name=None, expect=None, rule=None, invoices=(), extra=None):
    record = {
        "transaction_id": tid,
        "credit_card": {"masked_number": "************" + card, "expiration_month": 9,
                        "expiration_year": 28},
        "transaction_type": kind,
        "description": description,
        "amount": Decimal(amount),
        "invoice_id": invoice_id,
        "billing_address": {"name": name or CUSTOMERS.get(customer, "Walk-in customer"),
                            "street_address": "", "city": "Spokane", "state": "WA",
                            "zip": "99201", "country": "US"},
        "tax_amount": "0.00",
        "customer_reference_id": po,
        "approval_code": "TAS" + str(tid)[-3:],
        "approval_message": "EXACT MATCH - Approved and completed",
        "avs_response": "Full Exact Match",
        "csc_response": "Match",
        "status_code": "",
        "status_message": "",
        "created": {"through": "API", "at": f"{day} {created}", "by": "ar_clerk",
                    "from_ip": "10.0.0.8"},
        "settled": f"{settled_day or day} {settled}" if settled else "",
        "customer_id": customer,
    }
    record.update(extra or {})
    TRANSACTIONS.append(record)
    if expect:
        EXPECTED.append({"transaction_id": str(tid), "category": expect, "rule": rule,
                         "invoice_nos": list(invoices)})


C = CUSTOMERS
tid = 512_330_100


def next_id():
    global tid
    tid += 7
    return tid


# --- 20 single-invoice references in every style a payer types --------------------------
styles = ["{n}", "RE-{n}", "#{n}", "Inv {n}", "Inv. {n}", "re {n}", "INV{n}", "Invoice {n}"]
amounts = ["1248.50", "386.00", "2950.75", "74.20", "12480.00", "615.35", "1999.99", "240.00",
           "5310.40", "88.88", "731.10", "4100.00", "159.95", "2875.60", "342.18", "1062.00",
           "7420.25", "498.00", "2210.70", "66.45"]
for n, amount in enumerate(amounts):
    invoice_no = str(400101 + n)
    customer = f"700{(n % 12) + 1:02d}"
    item(invoice_no, customer, f"{(n % 20) + 1:02d}.10.2026", amount)
    text = styles[n % len(styles)].format(n=invoice_no)
    where = {"invoice_id": text} if n % 3 == 0 else ({"description": text} if n % 3 == 1 else {"po": text})
    sale(next_id(), amount, customer, **where, expect="matched", rule="reference", invoices=[invoice_no])

# --- several invoices named in one payment ------------------------------------------------
for pair, (a, b), customer in [
    (("400130", "400131"), ("812.40", "1190.00"), "70013"),
    (("400132", "400133"), ("95.00", "405.50"), "70014"),
    (("400134", "400135"), ("2200.00", "318.27"), "70015"),
    (("400136", "400137"), ("1500.00", "1500.00"), "70016"),
]:
    item(pair[0], customer, "02.11.2026", a)
    item(pair[1], customer, "09.11.2026", b)
    total = str(Decimal(a) + Decimal(b))
    sep = ["/", ", ", " + ", " & "][len(EXPECTED) % 4]
    sale(next_id(), total, customer, invoice_id=f"{pair[0]}{sep}{pair[1]}", expect="matched",
         rule="reference_multi", invoices=list(pair))

# --- customer + amount, no reference --------------------------------------------------------
for invoice_no, customer, amount in [
    ("400140", "70017", "1375.00"), ("400141", "70019", "268.40"), ("400142", "70020", "3333.33"),
    ("400143", "70021", "710.00"), ("400144", "70022", "2045.90"), ("400145", "70003", "184.25"),
]:
    item(invoice_no, customer, "28.10.2026", amount)
    sale(next_id(), amount, customer, description="Online payment", expect="matched",
         rule="customer_amount", invoices=[invoice_no])
# a distractor item of another amount for two of those customers
item("400146", "70017", "15.11.2026", "980.00")
item("400147", "70020", "18.11.2026", "129.99")

# --- customer + amount as a set of two ------------------------------------------------------
item("400150", "70009", "01.11.2026", "640.00")
item("400151", "70009", "08.11.2026", "1210.00")
item("400152", "70009", "15.11.2026", "77.50")
sale(next_id(), "1850.00", "70009", description="Card payment", expect="matched",
     rule="customer_amount_set", invoices=["400150", "400151"])

item("400153", "70011", "03.11.2026", "450.00")
item("400154", "70011", "10.11.2026", "925.00")
item("400155", "70011", "12.11.2026", "3000.00")
sale(next_id(), "1375.00", "70011", description="pay open invoices", expect="matched",
     rule="customer_amount_set", invoices=["400153", "400154"])

# --- cash discount (Skonto) taken in time: 2% of gross --------------------------------------
for invoice_no, customer, gross, paid in [
    ("400160", "70004", "1000.00", "980.00"),
    ("400161", "70005", "2450.00", "2401.00"),
    ("400162", "70006", "318.50", "312.13"),  # 2% of 318.50 = 6.37
    ("400163", "70007", "12999.00", "12739.02"),
]:
    item(invoice_no, customer, "18.11.2026", gross, pct="2,00", until="28.11.2026")
    sale(next_id(), paid, customer, invoice_id=invoice_no, expect="matched", rule="reference",
         invoices=[invoice_no])

# --- discount claimed after its date -> partial ---------------------------------------------
item("400164", "70008", "01.11.2026", "1500.00", pct="3,00", until="15.11.2026")
sale(next_id(), "1455.00", "70008", invoice_id="400164", expect="partial_payment", rule="reference",
     invoices=["400164"])

# --- partial payments -----------------------------------------------------------------------
for invoice_no, customer, gross, paid in [
    ("400170", "70010", "5000.00", "2500.00"),
    ("400171", "70012", "840.00", "800.00"),
    ("400172", "70002", "1125.00", "1000.00"),
]:
    item(invoice_no, customer, "05.11.2026", gross)
    sale(next_id(), paid, customer, invoice_id=f"RE-{invoice_no}", expect="partial_payment",
         rule="reference", invoices=[invoice_no])

# --- overpayments -------------------------------------------------------------------------
for invoice_no, customer, gross, paid in [
    ("400175", "70001", "460.00", "470.00"),
    ("400176", "70006", "1980.00", "2080.00"),
]:
    item(invoice_no, customer, "07.11.2026", gross)
    sale(next_id(), paid, customer, invoice_id=invoice_no, expect="overpayment", rule="reference",
         invoices=[invoice_no])

# --- ambiguous: identical open items, payment names none -----------------------------------
item("400180", "70014", "01.11.2026", "250.00")
item("400181", "70014", "08.11.2026", "250.00")
sale(next_id(), "250.00", "70014", description="monthly service", expect="ambiguous",
     rule="customer_amount", invoices=["400180", "400181"])
item("400182", "70016", "02.11.2026", "99.00")
item("400183", "70016", "09.11.2026", "99.00")
sale(next_id(), "99.00", "70016", description="", expect="ambiguous", rule="customer_amount",
     invoices=["400182", "400183"])

# --- unmatched ------------------------------------------------------------------------------
sale(next_id(), "149.00", "", description="Web shop order 88172", name="Jordan Ellis",
     expect="unmatched", rule="none")
sale(next_id(), "1814.14", "", po="PO 1814-14", name="Harbor Freight Lines",
     expect="unmatched", rule="none")  # 14 must not be found inside 1814
sale(next_id(), "333.00", "70015", description="Deposit", expect="unmatched", rule="none")

# --- names an invoice that is not open ------------------------------------------------------
item("400190", "70018", "01.10.2026", "720.00", open_="0,00")
item("400191", "70019", "02.10.2026", "66.00", open_="0,00")
sale(next_id(), "720.00", "70018", invoice_id="400190", expect="invoice_not_open", rule="reference",
     invoices=["400190"])
sale(next_id(), "66.00", "70019", invoice_id="RE 400191", expect="invoice_not_open",
     rule="reference", invoices=["400191"])
sale(next_id(), "410.00", "70020", invoice_id="499999", expect="invoice_not_open", rule="reference")

# --- duplicates: a second payment of the same invoice later the same day --------------------
item("400195", "70021", "20.11.2026", "555.00")
sale(next_id(), "555.00", "70021", invoice_id="400195", created="9:02:11 AM", expect="matched",
     rule="reference", invoices=["400195"])
sale(next_id(), "555.00", "70021", invoice_id="400195", created="9:04:40 AM", expect="duplicate",
     rule="reference", invoices=["400195"])
item("400196", "70022", "20.11.2026", "89.10")
sale(next_id(), "89.10", "70022", invoice_id="400196", created="10:15:00 AM", expect="matched",
     rule="reference", invoices=["400196"])
sale(next_id(), "89.10", "70022", invoice_id="400196", created="3:30:00 PM", expect="duplicate",
     rule="reference", invoices=["400196"])

# --- customer mismatch: reference names another customer's invoice --------------------------
item("400200", "70001", "12.11.2026", "1200.00")
sale(next_id(), "1200.00", "70002", invoice_id="400200", expect="customer_mismatch",
     rule="reference", invoices=["400200"])
item("400201", "70003", "12.11.2026", "75.00")
sale(next_id(), "75.00", "70004", description="Inv 400201", expect="customer_mismatch",
     rule="reference", invoices=["400201"])

# --- currency mismatch: invoiced in EUR by the German parent, paid in USD -------------------
item("400205", "70018", "10.11.2026", "3400.00", currency="EUR")
sale(next_id(), "3400.00", "70018", invoice_id="400205", expect="currency_mismatch",
     rule="reference", invoices=["400205"])

# --- refunds ---------------------------------------------------------------------------------
for amount, customer, text in [("120.00", "70005", "RMA 7731"), ("45.50", "70010", "returned part"),
                               ("980.00", "", "goodwill credit")]:
    sale(next_id(), amount, customer, kind="REFUND", description=text, expect="refund",
         rule="card_state")

# --- voids, auto-void -----------------------------------------------------------------------
sale(next_id(), "310.00", "70012", kind="VOID", invoice_id="400171", settled="", expect="void",
     rule="card_state")
sale(next_id(), "58.00", "", kind="VOID", settled="", name="Casey Moore", expect="void",
     rule="card_state")
sale(next_id(), "725.00", "70013", settled="", invoice_id="400130",
     extra={"response_code": 103, "approval_message": "  NO  MATCH - Approved and voided"},
     expect="void", rule="card_state")

# --- declines ---------------------------------------------------------------------------------
for amount, customer in [("2950.75", "70003"), ("499.00", ""), ("1250.00", "70007")]:
    sale(next_id(), amount, customer, settled="", invoice_id="400103" if customer == "70003" else "",
         name=None if customer else "Pat Quinn", card="5439",
         extra={"approval_code": "", "approval_message": "    DECLINE      - Do not honor"},
         expect="declined", rule="card_state")

# --- pending: approved, not settled yet ---------------------------------------------------------
for amount, customer, inv in [("615.00", "70008", "400999"), ("89.00", "70009", "")]:
    sale(next_id(), amount, customer, invoice_id=inv, created="7:58:30 PM", settled="",
         expect="pending", rule="card_state")

# --- chargebacks (from the processor portal's CSV, not from PayTrace) -------------------
CHARGEBACKS = [
    # case, disputed transaction, dispute date, amount, reason code, reason
    ("2026-0142", "512330107", "11/25/2026", "1248.50", "10.4", "Other Fraud - Card Absent"),
    ("2026-0143", "511904233", "11/25/2026", "212.00", "13.1", "Merchandise Not Received"),
]
# A chargeback names the invoices of the sale it disputes (docs/money-trail.md): 512330107 is
# the first reference payment (invoice 400101); 511904233 is no payment of the sample.
DISPUTED_INVOICES = {"512330107": ["400101"]}
for case, disputed, *_ in CHARGEBACKS:
    EXPECTED.append({"transaction_id": f"CB-{case}", "category": "chargeback",
                     "rule": "card_state", "invoice_nos": DISPUTED_INVOICES.get(disputed, [])})

# --- outside the window (in the file through the pull overlap) ------------------------------
sale(next_id(), "1000.00", "70010", invoice_id="400170", day="11/24/2026", settled_day="11/24/2026")
sale(next_id(), "222.00", "70011", invoice_id="400155", created="8:45:00 PM",
     settled_day="11/26/2026")  # paid after the 8 PM close: settles on the 26th

# --- open items nobody paid today (the rest of the receivables) -------------------------------
for n in range(30):
    customer = f"700{(n % 22) + 1:02d}"
    gross = f"{(n * 137) % 4000 + 95}.{(n * 29) % 100:02d}"
    item(str(400300 + n), customer, f"{(n % 28) + 1:02d}.11.2026", gross,
         pct="2,00" if n % 5 == 0 else "", until="05.12.2026" if n % 5 == 0 else "")


# --- issue 14: unknown invoice number, payer by name, known payer naming another's invoice --
# (appended after every earlier transaction so that their ids stay as they were)
# The invoice field names 400099: the shape of this installation's invoice numbers (six
# digits starting with 4, learned from the open items), but abas does not list it as open.
sale(next_id(), "512.00", "70005", invoice_id="400099", expect="invoice_not_open",
     rule="reference")
# No PayTrace customer id; the card holder's name is the abas customer's, typed without the
# umlauts and the legal form: the customer + amount pass runs for customer 70023.
item("400210", "70023", "06.11.2026", "612.40")
item("400212", "70023", "19.11.2026", "1480.00")
sale(next_id(), "612.40", "", description="Card payment", name="MUELLER PRAEZISIONSTEILE",
     expect="matched", rule="customer_amount", invoices=["400210"])
# Customer 70024 is in the customer master but has no open items; it names an invoice of
# customer 70006. Posting it would credit 70006 with a payment 70024 made.
item("400211", "70006", "09.11.2026", "845.00")
sale(next_id(), "845.00", "70024", invoice_id="400211", name=MASTER_ONLY["70024"],
     expect="customer_mismatch", rule="reference", invoices=["400211"])


# --- issue 16: the money trail (docs/money-trail.md) ----------------------------------
def money_trail_sample() -> None:
    """Payments of the day before that `make demo` posts first, and refunds of them on the 25th.

    Appended last, so that every earlier transaction keeps its id.
    """
    # Posted on the 24th; partly refunded on the 25th: the receipt must be reversed in abas.
    item("400213", "70017", "03.11.2026", "1870.00")
    sale(next_id(), "1870.00", "70017", invoice_id="400213", day="11/24/2026",
         settled_day="11/24/2026", created="10:05:00 AM")
    sale(next_id(), "370.00", "70017", kind="REFUND", description="one saw blade returned",
         created="9:15:00 AM", expect="refund", rule="card_state")
    # Two equal monthly fees on the 24th, one refund of that amount: ambiguous, never guessed.
    item("400214", "70020", "01.11.2026", "250.00")
    item("400215", "70020", "01.11.2026", "250.00")
    for invoice_no in ("400214", "400215"):
        sale(next_id(), "250.00", "70020", invoice_id=invoice_no, day="11/24/2026",
             settled_day="11/24/2026", created="11:30:00 AM")
    sale(next_id(), "250.00", "70020", kind="REFUND", description="service fee refunded",
         created="9:20:00 AM", expect="refund", rule="card_state")


money_trail_sample()

def german(amount: str) -> str:
    value = Decimal(amount.replace(",", ".")) if "," in amount else Decimal(amount)
    whole, frac = f"{value:.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{groups},{frac}"


def due(day: str) -> str:
    d, m, y = day.split(".")
    m2 = int(m) + 1
    return f"{d}.{m2:02d}.{y}" if m2 <= 12 else f"{d}.01.{int(y) + 1}"


def write() -> None:
    header = ("invoice_no;customer_no;customer_name;invoice_date;due_date;currency;gross_amount;"
              "open_amount;discount_percent;discount_until")
    lines = [header]
    for no, customer, day, gross, open_, pct, until, currency in ITEMS:
        lines.append(";".join([no, customer, CUSTOMERS[customer], day, due(day), currency,
                               german(gross), german(open_), pct, until]))
    (HERE / "abas_open_items.csv").write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    body = {"success": True, "response_code": 1,
            "status_message": "Your request has been successfully completed.",
            "transactions": TRANSACTIONS, "external_transaction_id": ""}
    folder = HERE / "paytrace"
    folder.mkdir(exist_ok=True)
    # PayTrace sends amounts as JSON numbers; write the Decimal's exact digits unquoted.
    text = json.dumps(body, indent=2, default=lambda d: f"@@{d}@@")
    text = re.sub(r'"@@([0-9.]+)@@"', r"\1", text)
    (folder / "export-2026-11-23_2026-11-26.json").write_text(text + "\n", encoding="utf-8")
    customers = ["customer_no;name;street;zip;city;country;email"]
    for number, name in {**CUSTOMERS, **MASTER_ONLY}.items():
        germany = number == "70023"
        customers.append(";".join([
            number, name, "Industriestraße 12" if germany else "", "73430" if germany else "",
            "Aalen" if germany else "Spokane", "DE" if germany else "US",
            f"ap@{number}.example"]))
    (HERE / "abas_customers.csv").write_text("\ufeff" + "\n".join(customers) + "\n",
                                             encoding="utf-8")
    chargebacks = ["case_number,transaction_id,dispute_date,amount,currency,reason_code,reason"]
    chargebacks += [",".join([case, tid, day, amount, "USD", code, reason])
                    for case, tid, day, amount, code, reason in CHARGEBACKS]
    # The processor's dispute file, in the folder config/demo.toml reads (chargebacks_dir).
    (HERE / "chargebacks").mkdir(exist_ok=True)
    (HERE / "chargebacks" / "disputes-2026-11-25.csv").write_text("\n".join(chargebacks) + "\n")
    GOLDEN.write_text(json.dumps({"date": "2026-11-25", "items": EXPECTED}, indent=2) + "\n")
    write_settlement(HERE, TRANSACTIONS)
    print(f"{len(ITEMS)} open items, {len(TRANSACTIONS)} transactions, {len(EXPECTED)} in window")


if __name__ == "__main__":
    write()
