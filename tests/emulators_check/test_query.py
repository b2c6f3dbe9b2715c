"""POST /api/v1/query: sources, traversals, every filter operator, sort, page, count (contract 1.7)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import (
    Between,
    EndsWith,
    Eq,
    Gt,
    Gte,
    Has,
    Id,
    In,
    Like,
    Lt,
    Lte,
    Match,
    Ne,
    StartsWith,
)
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc, Desc

from tests.emulators.thehive import TheHiveEmulator


@pytest.fixture
def three(new_case: Callable[..., dict], api: TheHiveApi) -> list[dict]:
    """Three cases: severities 1..3, overlapping tags, one in progress, one with a summary."""
    a = new_case("Defacement of dinas-a.go.id", severity=1, tags=["misp:event=1", "web"])
    b = new_case("Web shell on portal", severity=2, tags=["web", "shell"], summary="found")
    c = new_case("Miner on cctv-nvr-07", severity=3, tags=["cctv"])
    api.case.update(b["_id"], {"status": "InProgress"})
    return [a, b, c]


def titles(cases: list[dict]) -> list[str]:
    return [c["title"] for c in cases]


def test_find_sends_the_recorded_query_shape(
    hive: TheHiveEmulator, api: TheHiveApi, three: list[dict]
) -> None:
    found = api.case.find(
        filters=Eq("tags", "misp:event=1"), sortby=Desc("_createdAt"), paginate=Paginate(0, 10)
    )
    request = hive.requests[-1]
    assert (request.path, request.query) == ("/api/v1/query", {"name": "cases"})
    assert request.body["query"] == [
        {"_name": "listCase"},
        {"_name": "filter", "_eq": {"_field": "tags", "_value": "misp:event=1"}},
        {"_name": "sort", "_fields": [{"_createdAt": "desc"}]},
        {"_name": "page", "from": 0, "to": 10, "extraData": []},
    ]
    assert titles(found) == ["Defacement of dinas-a.go.id"]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (Eq("tags", "web"), ["Defacement of dinas-a.go.id", "Web shell on portal"]),  # any array element
        (Eq("severity", 3), ["Miner on cctv-nvr-07"]),
        (Ne("tags", "web"), ["Miner on cctv-nvr-07"]),
        (Gt("severity", 1), ["Web shell on portal", "Miner on cctv-nvr-07"]),
        (Gte("severity", 2), ["Web shell on portal", "Miner on cctv-nvr-07"]),
        (Lt("severity", 2), ["Defacement of dinas-a.go.id"]),
        (Lte("severity", 2), ["Defacement of dinas-a.go.id", "Web shell on portal"]),
        (Like("title", "*shell*"), ["Web shell on portal"]),
        (Like("title", "web*"), ["Web shell on portal"]),
        (Match("title", "portal"), ["Web shell on portal"]),
        (StartsWith("title", "Miner"), ["Miner on cctv-nvr-07"]),
        (EndsWith("title", ".go.id"), ["Defacement of dinas-a.go.id"]),
        (In("status", ["InProgress", "Duplicated"]), ["Web shell on portal"]),
        (Between("severity", 1, 3), ["Defacement of dinas-a.go.id", "Web shell on portal"]),  # to exclusive
        (Has("summary"), ["Web shell on portal"]),
        (Eq("tags", "web") & Eq("severity", 1), ["Defacement of dinas-a.go.id"]),
        (Eq("severity", 1) | Eq("severity", 3), ["Defacement of dinas-a.go.id", "Miner on cctv-nvr-07"]),
        (~Eq("tags", "web"), ["Miner on cctv-nvr-07"]),
        (
            (Eq("tags", "web") & In("status", ["New"])) | ~Like("title", "*e*"),
            ["Defacement of dinas-a.go.id"],
        ),
        (Eq("tags", "nothing"), []),
    ],
)
def test_filter_operators(api: TheHiveApi, three: list[dict], expr: object, expected: list[str]) -> None:
    assert titles(api.case.find(filters=expr, sortby=Asc("severity"))) == expected  # type: ignore[arg-type]


def test_id_filter_and_flattened_and(api: TheHiveApi, three: list[dict]) -> None:
    a, b, _ = three
    assert titles(api.case.find(filters=Id(b["_id"]))) == [b["title"]]
    chained = Eq("tags", "web") & Gte("severity", 1) & Lte("severity", 1)
    assert titles(api.case.find(filters=chained)) == [a["title"]]


def test_sort_page_and_count(hive: TheHiveEmulator, api: TheHiveApi, three: list[dict]) -> None:
    newest_first = titles(api.case.find(sortby=Desc("_createdAt")))
    assert newest_first == [c["title"] for c in reversed(three)]
    assert titles(api.case.find(sortby=Desc("severity"), paginate=Paginate(1, 3))) == titles(three[1::-1])
    assert api.case.find(paginate=Paginate(5, 10)) == []
    assert api.case.count() == 3
    assert api.case.count(filters=Eq("tags", "web")) == 2
    assert hive.requests[-1].query == {"name": "cases.count"}
    assert hive.requests[-1].body["query"][-1] == {"_name": "count"}


def test_count_is_a_bare_integer_body(hive: TheHiveEmulator, api: TheHiveApi, three: list[dict]) -> None:
    response = api.session.post(
        f"{hive.url}/api/v1/query", json={"query": [{"_name": "listCase"}, {"_name": "count"}]}
    )
    assert response.text == "3"


def test_traversals_and_get_sources(api: TheHiveApi, three: list[dict]) -> None:
    case = three[0]
    task = api.case.create_task(case["_id"], {"title": "Triage"})
    api.task_log.create(task["_id"], {"message": "m"})
    run = api.query.run
    assert [t["_id"] for t in run([{"_name": "getCase", "idOrName": case["_id"]}, {"_name": "tasks"}])] == [
        task["_id"]
    ]
    assert run([{"_name": "getTask", "idOrName": task["_id"]}, {"_name": "logs"}, {"_name": "count"}]) == 1
    assert run([{"_name": "getTask", "idOrName": task["_id"]}, {"_name": "case"}])[0]["_id"] == case["_id"]
    assert run([{"_name": "getCase", "idOrName": case["_id"]}, {"_name": "pages"}]) == []
    assert (
        run([{"_name": "listTask"}, {"_name": "filter", "_eq": {"_field": "title", "_value": "Triage"}}])[0][
            "_id"
        ]
        == task["_id"]
    )


def test_short_filter_form_and_exclude_fields(api: TheHiveApi, three: list[dict]) -> None:
    found = api.session.make_request(
        "POST",
        "/api/v1/query",
        json={
            "query": [{"_name": "listCase"}, {"_name": "filter", "_eq": {"severity": 3}}],
            "excludeFields": ["description"],
        },
    )
    assert titles(found) == ["Miner on cctv-nvr-07"] and "description" not in found[0]


@pytest.mark.parametrize(
    "query",
    [
        [{"_name": "listCase"}, {"_name": "frobnicate"}],
        [{"_name": "listNothing"}],
        [{"_name": "listCase"}, {"_name": "filter", "_regexp": {"_field": "title", "_value": "x"}}],
        [{"_name": "listCase"}, {"_name": "count"}, {"_name": "page", "from": 0, "to": 1}],
        [{"_name": "listCase"}, {"_name": "sort", "_fields": [{"title": "sideways"}]}],
        [{"_name": "listCase"}, {"_name": "logs"}],
        [],
    ],
)
def test_invalid_queries_are_400_bad_request(api: TheHiveApi, three: list[dict], query: list) -> None:
    with pytest.raises(TheHiveError) as err:
        api.query.run(query)
    assert err.value.response.status_code == 400
    assert str(err.value).startswith("BadRequest - ")


def test_get_source_with_unknown_id_is_404(api: TheHiveApi) -> None:
    with pytest.raises(TheHiveError) as err:
        api.case.find_tasks("~42")
    assert err.value.response.status_code == 404
