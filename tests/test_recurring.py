"""Recurring billing checked by reconcile: schedules from PayTrace (fake over loopback HTTP, or
the recurring file), each due day charged, declined, missing, or a card expiring before the
next charge; declined and missing alerted once (docs/customers.md#recurring-billing)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import responses
from click.testing import Result
from freezegun import freeze_time
from openpyxl import load_workbook

from paytrace_abas.config import PaytraceSettings, Secrets
from paytrace_abas.errors import InputFileError
from paytrace_abas.matching.recurring import due_days
from paytrace_abas.paytrace.recurring import SCHEDULES_PATH, fetch_schedules, read_recurring_file
from paytrace_abas.paytrace.transport import PaytraceSession
from tests.fake_paytrace import FakePaytrace, sample_day_config, transaction_record
from tests.support.cli import reconcile_sample_day, run_cli
from tests.support.http import json_body
from tests.support.paths import SAMPLE_DATA

DAY = "2026-11-25"
ENV = {"PAYTRACE_USERNAME": "demo123", "PAYTRACE_PASSWORD": "demo-password"}
FIXTURES = Path(__file__).parent / "fixtures" / "paytrace"
BASE = "https://api.paytrace.test"


def schedule(
    schedule_id: int, customer: str, amount: str, start: str, expires: tuple[int, int] = (9, 28)
) -> dict[str, Any]:
    """A schedule record as the recurring export is read (field names inferred)."""
    return {
        "id": schedule_id,
        "customer_id": customer,
        "amount": Decimal(amount),
        "frequency": "3",
        "start_date": start,
        "total_count": 0,
        "description": "monthly",
        "credit_card": {
            "masked_number": "************4242",
            "expiration_month": expires[0],
            "expiration_year": expires[1],
        },
    }


def declined(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "approval_code": "", "approval_message": "    DECLINE      - Do not honor"}


@pytest.fixture
def recurring_fake(fake_paytrace: FakePaytrace) -> FakePaytrace:
    """One schedule per status, due on 11/25 (or, expiring, on 12/10) over the fake API."""
    fake_paytrace.transactions = [
        transaction_record(
            91001, Decimal("1375.00"), "11/25/2026 6:00:00 AM", "11/25/2026 8:13:45 PM",
            customer_id="70017",
        ),
        declined(
            transaction_record(91002, Decimal("1250.00"), "11/25/2026 6:00:01 AM", "",
                               customer_id="70007")
        ),
        # the same customer's other payment that day is no charge of its schedule
        transaction_record(
            91003, Decimal("268.40"), "11/25/2026 9:00:00 AM", "11/25/2026 8:13:45 PM",
            customer_id="70025",
        ),
    ]  # fmt: skip
    fake_paytrace.schedules = [
        schedule(880101, "70017", "1375.00", "09/25/2026"),
        schedule(880102, "70007", "1250.00", "08/25/2026"),
        schedule(880103, "70025", "310.00", "07/25/2026"),
        schedule(880104, "70001", "89.00", "01/10/2026", expires=(11, 26)),
    ]
    return fake_paytrace


def without_recurring_file(config: Path) -> Path:
    """The config without the sample's ``recurring_file``."""
    lines = config.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.startswith("recurring_file")]
    config.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return config


def api_config(folder: Path, fake: FakePaytrace) -> Path:
    """The sample day's abas side, PayTrace over the fake with recurring schedules pulled."""
    return without_recurring_file(sample_day_config(folder, fake, recurring=True))


def alerting_config(folder: Path, webhook_url: str) -> Path:
    """The sample day (with its recurring file) alerting to ``webhook_url``."""
    config = sample_day_config(folder)
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[alerts]\nwebhook_url = "{webhook_url}"\ntimeout_seconds = 5\n')
    return config


def reconcile_json(config: Path, out: Path, *extra: str) -> dict[str, Any]:
    args = ["reconcile", "--date", DAY, "--format", "json", "--out", str(out), *extra]
    result = run_cli(config, *args)
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture
def api_document(recurring_fake: FakePaytrace, tmp_path: Path) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ENV.items():
            patch.setenv(name, value)
        config = api_config(tmp_path, recurring_fake)
        document = reconcile_json(config, tmp_path / "out", "--dry-run")
    return document


def row_of(document: dict[str, Any], schedule_id: str) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [
        row for row in document["recurring"] if row["schedule_id"] == schedule_id
    ]
    assert len(rows) == 1, document["recurring"]
    return rows[0]


def test_a_charge_on_the_due_day_is_charged_and_pays_its_invoice(
    api_document: dict[str, Any],
) -> None:
    assert row_of(api_document, "880101") == {
        "schedule_id": "880101",
        "customer_no": "70017",
        "paytrace_customer_id": "70017",
        "amount_cents": 137500,
        "due_on": DAY,
        "status": "charged",
        "transaction_id": "91001",
    }
    item = next(i for i in api_document["items"] if i["transaction_id"] == "91001")
    assert (item["category"], item["invoice_nos"]) == ("matched", ["400140"])


def test_a_declined_charge_on_the_due_day_is_declined(api_document: dict[str, Any]) -> None:
    assert row_of(api_document, "880102") == {
        "schedule_id": "880102",
        "customer_no": "70007",
        "paytrace_customer_id": "70007",
        "amount_cents": 125000,
        "due_on": DAY,
        "status": "declined",
        "transaction_id": "91002",
    }


def test_no_charge_of_the_amount_on_the_due_day_is_missing(
    api_document: dict[str, Any], recurring_fake: FakePaytrace
) -> None:
    assert row_of(api_document, "880103") == {
        "schedule_id": "880103",
        "customer_no": "70025",
        "paytrace_customer_id": "70025",
        "amount_cents": 31000,
        "due_on": DAY,
        "status": "missing",
        "transaction_id": None,
    }
    # before calling it missing, PayTrace's approved recurring charges of the customer are asked
    asked = [r.json() for r in recurring_fake.requests if r.path.endswith("/export_approved")]
    assert asked == [{"customer_id": "70025"}]


def test_a_card_expiring_before_the_next_charge_is_listed(api_document: dict[str, Any]) -> None:
    assert row_of(api_document, "880104") == {
        "schedule_id": "880104",
        "customer_no": "70001",
        "paytrace_customer_id": "70001",
        "amount_cents": 8900,
        "due_on": "2026-12-10",
        "status": "card_expiring",
        "transaction_id": None,
    }
    assert len(api_document["recurring"]) == 4


def test_a_charge_approved_only_in_the_recurring_export_is_charged(
    recurring_fake: FakePaytrace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a charge made late on the due day that the day exports did not carry
    late = transaction_record(
        91009, Decimal("310.00"), "11/25/2026 11:30:00 PM", "", customer_id="70025"
    )
    recurring_fake.recurring = {"70025": {"transactions": [late]}}
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    document = reconcile_json(api_config(tmp_path, recurring_fake), tmp_path / "out", "--dry-run")
    assert row_of(document, "880103")["status"] == "charged"
    assert row_of(document, "880103")["transaction_id"] == "91009"
    # evidence only: a charge the transaction export lacks is not made a payment here
    assert "91009" not in {item["transaction_id"] for item in document["items"]}


def test_a_malformed_schedule_from_paytrace_fails_the_run_with_one_line(
    recurring_fake: FakePaytrace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recurring_fake.schedules[1] = {**recurring_fake.schedules[1], "amount": "12.345"}
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    config = api_config(tmp_path, recurring_fake)
    result = run_cli(config, "reconcile", "--date", DAY, "--out", str(tmp_path / "out"))
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"error: PayTrace POST {SCHEDULES_PATH}: recurrences[1]: amount '12.345': "
        "'12.345' has more than two decimal places (recorded as run "
    )
    assert not (tmp_path / "demo-abas-import.edp").exists()  # nothing posted


@responses.activate
def test_schedules_request_is_an_authenticated_json_post() -> None:
    responses.post(f"{BASE}/oauth/token", json=json.loads((FIXTURES / "token.json").read_text()))
    responses.post(f"{BASE}{SCHEDULES_PATH}", body=(FIXTURES / "recurrences.json").read_text())
    settings = PaytraceSettings(source="api", base_url=BASE, backoff_seconds=0.001)
    secrets = Secrets(
        paytrace_username="demo123", paytrace_password="pw", paytrace_integrator_id=""
    )
    with PaytraceSession(settings, secrets) as session:
        export = fetch_schedules(session)

    call = responses.calls[1].request
    assert call.method == "POST"
    assert call.url == f"{BASE}{SCHEDULES_PATH}"
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["Authorization"].startswith("Bearer ")
    assert json_body(call.body) == {}
    # frequency 8 is undocumented: that schedule is skipped (with a warning), not guessed
    assert export.schedules["schedule_id"].tolist() == ["72553"]
    first = export.schedules.iloc[0]
    assert (first["amount_cents"], first["step"], first["total_count"]) == (999, "monthly", 999)
    assert first["start_on"] == dt.date(2016, 4, 22)


def test_the_sample_day_lists_one_schedule_of_each_status(tmp_path: Path) -> None:
    result = reconcile_sample_day(tmp_path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    statuses = {row["schedule_id"]: row["status"] for row in document["recurring"]}
    assert statuses == {
        "880101": "charged",
        "880102": "declined",
        "880103": "missing",
        "880104": "card_expiring",
    }
    sheet = load_workbook(document["report"], read_only=True)["Recurring"]
    values = [row for row in sheet.iter_rows(values_only=True) if row[0]]
    assert values[0][:3] == ("Schedule", "Status", "Due on")
    assert [row[1] for row in values[1:5]] == ["Charged", "Declined", "Missing", "Card expiring"]


def test_the_recurring_sheet_speaks_german(tmp_path: Path) -> None:
    config = sample_day_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('locale = "en_US"', 'locale = "de_DE"'), encoding="utf-8")
    args = ["reconcile", "--date", DAY, "--dry-run", "--format", "json", "--out", str(tmp_path)]
    result = run_cli(config, *args)
    assert result.exit_code == 0, result.stderr
    workbook = load_workbook(json.loads(result.stdout)["report"], read_only=True)
    sheet = workbook["Wiederkehrende Zahlungen"]
    rows = [row for row in sheet.iter_rows(values_only=True) if row[0]]
    assert rows[0][:3] == ("Zahlungsplan", "Status", "Fällig am")
    assert [row[1] for row in rows[1:5]] == ["Belastet", "Abgelehnt", "Fehlt", "Karte läuft ab"]


def test_the_charge_named_by_the_recurring_export_is_counted_once(tmp_path: Path) -> None:
    with_recurring = reconcile_sample_day(tmp_path / "with", "--format", "json")
    (tmp_path / "without").mkdir()
    config = without_recurring_file(sample_day_config(tmp_path / "without"))
    args = ["reconcile", "--date", DAY, "--dry-run", "--format", "json"]
    args += ["--chargebacks", str(SAMPLE_DATA / "chargebacks" / "disputes-2026-11-25.csv")]
    without = run_cli(config, *args, "--out", str(tmp_path / "without"))
    first, second = json.loads(with_recurring.stdout), json.loads(without.stdout)
    assert first["counts"] == second["counts"]
    assert first["amounts_cents"] == second["amounts_cents"]
    ids = [item["transaction_id"] for item in first["items"]]
    assert ids.count("512330275") == 1
    assert second["recurring"] == []


@pytest.mark.parametrize(
    ("moment", "listed"),
    [
        # 23:30 on the due day in Los Angeles (already the 26th in UTC): a charge may still come
        ("2026-11-26T07:30:00+00:00", False),
        # midnight after the due day in Los Angeles: the day is over
        ("2026-11-26T08:00:00+00:00", True),
    ],
)
def test_a_due_day_is_missing_only_once_it_is_over_in_the_paytrace_zone(
    tmp_path: Path, moment: str, listed: bool
) -> None:
    with freeze_time(moment):
        result = reconcile_sample_day(tmp_path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    statuses = {row["schedule_id"]: row["status"] for row in json.loads(result.stdout)["recurring"]}
    assert ("880103" in statuses) is listed
    assert statuses.get("880102") == "declined"  # a decline is a decline whenever it is seen


def posting_run(config: Path, out: Path) -> Result:
    return run_cli(config, "reconcile", "--date", DAY, "--out", str(out))


def test_declined_and_missing_alert_once_per_schedule_and_due_day(
    tmp_path: Path, webhook: tuple[list[dict[str, Any]], str]
) -> None:
    received, url = webhook
    config = alerting_config(tmp_path, url)

    first = posting_run(config, tmp_path / "out")
    second = posting_run(config, tmp_path / "out")

    assert (first.exit_code, second.exit_code) == (0, 0), first.stderr + second.stderr
    recurring = [alert["recurring"] for alert in received if alert["recurring"]]
    assert recurring == [
        [
            "schedule 880102 (PayTrace customer 70007, abas 70007): declined on 2026-11-25, "
            "transaction 512330562",
            "schedule 880103 (PayTrace customer 70025, abas 70025): missing on 2026-11-25",
        ]
    ]
    assert "2 recurring charge(s) declined or missing" in received[0]["subject"]


def test_a_dry_run_does_not_use_up_the_alert(
    tmp_path: Path, webhook: tuple[list[dict[str, Any]], str]
) -> None:
    received, url = webhook
    config = alerting_config(tmp_path, url)
    dry = run_cli(config, "reconcile", "--date", DAY, "--dry-run", "--out", str(tmp_path / "o"))
    assert dry.exit_code == 0 and received == []
    posted = posting_run(config, tmp_path / "out")
    assert posted.exit_code == 0, posted.stderr
    assert len([alert for alert in received if alert["recurring"]]) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{", "line 1, column 2: not valid JSON"),
        ('{"success": true, "recurrences": {"id": 1}}', "recurrences[0]: customer_id is missing"),
        ('{"success": true, "recurrences": 7}', '"recurrences" must be a list of objects'),
        (
            '{"success": true, "recurrences": [{"id": 1, "customer_id": "C", "amount": 5, '
            '"frequency": "3", "start_date": "2026-11-01"}]}',
            "recurrences[0]: start_date '2026-11-01' is not a MM/DD/YYYY date",
        ),
        ('{"success": false, "errors": {"30": ["no"]}}', "is not a PayTrace recurring export"),
    ],
)
def test_a_malformed_recurring_file_is_one_line_and_exit_2(
    tmp_path: Path, body: str, message: str
) -> None:
    bad = tmp_path / "recurring.json"
    bad.write_text(body, encoding="utf-8")
    config = sample_day_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(str(SAMPLE_DATA / "paytrace-recurring.json"), str(bad)), encoding="utf-8"
    )
    result = run_cli(config, "reconcile", "--date", DAY, "--dry-run", "--out", str(tmp_path))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert str(bad) in lines[0] and message in lines[0]
    with pytest.raises(InputFileError):
        read_recurring_file(bad)


def test_monthly_due_days_count_from_the_start_day() -> None:
    days = due_days(dt.date(2026, 1, 31), "monthly", 4)
    assert list(days) == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]
