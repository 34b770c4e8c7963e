"""The two abas sinks on their own: payload and error mapping of REST, the import file format."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from paytrace_abas.abas.failures import classify_failure
from paytrace_abas.abas.import_file import ImportFileSink
from paytrace_abas.abas.rest import RestSink, exec_payload
from paytrace_abas.config import AbasSettings, Secrets
from paytrace_abas.errors import (
    AbasAccessError,
    MissingObjectError,
    PostingRejectedError,
    SourceError,
    TransientSourceError,
)
from paytrace_abas.models import Receipt
from tests.fake_abas import FakeAbas
from tests.support.builders import RECEIPT
from tests.support.days import import_file_receipts


def test_exec_payload_is_the_reference_candidate_with_one_row_per_invoice() -> None:
    payload = exec_payload(RECEIPT, AbasSettings())
    assert payload["initAction"] == {
        "_type": "OpenEditor",
        "tableName": "102:4",
        "editAction": "NEW",
        "dialogAnswers": [],
        "screenEnterDialogAnswers": [],
    }
    head = [(a["fieldName"], a["value"]) for a in payload["actions"][:5]]
    assert head == [
        ("gkonto", "18100"),
        ("beleg", "512330107"),
        ("beldat", "25.11.2026"),
        ("kbudat", "25.11.2026"),
        ("kwaehr", "USD"),
    ]
    rows = payload["actions"][5:]
    assert [a["_type"] for a in rows].count("InsertRow") == 2
    second = [(a.get("fieldName"), a.get("value"), a.get("rowSpec")) for a in rows[5:]]
    assert second == [
        (None, None, None),
        ("tbeleg", "400102", "."),
        ("topladen", "", "."),
        ("opzabetr", "380,00", "."),
        ("skbetr", "6,00", "."),
    ]
    assert payload["closeAction"] == {
        "_type": "Commit",
        "dialogAnswers": [{"id": "588", "values": ["ja"]}],
    }


@pytest.mark.parametrize(
    ("status", "category", "kind"),
    [
        (503, "", TransientSourceError),
        (500, "", TransientSourceError),
        (429, "", TransientSourceError),
        (409, "RECORD_LOCKED", TransientSourceError),
        (400, "UNAVAILABLE", TransientSourceError),
        (401, "AUTHENTICATION_FAILURE", AbasAccessError),
        (403, "", AbasAccessError),
        (400, "ILLEGAL_ARGUMENT", PostingRejectedError),
        (404, "MISSING_OBJECT", MissingObjectError),
        (400, "", PostingRejectedError),
    ],
)
def test_failures_map_to_retry_access_missing_or_rejected(
    status: int, category: str, kind: type[Exception]
) -> None:
    payload = {"content": {"error": {"category": category}}} if category else {}
    error = classify_failure("POST /exec", status, payload)
    assert type(error) is kind


def test_rest_sink_posts_finds_and_sends_basic_auth_with_the_password() -> None:
    with FakeAbas() as fake:
        settings = AbasSettings(sink="api", base_url=fake.base_url, client="test")
        sink = RestSink(settings, Secrets(abas_password="sy"))
        assert sink.find(RECEIPT) is None
        document = sink.post(RECEIPT)
        found = sink.find(RECEIPT)
        sink.close()
        wrong = RestSink(settings, Secrets(abas_password="nope"))
        with pytest.raises(AbasAccessError, match="refused the credentials"):
            wrong.post(RECEIPT)
        assert "nope" not in json.dumps(fake.state.documents[0].rows)
    # abas' document number, never the REST object id (1,102,0) a clerk cannot look up
    assert document == "700001"
    assert found is not None
    assert (found.document, found.invoice_nos) == ("700001", frozenset({"400101", "400102"}))
    assert fake.state.documents[0].rows == [
        {"tbeleg": "400101", "topladen": "", "opzabetr": "1248,50", "skbetr": "0,00"},
        {"tbeleg": "400102", "topladen": "", "opzabetr": "380,00", "skbetr": "6,00"},
    ]


def test_unreachable_abas_is_transient() -> None:
    settings = AbasSettings(sink="api", base_url="http://127.0.0.1:9", client="t")
    with pytest.raises(TransientSourceError, match="connection failed"):
        RestSink(settings, Secrets(abas_token="t")).post(RECEIPT)


def test_a_torn_last_line_is_finished_by_its_receipt_never_cut(tmp_path: Path) -> None:
    path = tmp_path / "import.edp"
    ImportFileSink(AbasSettings(import_file=path)).post(RECEIPT)
    whole = path.read_bytes()
    path.write_bytes(whole[:-20])  # killed in the middle of the second line
    sink = ImportFileSink(AbasSettings(import_file=path))
    assert path.read_bytes() == whole[:-20]  # nothing cut
    found = sink.find(RECEIPT)
    assert found is not None and found.invoice_nos == {"400101", "400102"}
    assert path.read_bytes() == whole


def test_a_torn_line_no_receipt_finishes_stops_posting_before_anything_is_appended(
    tmp_path: Path,
) -> None:
    path = tmp_path / "import.edp"
    ImportFileSink(AbasSettings(import_file=path)).post(RECEIPT)
    torn = path.read_bytes()[:-20]
    path.write_bytes(torn)
    other = Receipt("999", "K", "USD", dt.date(2026, 1, 1), "18100", RECEIPT.lines[:1])
    sink = ImportFileSink(AbasSettings(import_file=path))
    with pytest.raises(SourceError, match="ends in a torn line"):
        sink.find_many([other])
    with pytest.raises(SourceError, match="ends in a torn line"):
        sink.post(other)
    assert path.read_bytes() == torn


def test_values_that_would_break_the_file_are_rejected(tmp_path: Path) -> None:
    sink = ImportFileSink(AbasSettings(import_file=tmp_path / "import.edp"))
    bad = Receipt("1;2", "K", "USD", dt.date(2026, 1, 1), "18100", RECEIPT.lines)
    with pytest.raises(PostingRejectedError, match="contains ';'"):
        sink.post(bad)


def _with_archive(folder: Path) -> tuple[Path, Path]:
    """(import file, archive folder the import job moves it to)."""
    archive = folder / "imported"
    archive.mkdir()
    return folder / "import.edp", archive


def test_finding_3_a_file_moved_during_a_run_is_continued_in_a_new_file_with_header(
    tmp_path: Path,
) -> None:
    path, archive = _with_archive(tmp_path)
    sink = ImportFileSink(AbasSettings(import_file=path, import_archive_dir=archive))
    second = Receipt("701", "K", "USD", dt.date(2026, 11, 25), "18100", RECEIPT.lines[:1])
    sink.post(RECEIPT)
    path.rename(archive / "import-moved.edp")  # the import job took it mid-run
    assert sink.post(second) == "import.edp line 8"
    assert import_file_receipts(path) == {"701": ["400101"]}  # header first, then the line
    assert sink.find(RECEIPT) is not None  # the moved file's lines are still known


def test_the_archive_is_read_back_only_as_far_as_the_payments_asked_about(
    tmp_path: Path,
) -> None:
    path, archive = _with_archive(tmp_path)
    ImportFileSink(AbasSettings(import_file=path)).post(RECEIPT)
    moved = path.rename(archive / "import-1.edp")
    settings = AbasSettings(import_file=path, import_archive_dir=archive)
    found = ImportFileSink(settings).find(RECEIPT)
    assert found is not None and found.document == "import-1.edp line 8"
    # A file last changed before the payment's day cannot hold its receipt: it is not read.
    before = dt.datetime.combine(RECEIPT.paid_on - dt.timedelta(days=3), dt.time()).timestamp()
    os.utime(moved, (before, before))
    assert ImportFileSink(settings).find(RECEIPT) is None
