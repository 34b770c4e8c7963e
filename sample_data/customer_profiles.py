"""Writes the sample PayTrace vault profiles (``paytrace_customers.json``, the body of
``/v1/customer/export``) that ``paytrace-abas customers`` compares with the abas customers.

Every sample payer has a profile under its abas customer number, spelled as people type
(``INC`` for ``Inc.``, ``United States`` for ``US``) so that only real differences show. On top:

* ``V-MUELLER-01`` has no abas number as id: found by name and address after normalization
  (``Mueller Praezisionsteile`` / ``Industriestr. 12`` / ``Germany`` against ``Müller
  Präzisionsteile GmbH`` / ``Industriestraße 12`` / ``DE``);
* ``V-ELLIS-88172`` (Jordan Ellis, the web-shop buyer) has no abas customer: PayTrace only;
* ``70007`` moved to Yakima, which abas does not know yet: the one address difference.

Customer 70024 pays by card without a vault profile; the demo's clerk decision links it.
Run: python sample_data/customer_profiles.py  (deterministic; commit the output).
"""

from __future__ import annotations

import json
from pathlib import Path

from generate import CUSTOMERS

HERE = Path(__file__).parent
COUNTRY_SPELLINGS = ("US", "United States", "USA")


def profile(customer_id: str, name: str, city: str, country: str, **extra: str) -> dict:
    """One ``customers[]`` object: billing address, masked card and its expiry, e-mail."""
    last4 = f"{int(customer_id[-3:]) * 37 % 10000:04d}" if customer_id[-3:].isdigit() else "4242"
    return {
        "customer_id": customer_id,
        "billing_address": {
            "name": name,
            "street_address": extra.get("street", ""),
            "city": city,
            "state": extra.get("state", "WA"),
            "zip": extra.get("zip", ""),
            "country": country,
        },
        "credit_card": {
            "masked_number": f"xxxxxxxxxxxx{last4}",
            "expiration_month": "08",
            "expiration_year": "28",
        },
        "email": extra.get("email", f"ap@{customer_id}.example"),
    }


def profiles() -> list[dict]:
    found = []
    for n, (number, name) in enumerate(CUSTOMERS.items()):
        if number == "70023":
            continue  # its payments carry no vault id: V-MUELLER-01 below
        typed = name.upper().replace(".", "") if n % 4 == 1 else name
        city = "Yakima" if number == "70007" else "Spokane"
        found.append(profile(number, typed, city, COUNTRY_SPELLINGS[n % 3]))
    found.append(
        profile(
            "V-MUELLER-01",
            "Mueller Praezisionsteile",
            "Aalen",
            "Germany",
            street="Industriestr. 12",
            zip="73430",
            state="BW",
            email="ap@70023.example",
        )
    )
    found.append(
        profile(
            "V-ELLIS-88172",
            "Jordan Ellis",
            "Portland",
            "US",
            street="1207 SE Hawthorne Blvd",
            zip="97214-3611",
            state="OR",
            email="jordan.ellis@example.com",
        )
    )
    return found


def write() -> None:
    body = {
        "success": True,
        "response_code": 1,
        "status_message": "Your request has been successfully completed.",
        "customers": profiles(),
    }
    (HERE / "paytrace_customers.json").write_text(json.dumps(body, indent=2) + "\n")
    print(f"{len(body['customers'])} vault profiles")


if __name__ == "__main__":
    write()
