"""Contract tests of the PayTrace session: the exact requests sent and how answers are read."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

import pytest
import responses
from responses.registries import OrderedRegistry

from paytrace_abas.config import PaytraceSettings, Secrets
from paytrace_abas.errors import ConfigError, SourceError, TransientSourceError
from paytrace_abas.paytrace.transport import PaytraceSession
from tests.support.http import json_body

BASE = "https://api.paytrace.test"
EXPORT = "/v1/transactions/export/by_date_range"
FIXTURES = Path(__file__).parent / "fixtures" / "paytrace"
SECRETS = Secrets(paytrace_username="demo123", paytrace_password="pw-Secret-42")
TOKEN_VALUE = json.loads((FIXTURES / "token.json").read_text())["access_token"]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def settings(**overrides: Any) -> PaytraceSettings:
    values: dict[str, Any] = {
        "source": "api",
        "base_url": BASE,
        "backoff_seconds": 0.001,
        "retry_budget_seconds": 5.0,
        "max_attempts": 4,
        "timeout_seconds": 5.0,
    }
    return PaytraceSettings(**{**values, **overrides})


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def token_answer(created_at: int = 1507667632, value: str = TOKEN_VALUE) -> dict[str, Any]:
    return {**fixture("token.json"), "created_at": created_at, "access_token": value}


def form_of(body: Any) -> dict[str, str]:
    text = body.decode() if isinstance(body, bytes) else str(body)
    return {key: values[0] for key, values in parse_qs(text).items()}


@responses.activate
def test_token_request_is_a_form_encoded_password_grant() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("export_documented.json"))
    with PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session:
        session.post(EXPORT, {"start_date": "04/10/2015", "end_date": "04/10/2015"})

    token_call = responses.calls[0].request
    assert token_call.method == "POST"
    assert token_call.url == f"{BASE}/oauth/token"
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded; charset=UTF-8"
    assert form_of(token_call.body) == {
        "grant_type": "password",
        "username": "demo123",
        "password": "pw-Secret-42",
    }
    assert "Authorization" not in token_call.headers


@responses.activate
def test_export_request_sends_bearer_token_and_json_body_without_integrator_id() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("export_documented.json"))
    with PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session:
        session.post(EXPORT, {"start_date": "04/10/2015", "end_date": "04/10/2015"})

    export_call = responses.calls[1].request
    assert export_call.url == f"{BASE}{EXPORT}"
    assert export_call.headers["Authorization"] == f"Bearer {TOKEN_VALUE}"
    assert export_call.headers["Content-Type"] == "application/json"
    assert export_call.headers["Accept"] == "application/json"
    assert json_body(export_call.body) == {"start_date": "04/10/2015", "end_date": "04/10/2015"}


@responses.activate
def test_integrator_id_goes_into_every_v1_body_but_not_the_token_form() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("export_documented.json"))
    secrets = Secrets(
        paytrace_username="demo123",
        paytrace_password="pw-Secret-42",
        paytrace_integrator_id="9999ABCD1234",
    )
    with PaytraceSession(settings(), secrets, wall_clock=Clock(1507667632)) as session:
        session.post(EXPORT, {"start_date": "04/10/2015", "end_date": "04/10/2015"})

    assert "integrator_id" not in form_of(responses.calls[0].request.body)
    assert json_body(responses.calls[1].request.body) == {
        "start_date": "04/10/2015",
        "end_date": "04/10/2015",
        "integrator_id": "9999ABCD1234",
    }


@responses.activate
def test_money_in_answers_is_decimal_never_float() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(
        f"{BASE}{EXPORT}",
        body='{"success":true,"transactions":[{"transaction_id":1,"amount":1.5}]}',
        content_type="application/json",
    )
    with PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session:
        body = session.post(EXPORT, {})
    amount = body["transactions"][0]["amount"]
    assert amount == Decimal("1.5") and isinstance(amount, Decimal)


@responses.activate
def test_token_is_cached_until_five_minutes_before_created_at_plus_expires_in() -> None:
    responses.post(f"{BASE}/oauth/token", json=token_answer(created_at=1000, value="a:b:first"))
    responses.post(f"{BASE}/oauth/token", json=token_answer(created_at=8000, value="a:b:second"))
    responses.post(f"{BASE}{EXPORT}", json={"success": True, "transactions": []})
    clock = Clock(1000)
    with PaytraceSession(settings(), SECRETS, wall_clock=clock) as session:
        session.post(EXPORT, {})
        clock.now = 1000 + 7200 - 301
        session.post(EXPORT, {})
        clock.now = 1000 + 7200 - 299
        session.post(EXPORT, {})

    paths = [call.request.path_url for call in responses.calls]
    assert paths == ["/oauth/token", EXPORT, EXPORT, "/oauth/token", EXPORT]
    assert responses.calls[4].request.headers["Authorization"] == "Bearer a:b:second"


@responses.activate(registry=OrderedRegistry)
def test_invalid_token_answer_reauthenticates_once_and_repeats_the_call() -> None:
    responses.post(f"{BASE}/oauth/token", json=token_answer(value="a:b:old"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("invalid_token.json"), status=401)
    responses.post(f"{BASE}/oauth/token", json=token_answer(value="a:b:new"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("export_documented.json"))
    with PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session:
        body = session.post(EXPORT, {"start_date": "04/10/2015", "end_date": "04/10/2015"})

    assert body["transactions"][0]["transaction_id"] == 79388123
    assert [call.request.headers.get("Authorization") for call in responses.calls] == [
        None,
        "Bearer a:b:old",
        None,
        "Bearer a:b:new",
    ]


@responses.activate(registry=OrderedRegistry)
def test_invalid_token_in_a_200_body_also_reauthenticates() -> None:
    responses.post(f"{BASE}/oauth/token", json=token_answer(value="a:b:old"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("invalid_token.json"), status=200)
    responses.post(f"{BASE}/oauth/token", json=token_answer(value="a:b:new"))
    responses.post(f"{BASE}{EXPORT}", json={"success": True, "transactions": []})
    with PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session:
        assert session.post(EXPORT, {})["transactions"] == []
    assert len(responses.calls) == 4


@responses.activate(registry=OrderedRegistry)
def test_a_second_rejection_after_reauthentication_fails_without_a_third_token() -> None:
    responses.post(f"{BASE}/oauth/token", json=token_answer(value="a:b:old"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("invalid_token.json"), status=401)
    responses.post(f"{BASE}/oauth/token", json=token_answer(value="a:b:new"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("invalid_token.json"), status=401)
    with (
        PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session,
        pytest.raises(SourceError) as caught,
    ):
        session.post(EXPORT, {})
    assert str(caught.value) == (
        f"PayTrace POST {EXPORT} rejected a freshly issued access token (HTTP 401: invalid_token)"
    )
    assert len(responses.calls) == 4


@responses.activate
def test_invalid_grant_names_the_endpoint_and_the_environment_variables() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("invalid_grant.json"), status=400)
    with (
        PaytraceSession(settings(), SECRETS) as session,
        pytest.raises(SourceError) as caught,
    ):
        session.post(EXPORT, {})
    assert not isinstance(caught.value, TransientSourceError)
    assert str(caught.value) == (
        "PayTrace POST /oauth/token refused the credentials (invalid_grant): "
        "check PAYTRACE_USERNAME and PAYTRACE_PASSWORD"
    )
    assert len(responses.calls) == 1


@responses.activate
def test_error_envelope_lists_every_code_and_is_not_retried() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("error_several_codes.json"))
    with (
        PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session,
        pytest.raises(SourceError) as caught,
    ):
        session.post(EXPORT, {}, "04/10/2015")
    assert not isinstance(caught.value, TransientSourceError)
    assert str(caught.value) == (
        f"PayTrace POST {EXPORT} for 04/10/2015 failed with HTTP 200: "
        "30 Customer ID, customerid123, was not found or is incomplete.; "
        "45 Please provide a valid Checking Account Number.; "
        "46 Please provide a valid Transit Routing Number."
    )
    assert len(responses.calls) == 2


@responses.activate
def test_a_decline_envelope_without_errors_reports_its_response_code() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("decline.json"))
    with (
        PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session,
        pytest.raises(SourceError) as caught,
    ):
        session.post(EXPORT, {})
    assert str(caught.value) == (
        f"PayTrace POST {EXPORT} failed with HTTP 200: "
        "response_code 102 Your transaction was not approved."
    )


@responses.activate(registry=OrderedRegistry)
def test_5xx_and_non_json_answers_are_retried_then_succeed() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", body="<html>502 Bad Gateway</html>", status=502)
    responses.post(f"{BASE}{EXPORT}", body='{"success": tr', status=200)
    responses.post(f"{BASE}{EXPORT}", body="", status=408)
    responses.post(f"{BASE}{EXPORT}", json=fixture("export_documented.json"))
    with PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session:
        body = session.post(EXPORT, {})
    assert len(body["transactions"]) == 1
    assert len(responses.calls) == 5


@responses.activate(registry=OrderedRegistry)
def test_retry_after_as_an_http_date_in_the_past_retries_at_once() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    past = "Wed, 21 Oct 2015 07:28:00 GMT"
    responses.post(f"{BASE}{EXPORT}", status=429, headers={"Retry-After": past})
    responses.post(f"{BASE}{EXPORT}", json={"success": True, "transactions": []})
    with PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session:
        assert session.post(EXPORT, {})["transactions"] == []
    assert len(responses.calls) == 3


@responses.activate(registry=OrderedRegistry)
def test_429_waits_as_long_as_retry_after_says(caplog: pytest.LogCaptureFixture) -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", status=429, headers={"Retry-After": "0.2"})
    responses.post(f"{BASE}{EXPORT}", json={"success": True, "transactions": []})
    with (
        caplog.at_level(logging.INFO, logger="paytrace_abas.paytrace.transport"),
        PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session,
    ):
        session.post(EXPORT, {})
    # The backoff alone would be about a millisecond; the server asked for 200.
    assert "retrying in 0.20 s (attempt 2 of " in caplog.text
    assert len(responses.calls) == 3


@responses.activate
def test_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", status=429, headers={"Retry-After": "3600"})
    with (
        PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session,
        pytest.raises(TransientSourceError) as caught,
    ):
        session.post(EXPORT, {})
    assert str(caught.value).startswith(
        f"PayTrace POST {EXPORT} answered HTTP 429 (too many requests) (gave up after 1 attempt(s)"
    )


@responses.activate
def test_retries_are_bounded_in_count() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", body="<html>oops</html>", status=500)
    with (
        PaytraceSession(settings(max_attempts=3), SECRETS, wall_clock=Clock(1507667632)) as s,
        pytest.raises(TransientSourceError) as caught,
    ):
        s.post(EXPORT, {}, "11/25/2026")
    message = str(caught.value)
    assert message.startswith(
        f"PayTrace POST {EXPORT} for 11/25/2026 answered HTTP 500 (gave up after 3 attempt(s) in "
    )
    assert len(responses.calls) == 1 + 3


@responses.activate
def test_retries_are_bounded_in_total_time() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", status=503)
    bounded = settings(max_attempts=100, backoff_seconds=0.05, retry_budget_seconds=0.3)
    with (
        PaytraceSession(bounded, SECRETS, wall_clock=Clock(1507667632)) as session,
        pytest.raises(TransientSourceError),
    ):
        session.post(EXPORT, {})
    export_calls = len(responses.calls) - 1
    assert 2 <= export_calls < 10


@responses.activate
def test_a_4xx_with_a_json_body_is_not_retried() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", json=fixture("not_found_811.json"), status=400)
    with (
        PaytraceSession(settings(), SECRETS, wall_clock=Clock(1507667632)) as session,
        pytest.raises(SourceError) as caught,
    ):
        session.post(EXPORT, {})
    assert str(caught.value) == (
        f"PayTrace POST {EXPORT} failed with HTTP 400: "
        "811 The Transaction ID that you provided was not found."
    )
    assert len(responses.calls) == 2


@responses.activate
def test_redirects_are_not_followed() -> None:
    responses.post(f"{BASE}/oauth/token", status=301, headers={"Location": "http://evil.test/"})
    with PaytraceSession(settings(), SECRETS) as session, pytest.raises(SourceError) as caught:
        session.post(EXPORT, {})
    assert str(caught.value) == (
        "PayTrace POST /oauth/token answered a redirect (HTTP 301); check [paytrace] base_url"
    )
    assert len(responses.calls) == 1


@responses.activate
def test_ping_needs_no_token() -> None:
    responses.get(f"{BASE}/v1/ping", json=fixture("ping.json"))
    with PaytraceSession(settings(), Secrets()) as session:
        assert session.ping() == {"status": "success"}
    assert "Authorization" not in responses.calls[0].request.headers


def test_missing_credentials_are_a_config_error() -> None:
    with PaytraceSession(settings(), Secrets()) as session, pytest.raises(ConfigError) as caught:
        session.token()
    assert "PAYTRACE_USERNAME and PAYTRACE_PASSWORD" in str(caught.value)


@responses.activate
def test_every_request_carries_the_configured_timeout() -> None:
    responses.post(f"{BASE}/oauth/token", json=fixture("token.json"))
    responses.post(f"{BASE}{EXPORT}", json={"success": True, "transactions": []})
    with PaytraceSession(
        settings(timeout_seconds=7.5), SECRETS, wall_clock=Clock(1507667632)
    ) as session:
        session.post(EXPORT, {})
    assert [cast(Any, call.request).req_kwargs["timeout"] for call in responses.calls] == [7.5, 7.5]
