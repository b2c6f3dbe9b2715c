"""The local case store: open, join, close, follow-up case, notes, events, CLI documents."""

from __future__ import annotations

from csirt_kit.cases import list_events, open_cases, plan_cases, sync_outbox
from csirt_kit.cases.actions import add_note, close_case
from csirt_kit.cases.outbox import counts
from csirt_kit.cases.records import get_case, observables_of, tasks_of
from csirt_kit.findings import FindingFilter, get_finding, list_findings, upsert_findings
from tests.cases.helpers import NOW, asset, ioc_hit, seed, unmatched, webshell


def test_open_creates_one_case_per_asset_and_playbook(file_store, local_config) -> None:
    seed(file_store, [asset(1), asset(2, "critical")],
         [webshell("web-001", 0), webshell("web-001", 1), ioc_hit("web-002", "203.0.113.9"),
          unmatched("web-001")])
    plan = plan_cases(file_store, local_config)
    assert {c.key: c.action for c in plan.cases} == {"webshell:web-001": "create",
                                                     "log-activity:web-002": "create"}
    result = open_cases(file_store, local_config)
    assert sorted(result.created) == ["log-activity:web-002", "webshell:web-001"]
    assert result.unmatched == 1 and result.outbox == 0
    conn = file_store.conn
    case = get_case(conn, "webshell:web-001")
    assert case.backend == "local" and case.backend_id == "local:webshell:web-001"
    assert case.title == "Web shell on Situs 1" and case.title_id == "Web shell pada Situs 1"
    assert "Dinas 1" in case.description and "admin1@kota.go.id" in case.description
    assert [t.title_id for t in tasks_of(conn, case.key)][-1] == \
        "Beri tahu Dinas 1 (admin1@kota.go.id) dan catat akar masalahnya"
    assert all(t.backend_id for t in tasks_of(conn, case.key))
    assert {(o.data_type, o.ioc) for o in observables_of(conn, case.key)} == {("filename", True),
                                                                             ("hash", True)}
    # critical asset: medium floor + high finding -> high, raised one step -> critical
    assert get_case(conn, "log-activity:web-002").severity == "critical"
    ioc = observables_of(conn, "log-activity:web-002")
    assert [(o.data_type, o.data, o.ioc, o.tlp) for o in ioc] == [("ip", "203.0.113.9", True, "green")]
    in_case = list_findings(conn, FindingFilter(status="in_case"))
    assert {f.case_key for f in in_case} == {"webshell:web-001", "log-activity:web-002"}
    assert [f.title for f in list_findings(conn, FindingFilter(status="new"))] == ["Old phpinfo page"]
    assert counts(conn) == {"done": 2}
    # a rerun with nothing new changes nothing
    again = open_cases(file_store, local_config)
    assert again.created == () and again.joined == () and counts(conn) == {"done": 2}


def test_new_finding_joins_open_case_then_closing_resolves_and_a_new_generation_follows(
        file_store, local_config) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0, severity="medium")])
    open_cases(file_store, local_config)
    conn = file_store.conn
    with file_store.write() as c:
        upsert_findings(c, [webshell("web-001", 5, severity="critical")], NOW)
    joined = open_cases(file_store, local_config)
    assert joined.joined == ("webshell:web-001",) and joined.created == ()
    case = get_case(conn, "webshell:web-001")
    assert case.severity == "critical"
    kinds = [e.kind for e in list_events(conn, case.key)]
    assert kinds[:1] == ["opened"] and "finding_joined" in kinds and "severity_raised" in kinds
    assert len(observables_of(conn, case.key)) == 4
    add_note(file_store, case.key, "Pemilik situs sudah dihubungi", "analis")
    closed = close_case(file_store, case.key, "TruePositive", "Shell removed, site restored",
                        "WithImpact")
    assert (closed.stage, closed.status, closed.impact_status) == ("closed", "TruePositive", "WithImpact")
    assert {f.status for f in list_findings(conn, FindingFilter(case_key=case.key))} == {"resolved"}
    sync_outbox(file_store, local_config)
    assert counts(conn).get("pending", 0) == 0
    # the same shell seen again after closing: a new case that names the earlier one
    with file_store.write() as c:
        upsert_findings(c, [webshell("web-001", 0)], NOW)
    follow = open_cases(file_store, local_config)
    assert follow.created == ("webshell:web-001#2",)
    second = get_case(conn, "webshell:web-001#2")
    assert second.previous_key == "webshell:web-001" and second.generation == 2
    assert "Follows the closed case `webshell:web-001`" in second.description
    assert get_finding(conn, webshell("web-001", 0).fingerprint[:16]).case_key == second.key
    earlier = [e.kind for e in list_events(conn, "webshell:web-001")]
    assert earlier[-1] == "reopened_as" and "note" in earlier and "closed" in earlier


def test_cli_open_list_show_close_note(cli, file_store, local_config) -> None:
    seed(file_store, [asset(3)], [webshell("web-003"), unmatched("web-003")])
    plan = cli(["--json", "cases", "open", "--dry-run"]).json
    assert [c["key"] for c in plan["cases"]] == ["webshell:web-003"]
    assert plan["unmatched"][0]["title"] == "Old phpinfo page"
    assert cli(["--json", "cases", "list"]).json["count"] == 0  # dry run wrote nothing
    opened = cli(["--json", "cases", "open"]).json
    assert opened["created"] == ["webshell:web-003"] and opened["unmatched"] == 1
    listed = cli(["--json", "cases", "list", "--stage", "open"]).json
    assert [c["key"] for c in listed["items"]] == ["webshell:web-003"]
    shown = cli(["--json", "cases", "show", "webshell:web-003"]).json
    assert len(shown["tasks"]) == 5 and shown["findings"][0]["status"] == "in_case"
    assert shown["events"][0]["kind"] == "opened" and shown["outbox"] == []
    text = cli(["cases", "show", "webshell:web-003"]).stdout
    assert "Web shell pada Situs 3" in text and "Preserve the file" in text
    cli(["cases", "note", "webshell:web-003", "Log server sudah diamankan"])
    assert cli(["cases", "close", "webshell:web-003", "--status", "Fixed", "--summary", "x"],
               expect=2).stderr.count("TruePositive")
    cli(["cases", "close", "webshell:web-003", "--status", "FalsePositive", "--summary", "test file"])
    shown = cli(["--json", "cases", "show", "webshell:web-003"]).json
    assert shown["status"] == "FalsePositive" and shown["stage"] == "closed"
    assert [e["kind"] for e in shown["events"]][-2:] == ["note", "closed"]
    assert "no case with key" in cli(["cases", "show", "nope"], expect=2).stderr
    assert cli(["--json", "cases", "list", "--stage", "closed"]).json["count"] == 1
