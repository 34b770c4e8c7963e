"""What matching reads besides payments and open items: the customer master
(``[abas] customers_file``; its frame is tested in test_abas_customers.py) and, on a rerun,
the invoices the ledger posted."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.posting_data import write_day


def test_a_broken_customers_file_is_one_line_and_exit_2(demo_copy: Path) -> None:
    customers = demo_copy.parent.parent / "sample_data" / "abas_customers.csv"
    customers.write_text("customer_no;name\n70012;Müller GmbH\n70012;Mueller AG\n")
    result = run_cli(demo_copy, "reconcile", "--date", "2026-11-25", "--dry-run")
    assert result.exit_code == 2
    assert "abas_customers.csv line 3: customer 70012 appears twice" in result.output
    assert "Traceback" not in result.output


def test_a_missing_customers_file_is_a_config_problem(demo_copy: Path) -> None:
    (demo_copy.parent.parent / "sample_data" / "abas_customers.csv").unlink()
    result = run_cli(demo_copy, "check-config")
    assert result.exit_code == 2
    assert "[abas] customers_file names" in result.output


def test_the_name_threshold_is_a_similarity(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[matching]\nname_match_threshold = 1.5\n")
    result = run_cli(config, "check-config")
    assert result.exit_code == 2
    assert "[matching] name_match_threshold must be at most 1 (a similarity), not 1.5" in (
        result.output
    )


def test_a_rerun_of_a_posted_day_shows_the_invoices_each_payment_was_posted_to(
    tmp_path: Path,
) -> None:
    day = write_day(tmp_path, 6)
    first = run_cli(day.config, "reconcile", "--date", "2026-11-25")
    assert first.exit_code == 0, first.output
    again = run_cli(day.config, "reconcile", "--date", "2026-11-25", "--format", "json")
    assert again.exit_code == 0, again.output
    items = {item["transaction_id"]: item for item in json.loads(again.output)["items"]}
    posted = {
        tid: item["invoice_nos"]
        for tid, item in items.items()
        if item["category"] == "already_posted"
    }
    assert posted == day.expected
