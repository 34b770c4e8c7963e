"""The bundled sample day against expectations written by hand from its scenarios.

tests/golden/sample_day_expected.json lists, for every in-window transaction, the category,
rule and invoices a clerk expects (see sample_data/generate.py for the story of each one).
"""

import json
from pathlib import Path

from tests.support.cli import reconcile_sample_day

EXPECTED = Path(__file__).parent / "golden" / "sample_day_expected.json"


def test_sample_day_matches_the_hand_written_expectations(tmp_path: Path) -> None:
    result = reconcile_sample_day(tmp_path, "--format", "json")
    assert result.exit_code == 0, result.stderr
    actual = {
        item["transaction_id"]: {
            "category": item["category"],
            "rule": item["rule"],
            "invoice_nos": item["invoice_nos"],
        }
        for item in json.loads(result.stdout)["items"]
    }
    expected = {
        item["transaction_id"]: {
            "category": item["category"],
            "rule": item["rule"],
            "invoice_nos": item["invoice_nos"],
        }
        for item in json.loads(EXPECTED.read_text())["items"]
    }
    assert actual.keys() == expected.keys()  # the two out-of-window transactions are left out
    mismatches = {tid: (actual[tid], want) for tid, want in expected.items() if actual[tid] != want}
    assert mismatches == {}
