"""The real thehive4py client against the TheHive 5 emulator: no duplicates, nothing lost."""

from __future__ import annotations

from collections import Counter

import pytest

from csirt_kit.cases import open_cases, sync_outbox
from csirt_kit.cases.actions import add_note, close_case
from csirt_kit.cases.backend import dedup_tag
from csirt_kit.cases.outbox import counts
from csirt_kit.cases.records import get_case, list_cases, tasks_of
from csirt_kit.findings import FindingFilter, list_findings, upsert_findings
from csirt_kit.store.db import open_store
from tests.cases.helpers import NOW, asset, ioc_hit, seed, webshell

CASE = "/api/v1/case"


def writes(hive) -> list[tuple[str, str]]:
    """Every request that can change the server (queries are reads, even as POST)."""
    return [(r.method, r.path) for r in hive.requests
            if r.method in ("POST", "PATCH", "PUT", "DELETE") and r.path != "/api/v1/query"]


def cases_by_key(hive) -> Counter[str]:
    """How many server cases carry each dedup tag."""
    return Counter(t for c in hive.cases.values() for t in c["tags"] if t.startswith("csirt-kit:key="))


def seed_many(store, n_assets: int, per_asset: int = 2) -> None:
    seed(store, [asset(i) for i in range(n_assets)],
         [webshell(f"web-{i:03d}", k) for i in range(n_assets) for k in range(per_asset)])


def test_cases_reach_thehive_with_tasks_observables_and_dedup_tag(file_store, hive, hive_config) -> None:
    seed(file_store, [asset(1), asset(2)],
         [webshell("web-001", 0), webshell("web-001", 1), ioc_hit("web-002", "203.0.113.9")])
    open_cases(file_store, hive_config)
    assert hive.requests == []  # open only writes the outbox; sync sends
    result = sync_outbox(file_store, hive_config)
    assert result.sent == 2 and result.queued == 0 and not result.unreachable
    assert cases_by_key(hive) == {dedup_tag("webshell:web-001"): 1, dedup_tag("log-activity:web-002"): 1}
    local = get_case(file_store.conn, "webshell:web-001")
    remote = hive.cases[local.backend_id]
    assert remote["title"] == "Web shell on Situs 1" and remote["severity"] == 3
    assert remote["tlp"] == 2 and remote["pap"] == 2
    assert "Dinas 1" in remote["description"] and "admin1@kota.go.id" in remote["description"]
    assert local.backend_url == f"{hive.url}/cases/{local.backend_id}/details"
    titles = [t["title"] for t in hive.tasks.values() if hive.parent[t["_id"]] == local.backend_id]
    assert len(titles) == 5 and all(t.backend_id in hive.tasks for t in tasks_of(file_store.conn, local.key))
    obs = [o for o in hive.observables.values() if hive.parent[o["_id"]] == local.backend_id]
    assert sorted((o["dataType"], o["ioc"]) for o in obs) == [("filename", True)] * 2 + [("hash", True)] * 2
    ioc_case = get_case(file_store.conn, "log-activity:web-002").backend_id
    (ip,) = [o for o in hive.observables.values() if hive.parent[o["_id"]] == ioc_case]
    assert (ip["dataType"], ip["data"], ip["ioc"], ip["tlp"]) == ("ip", "203.0.113.9", True, 1)
    # per new case: 1 lookup + 1 case + 5 tasks + 1 request per observable group
    assert hive.count("POST", CASE) == 2


def test_rerun_with_nothing_new_sends_no_write(file_store, hive, hive_config) -> None:
    seed_many(file_store, 3)
    open_cases(file_store, hive_config)
    sync_outbox(file_store, hive_config)
    before = len(writes(hive))
    assert open_cases(file_store, hive_config).outbox == 0
    result = sync_outbox(file_store, hive_config)
    assert result.sent == 0 and len(writes(hive)) == before


def test_joining_findings_costs_a_constant_number_of_requests(file_store, hive, hive_config) -> None:
    seed_many(file_store, 1, per_asset=1)
    open_cases(file_store, hive_config)
    sync_outbox(file_store, hive_config)
    start = len(hive.requests)
    with file_store.write() as conn:
        upsert_findings(conn, [webshell("web-000", k) for k in range(1, 40)], NOW)
    assert open_cases(file_store, hive_config).joined == ("webshell:web-000",)
    sync_outbox(file_store, hive_config, pull=False)
    sent = [(r.method, r.path) for r in hive.requests[start:]]
    case_id = get_case(file_store.conn, "webshell:web-000").backend_id
    identification = tasks_of(file_store.conn, "webshell:web-000")[0]
    assert identification.group == "identification"
    # two observable groups (file names, hashes), one log on the identification task, the new
    # evidence bundle (one lookup of the attachments, one upload), no new case
    assert Counter(sent) == {("POST", f"{CASE}/{case_id}/observable"): 2,
                             ("POST", f"/api/v1/task/{identification.backend_id}/log"): 1,
                             ("POST", "/api/v1/query"): 1, ("POST", f"{CASE}/{case_id}/attachments"): 1}
    assert len([o for o in hive.observables.values() if hive.parent[o["_id"]] == case_id]) == 80


def test_outage_mid_run_then_recovery_gives_exactly_one_case_per_key(
        cli, file_store, hive, hive_config) -> None:
    seed_many(file_store, 8)
    open_cases(file_store, hive_config)

    def outage(label: str, done: int, total: int | None) -> None:
        if done == 3:
            hive.stop()

    result = sync_outbox(file_store, hive_config, progress=outage)
    assert result.unreachable and result.queued == 5 and result.sent == 3
    assert len(hive.cases) == 3
    # still down: the CLI says so and exits 4, work stays queued
    failed = cli(["--json", "cases", "sync"], expect=4)
    assert failed.json["queued"] == 5 and "stay queued" in failed.stderr
    hive.start()
    done = cli(["--json", "cases", "sync"]).json
    assert done["queued"] == 0 and done["sent"] == 5
    assert sorted(cases_by_key(hive).values()) == [1] * 8
    assert all(c.backend_id in hive.cases for c in list_cases(file_store.conn))
    assert hive.count("POST", CASE) == 8


def test_server_stores_the_case_then_answers_500(file_store, hive, hive_config) -> None:
    seed_many(file_store, 2)
    open_cases(file_store, hive_config)
    hive.fault("POST", CASE, "500-after")
    first = sync_outbox(file_store, hive_config)
    assert first.queued == 1 and first.unreachable and "HTTP 500" in first.errors[0]
    assert hive.count("POST", CASE) == 2  # thehive4py did not re-send the one answered 500
    assert sorted(cases_by_key(hive).values()) == [1, 1]
    second = sync_outbox(file_store, hive_config)
    assert second.queued == 0 and second.created == ()
    assert sorted(cases_by_key(hive).values()) == [1, 1]
    assert hive.count("POST", CASE) == 2
    case_id = get_case(file_store.conn, "webshell:web-000").backend_id
    tasks = [t for t in hive.tasks.values() if hive.parent[t["_id"]] == case_id]
    assert len(tasks) == 5


def test_task_stored_then_connection_closed_is_not_duplicated(file_store, hive, hive_config) -> None:
    seed_many(file_store, 1)
    open_cases(file_store, hive_config)
    hive.fault("POST", r"/api/v1/case/[^/]+/task", "close-after", when=lambda r: r.body["order"] == 2)
    assert sync_outbox(file_store, hive_config).queued == 1
    assert sync_outbox(file_store, hive_config).queued == 0
    titles = [t["title"] for t in hive.tasks.values()]
    assert len(titles) == 5 == len(set(titles))


def test_non_json_2xx_on_create_is_not_taken_for_success(file_store, hive, hive_config) -> None:
    seed_many(file_store, 1)
    open_cases(file_store, hive_config)
    hive.fault("POST", CASE, "non-json")
    first = sync_outbox(file_store, hive_config)
    assert first.queued == 1 and first.unreachable and "unexpected answer" in " ".join(first.errors)
    assert get_case(file_store.conn, "webshell:web-000").backend_id is None
    assert sync_outbox(file_store, hive_config).queued == 0
    assert list(cases_by_key(hive).values()) == [1]
    assert get_case(file_store.conn, "webshell:web-000").backend_id in hive.cases


def test_timeout_keeps_work_queued(file_store, hive, hive_config) -> None:
    seed_many(file_store, 3)
    open_cases(file_store, hive_config)
    hive.fault("POST", "/api/v1/query", "hang", seconds=3)
    result = sync_outbox(file_store, hive_config)
    assert result.unreachable and result.queued == 3 and result.sent == 0
    assert "ReadTimeout" in result.errors[0]
    assert sync_outbox(file_store, hive_config).queued == 0
    assert sorted(cases_by_key(hive).values()) == [1, 1, 1]


def test_duplicate_observable_400_is_resolved_by_a_lookup(file_store, hive, hive_config) -> None:
    seed_many(file_store, 1)
    open_cases(file_store, hive_config)
    hive.fault("POST", r"/api/v1/case/[^/]+/observable", "400-duplicate")
    result = sync_outbox(file_store, hive_config)
    assert result.queued == 0 and result.failed == 0
    case_id = get_case(file_store.conn, "webshell:web-000").backend_id
    assert len([o for o in hive.observables.values() if hive.parent[o["_id"]] == case_id]) == 4


@pytest.mark.parametrize("mode", ["401", "403"])
def test_auth_refusal_fails_the_item_without_a_retry_loop(cli, file_store, hive, hive_config, mode) -> None:
    seed_many(file_store, 2)
    open_cases(file_store, hive_config)
    hive.fault(None, "/api/v1/.*", mode, times=None)
    failed = cli(["cases", "sync"], expect=2)
    assert f"TheHive {hive.url}" in failed.stderr and f"HTTP {mode}" in failed.stderr
    assert len(hive.requests) == 1  # stopped at the first refusal
    problems = cli(["--json", "cases", "list", "--problems"]).json
    assert problems["count"] == 1
    assert problems["items"][0]["problems"][0]["status"] == "failed"
    assert "find case" in problems["items"][0]["problems"][0]["last_error"]
    # the failed item is not retried on the next run; the other case is still tried once
    cli(["cases", "sync"], expect=2)
    assert len(hive.requests) == 2
    hive.clear_faults()
    cli(["cases", "sync", "--retry-failed"])
    assert sorted(cases_by_key(hive).values()) == [1, 1]
    assert cli(["--json", "cases", "list", "--problems"]).json["count"] == 0


def test_other_4xx_fails_only_that_item(file_store, hive, hive_config) -> None:
    seed_many(file_store, 2)
    open_cases(file_store, hive_config)
    hive.fault("POST", CASE, "400", times=1)
    result = sync_outbox(file_store, hive_config)
    assert result.newly_failed == 1 and result.queued == 0 and len(hive.cases) == 1
    assert "HTTP 400" in result.errors[0] and "create case" in result.errors[0]


def test_killed_between_outbox_write_and_send(file_store, hive, hive_config, store_path) -> None:
    seed_many(file_store, 4)
    open_cases(file_store, hive_config)  # the process "dies" here: nothing was sent
    file_store.close()
    assert hive.requests == []
    again = open_store(store_path)
    try:
        assert counts(again.conn) == {"pending": 4}
        assert sync_outbox(again, hive_config).queued == 0
        assert sorted(cases_by_key(hive).values()) == [1] * 4
    finally:
        again.close()


def test_lost_local_store_rerun_finds_cases_by_tag(file_store, hive, hive_config, store_path) -> None:
    seed_many(file_store, 3)
    open_cases(file_store, hive_config)
    sync_outbox(file_store, hive_config)
    ids = {c.key: c.backend_id for c in list_cases(file_store.conn)}
    file_store.close()
    for suffix in ("", "-wal", "-shm"):
        store_path.with_name(store_path.name + suffix).unlink(missing_ok=True)
    fresh = open_store(store_path)
    try:
        seed_many(fresh, 3)
        open_cases(fresh, hive_config)
        result = sync_outbox(fresh, hive_config)
        assert result.queued == 0 and result.created == ()
        assert hive.count("POST", CASE) == 3
        assert sorted(cases_by_key(hive).values()) == [1, 1, 1]
        assert {c.key: c.backend_id for c in list_cases(fresh.conn)} == ids
        assert len(hive.tasks) == 15  # tasks were found by title, not added again
        assert len(hive.observables) == 12  # duplicates answered 400 and were looked up
    finally:
        fresh.close()


def test_status_changes_in_thehive_come_back(file_store, hive, hive_config) -> None:
    seed_many(file_store, 2)
    open_cases(file_store, hive_config)
    sync_outbox(file_store, hive_config)
    conn = file_store.conn
    one, two = get_case(conn, "webshell:web-000"), get_case(conn, "webshell:web-001")
    task = tasks_of(conn, one.key)[0]
    hive.set_task_status(task.backend_id, "Completed")
    hive.set_case_status(one.backend_id, "InProgress")
    hive.close_case(two.backend_id, "TruePositive", "Shell dihapus, situs dipulihkan", "WithImpact")
    result = sync_outbox(file_store, hive_config)
    assert result.pulled == 3 and result.closed_remotely == ("webshell:web-001",)
    assert tasks_of(conn, one.key)[0].status == "Completed"
    assert get_case(conn, one.key).status == "InProgress"
    closed = get_case(conn, two.key)
    assert (closed.stage, closed.status, closed.impact_status) == ("closed", "TruePositive", "WithImpact")
    assert closed.summary == "Shell dihapus, situs dipulihkan"
    assert {f.status for f in list_findings(conn, FindingFilter(case_key=two.key))} == {"resolved"}
    assert {f.status for f in list_findings(conn, FindingFilter(case_key=one.key))} == {"in_case"}
    from csirt_kit.cases import list_events
    assert [e.kind for e in list_events(conn, two.key)][-1] == "closed"
    assert "task_status" in [e.kind for e in list_events(conn, one.key)]
    # pulled again: nothing changes, nothing written
    before = len(writes(hive))
    assert sync_outbox(file_store, hive_config).pulled == 0 and len(writes(hive)) == before


def test_close_and_note_reach_thehive(cli, file_store, hive, hive_config) -> None:
    seed_many(file_store, 1)
    cli(["cases", "open"])
    case_id = get_case(file_store.conn, "webshell:web-000").backend_id
    cli(["cases", "note", "webshell:web-000", "Pemilik situs sudah dihubungi"])
    (comment,) = [c for c in hive.comments.values() if hive.parent[c["_id"]] == case_id]
    assert comment["message"].startswith("Pemilik situs sudah dihubungi")
    cli(["cases", "close", "webshell:web-000", "--status", "TruePositive", "--summary", "Selesai",
         "--impact", "WithImpact"])
    remote = hive.cases[case_id]
    assert (remote["status"], remote["impactStatus"], remote["summary"]) == (
        "TruePositive", "WithImpact", "Selesai")


def test_close_while_down_is_queued_and_sent_later(cli, file_store, hive, hive_config) -> None:
    seed_many(file_store, 1)
    open_cases(file_store, hive_config)
    sync_outbox(file_store, hive_config)
    hive.stop()
    close_case(file_store, "webshell:web-000", "FalsePositive", "test file", "NoImpact")
    add_note(file_store, "webshell:web-000", "closed while TheHive was down")
    assert cli(["cases", "sync"], expect=4).code == 4
    hive.start()
    cli(["cases", "sync"])
    remote = hive.cases[get_case(file_store.conn, "webshell:web-000").backend_id]
    assert remote["status"] == "FalsePositive" and len(hive.comments) == 1


def test_cases_open_while_thehive_is_down_loses_nothing(cli, file_store, hive, hive_config) -> None:
    seed_many(file_store, 2)
    hive.stop()
    result = cli(["--json", "cases", "open"], expect=4)
    assert result.json["created"] == ["webshell:web-000", "webshell:web-001"]
    assert result.json["sync"]["queued"] == 2 and result.json["sync"]["unreachable"]
    assert "stay queued" in result.stderr
    conn = file_store.conn
    assert {f.status for f in list_findings(conn)} == {"in_case"}
    assert counts(conn) == {"pending": 2}
    shown = cli(["--json", "cases", "show", "webshell:web-000"]).json
    assert shown["backend_id"] is None and shown["outbox"][0]["op"] == "create_case"
    hive.start()
    assert cli(["--json", "cases", "sync"]).json["sent"] == 2
    assert sorted(cases_by_key(hive).values()) == [1, 1]


def test_two_drains_at_once_create_each_case_once(file_store, hive, hive_config, store_path) -> None:
    import threading

    seed_many(file_store, 6)
    open_cases(file_store, hive_config)
    hive.fault("POST", CASE, "hang", times=None, seconds=0.05)  # widen the race window
    stores = [open_store(store_path) for _ in range(2)]
    results = []
    threads = [threading.Thread(target=lambda s=s: results.append(sync_outbox(s, hive_config)))
               for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for s in stores:
        s.close()
    assert len(results) == 2 and sum(r.sent for r in results) == 6
    assert sorted(cases_by_key(hive).values()) == [1] * 6


def test_finding_after_close_in_thehive_opens_a_follow_up_case(file_store, hive, hive_config) -> None:
    seed_many(file_store, 1, per_asset=1)
    open_cases(file_store, hive_config)
    sync_outbox(file_store, hive_config)
    first = get_case(file_store.conn, "webshell:web-000")
    hive.close_case(first.backend_id, "TruePositive", "Bersih")
    sync_outbox(file_store, hive_config)
    with file_store.write() as conn:
        upsert_findings(conn, [webshell("web-000", 0)], NOW)  # seen again: reopened as new
    assert open_cases(file_store, hive_config).created == ("webshell:web-000#2",)
    sync_outbox(file_store, hive_config)
    assert cases_by_key(hive) == {dedup_tag("webshell:web-000"): 1, dedup_tag("webshell:web-000#2"): 1}
    second = hive.cases[get_case(file_store.conn, "webshell:web-000#2").backend_id]
    assert first.backend_url in second["description"]
    assert hive.cases[first.backend_id]["status"] == "TruePositive"


def test_comment_stored_then_500_is_not_repeated(file_store, hive, hive_config) -> None:
    seed_many(file_store, 1)
    open_cases(file_store, hive_config)
    sync_outbox(file_store, hive_config)
    add_note(file_store, "webshell:web-000", "Sudah dilaporkan ke pimpinan")
    hive.fault("POST", r"/api/v1/case/[^/]+/comment", "500-after")
    assert sync_outbox(file_store, hive_config).queued == 1
    assert sync_outbox(file_store, hive_config).queued == 0
    assert [c["message"] for c in hive.comments.values()] == ["Sudah dilaporkan ke pimpinan"]


def test_findings_joined_after_a_close_in_thehive_are_not_hidden(file_store, hive, hive_config) -> None:
    seed_many(file_store, 1, per_asset=1)
    open_cases(file_store, hive_config)
    sync_outbox(file_store, hive_config)
    first = get_case(file_store.conn, "webshell:web-000")
    hive.close_case(first.backend_id, "TruePositive", "Bersih")  # not pulled yet
    late = webshell("web-000", 9)
    with file_store.write() as conn:
        upsert_findings(conn, [late], NOW)
    assert open_cases(file_store, hive_config).joined == ("webshell:web-000",)
    result = sync_outbox(file_store, hive_config)
    assert result.closed_remotely == ("webshell:web-000",)
    statuses = {f.fingerprint: f.status for f in list_findings(file_store.conn)}
    assert statuses[late.fingerprint] == "new"
    assert statuses[webshell("web-000", 0).fingerprint] == "resolved"
    assert open_cases(file_store, hive_config).created == ("webshell:web-000#2",)
