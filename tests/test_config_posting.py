"""Configuration of posting, counter accounts, alerts and the abas sink."""

from __future__ import annotations

from pathlib import Path

import pytest

from paytrace_abas.config import AccountRule, AccountSettings, load_settings
from paytrace_abas.errors import ConfigError
from tests.support.paths import ROOT


def _load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return load_settings(path, {})


def test_first_fitting_account_rule_wins_and_the_default_catches_the_rest() -> None:
    accounts = AccountSettings(
        merchant="webshop",
        default="18100",
        rules=(
            AccountRule("18130", currency="CAD"),
            AccountRule("18120", card_type="AMEX"),
            AccountRule("18140", card_type="VISA", merchant="WebShop"),
            AccountRule("18150", card_type="VISA"),
        ),
    )
    assert accounts.account_for("AMEX", "CAD") == "18130"
    assert accounts.account_for("amex", "USD") == "18120"
    assert accounts.account_for("VISA", "USD") == "18140"
    assert accounts.account_for("MASTERCARD", "USD") == "18100"


def test_account_rules_are_read_in_order_from_toml(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        '[accounts]\nmerchant = "main"\ndefault = "18100"\n'
        '[[accounts.rules]]\ncard_type = "AMEX"\naccount = "18120"\n'
        '[[accounts.rules]]\ncurrency = "CAD"\nmerchant = "main"\naccount = "18130"\n',
    )
    assert settings.accounts == AccountSettings(  # type: ignore[attr-defined]
        "main",
        "18100",
        (AccountRule("18120", card_type="AMEX"), AccountRule("18130", "", "main", "CAD")),
    )


def test_every_posting_config_problem_is_listed_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(
            tmp_path,
            '[accounts]\n[[accounts.rules]]\naccount = "1"\n[[accounts.rules]]\ncard = "V"\n'
            "[posting]\nworkers = 0\nbackoff_seconds = -1\n"
            '[alerts]\nsmtp_host = "mail"\nwebhook_url = "ftp://x"\n'
            '[abas]\nsink = "api"\nreceipt_fields = { amount = "betrag", colour = "x" }\n',
        )
    message = str(caught.value)
    for problem in (
        "[accounts] default is required",
        "[accounts] rules[1] needs at least one of card_type, merchant, currency",
        "[accounts] rules[2].card is not a known key",
        "[accounts] rules[2].account is required",
        "[posting] workers must be at least 1",
        "[posting] backoff_seconds must be positive",
        "[alerts] smtp_host is set, so smtp_from and smtp_to are required",
        "[alerts] webhook_url must be an http(s) URL",
        '[abas] sink is "api", so [abas] base_url and client are required',
        "[abas] receipt_fields.colour is not a known receipt field",
    ):
        assert problem in message, problem


def test_receipt_field_names_can_be_renamed_per_installation(tmp_path: Path) -> None:
    settings = _load(tmp_path, '[abas]\nreceipt_fields = { amount = "ybetrag" }\n')
    fields = settings.abas.receipt_fields  # type: ignore[attr-defined]
    assert (fields["amount"], fields["reference"]) == ("ybetrag", "beleg")


def test_demo_config_posts_to_an_import_file_in_out() -> None:
    settings = load_settings(ROOT / "config" / "demo.toml", {})
    assert (settings.abas.sink, settings.accounts.default) == ("file", "18100")
    assert settings.abas.import_file == ROOT / "out" / "demo-abas-import.edp"
