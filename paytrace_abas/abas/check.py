"""Reading abas over REST for a run, and checking that a nightly run could (check-config).

Both open one short session (one client, logged out at the end) and go the same way: login,
tables, open items, customers. The check stops at the first failing step and says which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from paytrace_abas.abas.client import AbasClient
from paytrace_abas.abas.normalize import customers_frame
from paytrace_abas.abas.source import fetch_customers, fetch_open_items, resolve_open_items_table
from paytrace_abas.config import AbasSettings, Secrets
from paytrace_abas.errors import ConfigError, PaytraceAbasError
from paytrace_abas.models import CheckStep


def require_secret(settings: AbasSettings, secrets: Secrets) -> None:
    """ConfigError naming abas when the REST API is used without a password or token."""
    if not (secrets.abas_password or secrets.abas_token):
        uses = "source" if settings.source == "api" else "sink"
        raise ConfigError(
            f'abas: [abas] {uses} = "api" needs ABAS_PASSWORD or ABAS_TOKEN (environment, '
            "NAME_FILE or $CREDENTIALS_DIRECTORY)"
        )


def read_abas_api(
    settings: AbasSettings, secrets: Secrets, with_customers: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(open items, customers) read live from abas in one session."""
    require_secret(settings, secrets)
    client = AbasClient(settings, secrets, pool_size=2)
    try:
        open_items = fetch_open_items(client, resolve_open_items_table(client))
        customers = fetch_customers(client) if with_customers else customers_frame([])
    finally:
        client.close()
    return open_items, customers


def check_abas(settings: AbasSettings, secrets: Secrets) -> list[CheckStep]:
    """Login, tables, one page of open items and of customers; stops at the first failure."""
    try:
        require_secret(settings, secrets)
    except ConfigError as exc:
        return [CheckStep("abas login", False, f"not tried: {exc}")]
    steps: list[CheckStep] = []
    one_page = replace(settings, page_size=min(settings.page_size, 20))
    client = AbasClient(one_page, secrets, pool_size=1)
    tables: dict[str, str] = {}
    checks: list[tuple[str, Callable[[], str]]] = [
        ("abas login", lambda: _login(client)),
        ("abas tables", lambda: _tables(client, tables)),
        ("abas open items", lambda: _first_page_of_open_items(client, tables["open_items"])),
        ("abas customers", lambda: _first_page_of_customers(client)),
    ]
    try:
        for name, check in checks:
            try:
                steps.append(CheckStep(name, True, check()))
            except PaytraceAbasError as exc:
                steps.append(CheckStep(name, False, str(exc)))
                break
    finally:
        client.close()
    return steps


def _login(client: AbasClient) -> str:
    client.get("", {}, f"GET /r/{client.settings.client}")
    return f"{client.root} accepted the credentials"


def _tables(client: AbasClient, tables: dict[str, str]) -> str:
    tables["open_items"] = resolve_open_items_table(client)
    how = "configured" if client.settings.open_items_table else "found via /obj/meta"
    return (
        f"open items {tables['open_items']} ({how}), "
        f"customers {client.settings.customers_table}, receipts {client.settings.editor_table}"
    )


def _first_page_of_open_items(client: AbasClient, table: str) -> str:
    # decoded as a run would, so that a wrong field map fails here rather than at night
    open_items = fetch_open_items(client, table, max_pages=1)
    return f"{len(open_items)} read from {table} (first page)"


def _first_page_of_customers(client: AbasClient) -> str:
    customers = fetch_customers(client, max_pages=1)
    return f"{len(customers)} read from {client.settings.customers_table} (first page)"
