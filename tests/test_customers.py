"""``paytrace-abas customers``: profiles vs customers, creating what is missing once, token
references, at the HTTP boundary of the fake PayTrace and the fake abas (docs/customers.md)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from paytrace_abas.ledger import Ledger
from paytrace_abas.matching.profiles import (
    PROFILE_COLUMNS,
    country_code,
    normalized_street,
    normalized_zip,
    pair_profiles,
)
from paytrace_abas.models import CUSTOMER_COLUMNS, Receipt, ReceiptLine
from tests.fake_abas import FakeAbas
from tests.fake_paytrace import FakePaytrace
from tests.support.cli import run_cli
from tests.support.customers import (
    ABAS_CUSTOMERS,
    ABAS_PASSWORD,
    CARD_NUMBER,
    PAYTRACE_PASSWORD,
    PAYTRACE_USER,
    PROFILES,
    customers_config,
)

TOKEN_FIELDS = """
[abas.customer_fields]
paytrace_id = "ypaytraceid"
card_last4 = "ykarte4"
card_expiry = "ykartebis"
"""


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ABAS_PASSWORD", ABAS_PASSWORD)
    monkeypatch.setenv("PAYTRACE_USERNAME", PAYTRACE_USER)
    monkeypatch.setenv("PAYTRACE_PASSWORD", PAYTRACE_PASSWORD)


@pytest.fixture
def fakes() -> Iterator[tuple[FakePaytrace, FakeAbas]]:
    """PayTrace serving ``PROFILES``, abas serving ``ABAS_CUSTOMERS`` (copies: tests write)."""
    abas = FakeAbas(customers=[dict(c) for c in ABAS_CUSTOMERS])
    with FakePaytrace(customers=PROFILES) as paytrace, abas:
        yield paytrace, abas


def _api_config(tmp_path: Path, fakes: tuple[FakePaytrace, FakeAbas], **options: str) -> Path:
    paytrace, abas = fakes
    return customers_config(tmp_path, paytrace_url=paytrace.url, abas_url=abas.base_url, **options)


def _json(config: Path, *args: str) -> dict[str, list[dict[str, object]]]:
    result = run_cli(config, "customers", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    document: dict[str, list[dict[str, object]]] = json.loads(result.output)
    return document


# -- normalization and the matching order -------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Hauptstraße 5", "Hauptstr. 5"),
        ("Hauptstrasse 5", "HAUPTSTR 5"),
        ("12 Main Street", "12 main st."),
        ("1207 SE Hawthorne Boulevard", "1207 SE Hawthorne Blvd"),
    ],
)
def test_street_spellings_compare_equal(one: str, other: str) -> None:
    assert normalized_street(one) == normalized_street(other)


def test_different_streets_stay_different() -> None:
    assert normalized_street("12 Main Street") != normalized_street("14 Main Street")


def test_zip_plus_four_and_country_names_are_normalized() -> None:
    assert normalized_zip("99201-1234") == normalized_zip("99201") == "99201"
    assert normalized_zip("D 73430".replace("D ", "")) == "73430"
    assert [country_code(c) for c in ("Germany", "Deutschland", "de", "DE")] == ["DE"] * 4
    assert [country_code(c) for c in ("United States", "USA", "us", "Vereinigte Staaten")] == [
        "US"
    ] * 4


def _profiles(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{c: row.get(c, "") for c in PROFILE_COLUMNS} for row in rows])


def _customers(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{c: row.get(c, "") for c in CUSTOMER_COLUMNS} for row in rows])


def test_the_map_wins_over_a_learned_link_which_wins_over_an_equal_number() -> None:
    profiles = _profiles(
        {"paytrace_customer_id": "A", "name": "Alpha"},
        {"paytrace_customer_id": "B", "name": "Beta"},
        {"paytrace_customer_id": "K3", "name": "Gamma"},
    )
    customers = _customers(
        {"customer_no": "K1", "name": "Alpha"},
        {"customer_no": "K2", "name": "Beta"},
        {"customer_no": "K3", "name": "Gamma"},
    )
    pairing = pair_profiles(profiles, customers, {"A": "K1"}, {"A": "K2", "B": "K2"}, 0.9)
    linked = pairing.linked.set_index("paytrace_customer_id")
    assert linked["customer_no"].to_dict() == {"A": "K1", "B": "K2", "K3": "K3"}
    assert linked["linked_by"].to_dict() == {
        "A": "customer_map",
        "B": "learned_link",
        "K3": "same_number",
    }


def test_a_name_two_customers_share_pairs_with_neither() -> None:
    profiles = _profiles({"paytrace_customer_id": "P", "name": "Acme Inc", "city": "Spokane"})
    customers = _customers(
        {"customer_no": "K1", "name": "ACME Inc."}, {"customer_no": "K2", "name": "Acme"}
    )
    pairing = pair_profiles(profiles, customers, {}, {}, 0.9)
    assert pairing.linked.empty
    assert pairing.paytrace_only["paytrace_customer_id"].tolist() == ["P"]


def test_a_similar_name_at_another_zip_is_no_pair() -> None:
    profiles = _profiles({"paytrace_customer_id": "P", "name": "Acme", "zip": "99201"})
    customers = _customers({"customer_no": "K1", "name": "Acme", "zip": "10115"})
    assert pair_profiles(profiles, customers, {}, {}, 0.9).linked.empty


# -- the comparison at the boundary -------------------------------------------------------------


def test_profiles_over_the_api_compared_with_the_abas_customers_table(
    tmp_path: Path, fakes: tuple[FakePaytrace, FakeAbas]
) -> None:
    document = _json(_api_config(tmp_path, fakes))
    assert list(document) == ["linked", "paytrace_only", "abas_only", "differences", "created"]
    pairs = {
        (p["paytrace_customer_id"], p["customer_no"], p["linked_by"]) for p in document["linked"]
    }
    assert pairs == {("C100", "C100", "same_number"), ("V-77", "K200", "name_address")}
    assert [p["paytrace_customer_id"] for p in document["paytrace_only"]] == ["V-NEW"]
    # name (legal form), ZIP+4 and country spelling are no differences; the street number is
    assert document["differences"] == [
        {
            "paytrace_customer_id": "C100",
            "customer_no": "C100",
            "field": "street",
            "paytrace_value": "12 Main Street",
            "abas_value": "14 Main St.",
        }
    ]
    # K300 never paid by card: not listed as abas only
    assert document["abas_only"] == []
    assert document["created"] == []
    assert any(r.path == "/v1/customer/export" for r in fakes[0].requests)


def test_abas_only_lists_the_unpaired_customers_that_had_card_payments(tmp_path: Path) -> None:
    config = customers_config(tmp_path)
    receipt = Receipt(
        "512330001",
        "K300",
        "USD",
        dt.date(2026, 11, 25),
        "18100",
        (ReceiptLine("400001", 5000, 0),),
    )
    with Ledger.open(tmp_path / "ledger.sqlite3", lambda: dt.datetime.now(dt.UTC)) as ledger:
        ledger.start_run("20261126T060000Z", "reconcile", None, False, {})
        ledger.record_planned("20261126T060000Z", [receipt])
    document = _json(config)
    assert [c["customer_no"] for c in document["abas_only"]] == ["K300"]
    assert "source_line" not in document["abas_only"][0]


@pytest.mark.parametrize(
    ("language", "sheets"),
    [
        ("en", ["Linked customers", "PayTrace only", "abas only", "Differences",
                "Created in abas"]),
        ("de", ["Verknüpfte Kunden", "Nur in PayTrace", "Nur in abas", "Abweichungen",
                "In abas angelegt"]),
    ],
)  # fmt: skip
def test_the_workbook_has_a_sheet_per_list(
    tmp_path: Path, language: str, sheets: list[str]
) -> None:
    config = customers_config(tmp_path, extra=f'\n[report]\nlanguage = "{language}"\n')
    config.write_text(config.read_text().replace('[report]\nout_dir = "out"\n', ""))
    result = run_cli(config, "customers", "--out", str(tmp_path / "c.xlsx"))
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "c.xlsx")
    assert book.sheetnames == sheets
    differences = [row for row in book[sheets[3]].iter_rows(values_only=True)]
    assert differences[1][:5] == ("C100", "C100", "street", "12 Main Street", "14 Main St.")


def test_without_a_profiles_source_the_command_names_the_setting(tmp_path: Path) -> None:
    config = customers_config(tmp_path)
    config.write_text(config.read_text().replace('customers_file = "profiles.json"', ""))
    result = run_cli(config, "customers")
    assert result.exit_code == 2
    assert "[paytrace] customers_file" in result.output


# -- creating what is missing ------------------------------------------------------------------


def test_create_missing_is_a_dry_run_without_apply(
    tmp_path: Path, fakes: tuple[FakePaytrace, FakeAbas]
) -> None:
    document = _json(_api_config(tmp_path, fakes), "--create-missing")
    assert document["created"] == [
        {"paytrace_customer_id": "V-NEW", "name": "Jordan Ellis", "state": "would_create",
         "customer_no": ""}
    ]  # fmt: skip
    assert len(fakes[1].state.customers) == len(ABAS_CUSTOMERS)
    assert fakes[1].state.exec_calls == 0


def test_create_missing_creates_each_profile_once_over_rest(
    tmp_path: Path, fakes: tuple[FakePaytrace, FakeAbas]
) -> None:
    config = _api_config(
        tmp_path, fakes, abas_extra='[abas.customer_fields]\npaytrace_id = "yptid"'
    )
    first = _json(config, "--create-missing", "--apply")
    assert [(c["paytrace_customer_id"], c["state"]) for c in first["created"]] == [
        ("V-NEW", "created")
    ]
    created = [c for c in fakes[1].state.customers if c.get("yptid") == "V-NEW"]
    assert len(created) == 1
    assert created[0]["namebspr"] == "Jordan Ellis"
    assert created[0]["str"] == "1207 SE Hawthorne Blvd"
    assert created[0]["plz"] == "97214-3611"
    assert first["created"][0]["customer_no"] == created[0]["nummer"]
    assert not any("1111" in value or CARD_NUMBER in value for value in created[0].values())
    # the new customer is paired now; a second run creates nothing
    again = _json(config, "--create-missing", "--apply")
    assert again["created"] == [] and again["paytrace_only"] == []
    assert len(fakes[1].state.customers) == len(ABAS_CUSTOMERS) + 1


def test_a_creation_abas_holds_after_a_crash_is_not_sent_again(
    tmp_path: Path, fakes: tuple[FakePaytrace, FakeAbas]
) -> None:
    """The ledger says ``sending`` (a run died after its request): abas is asked first."""
    config = _api_config(
        tmp_path, fakes, abas_extra='[abas.customer_fields]\npaytrace_id = "yptid"'
    )
    # abas committed it under another name, so only the reference can find it
    fakes[1].state.customers.append({"nummer": "90001", "namebspr": "J. E.", "yptid": "V-NEW"})
    with Ledger.open(tmp_path / "ledger.sqlite3", lambda: dt.datetime.now(dt.UTC)) as ledger:
        run_id = ledger.start_run("20261126T060000Z", "customers", None, False, {})
        ledger.mark_creation("V-NEW", "sending", run_id)
    document = _json(config, "--create-missing", "--apply")
    assert document["created"][0]["state"] == "found"
    assert document["created"][0]["customer_no"] == "90001"
    assert fakes[1].state.exec_calls == 0


def test_create_missing_with_the_file_sink_appends_an_edp_import_file_once(
    tmp_path: Path,
) -> None:
    config = customers_config(tmp_path, sink="file")
    _json(config, "--create-missing", "--apply")
    path = tmp_path / "abas-customers.edp"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[:4] == ["#!charset=UTF-8", "#!database=0", "#!group=1", "#!action=NEW"]
    assert lines[4:] == [
        "namebspr;str;plz;nort;staat;email;such",
        "Jordan Ellis;1207 SE Hawthorne Blvd;97214-3611;Portland;USA;;V-NEW",
    ]
    # still PayTrace-only (abas has not imported the file yet); the ledger says created
    again = _json(config, "--create-missing", "--apply")
    assert again["created"][0]["state"] == "created"
    assert path.read_text(encoding="utf-8").splitlines() == lines


# -- token references ---------------------------------------------------------------------------


def test_sync_tokens_writes_the_id_last_four_and_expiry_into_linked_customers(
    tmp_path: Path, fakes: tuple[FakePaytrace, FakeAbas]
) -> None:
    config = _api_config(tmp_path, fakes, abas_extra=TOKEN_FIELDS)
    result = run_cli(config, "customers", "--sync-tokens")
    assert result.exit_code == 0, result.output
    by_number = {c["nummer"]: c for c in fakes[1].state.customers}
    assert {k: by_number["C100"].get(k) for k in ("ypaytraceid", "ykarte4", "ykartebis")} == {
        "ypaytraceid": "C100",
        "ykarte4": "1111",
        "ykartebis": "2028-08",
    }
    assert by_number["K200"]["ypaytraceid"] == "V-77"
    assert by_number["K200"]["ykarte4"] == "4242"
    assert "ypaytraceid" not in by_number["K300"]


def test_sync_tokens_writes_nothing_when_no_field_is_configured(
    tmp_path: Path, fakes: tuple[FakePaytrace, FakeAbas]
) -> None:
    result = run_cli(_api_config(tmp_path, fakes), "customers", "--sync-tokens")
    assert result.exit_code == 0, result.output
    assert "nothing written" in result.output
    assert fakes[1].state.exec_calls == 0


def test_an_unknown_customer_field_is_still_a_config_problem(tmp_path: Path) -> None:
    config = customers_config(tmp_path, abas_extra='[abas.customer_fields]\ncard_number = "x"')
    result = run_cli(config, "customers")
    assert result.exit_code == 2
    assert "customer_fields.card_number" in result.output


def test_the_console_counts_every_list_and_shows_the_loners_and_differences(
    tmp_path: Path,
) -> None:
    result = run_cli(customers_config(tmp_path), "customers")
    assert result.exit_code == 0, result.output
    counts = dict(line.rsplit(None, 1) for line in result.output.split("\n\n")[0].splitlines()[2:])
    assert {key.strip(): int(n) for key, n in counts.items()} == {
        "linked": 2,
        "paytrace only": 1,
        "abas only": 0,
        "differences": 1,
        "created": 0,
        "links learned from clerks": 0,
    }
    assert "V-NEW" in result.output and "14 Main St." in result.output
