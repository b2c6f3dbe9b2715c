"""Fault injection and outages against the real client (contract 1.2, 1.3, 1.4, 1.9.7)."""

from __future__ import annotations

import threading

import pytest
import requests
from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Eq
from thehive4py.session import DEFAULT_RETRY
from urllib3 import Retry

from tests.emulators.thehive import TheHiveEmulator
from tests.emulators_check.conftest import KEY, ORG, make_api

CASE = {"title": "Defacement", "description": "d", "tags": ["csirt-kit:key=abc"]}


def test_500_before_stores_nothing(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    hive.fault("POST", "/api/v1/case", "500-before")
    with pytest.raises(TheHiveError) as err:
        api.case.create(CASE)
    assert err.value.response.status_code == 500
    assert hive.cases == {}
    assert hive.count("POST", "/api/v1/case") == 1
    assert api.case.create(CASE)["number"] == 1  # the fault was used up


def test_500_after_stores_then_fails_and_no_retry_sends_one_post(
    hive: TheHiveEmulator, api: TheHiveApi
) -> None:
    hive.fault("POST", "/api/v1/case", "500-after")
    with pytest.raises(TheHiveError) as err:
        api.case.create(CASE)
    assert err.value.response.status_code == 500
    assert hive.count("POST", "/api/v1/case") == 1
    (stored,) = hive.cases.values()
    # the recovery csirt-kit must use: look the case up by its tag before creating again
    assert api.case.find(filters=Eq("tags", "csirt-kit:key=abc")) == [stored]


def test_default_retry_turns_500_after_into_a_duplicate_case(
    hive: TheHiveEmulator, sleeps: list[float]
) -> None:
    api = TheHiveApi(hive.url, apikey=KEY, organisation=ORG, max_retries=DEFAULT_RETRY)
    hive.fault("POST", "/api/v1/case", "500-after")
    case = api.case.create(CASE)
    assert hive.count("POST", "/api/v1/case") == 2
    assert len(hive.cases) == 2 and case["number"] == 2
    assert sleeps == []  # urllib3 does not sleep before the first retry


def test_default_retry_gives_up_after_six_posts(hive: TheHiveEmulator, sleeps: list[float]) -> None:
    api = TheHiveApi(hive.url, apikey=KEY, organisation=ORG)
    hive.fault("POST", "/api/v1/case", "500-before", times=None)
    with pytest.raises(TheHiveError) as err:
        api.case.create(CASE)
    assert err.value.response.status_code == 500
    assert hive.count("POST", "/api/v1/case") == 6
    assert sleeps == [2, 4, 8, 16]  # the ~30 s of back-off the contract measured
    assert hive.cases == {}


def test_default_retry_honours_429_retry_after(hive: TheHiveEmulator, sleeps: list[float]) -> None:
    hive.fault("POST", "/api/v1/case", "429", retry_after=1)
    case = TheHiveApi(hive.url, apikey=KEY, organisation=ORG).case.create(CASE)
    assert sleeps == [1] and case["number"] == 1
    assert hive.count("POST", "/api/v1/case") == 2


def test_default_retry_against_a_stopped_server_ends_in_connection_error(
    hive: TheHiveEmulator, sleeps: list[float]
) -> None:
    hive.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        TheHiveApi(hive.url, apikey=KEY, organisation=ORG).case.create(CASE)
    assert sleeps == [2, 4, 8, 16] and hive.requests == []


def test_max_retries_none_does_not_retry_statuses_but_retries_connections(hive: TheHiveEmulator) -> None:
    api = TheHiveApi(hive.url, apikey=KEY, organisation=ORG, max_retries=None)  # type: ignore[arg-type]
    hive.fault("POST", "/api/v1/case", "500-before", times=None)
    with pytest.raises(TheHiveError):
        api.case.create(CASE)
    assert hive.count("POST", "/api/v1/case") == 1
    hive.clear_faults()
    hive.fault("GET", "/api/v1/user/current", "close", times=2)
    assert api.user.get_current()["login"] == hive.user  # Retry(total=3) hides two dropped connections
    assert hive.count("GET", "/api/v1/user/current") == 3


def test_retry_reads_only_policy(hive: TheHiveEmulator) -> None:
    retry = Retry(
        total=2,
        status_forcelist=[500, 502, 503, 504],
        allowed_methods=["GET"],
        raise_on_status=False,
        backoff_factor=0,
    )
    api = TheHiveApi(hive.url, apikey=KEY, organisation=ORG, max_retries=retry)
    hive.fault("*", "/api/v1/case.*", "500-before", times=None)
    with pytest.raises(TheHiveError):
        api.case.get("~1")
    with pytest.raises(TheHiveError):
        api.case.create(CASE)
    assert (hive.count("GET", "/api/v1/case/~1"), hive.count("POST", "/api/v1/case")) == (3, 1)


def test_502_html_body_becomes_the_error_message(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    hive.fault("GET", "/api/v1/case/.*", "502-html")
    with pytest.raises(TheHiveError) as err:
        api.case.get("~1")
    assert err.value.response.status_code == 502
    assert str(err.value).startswith("<html>")


def test_503_carries_retry_after_and_urllib3_honours_it(hive: TheHiveEmulator, sleeps: list[float]) -> None:
    hive.fault("POST", "/api/v1/case", "503", retry_after=7)
    with pytest.raises(TheHiveError) as err:
        make_api(hive).case.create(CASE)
    assert (err.value.response.status_code, err.value.response.headers["Retry-After"]) == (503, "7")
    hive.fault("POST", "/api/v1/case", "503", retry_after=3)
    retry = Retry(total=2, status_forcelist=[503], allowed_methods=None, raise_on_status=False)
    case = TheHiveApi(hive.url, apikey=KEY, organisation=ORG, max_retries=retry).case.create(CASE)
    assert sleeps == [3] and case["title"] == "Defacement"
    assert len(hive.cases) == 1


def test_hang_longer_than_the_client_timeout(hive: TheHiveEmulator) -> None:
    api = make_api(hive, timeout=0.2)
    hive.fault("POST", "/api/v1/case", "hang", seconds=30)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.case.create(CASE)
    assert hive.count("POST", "/api/v1/case") == 1
    hive.stop()  # ends the 30 s wait at once and drops the request unanswered
    assert hive.cases == {}


def test_hang_shorter_than_the_timeout_answers_normally(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    hive.fault("POST", "/api/v1/case", "hang", seconds=0.05)
    assert api.case.create(CASE)["number"] == 1


def test_hang_after_stores_before_the_client_times_out(hive: TheHiveEmulator) -> None:
    hive.fault("POST", "/api/v1/case", "hang-after", seconds=30)
    with pytest.raises(requests.exceptions.ReadTimeout):
        make_api(hive, timeout=0.2).case.create(CASE)
    assert len(hive.cases) == 1


def test_stop_during_a_hang_unblocks_the_client(hive: TheHiveEmulator) -> None:
    api = make_api(hive, timeout=60)
    hive.fault("POST", "/api/v1/case", "hang", seconds=60)
    stopper = threading.Timer(0.2, hive.stop)
    stopper.start()
    with pytest.raises(requests.exceptions.ConnectionError):
        api.case.create(CASE)
    stopper.join()
    assert not hive.running and hive.cases == {}


@pytest.mark.parametrize("mode", ["close", "reset", "refuse"])
def test_connection_dropped_without_response(hive: TheHiveEmulator, api: TheHiveApi, mode: str) -> None:
    hive.fault("POST", "/api/v1/case", mode)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.case.create(CASE)
    assert hive.cases == {}
    assert hive.count("POST", "/api/v1/case") == (0 if mode == "refuse" else 1)
    assert api.case.create(CASE)["number"] == 1


def test_close_after_stores_then_drops(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    hive.fault("POST", "/api/v1/case", "close-after")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.case.create(CASE)
    assert len(hive.cases) == 1


def test_default_retry_resends_after_a_closed_connection(hive: TheHiveEmulator, sleeps: list[float]) -> None:
    api = TheHiveApi(hive.url, apikey=KEY, organisation=ORG)
    hive.fault("POST", "/api/v1/case", "close")
    assert api.case.create(CASE)["number"] == 1
    assert hive.count("POST", "/api/v1/case") == 2


def test_outage_refuses_connections_then_recovers_on_the_same_port(
    hive: TheHiveEmulator, api: TheHiveApi
) -> None:
    case = api.case.create(CASE)
    url = hive.url
    hive.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        api.case.get(case["_id"])
    hive.start()
    assert hive.url == url
    assert api.case.get(case["_id"]) == case  # state survives an outage


@pytest.mark.parametrize(
    ("mode", "status", "message"),
    [
        ("401", 401, "AuthenticationError - Authentication failure"),
        ("403", 403, "AuthorizationError - Your profile does not allow this operation"),
        ("404", 404, "NotFoundError - Injected fault: not found"),
        ("400-duplicate", 400, "CreateError - Observable already exists"),
        ("400", 400, "BadRequest - Injected fault: bad request"),
        ("500", 500, "InternalError - Injected fault: internal error"),
        ("502", 502, "BadGateway - Injected fault: bad gateway"),
        ("504", 504, "GatewayTimeout - Injected fault: gateway timeout"),
    ],
)
def test_status_faults(hive: TheHiveEmulator, api: TheHiveApi, mode: str, status: int, message: str) -> None:
    hive.fault("POST", "/api/v1/case", mode)
    with pytest.raises(TheHiveError) as err:
        api.case.create(CASE)
    assert (err.value.response.status_code, str(err.value)) == (status, message)
    assert err.value.response.headers["Content-Type"] == "application/json"
    assert hive.cases == {}


def test_status_fault_options_override_the_body(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    hive.fault(
        "POST", "/api/v1/alert", "400-duplicate", message="Alert misp:x:y already exist in organisation o"
    )
    with pytest.raises(TheHiveError) as err:
        api.alert.create({"type": "misp", "source": "x", "sourceRef": "y", "title": "t", "description": "d"})
    assert str(err.value) == "CreateError - Alert misp:x:y already exist in organisation o"


def test_non_json_null_and_empty_2xx_come_back_as_strings(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    hive.fault("POST", "/api/v1/case", "non-json")
    assert api.case.create(CASE) == "not json{"
    hive.fault("POST", "/api/v1/case", "null")
    assert api.case.create(CASE) == "null"
    hive.fault("POST", "/api/v1/case", "empty")
    assert api.case.create(CASE) == ""
    assert len(hive.cases) == 3  # each write happened; only the answer was broken


def test_times_method_regex_and_when_select_requests(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    fault = hive.fault("*", r"/api/v1/case/[^/]+/task", "500-before", times=2)
    case = api.case.create(CASE)  # not matched: path must match fully
    api.case.get(case["_id"])
    for _ in range(2):
        with pytest.raises(TheHiveError):
            api.case.create_task(case["_id"], {"title": "t"})
    assert fault.hits == 2 and fault.spent
    api.case.create_task(case["_id"], {"title": "t"})
    hive.fault(
        "POST", "/api/v1/query", "500", times=None, when=lambda r: r.query.get("name") == "cases.count"
    )
    assert len(api.case.find()) == 1
    for _ in range(3):
        with pytest.raises(TheHiveError):
            api.case.count()
    hive.clear_faults()
    assert api.case.count() == 1


def test_unknown_fault_mode_is_rejected(hive: TheHiveEmulator) -> None:
    with pytest.raises(ValueError, match="unknown fault mode"):
        hive.fault("POST", "/api/v1/case", "explode")


def test_requests_are_logged_even_when_faulted(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    hive.fault("POST", "/api/v1/case", "close")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.case.create(CASE)
    (request,) = hive.requests
    assert request.body == CASE and request.header("Content-Type") == "application/json"
    assert hive.count("POST", "/api/v1/ca", prefix=True) == 1 and hive.count("POST", "/api/v1/ca") == 0


def test_reset_forgets_everything_but_keeps_serving(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    api.case.create(CASE)
    hive.fault("GET", ".*", "500", times=None)
    hive.reset()
    assert hive.cases == {} and hive.requests == [] and hive.faults == []
    assert api.case.create(CASE)["number"] == 1


def test_an_emulator_bug_answers_json_500_and_is_recorded(
    hive: TheHiveEmulator, api: TheHiveApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kw: object) -> dict:
        raise RuntimeError("boom")

    monkeypatch.setattr(hive, "create_case", broken)
    with pytest.raises(TheHiveError) as err:
        api.case.create(CASE)
    assert (err.value.response.status_code, str(err.value)) == (500, "RuntimeError - boom")
    assert [str(e) for e in hive.errors] == ["boom"]
    hive.errors.clear()  # the fixture checks that no other test leaves one behind


def test_truncated_answer_is_a_request_exception_but_not_a_connection_error(
    hive: TheHiveEmulator, api: TheHiveApi
) -> None:
    hive.fault("POST", "/api/v1/case", "truncate")
    with pytest.raises(requests.exceptions.RequestException) as err:
        api.case.create(CASE)
    assert not isinstance(err.value, requests.exceptions.ConnectionError)
    assert len(hive.cases) == 1  # stored before the answer broke
    assert api.case.count() == 1  # the next request gets a fresh connection


@pytest.mark.parametrize(("mode", "text"), [("non-json", "not json{"), ("null", "null")])
def test_broken_body_on_a_204_update_keeps_the_connection_usable(
    hive: TheHiveEmulator, api: TheHiveApi, mode: str, text: str
) -> None:
    case = api.case.create(CASE)
    hive.fault("PATCH", "/api/v1/case/.*", mode)
    assert api.case.update(case["_id"], {"flag": True}) == text
    assert hive.cases[case["_id"]]["flag"] is True
    assert api.case.get(case["_id"])["_id"] == case["_id"]  # next answer on the same connection is intact
