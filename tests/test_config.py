import logging
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from paytrace_abas.config import find_config_path, load_settings
from paytrace_abas.errors import ConfigError

from .conftest import DEMO_CONFIG


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_demo_config_loads_with_paths_relative_to_the_file() -> None:
    settings = load_settings(DEMO_CONFIG, {})
    assert settings.paytrace.file == DEMO_CONFIG.parent.parent / "sample_data" / "paytrace"
    assert settings.paytrace.zone.key == "America/Los_Angeles"
    assert settings.matching.invoice_pattern == ""  # learned from the open items
    assert settings.abas.customers_file == DEMO_CONFIG.parent.parent / "sample_data" / (
        "abas_customers.csv"
    )


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[paytrace]
source = "file"
file = "missing.json"
timezone = "Mars/Olympus"
overlap_days = "two"

[matching]
tolerance_cnets = 1

[bogus]
x = 1
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    message = str(caught.value)
    assert message.startswith(f"{path} has 5 problem(s): ")
    assert "[paytrace] file names" in message and "missing.json, which does not exist" in message
    assert "[paytrace] timezone is not a known time zone name: 'Mars/Olympus'" in message
    assert "[paytrace] overlap_days must be a whole number, not 'two'" in message
    assert "[matching] tolerance_cnets is not a known key" in message
    assert "unknown section or key [bogus]" in message


def test_boolean_is_not_a_number(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tolerance_cents must be a whole number, not True"):
        load_settings(write(tmp_path, "[matching]\ntolerance_cents = true\n"), {})


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings(write(tmp_path, "[paytrace\n"), {})


def test_missing_config_file() -> None:
    with pytest.raises(ConfigError, match="config file /nope.toml does not exist"):
        load_settings(Path("/nope.toml"), {})


def test_secrets_come_from_environment_and_never_show_in_repr() -> None:
    settings = load_settings(DEMO_CONFIG, {"PAYTRACE_PASSWORD": "hunter2", "ABAS_PASSWORD": "sy"})
    assert settings.secrets.paytrace_password == "hunter2"
    assert "hunter2" not in repr(settings)
    assert sorted(settings.secrets.values()) == ["hunter2", "sy"]


def test_config_discovery_order(tmp_path: Path) -> None:
    assert find_config_path("a.toml", {"PAYTRACE_ABAS_CONFIG": "b.toml"}, tmp_path) == Path(
        "a.toml"
    )
    assert find_config_path(None, {"PAYTRACE_ABAS_CONFIG": "b.toml"}, tmp_path) == Path("b.toml")
    assert find_config_path(None, {}, tmp_path) is None
    (tmp_path / "paytrace-abas.toml").write_text("")
    assert find_config_path(None, {}, tmp_path) == tmp_path / "paytrace-abas.toml"


def test_example_config_documents_every_key_and_loads(tmp_path: Path) -> None:
    example = DEMO_CONFIG.parent / "example.toml"
    (tmp_path / "paytrace-exports").mkdir()
    (tmp_path / "abas-open-items.csv").write_text("")
    copy = tmp_path / "example.toml"
    copy.write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings(copy, {})
    text = example.read_text(encoding="utf-8")
    sections = {name: value for name, value in vars(settings).items() if is_dataclass(value)}
    undocumented = [
        f"[{section}] {key}"
        for section, value in sections.items()
        if section != "secrets"
        for key in (f.name for f in fields(value))
        if f"\n{key} =" not in text and f"[{section}.{key}]" not in text
    ]
    assert undocumented == []


def test_reference_fields_accept_the_old_name_of_purchase_order(tmp_path: Path) -> None:
    example = (DEMO_CONFIG.parent / "example.toml").read_text(encoding="utf-8")
    line = 'reference_fields = ["invoice_ref", "description", "purchase_order"]'
    assert line in example
    (tmp_path / "paytrace-exports").mkdir()
    (tmp_path / "abas-open-items.csv").write_text("")
    old = example.replace(line, 'reference_fields = ["customer_reference_id", "invoice_ref"]')
    settings = load_settings(write(tmp_path, old), {})
    assert settings.matching.reference_fields == ("purchase_order", "invoice_ref")


def test_the_retired_matching_workers_key_loads_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    example = (DEMO_CONFIG.parent / "example.toml").read_text(encoding="utf-8")
    (tmp_path / "paytrace-exports").mkdir()
    (tmp_path / "abas-open-items.csv").write_text("")
    old = example.replace("[matching]\n", "[matching]\nworkers = 2\n", 1)
    assert old != example
    with caplog.at_level(logging.WARNING, logger="paytrace_abas.config"):
        settings = load_settings(write(tmp_path, old), {})
    assert not hasattr(settings.matching, "workers")
    assert "[matching] workers is no longer used and is ignored" in caplog.text
