"""abas as a live system on both sides, over loopback HTTP against the fake abas.

Reading open items from abas must give matching exactly what the export file gives; posting
must clear them in abas, exactly once, through injected failures and lost answers.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from paytrace_abas.commands.inputs import load_abas_inputs, utc_now
from paytrace_abas.commands.reconcile import reconcile
from paytrace_abas.config import load_settings
from paytrace_abas.ledger import DEAD_LETTER, POSTED, Ledger
from paytrace_abas.models import Window
from tests.fake_abas import FakeAbas
from tests.support.abas_data import load_export
from tests.support.cli import run_cli
from tests.support.days import FIRST_INVOICE, FIRST_TRANSACTION, assert_exactly_once, write_day
from tests.support.paths import DEMO_CONFIG, SAMPLE_DATA

DAY = Window(dt.date(2026, 11, 25), dt.date(2026, 11, 25))
API = 'max_attempts = 8\nopen_items_criteria = "waehr==USD"'


def _api_settings(tmp_path: Path, fake: FakeAbas, page_size: int) -> tuple[Any, Any]:
    """The demo configuration reading from the file, and the same reading from the fake."""
    from_file = load_settings(DEMO_CONFIG, {"ABAS_PASSWORD": "sy"})
    from_file = replace(from_file, ledger=replace(from_file.ledger, path=tmp_path / "l.sqlite3"))
    abas = replace(
        from_file.abas, source="api", base_url=f"{fake.base_url}/mw", client="test",
        page_size=page_size,
    )  # fmt: skip
    return from_file, replace(from_file, abas=abas)


def test_the_api_source_gives_matching_what_the_export_file_gives(tmp_path: Path) -> None:
    with FakeAbas() as fake:
        count = load_export(fake.state, SAMPLE_DATA / "abas_open_items.csv")
        from_file, from_api = _api_settings(tmp_path, fake, page_size=7)
        file_items, _ = load_abas_inputs(from_file)
        api_items, api_customers = load_abas_inputs(from_api)
        pages = [r.query for r in fake.state.requests if r.path.endswith("/obj/data/160:1")]
        by_file = reconcile(from_file, DAY, True, tmp_path / "file")
        by_api = reconcile(from_api, DAY, True, tmp_path / "api")
    assert len(api_items) == count == 99  # the sample day's open items
    columns = [c for c in file_items.columns if c != "source_line"]
    pd.testing.assert_frame_equal(api_items[columns], file_items[columns])
    assert (file_items["open_cents"] == 0).sum() > 0  # cleared invoices are kept
    pd.testing.assert_frame_equal(by_api.results, by_file.results)
    # pages of 7 overlapping by one record: 0-6, 6-12, ..., 96-98 (short: the last)
    assert [(p["offset"], p["limit"]) for p in pages] == [(str(6 * n), "7") for n in range(17)]
    assert by_api.customers is not None and by_api.customers.empty  # the fake has none yet
    assert api_customers.empty


def test_customers_come_from_the_customers_table(tmp_path: Path) -> None:
    with FakeAbas() as fake:
        fake.state.customers = [
            {"nummer": f"7000{n}", "namebspr": f"Kunde {n}", "str": "Hauptstr. 1", "plz": "76131",
             "nort": "Karlsruhe", "staat": "DEUTSCHLAND", "email": f"k{n}@example.com"}
            for n in range(1, 6)
        ]  # fmt: skip
        _, from_api = _api_settings(tmp_path, fake, page_size=2)
        _, customers = load_abas_inputs(from_api)
    assert customers["customer_no"].tolist() == ["70001", "70002", "70003", "70004", "70005"]
    assert customers.iloc[0].to_dict() == {
        "customer_no": "70001",
        "name": "Kunde 1",
        "street": "Hauptstr. 1",
        "zip": "76131",
        "city": "Karlsruhe",
        "country": "DEUTSCHLAND",
        "email": "k1@example.com",
        "source_line": customers.iloc[0]["source_line"],
    }
    assert customers.iloc[0]["source_line"].startswith("abas 0:1 record (")


def _api_day(tmp_path: Path, fake: FakeAbas, payments: int, **options: Any) -> Any:
    day = write_day(
        tmp_path, payments, sink="api", source="api", base_url=fake.base_url, abas_extra=API,
        **options,
    )  # fmt: skip
    load_export(fake.state, tmp_path / "open_items.csv")
    return day


@pytest.mark.usefixtures("abas_env")
def test_a_posting_run_clears_the_open_items_in_abas_and_a_rerun_posts_nothing(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = _api_day(tmp_path, fake_abas, 12)
    first = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--format", "json")
    assert first.exit_code == 0, first.output
    assert_exactly_once(fake_abas, day.expected)
    for invoices in day.expected.values():
        assert [fake_abas.state.open_cents(invoice) for invoice in invoices] == [0]
    calls = fake_abas.state.exec_calls

    again = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--format", "json")
    assert again.exit_code == 0, again.output
    assert fake_abas.state.exec_calls == calls
    assert json.loads(again.output)["counts"] == {"already_posted": 12, "duplicate": 1}
    # every session was closed: reading and posting in the first run, reading in the second
    assert fake_abas.state.logouts == 3


@pytest.mark.usefixtures("abas_env")
def test_twenty_percent_500s_and_lost_answers_end_with_every_receipt_in_abas_once(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = _api_day(tmp_path, fake_abas, 40, attempts=3)
    fake_abas.state.failure_rate = 0.2
    fake_abas.state.faults = ("500", "lost_answer")
    fake_abas.state.rng.seed(11)
    fake_abas.state.script = ["lost_answer"]  # the very first commit's answer is lost
    codes = [run_cli(day.config, "reconcile", "--date", "2026-11-25").exit_code]
    for _ in range(5):  # an operator retrying until the dead letters are gone
        if codes[-1] == 0:
            break
        codes.append(run_cli(day.config, "retry-dead-letters").exit_code)
    assert codes[-1] == 0 and set(codes) <= {0, 3}, codes
    assert_exactly_once(fake_abas, day.expected)
    with Ledger.open(day.ledger, utc_now) as ledger:
        posted = {p.receipt.transaction_id for p in ledger.postings_in_state(POSTED)}
    assert posted == set(day.expected)


@pytest.mark.usefixtures("abas_env")
def test_abas_down_fails_the_run_in_one_line_posts_nothing_and_alerts(
    tmp_path: Path,
    webhook: tuple[list[dict[str, Any]], str],
) -> None:
    received, url = webhook
    day = write_day(
        tmp_path, 3, sink="api", source="api", base_url="http://127.0.0.1:9", abas_extra=API,
        extra=f'\n[alerts]\nwebhook_url = "{url}"\n',
    )  # fmt: skip
    result = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "error: abas GET /obj/meta: connection failed (ConnectionError) (recorded as run "
    )
    with Ledger.open(day.ledger, utc_now) as ledger:
        assert ledger.postings_in_state(POSTED, "planned", "sending") == []
    assert received[0]["problem"] == "failed"
    assert received[0]["error"].startswith("abas GET /obj/meta")


@pytest.mark.usefixtures("abas_env")
def test_a_read_back_that_differs_is_a_failed_posting_with_both_amounts(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = _api_day(tmp_path, fake_abas, 3)
    invoice = str(FIRST_INVOICE + 1)
    # someone booked a credit note in abas meanwhile: abas holds 5.00 more than the export
    fake_abas.state.open_items[invoice]["ofbetr"] += 500
    config = day.config.read_text().replace('source = "api"', 'source = "file"', 1)
    day.config.write_text(config)
    result = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 3, result.output
    with Ledger.open(day.ledger, utc_now) as ledger:
        dead = ledger.postings_in_state(DEAD_LETTER)
    assert [d.receipt.transaction_id for d in dead] == [str(FIRST_TRANSACTION + 1)]
    assert "invoice 500001 open 5,00 in abas, expected 0,00" in str(dead[0].last_error)
    (held,) = fake_abas.state.by_reference()[str(FIRST_TRANSACTION + 1)]
    assert dead[0].document == held.document_number  # abas' number, not its object id
    # retry-dead-letters finds the document in abas and never sends it again
    calls = fake_abas.state.exec_calls
    assert run_cli(day.config, "retry-dead-letters").exit_code == 0
    assert fake_abas.state.exec_calls == calls


@pytest.mark.usefixtures("abas_env")
def test_preview_shows_abas_figures_in_the_workbook_and_commits_nothing(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = _api_day(tmp_path, fake_abas, 3)
    first = str(FIRST_INVOICE)
    fake_abas.state.open_items[first]["ofbetr"] += 1000  # abas would leave 10.00 open
    config = day.config.read_text().replace('sink = "api"', 'sink = "api"\npreview = true', 1)
    day.config.write_text(config.replace('source = "api"', 'source = "file"', 1))
    before = {k: v["ofbetr"] for k, v in fake_abas.state.open_items.items()}
    result = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--dry-run")
    assert result.exit_code == 0, result.output
    assert fake_abas.state.documents == []
    assert {k: v["ofbetr"] for k, v in fake_abas.state.open_items.items()} == before
    workbook = next(day.out_dir.glob("reconcile-*.xlsx"))
    sheet = openpyxl.load_workbook(workbook)["Postings"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    table = {r[header.index("Invoice")]: r for r in rows[1:] if r[0] and r[0] != "Total"}
    open_after = header.index("Open after (abas preview)")
    assert table[first][open_after] == 10
    assert table[str(FIRST_INVOICE + 1)][open_after] == 0


def test_refused_credentials_exit_2_when_reading_and_when_posting(
    tmp_path: Path, fake_abas: FakeAbas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ABAS_PASSWORD", "not-the-password")
    day = _api_day(tmp_path / "read", fake_abas, 2)
    reading = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert reading.exit_code == 2
    assert reading.output.splitlines()[-1].startswith(
        "error: abas GET /obj/meta: abas refused the credentials or access "
        "(AUTHENTICATION_FAILURE: wrong password); check ABAS_PASSWORD / ABAS_TOKEN and the "
        "user's rights (recorded as run "
    )
    posting_day = write_day(tmp_path / "post", 2, sink="api", base_url=fake_abas.base_url)
    posting = run_cli(posting_day.config, "reconcile", "--date", "2026-11-25")
    assert posting.exit_code == 2
    # Every receipt is looked up before its first send (docs/posting.md): that is refused first.
    assert "abas GET /obj/data/102:4 for transaction 700000000 and 1 more" in posting.output
    assert "not-the-password" not in reading.output + posting.output
    assert fake_abas.state.documents == []
    with Ledger.open(posting_day.ledger, utc_now) as ledger:
        assert ledger.postings_in_state(POSTED) == []


@pytest.mark.usefixtures("abas_env")
def test_a_locked_invoice_is_retried_then_a_dead_letter_then_posted_once_when_free(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = _api_day(tmp_path, fake_abas, 4, attempts=3)
    locked = str(FIRST_INVOICE + 2)
    fake_abas.state.locked = {locked}
    first = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert first.exit_code == 3, first.output
    with Ledger.open(day.ledger, utc_now) as ledger:
        (dead,) = ledger.postings_in_state(DEAD_LETTER)
    assert dead.receipt.lines[0].invoice_no == locked
    assert "RECORD_LOCKED (Offener Posten 500002 ist gesperrt)" in str(dead.last_error)
    assert dead.attempts == 3
    fake_abas.state.locked = set()
    assert run_cli(day.config, "retry-dead-letters").exit_code == 0
    assert_exactly_once(fake_abas, day.expected)


@pytest.mark.usefixtures("abas_env")
def test_a_dialog_nobody_answers_commits_nothing_and_names_the_dialog(
    tmp_path: Path, fake_abas: FakeAbas
) -> None:
    day = _api_day(tmp_path, fake_abas, 2)
    fake_abas.state.dialogs = {"588": "ja", "4711": "ja"}
    result = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert result.exit_code == 3, result.output
    assert fake_abas.state.documents == []
    with Ledger.open(day.ledger, utc_now) as ledger:
        dead = ledger.postings_in_state(DEAD_LETTER)
    assert len(dead) == 2
    assert "abas asked dialog 4711 (Sicher?)" in str(dead[0].last_error)
    assert dead[0].attempts == 1  # refused: not retried
