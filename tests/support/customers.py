"""Vault profiles and abas customers for the customers tests, and a config around them.

``PROFILES`` are ``customers[]`` objects as ``/v1/customer/export`` answers them;
``ABAS_CUSTOMERS`` are records of the customers table ``0:1`` by abas field name (what the
fake abas serves). Between them: a pair by equal number with one address difference (C100),
a pair only name and address find (``V-77`` / ``K200``: umlauts, legal form, Str./Straße,
ZIP+4, country name), a profile abas lacks (``V-NEW``), a customer no profile has (``K300``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ABAS_PASSWORD = "sy"
PAYTRACE_USER, PAYTRACE_PASSWORD = "demo123", "demo-password"
CARD_NUMBER = "4111111111111111"


def profile(
    customer_id: str,
    name: str,
    street: str = "",
    zip_code: str = "",
    city: str = "",
    country: str = "",
    *,
    last4: str = "1111",
    email: str = "",
) -> dict[str, Any]:
    """One vault profile: billing address, masked card, expiry 08/28."""
    return {
        "customer_id": customer_id,
        "billing_address": {
            "name": name,
            "street_address": street,
            "city": city,
            "state": "",
            "zip": zip_code,
            "country": country,
        },
        "credit_card": {
            "masked_number": f"xxxxxxxxxxxx{last4}",
            "expiration_month": "8",
            "expiration_year": "28",
        },
        "email": email,
    }


PROFILES = [
    profile("C100", "Cascade Hydraulics Inc.", "12 Main Street", "99201", "Spokane", "US"),
    profile(
        "V-77",
        "Mueller Praezisionsteile",
        "Industriestr. 12",
        "73430",
        "Aalen",
        "Germany",
        last4="4242",
    ),
    profile("V-NEW", "Jordan Ellis", "1207 SE Hawthorne Blvd", "97214-3611", "Portland", "USA"),
]
ABAS_CUSTOMERS = [
    {"nummer": "C100", "namebspr": "Cascade Hydraulics", "str": "14 Main St.", "plz": "99201-1234",
     "nort": "Spokane", "staat": "United States", "email": ""},
    {"nummer": "K200", "namebspr": "Müller Präzisionsteile GmbH", "str": "Industriestraße 12",
     "plz": "73430", "nort": "Aalen", "staat": "DE", "email": ""},
    {"nummer": "K300", "namebspr": "Grangeville Hardware Co.", "str": "", "plz": "",
     "nort": "Grangeville", "staat": "US", "email": ""},
]  # fmt: skip


def customers_config(
    folder: Path,
    *,
    paytrace_url: str = "",
    abas_url: str = "",
    sink: str = "",
    abas_extra: str = "",
    extra: str = "",
) -> Path:
    """A config comparing ``PROFILES`` with ``ABAS_CUSTOMERS``: over the fakes' APIs when their
    URLs are given, else from files written into ``folder``; the sink is abas' API when its
    URL is given, else the import files, unless ``sink`` says."""
    folder.mkdir(parents=True, exist_ok=True)
    sink = sink or ("api" if abas_url else "file")
    (folder / "open_items.csv").write_text(
        "invoice_no;customer_no;customer_name;invoice_date;due_date;currency;gross_amount;"
        "open_amount;discount_percent;discount_until\n",
        encoding="utf-8",
    )
    (folder / "profiles.json").write_text(
        json.dumps({"success": True, "customers": PROFILES}), encoding="utf-8"
    )
    rows = ["customer_no;name;street;zip;city;country;email"]
    rows += [
        ";".join([c["nummer"], c["namebspr"], c["str"], c["plz"], c["nort"], c["staat"], ""])
        for c in ABAS_CUSTOMERS
    ]
    (folder / "customers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    paytrace = (
        f'source = "api"\nbase_url = "{paytrace_url}"\nbackoff_seconds = 0.001'
        if paytrace_url
        else 'source = "file"\nfile = "profiles.json"\ncustomers_file = "profiles.json"'
    )
    abas_source = (
        f'source = "api"\nbase_url = "{abas_url}"'
        if abas_url
        else 'source = "file"\ncustomers_file = "customers.csv"'
    )
    config = folder / "paytrace-abas.toml"
    config.write_text(
        f"""[paytrace]
{paytrace}

[abas]
{abas_source}
open_items_file = "open_items.csv"
client = "test"
sink = "{sink}"
import_file = "abas-import.edp"
customers_import_file = "abas-customers.edp"
backoff_seconds = 0.001
commit_grace_seconds = 0.01
{abas_extra}

[ledger]
path = "ledger.sqlite3"

[report]
out_dir = "out"

[accounts]
default = "18100"
{extra}
""",
        encoding="utf-8",
    )
    return config
