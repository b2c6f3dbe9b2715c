"""Authentication and organisation checks, and what the client sends on the wire (contract 1.1)."""

from __future__ import annotations

import pytest
from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError

from tests.emulators.thehive import TheHiveEmulator
from tests.emulators_check.conftest import ORG, make_api


def test_bearer_key_is_accepted_and_sent_with_organisation(hive: TheHiveEmulator, api: TheHiveApi) -> None:
    me = api.user.get_current()
    assert me["login"] == hive.user
    assert me["organisation"] == ORG
    (request,) = hive.requests
    assert (request.method, request.path) == ("GET", "/api/v1/user/current")
    assert request.header("Authorization") == "Bearer test-key"
    assert request.header("X-Organisation") == ORG
    assert request.header("User-Agent") == "thehive4py/2.1.0"


def test_wrong_key_gets_401_authentication_error(hive: TheHiveEmulator) -> None:
    api = make_api(hive, apikey="wrong")
    with pytest.raises(TheHiveError) as err:
        api.case.create({"title": "t", "description": "d"})
    assert err.value.response.status_code == 401
    assert str(err.value) == "AuthenticationError - Authentication failure"
    assert err.value.response.headers["Content-Type"] == "application/json"
    assert hive.cases == {}


def test_basic_auth_takes_precedence_and_is_checked(hive: TheHiveEmulator) -> None:
    good = make_api(hive, apikey="wrong", username=hive.user, password="secret")
    assert good.user.get_current()["login"] == hive.user
    assert hive.requests[-1].header("Authorization", "").startswith("Basic ")
    bad = make_api(hive, username=hive.user, password="nope")
    with pytest.raises(TheHiveError) as err:
        bad.user.get_current()
    assert err.value.response.status_code == 401


def test_unknown_organisation_gets_403_and_missing_header_uses_the_default(hive: TheHiveEmulator) -> None:
    with pytest.raises(TheHiveError) as err:
        make_api(hive, organisation="other-city").case.create({"title": "t", "description": "d"})
    assert err.value.response.status_code == 403
    assert str(err.value).startswith("AuthorizationError - ")
    assert hive.cases == {}
    api = make_api(hive, organisation=None)
    case = api.case.create({"title": "t", "description": "d"})
    assert hive.requests[-1].header("X-Organisation") is None
    assert hive.org_of[case["_id"]] == ORG


def test_objects_of_one_organisation_are_invisible_from_another(
    hive: TheHiveEmulator, api: TheHiveApi
) -> None:
    case = api.case.create({"title": "t", "description": "d"})
    other = make_api(hive, organisation="admin")
    assert other.case.count() == 0
    with pytest.raises(TheHiveError) as err:
        other.case.get(case["_id"])
    assert err.value.response.status_code == 404


def test_client_without_credentials_sends_nothing(hive: TheHiveEmulator) -> None:
    with pytest.raises(TheHiveError):
        TheHiveApi(hive.url)
    assert hive.requests == []


def test_unknown_route_is_a_json_404(api: TheHiveApi) -> None:
    with pytest.raises(TheHiveError) as err:
        api.session.make_request("GET", "/api/v1/nothing-here")
    assert err.value.response.status_code == 404
    assert str(err.value).startswith("NotFound - ")
