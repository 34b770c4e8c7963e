import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from paytrace_abas import __version__
from paytrace_abas.cli import cli
from tests.support.cli import reconcile_sample_day
from tests.support.paths import ROOT


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out.strip()) == (0, f"paytrace-abas, version {__version__}")


@pytest.mark.parametrize("command", [[], *[[name] for name in cli.commands]])
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0
    assert "Example" in out and "paytrace-abas" in out


def test_dry_run_prints_summary_and_writes_workbook_and_plan(tmp_path: Path) -> None:
    result = reconcile_sample_day(tmp_path)
    code, out, err = result.exit_code, result.stdout, result.stderr
    assert (code, err) == (0, "")
    assert re.search(r"Matched\s+39\s+\$81,712\.00", out)
    assert "dry run, nothing posted" in out
    assert len(list(tmp_path.glob("reconcile-2026-11-25-*.xlsx"))) == 1
    plans = list(tmp_path.glob("plan-*.json"))
    assert len(plans) == 1
    assert len(json.loads(plans[0].read_text())["postings"]) == 45


def test_json_output_follows_the_contract(tmp_path: Path) -> None:
    result = reconcile_sample_day(tmp_path, "--format", "json")
    code, out = result.exit_code, result.stdout
    document = json.loads(out)
    assert code == 0
    assert set(document) == {
        "run_id",
        "window",
        "dry_run",
        "counts",
        "amounts_cents",
        "items",
        "report",
        "plan",
        "recurring",
        "batches",
        "deposits",
    }
    # the sample day's three batches (sample_data/settlement_data.py), numbers wrapping
    assert [(b["batch_number"], b["settled_on"], b["status"]) for b in document["batches"]] == [
        (998, "2026-11-25", "batch_mismatch"),
        (999, "2026-11-25", "deposit_missing"),
        (1, "2026-11-25", "fee_out_of_band"),
    ]
    assert set(document["batches"][0]) == {
        "batch_number",
        "settled_on",
        "card_type",
        "transaction_count",
        "sales_cents",
        "refunds_cents",
        "net_cents",
        "deposit_cents",
        "fee_cents",
        "deposit_on",
        "status",
        "reason",
    }
    assert [d["status"] for d in document["deposits"]] == ["ok", "deposit_unmatched", "ok"]
    assert document["window"] == {"from": "2026-11-25", "to": "2026-11-25"}
    assert document["dry_run"] is True
    assert sum(document["counts"].values()) == len(document["items"]) == 75
    assert set(document["items"][0]) == {
        "transaction_id",
        "category",
        "rule",
        "invoice_nos",
        "amount_cents",
        "discount_cents",
        "posted",
        "reason",
    }
    assert Path(document["report"]).exists() and Path(document["plan"]).exists()


RECORDED = re.compile(r" \(recorded as run (\S+): paytrace-abas show \1\)$")


def bad(*args: str) -> str:
    """The one error line of a failed command, less where it was recorded."""
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return RECORDED.sub("", lines[0])


def test_bad_dates_and_windows(demo_copy: Path) -> None:
    config = ("--config", str(demo_copy), "reconcile", "--dry-run")
    assert bad(*config, "--date", "2026-13-01") == (
        "error: --date: '2026-13-01' is not a valid date (use YYYY-MM-DD)"
    )
    assert bad(*config, "--from", "2026-11-25", "--to", "2026-11-20") == (
        "error: --from 2026-11-25 is after --to 2026-11-20"
    )
    assert bad(*config) == "error: give exactly one of --date D, --from D --to D, or --since-last"
    assert bad(*config, "--from", "2026-11-25") == "error: --from and --to go together"


def test_unknown_config_key(demo_copy: Path) -> None:
    text = demo_copy.read_text().replace("tolerance_cents = 1", "tolerance_cent = 1")
    demo_copy.write_text(text + "\n[matching.extra]\n[ledgr]\npath = 'x'\n")
    code, out, err = run("--config", str(demo_copy), "reconcile", "--date", "2026-11-25")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"error: {demo_copy}: [matching] extra is not a known key",
        f"error: {demo_copy}: [matching] tolerance_cent is not a known key "
        "(did you mean tolerance_cents?)",
        f"error: {demo_copy}: unknown section or key [ledgr] (did you mean ledger?)",
    ]


def test_missing_config_and_missing_input_file(demo_copy: Path, tmp_path: Path) -> None:
    assert bad("--config", str(tmp_path / "none.toml"), "check-config") == (
        f"error: config file {tmp_path / 'none.toml'} does not exist"
    )
    (demo_copy.parent.parent / "sample_data" / "abas_open_items.csv").unlink()
    message = bad("--config", str(demo_copy), "reconcile", "--date", "2026-11-25", "--dry-run")
    assert "[abas] open_items_file names" in message and "which does not exist" in message


def test_csv_with_non_numeric_amount(demo_copy: Path) -> None:
    csv = demo_copy.parent.parent / "sample_data" / "abas_open_items.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    fields = lines[6].split(";")
    fields[7] = "12a"  # open_amount of file line 7
    lines[6] = ";".join(fields)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    message = bad("--config", str(demo_copy), "reconcile", "--date", "2026-11-25", "--dry-run")
    assert message == (
        f"error: {csv} line 7, column open_amount: '12a' is not an amount with a decimal comma "
        "(like 1.234,56)"
    )


def test_paytrace_file_that_is_not_an_export_body(demo_copy: Path) -> None:
    folder = demo_copy.parent.parent / "sample_data" / "paytrace"
    (folder / "zz-customers.json").write_text('{"success": true, "customers": []}')
    message = bad("--config", str(demo_copy), "reconcile", "--date", "2026-11-25", "--dry-run")
    assert message.endswith(
        "zz-customers.json is not a PayTrace export body (expected a JSON object with "
        '"success": true and "transactions")'
    )


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paytrace_abas", "--version"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (done.returncode, done.stdout.strip()) == (0, f"paytrace-abas, version {__version__}")


def test_help_lists_commands_in_workflow_order_whole_with_exit_codes() -> None:
    code, out, _ = run("--help")
    assert code == 0
    listed = re.findall(r"^  ([a-z-]+)  ", out.split("Commands:")[1], re.M)
    assert listed == [
        "check-config",
        "reconcile",
        "resolve",
        "apply",
        "retry-dead-letters",
        "runs",
        "show",
        "report",
        "customers",
    ]
    flat = " ".join(out.split())
    assert "exit 1 if any fails." in flat  # the whole first paragraph, not cut off at "..."
    assert "..." not in out.split("Commands:")[1].split("Exit codes:")[0]
    for code_line in ("0 done", "1 a run failed", "2 bad invocation", "3 done, but", "4 another"):
        assert code_line in flat
    _, apply_help, _ = run("apply", "--help")
    assert "posts to abas for real" in " ".join(apply_help.split()).lower()
    _, reconcile_help, _ = run("reconcile", "--help")
    flat = " ".join(reconcile_help.split())
    assert "created if missing (default: [report] out_dir)" in flat
    assert "exit 2 until one run with --date" in flat
