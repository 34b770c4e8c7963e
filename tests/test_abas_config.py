"""The [abas] keys of the REST source: defaults, field maps, and the problems they can have."""

from __future__ import annotations

from pathlib import Path

import pytest

from paytrace_abas.config import Settings, load_settings
from paytrace_abas.errors import ConfigError


def _load(tmp_path: Path, abas: str) -> Settings:
    path = tmp_path / "c.toml"
    path.write_text(f"[abas]\n{abas}\n", encoding="utf-8")
    return load_settings(path, {})


def test_the_rest_source_keys_and_their_defaults(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        'source = "api"\nbase_url = "https://abas.example.com:8920/mw"\nclient = "erp"\n'
        'open_items_criteria = "waehr==USD"\npage_size = 200\n'
        '[abas.open_item_fields]\nopen_amount = "yofbetr"\n',
    ).abas
    assert (settings.source, settings.open_items_table, settings.customers_table) == (
        "api",
        "",
        "0:1",
    )
    assert (settings.open_items_criteria, settings.page_size, settings.preview) == (
        "waehr==USD",
        200,
        False,
    )
    assert settings.open_item_fields["open_amount"] == "yofbetr"
    assert settings.open_item_fields["invoice_no"] == "nummer"  # the others keep their default
    assert settings.customer_fields["zip"] == "plz"


@pytest.mark.parametrize(
    ("abas", "problem"),
    [
        ('source = "api"', '[abas] source is "api", so [abas] base_url and client are required'),
        ("preview = true", '[abas] preview needs sink = "api"'),
        ("page_size = 1", "[abas] page_size must be at least 2, not 1"),
        ('[abas.open_item_fields]\nbalance = "saldo"', "open_item_fields.balance is not a known"),
        ('[abas.customer_fields]\nphone = "tele"', "customer_fields.phone is not a known"),
    ],
)
def test_rest_source_problems_are_reported(tmp_path: Path, abas: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, abas)
    assert problem in str(raised.value)
