"""Contract tests: the exact HTTP requests the abas client makes, and how it reads answers.

Faked at the HTTP boundary with ``responses``; payloads shaped like docs/abas.md (query
envelope, EditErrorResponse, EditDialogResponse).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
import responses
from responses import matchers
from responses.registries import OrderedRegistry

from paytrace_abas.abas.client import AbasClient
from paytrace_abas.abas.rest import PreviewLine, RestSink
from paytrace_abas.abas.source import fetch_customers, fetch_open_items, resolve_open_items_table
from paytrace_abas.config import AbasSettings, Secrets
from paytrace_abas.errors import (
    AbasAccessError,
    MissingObjectError,
    PostingRejectedError,
    ReadBackMismatchError,
    TransientSourceError,
)
from tests.support.builders import RECEIPT
from tests.support.http import json_body

ROOT = "https://abas.example.com:8920/mw/r/test"
SETTINGS = AbasSettings(
    source="api",
    sink="api",
    base_url="https://abas.example.com:8920/mw",
    client="test",
    open_items_table="160:1",
    open_items_criteria="waehr==USD",
    page_size=2,
    max_attempts=3,
    backoff_seconds=0.001,
)
PASSWORD = "geheim-sy"
SECRETS = Secrets(abas_password=PASSWORD)
HEAD_FIELDS = "id,nummer,kunde^nummer,kunde^namebspr,vom,faelldat,waehr,rebetr,ofbetr,sksatz,skdat"
SESSION = {"variableLanguage": "de", "maxWaitOnLock": "10"}


def _item(number: str, open_amount: float, **extra: Any) -> dict[str, Any]:
    fields = {
        "id": {"value": f"({number},160,0)", "text": number},
        "nummer": {"value": number, "text": number},
        "kunde^nummer": {"value": "70001", "text": "70001"},
        "kunde^namebspr": {"value": "", "text": "Cascade Hydraulics Inc."},
        "vom": {"value": "20261001", "text": "01.10.2026"},
        "faelldat": {"text": "01.11.2026"},
        "waehr": {"value": "(USD)", "text": "USD"},
        "rebetr": {"value": 1248.5, "text": "1.248,50"},
        "ofbetr": {"value": open_amount, "text": ""},
        "sksatz": {"value": 2.0, "text": "2,00"},
        "skdat": {"value": "", "text": "10.10.2026"},
        **extra,
    }
    return {"meta": {"id": f"({number},160,0)"}, "head": {"fields": fields}}


def _page(*objects: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"data": {"erpDataObjects": list(objects)}}}


def _erp_error(category: str, text: str) -> dict[str, Any]:
    return {
        "meta": {"contentType": "EditErrorResponse"},
        "content": {
            "_type": "EditErrorResponse",
            "remainingActions": {"successCount": 3, "actions": [{"_type": "Commit"}]},
            "error": {
                "category": category,
                "error": {"_type": "ErpMessage", "text": [text], "type": "ERROR"},
            },
        },
        "protocolVersion": "50.0.0",
    }


def _query(offset: int, criteria: str = "waehr==USD") -> dict[str, str]:
    return {
        **SESSION,
        "criteria": criteria,
        "headFields": HEAD_FIELDS,
        "tableFields": "-",
        "offset": str(offset),
        "limit": "2",
    }


def _client(settings: AbasSettings = SETTINGS, secrets: Secrets = SECRETS) -> AbasClient:
    return AbasClient(settings, secrets, sleep=lambda seconds: None)


@responses.activate
def test_open_items_are_paged_with_criteria_head_fields_and_explicit_language() -> None:
    basic = "Basic " + base64.b64encode(f":{PASSWORD}".encode()).decode()
    headers = {"Authorization": basic, "Accept-Language": "de", "Accept": "application/json"}
    # pages overlap by one record: each starts where the one before ended (docs/abas.md)
    pages = {0: ["1", "2"], 1: ["2", "3"], 2: ["3"]}
    amounts = {"1": 0, "2": 10.5, "3": 1248.5}
    for offset, numbers in pages.items():
        page = [_item(number, amounts[number]) for number in numbers]
        responses.get(
            f"{ROOT}/obj/data/160:1",
            json=_page(*page),
            match=[
                matchers.query_param_matcher(_query(offset)),
                matchers.header_matcher(headers),
            ],
        )
    frame = fetch_open_items(_client(), "160:1")
    assert frame["invoice_no"].tolist() == ["1", "2", "3"]
    assert frame["open_cents"].tolist() == [0, 1050, 124850]  # an item with 0 open is kept
    first = frame.iloc[0]
    assert (first["gross_cents"], first["discount_bp"], first["currency"]) == (124850, 200, "USD")
    assert first["customer_name"] == "Cascade Hydraulics Inc."  # value empty: text is read
    assert (first["invoice_date"], first["due_date"], first["discount_until"]) == (
        dt.datetime(2026, 10, 1),
        dt.datetime(2026, 11, 1),
        dt.datetime(2026, 10, 10),
    )
    assert first["source_line"] == "abas 160:1 record (1,160,0)"
    assert len(responses.calls) == 3


@responses.activate
def test_the_open_items_table_is_found_by_its_language_independent_name() -> None:
    meta = [
        {"id": "0:1", "name": "(Customer):(Customer)", "tableSpec": "0:1"},
        {"id": "x", "name": "(OutstandingItems):(OutstandingItem)", "tableSpec": "77:3"},
    ]
    responses.get(f"{ROOT}/obj/meta", json={"content": {"data": meta}})
    assert resolve_open_items_table(_client(replace(SETTINGS, open_items_table=""))) == "77:3"
    assert resolve_open_items_table(_client()) == "160:1"  # configured: no look-up
    assert len(responses.calls) == 1


@responses.activate
def test_a_token_is_sent_as_bearer() -> None:
    responses.get(
        f"{ROOT}/obj/data/160:1",
        json=_page(),
        match=[matchers.header_matcher({"Authorization": "Bearer jwt.abc"})],
    )
    assert fetch_open_items(_client(secrets=Secrets(abas_token="jwt.abc")), "160:1").empty


@responses.activate
def test_a_commit_is_one_exec_then_one_read_back_per_invoice() -> None:
    responses.post(
        f"{ROOT}/exec",
        json={
            "content": {
                "data": {
                    "head": {"fields": {"id": {"value": "(9,102,0)"}, "nummer": {"value": "4711"}}}
                }
            }
        },
        match=[matchers.query_param_matcher(SESSION)],
    )
    for invoice in ("400101", "400102"):
        responses.get(
            f"{ROOT}/obj/data/160:1",
            json=_page(_item(invoice, 0)),
            match=[
                matchers.query_param_matcher(
                    {
                        **SESSION,
                        "criteria": f"nummer=={invoice};waehr==USD",
                        "headFields": "id,nummer,ofbetr",
                        "limit": "0",
                    }
                )
            ],
        )
    sink = RestSink(SETTINGS, SECRETS)
    assert sink.post(RECEIPT) == "4711"  # abas' document number, not the object id
    body = json_body(responses.calls[0].request.body)
    assert responses.calls[0].request.headers["Content-Type"] == "application/json"
    assert body["initAction"] == {
        "_type": "OpenEditor",
        "tableName": "102:4",
        "editAction": "NEW",
        "dialogAnswers": [],
        "screenEnterDialogAnswers": [],
    }
    assert body["actions"][5:10] == [
        {"_type": "InsertRow", "dialogAnswers": []},
        {"_type": "SetFieldValue", "fieldName": "tbeleg", "value": "400101", "rowSpec": ".",
         "dialogAnswers": []},
        {"_type": "SetFieldValue", "fieldName": "topladen", "value": "", "rowSpec": ".",
         "dialogAnswers": []},
        {"_type": "SetFieldValue", "fieldName": "opzabetr", "value": "1248,50", "rowSpec": ".",
         "dialogAnswers": []},
        {"_type": "SetFieldValue", "fieldName": "skbetr", "value": "0,00", "rowSpec": ".",
         "dialogAnswers": []},
    ]  # fmt: skip
    assert body["closeAction"] == {
        "_type": "Commit",
        "dialogAnswers": [{"id": "588", "values": ["ja"]}],
    }
    assert (body["headFields"], body["tableFields"]) == ("id,beleg,nummer", "tbeleg,opzabetr")
    assert len(responses.calls) == 3


@responses.activate
def test_a_read_back_with_another_open_amount_names_both_amounts() -> None:
    # an answer without a document number: the receipt's reference names it
    responses.post(f"{ROOT}/exec", json={"content": {"data": {"meta": {"id": "(9,102,0)"}}}})
    responses.get(f"{ROOT}/obj/data/160:1", json=_page(_item("400101", 12.0)))
    # 400102 is not in the selection: nothing to compare (a warning), not a mismatch
    responses.get(f"{ROOT}/obj/data/160:1", json=_page())
    with pytest.raises(ReadBackMismatchError) as raised:
        RestSink(SETTINGS, SECRETS).post(RECEIPT)
    assert str(raised.value) == (
        "abas document 512330107 for transaction 512330107 was committed, but the read-back "
        "differs: invoice 400101 open 12,00 in abas, expected 0,00"
    )
    assert raised.value.document == "512330107"


@responses.activate
def test_a_preview_cancels_and_reads_abas_figures() -> None:
    row = {
        "tbeleg": {"value": "400102", "text": "400102"},
        "ofbetr": {"value": 0.0, "text": "0,00"},
        "skbetr": {"value": 7.72, "text": "7,72"},
    }
    responses.post(f"{ROOT}/exec", json={"content": {"data": {"table": [{"fields": row}]}}})
    lines = RestSink(SETTINGS, SECRETS).preview(RECEIPT)
    body = json_body(responses.calls[0].request.body)
    assert body["closeAction"] == {"_type": "Cancel"}
    assert body["tableFields"] == "tbeleg,opzabetr,ofbetr,skbetr"
    assert lines == [PreviewLine("400101", None, None), PreviewLine("400102", 0, 772)]
    assert len(responses.calls) == 1  # no read-back: nothing was committed


@responses.activate
def test_an_unanswered_dialog_is_refused_and_names_the_dialog() -> None:
    dialog = {"_type": "EditDialogResponse", "dialogInfo": {"id": "4841", "prompt": "ok?"}}
    responses.post(f"{ROOT}/exec", json={"content": dialog})
    with pytest.raises(PostingRejectedError, match=r"dialog 4841 \(ok\?\)"):
        RestSink(SETTINGS, SECRETS).post(RECEIPT)


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (404, _erp_error("MISSING_OBJECT", "Satz nicht gefunden"), MissingObjectError,
         "abas GET /obj/data/160:1: MISSING_OBJECT (Satz nicht gefunden)"),
        (401, _erp_error("AUTHENTICATION_FAILURE", "Passwort falsch"), AbasAccessError,
         "abas GET /obj/data/160:1: abas refused the credentials or access "
         "(AUTHENTICATION_FAILURE: Passwort falsch)"),
        (403, _erp_error("ACCESS_DENIED", "Keine Berechtigung"), AbasAccessError,
         "(ACCESS_DENIED: Keine Berechtigung)"),
        (401, {"content": {"error": {"message": "denied", "type": "SECURITY_ERROR"}}},
         AbasAccessError, "(SECURITY_ERROR: denied)"),
        (400, _erp_error("ILLEGAL_ARGUMENT", "Selektion ungültig"), PostingRejectedError,
         "abas GET /obj/data/160:1: ILLEGAL_ARGUMENT (Selektion ungültig)"),
        (500, _erp_error("OTHER", "Process cancelled"), PostingRejectedError,
         "OTHER (Process cancelled)"),
    ],
)  # fmt: skip
@responses.activate
def test_each_error_category_maps_once_without_retry_or_secret(
    status: int, body: dict[str, Any], kind: type[Exception], text: str
) -> None:
    responses.get(f"{ROOT}/obj/data/160:1", json=body, status=status)
    with pytest.raises(kind) as raised:
        fetch_open_items(_client(), "160:1")
    assert type(raised.value) is kind
    assert text in str(raised.value)
    assert PASSWORD not in str(raised.value) and "criteria" not in str(raised.value)
    assert len(responses.calls) == 1


@responses.activate(registry=OrderedRegistry)
def test_locked_records_and_5xx_are_retried_with_backoff_then_succeed() -> None:
    url = f"{ROOT}/obj/data/160:1"
    responses.get(url, json=_erp_error("RECORD_LOCKED", "Datensatz gesperrt"), status=409)
    responses.get(url, body="", status=503)
    responses.get(url, json=_page(_item("1", 5.0)))
    waits: list[float] = []
    client = AbasClient(SETTINGS, SECRETS, sleep=waits.append)
    assert fetch_open_items(client, "160:1")["open_cents"].tolist() == [500]
    assert len(responses.calls) == 3
    assert len(waits) == 2 and 0.0005 <= waits[0] <= 0.001 and 0.001 <= waits[1] <= 0.002


@responses.activate(registry=OrderedRegistry)
def test_retries_are_bounded() -> None:
    for _ in range(3):
        responses.get(f"{ROOT}/obj/data/160:1", body="", status=502)
    with pytest.raises(TransientSourceError, match=r"abas GET /obj/data/160:1: temporary"):
        fetch_open_items(_client(), "160:1")
    assert len(responses.calls) == 3


@responses.activate
def test_a_commit_is_never_retried_blind() -> None:
    responses.post(f"{ROOT}/exec", json=_erp_error("RECORD_LOCKED", "gesperrt"), status=409)
    with pytest.raises(TransientSourceError, match="RECORD_LOCKED"):
        RestSink(SETTINGS, SECRETS).post(RECEIPT)
    assert len(responses.calls) == 1  # the delivery asks abas before it sends again


@responses.activate
def test_a_cut_off_answer_is_never_an_empty_table() -> None:
    responses.get(f"{ROOT}/obj/data/160:1", body='{"content": {"data": {"erpData', status=200)
    with pytest.raises(TransientSourceError, match="not JSON"):
        fetch_open_items(_client(replace(SETTINGS, max_attempts=1)), "160:1")


@responses.activate
def test_closing_logs_out_once_something_was_asked() -> None:
    responses.get(f"{ROOT}/obj/data/160:1", json=_page())
    responses.get(f"{ROOT}/logout", json={}, match=[matchers.query_param_matcher(SESSION)])
    _client().close()
    assert len(responses.calls) == 0  # nothing asked: nothing to close
    client = _client()
    fetch_open_items(client, "160:1")
    client.close()
    assert [str(call.request.url).split("?")[0] for call in responses.calls] == [
        f"{ROOT}/obj/data/160:1",
        f"{ROOT}/logout",
    ]


@responses.activate
def test_customers_are_paged_without_an_empty_criteria() -> None:
    customer = {"head": {"fields": {"nummer": {"value": "70001"}, "namebspr": {"text": "ACME"}}}}
    expected = {
        **SESSION,
        "headFields": "id,nummer,namebspr,str,plz,nort,staat,email",
        "tableFields": "-",
        "offset": "0",
        "limit": "2",
    }
    responses.get(
        f"{ROOT}/obj/data/0:1",
        json=_page(customer),
        match=[matchers.query_param_matcher(expected)],
    )
    customers = fetch_customers(_client())
    assert customers[["customer_no", "name", "street"]].to_dict("records") == [
        {"customer_no": "70001", "name": "ACME", "street": ""}
    ]
    assert customers["source_line"].tolist() == ["abas 0:1 record #1"]
