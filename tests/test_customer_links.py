"""Links learned from the clerk: an accepted ``assign`` of one customer's invoices teaches the
link PayTrace customer -> abas customer, later runs pay with it, the map wins over it
(docs/customers.md#links-learned-from-the-clerk)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Hashable
from pathlib import Path

import pytest
from babel.dates import format_date
from openpyxl import load_workbook

from paytrace_abas.config import MatchingSettings
from paytrace_abas.matching import match_payments
from paytrace_abas.models import CustomerLink
from paytrace_abas.report.reasons import with_reasons
from tests.support.builders import open_item, open_items_frame, payment, payments_frame
from tests.support.cli import reconcile_sample_day, run_cli

SNAKE_RIVER_PAYMENT = "512330611"  # PayTrace customer 70024 pays invoice 400211 of 70006
NOTE = "parent company pays for its subsidiary"
LINK = CustomerLink(
    paytrace_customer_id="P1",
    customer_no="K2",
    run_id="20261126T100000Z",
    plan_run_id="20261126T060000Z",
    transaction_id="1",
    place="Unmatched!2",
    note="",
    linked_at=dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC),
)


def _match(customer_map: dict[str, str]) -> dict[Hashable, object]:
    payments = payments_frame([payment("1", 10_000, customer="P1")])
    items = open_items_frame([open_item("400001", "K1", 10_000), open_item("400002", "K2", 10_000)])
    settings = MatchingSettings(customer_map=customer_map)
    results = match_payments(payments, items, settings, learned_links={"P1": LINK})
    row: dict[Hashable, object] = with_reasons(results, "en", "en_US").iloc[0].to_dict()
    return row


def test_a_learned_link_names_the_payer_and_the_reason_says_so() -> None:
    row = _match({})
    assert row["category"] == "matched"
    assert list(row["invoice_nos"]) == ["400002"]  # type: ignore[call-overload]
    assert str(row["reason"]).endswith(
        "Payer linked by the clerk on Nov 26, 2026 (run 20261126T060000Z)."
    )


def test_the_customer_map_wins_over_a_learned_link() -> None:
    row = _match({"P1": "K1"})
    assert list(row["invoice_nos"]) == ["400001"]  # type: ignore[call-overload]
    assert "linked by the clerk" not in str(row["reason"])


def _decide(out_dir: Path, resolution: str) -> Path:
    """Type ``resolution`` for the Snake River payment into the run's workbook."""
    workbook = next(out_dir.glob("reconcile-*.xlsx"))
    book = load_workbook(workbook)
    sheet = book["Customer mismatch"]
    header = [cell.value for cell in sheet[1]]
    for row in range(2, sheet.max_row + 1):
        if str(sheet.cell(row, header.index("Transaction") + 1).value) == SNAKE_RIVER_PAYMENT:
            sheet.cell(row, header.index("Resolution") + 1).value = resolution
            sheet.cell(row, header.index("Note") + 1).value = NOTE
    book.save(workbook)
    return workbook


def _apply_decision(out_dir: Path, resolution: str) -> tuple[Path, str]:
    """Dry-run the sample day, decide, resolve, apply; (config, the dry run's id)."""
    result = reconcile_sample_day(out_dir)
    assert result.exit_code == 0, result.output
    config = out_dir / "paytrace-abas.toml"
    workbook = _decide(out_dir, resolution)
    run_id = workbook.stem.rsplit("-", 1)[-1]
    resolved = run_cli(config, "resolve", str(workbook))
    assert resolved.exit_code == 0, resolved.output
    applied = run_cli(config, "apply", str(out_dir / f"plan-{run_id}-resolved.json"))
    assert applied.exit_code == 0, applied.output
    return config, run_id


def test_apply_learns_the_link_from_an_assign_and_later_runs_use_it(tmp_path: Path) -> None:
    config, run_id = _apply_decision(tmp_path, "assign 400211")
    listed = run_cli(config, "customers", "--links", "--format", "json")
    assert listed.exit_code == 0, listed.output
    [link] = json.loads(listed.output)
    assert {k: link[k] for k in ("paytrace_customer_id", "customer_no", "plan_run_id", "row")} == {
        "paytrace_customer_id": "70024",
        "customer_no": "70006",
        "plan_run_id": run_id,
        "row": "Customer mismatch!4",
    }
    assert link["note"] == NOTE
    day = format_date(dt.date.fromisoformat(link["linked_at"][:10]), "medium", locale="en_US")
    # the next run of the day: the payment is posted; its reason names the link
    again = reconcile_sample_day(tmp_path, "--format", "json")
    item = next(
        i for i in json.loads(again.output)["items"] if i["transaction_id"] == SNAKE_RIVER_PAYMENT
    )
    assert item["reason"].endswith(f"Payer linked by the clerk on {day} (run {run_id}).")
    assert run_cli(config, "customers", "--unlink", "70024").exit_code == 0
    assert json.loads(run_cli(config, "customers", "--links", "--format", "json").output) == []
    unknown = run_cli(config, "customers", "--unlink", "70024")
    assert unknown.exit_code == 2
    assert "no link learned" in unknown.output


@pytest.mark.parametrize("resolution", ["assign 400211=500.00, 400200=345.00", "ignore"])
def test_only_an_assign_of_one_customers_invoices_teaches_a_link(
    tmp_path: Path, resolution: str
) -> None:
    config, _ = _apply_decision(tmp_path, resolution)
    listed = run_cli(config, "customers", "--links", "--format", "json")
    assert json.loads(listed.output) == []
