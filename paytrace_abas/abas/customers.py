"""abas customers written by the ``customers`` command: created for PayTrace profiles, and the
vault token reference written into existing ones (docs/customers.md).

Over REST a customer is created or edited in one ``POST /exec`` opening the customer editor
(``[abas] customers_table``, ``NEW``, or ``UPDATE`` by number); with the file sink new customers
are appended to an EDP import file for customers (``#!database=0``, ``#!group=1``,
``#!action=NEW``). Either way a created customer carries its PayTrace customer id in the
reference field, so abas (or the file) can be asked whether it exists before it is sent again.
No card number ever goes into either: only the masked last four digits and the expiry, and
those only through ``--sync-tokens``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from paytrace_abas.abas.check import require_secret
from paytrace_abas.abas.client import AbasClient, data_objects
from paytrace_abas.abas.codec import decode_text, field_entry
from paytrace_abas.abas.edp import FORBIDDEN
from paytrace_abas.abas.files import read_customers_file
from paytrace_abas.abas.normalize import customers_frame
from paytrace_abas.abas.source import fetch_customers
from paytrace_abas.config import AbasSettings, Secrets
from paytrace_abas.errors import ConfigError, PostingRejectedError, SourceError

log = logging.getLogger(__name__)

#: abas' search word of a customer: the reference when no ``paytrace_id`` field is configured
SEARCH_WORD_FIELD = "such"
#: customer columns a created customer is given (never card data)
NEW_CUSTOMER_COLUMNS = ("name", "street", "zip", "city", "country", "email")


def read_customer_master(settings: AbasSettings, secrets: Secrets) -> pd.DataFrame:
    """The abas customer master: the REST customers table, or ``[abas] customers_file``."""
    if settings.source == "api":
        require_secret(settings, secrets)
        client = AbasClient(settings, secrets, pool_size=2)
        try:
            return fetch_customers(client)
        finally:
            client.close()
    if settings.customers_file is None:
        raise ConfigError(
            '[abas] customers_file must name the customer master when source = "file" '
            "(the customers command compares it with PayTrace)"
        )
    return customers_frame(read_customers_file(settings.customers_file))


def reference_field(settings: AbasSettings) -> str:
    """The abas field holding a created customer's PayTrace customer id."""
    return settings.customer_fields.get("paytrace_id") or SEARCH_WORD_FIELD


def new_customer_fields(settings: AbasSettings, profile: Mapping[str, str]) -> dict[str, str]:
    """abas field -> value for a customer created from a PayTrace profile."""
    names = settings.customer_fields
    fields = dict(settings.new_customer_values)
    fields.update({names[column]: profile[column] for column in NEW_CUSTOMER_COLUMNS})
    fields[reference_field(settings)] = profile["paytrace_customer_id"]
    return {name: value for name, value in fields.items() if value}


class RestCustomers:
    """Customers read, created and edited through the shared abas REST client."""

    def __init__(self, settings: AbasSettings, secrets: Secrets) -> None:
        require_secret(settings, secrets)
        self._settings = settings
        self._client = AbasClient(settings, secrets, pool_size=1)

    def find(self, reference: str) -> str | None:
        """The number of the customer whose reference field holds ``reference``, if any."""
        table, field = self._settings.customers_table, reference_field(self._settings)
        number = self._settings.customer_fields["customer_no"]
        params = {"criteria": f"{field}=={reference}", "headFields": f"id,{number}", "limit": "0"}
        call = f"GET /obj/data/{table} for PayTrace customer {reference}"
        objects = data_objects(self._client.get(f"/obj/data/{table}", params, call), call)
        if not objects:
            return None
        return decode_text(field_entry(objects[0].get("head", {}).get("fields"), number)) or "?"

    def create(self, reference: str, fields: Mapping[str, str]) -> str:
        """Commit a new customer; its number as abas answers it."""
        call = f"POST /exec (new customer for PayTrace customer {reference})"
        answer = self._client.execute(self._payload("NEW", "", fields), call, retry=False)
        return self._number(answer) or "?"

    def update(self, customer_no: str, fields: Mapping[str, str]) -> None:
        """Set ``fields`` on an existing customer (by number) and commit."""
        call = f"POST /exec (customer {customer_no})"
        self._client.execute(self._payload("UPDATE", customer_no, fields), call, retry=False)

    def close(self) -> None:
        self._client.close()

    def _payload(self, action: str, customer_no: str, fields: Mapping[str, str]) -> dict[str, Any]:
        settings = self._settings
        init: dict[str, Any] = {
            "_type": "OpenEditor",
            "tableName": settings.customers_table,
            "editAction": action,
            "dialogAnswers": [],
            "screenEnterDialogAnswers": [],
        }
        if customer_no:
            init.update(editRefID=customer_no, editRefType="NUMSW")
        answers = [{"id": key, "values": [value]} for key, value in settings.dialog_answers.items()]
        return {
            "initAction": init,
            "actions": [
                {"_type": "SetFieldValue", "fieldName": name, "value": value, "dialogAnswers": []}
                for name, value in fields.items()
            ],
            "closeAction": {"_type": "Commit", "dialogAnswers": answers},
            "headFields": f"id,{settings.customer_fields['customer_no']}",
        }

    def _number(self, answer: dict[str, Any]) -> str:
        content = answer.get("content")
        data = content.get("data") if isinstance(content, dict) else None
        fields = data.get("head", {}).get("fields") if isinstance(data, dict) else None
        return decode_text(field_entry(fields, self._settings.customer_fields["customer_no"]))


class CustomerImportFile:
    """New customers appended to an EDP import file for abas' ``edpimport.sh``."""

    def __init__(self, path: Path, settings: AbasSettings) -> None:
        self.path = path
        names = settings.customer_fields
        self._reference = reference_field(settings)
        self._fields = [
            *settings.new_customer_values,
            *(names[column] for column in NEW_CUSTOMER_COLUMNS),
        ]
        if self._reference not in self._fields:
            self._fields.append(self._reference)
        self._fields = list(dict.fromkeys(self._fields))

    def find(self, reference: str) -> str | None:
        """``"import file"`` when a line of the file carries the reference, else None."""
        if not self.path.exists():
            return None
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"customers import file {self.path} cannot be read: {exc}") from None
        names = next((line.split(";") for line in lines if line and line[0] != "#"), None)
        if names is None or self._reference not in names:
            return None
        column = names.index(self._reference)
        for line in lines[lines.index(";".join(names)) + 1 :]:
            cells = line.split(";")
            if len(cells) == len(names) and cells[column] == reference:
                return "import file"
        return None

    def create(self, reference: str, fields: Mapping[str, str]) -> str:
        """Append the customer's line (and the header, for a new file); fsynced."""
        cells = [fields.get(name, "") for name in self._fields]
        for cell in cells:
            if any(char in cell for char in FORBIDDEN):
                raise PostingRejectedError(
                    f"PayTrace customer {reference}: value {cell!r} cannot be written to an "
                    "import file (contains ';', '#' or a line break)"
                )
        text = ";".join(cells) + "\n"
        if not self.path.exists() or self.path.stat().st_size == 0:
            text = self._header() + text
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        log.info("PayTrace customer %s written to %s", reference, self.path)
        return "import file"

    def close(self) -> None:
        """Nothing held open."""

    def _header(self) -> str:
        lines = ["#!charset=UTF-8", "#!database=0", "#!group=1", "#!action=NEW"]
        return "\n".join([*lines, ";".join(self._fields)]) + "\n"
