"""Refunds, voids and chargebacks tied to what they undo; dispute files read once
(docs/money-trail.md). PayTrace records are shaped like the documented v1 export
(docs/inputs.md); the abas side is an import file, posted through the CLI as cron does."""

from __future__ import annotations

import json
import re
import sqlite3
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from tests.support.alerts import Inbox, alerts_toml
from tests.support.cli import run_cli
from tests.support.paths import ROOT

HEADER = (
    "invoice_no;customer_no;customer_name;invoice_date;due_date;currency;gross_amount;"
    "open_amount;discount_percent;discount_until"
)
DISPUTE_HEADER = "case_number,transaction_id,dispute_date,amount,currency,reason_code,reason"


def record(
    tid: int,
    amount: str,
    day: str,
    *,
    kind: str = "SALE",
    customer: str = "C1",
    invoice: str = "",
    created: str = "10:00:00 AM",
    settled: bool = True,
    card: str = "************4242",
) -> dict[str, Any]:
    """One transaction as PayTrace's export/by_date_range lists it."""
    return {
        "transaction_id": tid,
        "credit_card": {"masked_number": card, "expiration_month": 9, "expiration_year": 28},
        "transaction_type": kind,
        "description": "",
        "amount": amount,  # written as a JSON number, as PayTrace sends it (see export)
        "invoice_id": invoice,
        "billing_address": {"name": "Pat Payer"},
        "customer_reference_id": "",
        "approval_code": "TAS" + str(tid)[-3:],
        "approval_message": "EXACT MATCH - Approved and completed",
        "created": {"through": "API", "at": f"{day} {created}", "by": "ar_clerk"},
        "settled": f"{day} 8:13:45 PM" if settled else "",
        "customer_id": customer,
    }


class Books:
    """A file-mode installation in a folder: PayTrace export files, open items, a dispute
    folder, the ledger and the abas import file."""

    def __init__(self, folder: Path, extra: str = "") -> None:
        self.folder = folder
        (folder / "paytrace").mkdir(parents=True)
        self.disputes = folder / "disputes"
        self.disputes.mkdir()
        self.config = folder / "paytrace-abas.toml"
        self.config.write_text(
            f"""[paytrace]
source = "file"
file = "paytrace"
chargebacks_dir = "disputes"

[abas]
source = "file"
open_items_file = "open_items.csv"
sink = "file"
import_file = "abas-import.edp"

[ledger]
path = "ledger.sqlite3"

[report]
out_dir = "out"

[accounts]
default = "18100"
{extra}
""",
            encoding="utf-8",
        )
        self.open_items("400123;K1;Kunde 1;01.11.2026;;USD;500,00;500,00;;")

    def open_items(self, *lines: str) -> None:
        text = "\n".join([HEADER, *lines]) + "\n"
        (self.folder / "open_items.csv").write_text(text, encoding="utf-8")

    def export(self, name: str, *records: dict[str, Any]) -> None:
        body = {"success": True, "response_code": 1, "transactions": list(records)}
        text = re.sub(r'"amount": "([0-9.]+)"', r'"amount": \1', json.dumps(body))
        (self.folder / "paytrace" / f"{name}.json").write_text(text, "utf-8")

    def dispute_file(self, name: str, *lines: str, header: str = DISPUTE_HEADER) -> Path:
        path = self.disputes / name
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        return path

    def reconcile(self, day: str, *extra: str) -> dict[str, Any]:
        """A posting run of ``day`` (as the night after it), its JSON document."""
        result = run_cli(
            self.config,
            "reconcile",
            "--date",
            day,
            "--format",
            "json",
            "--out",
            str(self.folder / "out"),
            *extra,
        )
        assert result.exit_code == 0, result.output
        document: dict[str, Any] = json.loads(result.stdout)
        return document

    def imported(self) -> str:
        path = self.folder / "abas-import.edp"
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def dispute_status(self, case: str) -> str:
        with sqlite3.connect(self.folder / "ledger.sqlite3") as db:
            row = db.execute("SELECT status FROM disputes WHERE case_number = ?", (case,))
            return str(row.fetchone()[0])


def item(document: dict[str, Any], tid: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        entry for entry in document["items"] if entry["transaction_id"] == tid
    ]
    assert len(found) == 1, [entry["transaction_id"] for entry in document["items"]]
    return found[0]


def test_a_partial_refund_of_an_earlier_days_posted_payment_is_found_through_the_ledger(
    tmp_path: Path,
) -> None:
    books = Books(tmp_path)
    books.export(
        "export",
        record(431000001, "500.00", "11/20/2026", invoice="400123"),
        record(431000002, "200.00", "11/25/2026", kind="REFUND", created="9:00:00 AM"),
    )
    first = books.reconcile("2026-11-20")
    assert item(first, "431000001")["category"] == "matched"
    assert "431000001;20.11.2026" in books.imported()

    refund = item(books.reconcile("2026-11-25"), "431000002")

    assert refund["category"] == "refund"
    assert (refund["original_transaction_id"], refund["original_status"]) == ("431000001", "found")
    assert refund["invoice_nos"] == ["400123"]
    assert refund["original_candidates"] == []
    assert refund["reason"] == (
        "Refund 431000002 undoes payment 431000001, posted to invoice 400123 on 2026-11-20"
        " — reverse the receipt in abas."
    )


def test_the_alert_names_the_receipt_to_reverse(
    tmp_path: Path,
    smtp_server: tuple[Inbox, int],
    webhook: tuple[list[dict[str, Any]], str],
) -> None:
    (inbox, port), (received, url) = smtp_server, webhook
    books = Books(tmp_path, alerts_toml(port, url))
    books.export(
        "export",
        record(431000001, "500.00", "11/20/2026", invoice="400123"),
        record(431000002, "500.00", "11/25/2026", kind="REFUND", created="9:00:00 AM"),
    )
    books.reconcile("2026-11-20")
    assert inbox.messages == []

    books.reconcile("2026-11-25")

    mail = message_from_bytes(inbox.messages[-1][2], policy=policy.default)
    assert "1 refund(s) or void(s) of posted payments" in mail["Subject"]
    assert (
        "  Refund 431000002 undoes payment 431000001, posted to invoice 400123 on 2026-11-20"
        " — reverse the receipt in abas." in mail.get_content()
    )
    assert received[-1]["problem"] == "reversals"
    assert received[-1]["reversals"][0].startswith("Refund 431000002 undoes payment 431000001")


def test_a_refund_of_a_payment_this_run_posts_says_so_before_and_after(tmp_path: Path) -> None:
    books = Books(tmp_path)
    books.export(
        "export",
        record(431000001, "500.00", "11/24/2026", invoice="400123"),
        record(431000002, "100.00", "11/25/2026", kind="REFUND", created="9:00:00 AM"),
    )
    window = ["--from", "2026-11-24", "--to", "2026-11-25", "--format", "json"]
    dry = run_cli(books.config, "reconcile", *window, "--dry-run")
    planned = item(json.loads(dry.stdout), "431000002")
    assert planned["reason"] == (
        "Refund 431000002 undoes payment 431000001, which this run plans to post to invoice "
        "400123: once it is posted, reverse the receipt in abas."
    )

    posted = item(json.loads(run_cli(books.config, "reconcile", *window).stdout), "431000002")
    assert posted["reason"] == (
        "Refund 431000002 undoes payment 431000001, posted to invoice 400123 on 2026-11-24"
        " — reverse the receipt in abas."
    )
    assert "431000001;24.11.2026" in books.imported()


def test_an_original_older_than_the_lookback_is_not_found(tmp_path: Path) -> None:
    books = Books(tmp_path, "\n[matching]\nrefund_lookback_days = 3\n")
    books.export(
        "export",
        record(431000001, "500.00", "11/20/2026", invoice="400123"),
        record(431000002, "500.00", "11/25/2026", kind="REFUND", created="9:00:00 AM"),
    )
    books.reconcile("2026-11-20")

    refund = item(books.reconcile("2026-11-25"), "431000002")

    assert (refund["original_transaction_id"], refund["original_status"]) == (None, "not_found")
    assert refund["invoice_nos"] == []
    assert refund["reason"] == (
        "No earlier payment of this payer within 3 days is large enough to be what refund "
        "431000002 undoes."
    )


def test_ambiguous_originals_are_listed_never_guessed(tmp_path: Path) -> None:
    books = Books(tmp_path)
    books.open_items(
        "400123;K1;Kunde 1;01.11.2026;;USD;250,00;250,00;;",
        "400124;K1;Kunde 1;01.11.2026;;USD;250,00;250,00;;",
    )
    books.export(
        "export",
        record(431000001, "250.00", "11/20/2026", invoice="400123"),
        record(431000003, "250.00", "11/21/2026", invoice="400124"),
        # another payer's sale of the same amount is no candidate
        record(431000004, "250.00", "11/21/2026", customer="C2"),
        record(431000002, "250.00", "11/25/2026", kind="REFUND", created="9:00:00 AM"),
    )
    books.reconcile("2026-11-20")
    books.reconcile("2026-11-21")

    refund = item(books.reconcile("2026-11-25"), "431000002")

    assert (refund["original_transaction_id"], refund["original_status"]) == (None, "ambiguous")
    assert refund["original_candidates"] == ["431000001", "431000003"]
    assert refund["reason"].startswith(
        "Ambiguous: 2 earlier payments of this payer could be what refund 431000002 undoes "
        "(431000001, 431000003); none is chosen"
    )


def test_a_larger_refund_than_the_sale_or_a_later_sale_is_no_original(tmp_path: Path) -> None:
    books = Books(tmp_path)
    books.export(
        "export",
        record(431000001, "100.00", "11/25/2026", created="8:00:00 AM"),
        record(431000002, "150.00", "11/25/2026", kind="REFUND", created="9:00:00 AM"),
        record(431000003, "90.00", "11/25/2026", kind="REFUND", created="9:30:00 AM"),
        record(431000004, "500.00", "11/25/2026", created="11:00:00 AM", invoice="400123"),
    )
    document = books.reconcile("2026-11-25")
    assert item(document, "431000002")["original_transaction_id"] is None
    partial = item(document, "431000003")
    assert partial["original_transaction_id"] == "431000001"
    assert partial["reason"].endswith("which paid no invoice here.")


def test_a_void_of_a_sale_in_the_same_window_keeps_the_sale_from_being_posted(
    tmp_path: Path,
) -> None:
    books = Books(tmp_path)
    books.export(
        "export",
        record(431000001, "500.00", "11/25/2026", invoice="400123"),
        record(431000002, "500.00", "11/25/2026", kind="VOID", created="11:00:00 AM"),
    )
    with freeze_time("2026-11-26 12:00:00"):
        dry = run_cli(
            books.config, "reconcile", "--date", "2026-11-25", "--dry-run", "--format", "json"
        )
    plan = json.loads(Path(json.loads(dry.stdout)["plan"]).read_text(encoding="utf-8"))
    assert plan["postings"] == []

    document = books.reconcile("2026-11-25")

    sale, void = item(document, "431000001"), item(document, "431000002")
    assert (sale["category"], sale["posted"]) == ("void", False)
    assert sale["reason"] == "Voided by transaction 431000002: not posted."
    assert void["original_transaction_id"] == "431000001"
    assert "431000001" not in books.imported()


def test_dispute_files_are_read_once_across_runs_renames_and_restores(tmp_path: Path) -> None:
    books = Books(tmp_path)
    books.export("export", record(431000001, "500.00", "11/20/2026", invoice="400123"))
    path = books.dispute_file("cases.csv", "2026-0142,431000001,11/20/2026,500.00,USD,10.4,Fraud")

    first = item(books.reconcile("2026-11-20"), "CB-2026-0142")
    assert first["original_transaction_id"] == "431000001"
    assert first["invoice_nos"] == ["400123"]
    assert first["dispute_status"] == "open"

    assert "CB-2026-0142" not in _ids(books.reconcile("2026-11-21"))
    moved = path.rename(books.disputes / "renamed.csv")
    assert "CB-2026-0142" not in _ids(books.reconcile("2026-11-22"))
    saved = moved.read_bytes()
    moved.unlink()
    (books.disputes / "cases.csv").write_bytes(saved)  # restored from a backup
    assert "CB-2026-0142" not in _ids(books.reconcile("2026-11-23"))

    # An edited file is read again: only the new dispute counts.
    books.dispute_file(
        "cases.csv",
        "2026-0142,431000001,11/20/2026,500.00,USD,10.4,Fraud",
        "2026-0150,431000001,11/24/2026,20.00,USD,13.1,Not received",
    )
    assert [t for t in _ids(books.reconcile("2026-11-24")) if t.startswith("CB-")] == [
        "CB-2026-0150"
    ]


def test_each_new_dispute_alerts_once_with_the_sale_its_invoice_and_customer(
    tmp_path: Path, webhook: tuple[list[dict[str, Any]], str]
) -> None:
    received, url = webhook
    books = Books(tmp_path, f'\n[alerts]\nwebhook_url = "{url}"\ntimeout_seconds = 5\n')
    books.export("export", record(431000001, "500.00", "11/20/2026", invoice="400123"))
    books.reconcile("2026-11-20")
    assert received == []
    books.dispute_file("cases.csv", "2026-0142,431000001,11/21/2026,500.00,USD,10.4,Fraud")

    books.reconcile("2026-11-21")
    books.reconcile("2026-11-22")

    assert len(received) == 1
    assert received[0]["chargebacks"] == ["CB-2026-0142"]
    assert received[0]["disputes"] == [
        "chargeback 2026-0142 (open) disputes payment 431000001 of customer K1, "
        "invoice 400123, amount 500.00 USD"
    ]


def test_a_dry_run_shows_new_disputes_without_using_them_up(tmp_path: Path) -> None:
    books = Books(tmp_path)
    books.export("export", record(431000001, "500.00", "11/20/2026", invoice="400123"))
    books.dispute_file("cases.csv", "2026-0142,431000001,11/20/2026,500.00,USD,10.4,Fraud")
    for _ in range(2):
        with freeze_time("2026-11-21 12:00:00"):
            result = run_cli(
                books.config, "reconcile", "--date", "2026-11-20", "--dry-run", "--format", "json"
            )
        assert "CB-2026-0142" in _ids(json.loads(result.stdout))
    assert "CB-2026-0142" in _ids(books.reconcile("2026-11-20"))


def test_a_dispute_dated_after_the_window_waits_for_its_day(tmp_path: Path) -> None:
    books = Books(tmp_path)
    books.export("export", record(431000001, "500.00", "11/20/2026", invoice="400123"))
    books.dispute_file("cases.csv", "2026-0142,431000001,11/22/2026,500.00,USD,10.4,Fraud")
    assert "CB-2026-0142" not in _ids(books.reconcile("2026-11-20"))
    assert "CB-2026-0142" in _ids(books.reconcile("2026-11-22"))


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_a_later_file_that_reports_the_dispute_decided_updates_it(
    tmp_path: Path, outcome: str
) -> None:
    books = Books(tmp_path)
    books.export("export", record(431000001, "500.00", "11/20/2026", invoice="400123"))
    with_status = DISPUTE_HEADER + ",status"
    books.dispute_file(
        "a.csv", "2026-0142,431000001,11/20/2026,500.00,USD,10.4,Fraud,", header=with_status
    )
    books.reconcile("2026-11-20")
    assert books.dispute_status("2026-0142") == "open"

    books.dispute_file(
        "b.csv",
        f"2026-0142,431000001,11/20/2026,500.00,USD,10.4,Fraud,{outcome.upper()}",
        header=with_status,
    )
    decided = item(books.reconcile("2026-11-21"), "CB-2026-0142")

    assert decided["dispute_status"] == outcome
    assert decided["reason"].startswith(f"Dispute {outcome}")
    assert books.dispute_status("2026-0142") == outcome
    # said once: the next run has nothing new on it
    assert "CB-2026-0142" not in _ids(books.reconcile("2026-11-22"))


def test_a_bad_dispute_status_names_file_line_and_column(tmp_path: Path) -> None:
    books = Books(tmp_path)
    books.export("export", record(431000001, "500.00", "11/20/2026", invoice="400123"))
    path = books.dispute_file(
        "a.csv",
        "2026-0142,431000001,11/20/2026,500.00,USD,10.4,Fraud,pending",
        header=DISPUTE_HEADER + ",status",
    )
    with freeze_time("2026-11-21 12:00:00"):
        result = run_cli(books.config, "reconcile", "--date", "2026-11-20")
    assert result.exit_code == 2
    assert f"{path} line 2, column status: 'pending' is not one of open, won, lost" in (
        result.output
    )


def _ids(document: dict[str, Any]) -> list[str]:
    return [str(entry["transaction_id"]) for entry in document["items"]]


def demo_commands() -> list[list[str]]:
    """The commands of the Makefile's ``demo`` target, without the program and its --config."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    variables = dict(re.findall(r"^(DEMO_\w+) := (\S+)$", text, re.M))
    recipe = text.split("\ndemo:", 1)[1].split("\n\n", 1)[0].replace("\\\n", " ")
    commands = []
    for line in recipe.splitlines()[1:]:
        if line.strip().startswith("@"):  # a comment or an echo, not the program
            continue
        line = line.split(" > ", 1)[0]  # the JSON run's output file: the test reads stdout
        words = [variables.get(word[2:-1], word) for word in line.split()]
        if words[0].endswith("/python"):
            continue  # the demo's clerk (sample_data/clerk_decision.py), see test_customer_links
        assert words[0].endswith("/paytrace-abas") and words[1:3] == [
            "--config",
            "config/demo.toml",
        ]
        commands.append(words[3:])
    return commands


def test_make_demo_posts_the_day_before_once_and_shows_the_money_trail(demo_copy: Path) -> None:
    out = demo_copy.parent.parent / "out"
    for _ in range(2):  # `make demo` twice
        results = []
        for command in demo_commands():
            command = [str(out) if word == "out/" else word for word in command]
            result = run_cli(demo_copy, *command)
            assert result.exit_code == 0, result.output
            results.append(result)
    imported = (out / "demo-abas-import.edp").read_text(encoding="utf-8")
    # each receipt of the day before once (the workers' order is theirs)
    assert sorted(line.split(";")[0] for line in imported.splitlines() if line[:1].isdigit()) == [
        "512330618",
        "512330632",
        "512330639",
    ]
    console = results[1].output  # the sample day's table; the third run prints its JSON
    assert "dry run, nothing posted" in console
    assert json.loads(results[2].stdout)["dry_run"] is True
    assert (
        "refunds and voids of payments already in abas:\n  Refund 512330625 undoes payment "
        "512330618, posted to invoice 400213 on 2026-11-24 — reverse the receipt in abas."
    ) in console
    assert "  chargeback 2026-0142 (open) disputes payment 512330107 of customer 70001" in console

    result = run_cli(
        demo_copy, "reconcile", "--date", "2026-11-25", "--dry-run", "--format", "json"
    )
    document = json.loads(result.stdout)
    refund = item(document, "512330625")
    assert refund["original_transaction_id"] == "512330618"
    assert refund["reason"].endswith(
        "posted to invoice 400213 on 2026-11-24 — reverse the receipt in abas."
    )
    assert item(document, "512330646")["original_candidates"] == ["512330632", "512330639"]
    chargeback = item(document, "CB-2026-0142")  # from the folder, no --chargebacks flag
    assert (chargeback["original_transaction_id"], chargeback["invoice_nos"]) == (
        "512330107",
        ["400101"],
    )
