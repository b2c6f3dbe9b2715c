"""Alert mode from the CLI: one alert per case key, promoted or merged by an analyst, status back."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.cases.backend import dedup_tag
from csirt_kit.cases.records import get_case, tasks_of
from csirt_kit.findings import FindingFilter, list_findings, upsert_findings
from tests.cases.helpers import NOW, asset, seed, webshell
from tests.cases.hive_setup import define_key_field, push_template, remote_tasks, set_thehive

ALERT = "/api/v1/alert"


@pytest.fixture
def alert_mode(hive, hive_config_path: Path) -> Path:
    """TheHive in alert mode, with the key custom field and the webshell template pushed."""
    set_thehive(hive_config_path, mode="alert", source="csirt-kota")
    define_key_field(hive)
    push_template(hive, hive_config_path, "webshell")
    return hive_config_path


def alerts_for(hive, key: str) -> list[dict]:
    return [a for a in hive.alerts.values() if a["sourceRef"] == key]


def add_shell(store, n: int, site: str = "web-001") -> None:
    with store.write() as conn:
        upsert_findings(conn, [webshell(site, n)], NOW)


def test_one_alert_per_key_across_reruns(cli, file_store, hive, alert_mode) -> None:
    seed(file_store, [asset(1), asset(2)], [webshell("web-001", 0), webshell("web-002", 0)])
    opened = cli(["--json", "cases", "open"]).json
    assert opened["sync"]["sent"] == 2 and not hive.cases
    (alert,) = alerts_for(hive, "webshell:web-001")
    assert (alert["type"], alert["source"], alert["caseTemplate"]) == ("webshell", "csirt-kota",
                                                                      "csirt-kit-webshell")
    assert dedup_tag("webshell:web-001") in alert["tags"]
    assert [(c["name"], c["value"]) for c in alert["customFields"]] == [("csirt-case-key", "webshell:web-001")]
    assert sorted(o["dataType"] for o in hive.observables_of(alert["_id"])) == ["filename", "hash"]
    local = get_case(file_store.conn, "webshell:web-001")
    assert (local.remote_kind, local.backend_id, local.alert_id) == ("alert", alert["_id"], alert["_id"])
    assert cli(["--json", "cases", "show", "webshell:web-001"]).json["remote_kind"] == "alert"
    # reruns: nothing new, nothing sent; a new finding joins the same alert
    cli(["cases", "sync"])
    assert cli(["--json", "cases", "open"]).json["created"] == []
    add_shell(file_store, 1)
    joined = cli(["--json", "cases", "open"]).json
    assert joined["joined"] == ["webshell:web-001"] and joined["sync"]["queued"] == 0
    assert hive.count("POST", ALERT) == 2 and len(hive.alerts) == 2
    assert len(hive.observables_of(alert["_id"])) == 4
    (note,) = hive.comments_of(alert["_id"])  # no tasks on an alert: the summary is a comment
    assert "shell1.php" in note["message"]


def test_duplicate_alert_answer_is_resolved_by_lookup(cli, file_store, hive, alert_mode) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    made: list[dict] = []

    def another_process_won(request) -> bool:
        # another csirt process creates the same alert between our lookup and our create
        if not made:
            body = {**request.body, "title": "made elsewhere"}
            made.append(hive.create_alert(body, hive.user, hive.organisation, {}))
        return False

    hive.fault("POST", ALERT, "500", when=another_process_won)
    result = cli(["--json", "cases", "open"]).json
    assert result["sync"]["failed"] == 0 and result["sync"]["queued"] == 0
    assert hive.count("POST", ALERT) == 1  # ours, refused as a duplicate; never a second try
    (alert,) = hive.alerts.values()
    assert alert["title"] == "made elsewhere"
    assert get_case(file_store.conn, "webshell:web-001").backend_id == alert["_id"]
    assert len(hive.observables_of(alert["_id"])) == 2


def test_alert_stored_then_500_is_not_created_twice(cli, file_store, hive, alert_mode) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    hive.fault("POST", ALERT, "500-after")
    failed = cli(["--json", "cases", "open"], expect=4).json
    assert failed["sync"]["queued"] == 1 and len(hive.alerts) == 1
    assert get_case(file_store.conn, "webshell:web-001").backend_id is None
    done = cli(["--json", "cases", "sync"]).json
    assert done["queued"] == 0 and done["created"] == []
    # the retry looks the alert up before posting (no reliance on the server's uniqueness)
    assert hive.count("POST", ALERT) == 1 and len(hive.alerts) == 1
    (alert,) = hive.alerts.values()
    assert get_case(file_store.conn, "webshell:web-001").backend_id == alert["_id"]
    assert len(hive.observables_of(alert["_id"])) == 2


def test_promoted_between_runs_new_findings_go_to_the_case(cli, file_store, hive, alert_mode) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    (alert,) = hive.alerts.values()
    case = hive.promote_alert(alert["_id"])  # with the alert's caseTemplate
    assert case["title"].startswith("[csirt] ") and len(hive.tasks_of(case["_id"])) == 5
    add_shell(file_store, 1)
    cli(["cases", "open"])
    local = get_case(file_store.conn, "webshell:web-001")
    assert (local.remote_kind, local.backend_id, local.alert_id) == ("case", case["_id"], alert["_id"])
    assert len(hive.alerts) == 1 and len(hive.cases) == 1
    obs = {o["data"] for o in hive.observables_of(case["_id"])}
    assert "shell1.php" in obs and "shell0.php" in obs  # copied at promotion, then ours
    assert len(hive.observables_of(alert["_id"])) == 2  # the alert got nothing more
    # our tasks were matched to the template's (no second set), the log went on identification
    tasks = remote_tasks(hive, case["_id"])
    assert len(tasks) == 5
    assert [t.backend_id for t in tasks_of(file_store.conn, local.key)] == [t["_id"] for t in tasks]
    (log,) = hive.logs_of(tasks[0]["_id"])
    assert tasks[0]["group"] == "identification" and "shell1.php" in log["message"]
    assert "promoted" in [e["kind"] for e in cli(["--json", "cases", "show", local.key]).json["events"]]


def test_merged_into_an_existing_case(cli, file_store, hive, alert_mode) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    (alert,) = hive.alerts.values()
    existing = hive.create_case({"title": "Serangan ke situs dinas", "description": "dibuka analis",
                                 "tasks": [{"title": "Triage", "group": "identification"}]})
    hive.merge_alert(alert["_id"], existing["_id"])
    add_shell(file_store, 1)
    cli(["cases", "open"])
    local = get_case(file_store.conn, "webshell:web-001")
    assert (local.remote_kind, local.backend_id) == ("case", existing["_id"])
    assert "shell1.php" in {o["data"] for o in hive.observables_of(existing["_id"])}
    (triage,) = hive.tasks_of(existing["_id"])  # the analyst's tasks are kept, ours not added
    assert "shell1.php" in hive.logs_of(triage["_id"])[0]["message"]
    assert len(hive.cases) == 1 and len(hive.alerts) == 1


def test_closing_the_promoted_case_resolves_findings(cli, file_store, hive, alert_mode) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0), webshell("web-001", 1)])
    cli(["cases", "open"])
    (alert,) = hive.alerts.values()
    case = hive.promote_alert(alert["_id"])
    hive.close_case(case["_id"], "TruePositive", "Shell dihapus", "WithImpact")
    result = cli(["--json", "cases", "sync"]).json
    assert result["closed_remotely"] == ["webshell:web-001"]
    local = get_case(file_store.conn, "webshell:web-001")
    assert (local.stage, local.status, local.summary) == ("closed", "TruePositive", "Shell dihapus")
    statuses = {f.status for f in list_findings(file_store.conn, FindingFilter(case_key=local.key))}
    assert statuses == {"resolved"}


@pytest.mark.parametrize(("status", "local_status"), [("Ignored", "Other"), ("FalsePositive", "FalsePositive")])
def test_alert_ended_without_a_case_resolves_findings(cli, file_store, hive, alert_mode, status,
                                                      local_status) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    (alert,) = hive.alerts.values()
    hive.set_alert_status(alert["_id"], status, "berkas uji coba")
    assert cli(["--json", "cases", "sync"]).json["closed_remotely"] == ["webshell:web-001"]
    local = get_case(file_store.conn, "webshell:web-001")
    assert (local.stage, local.status, local.summary) == ("closed", local_status, "berkas uji coba")
    assert {f.status for f in list_findings(file_store.conn)} == {"resolved"}
    # seen again: a follow-up alert, never an update of the ended one
    add_shell(file_store, 0)
    assert cli(["--json", "cases", "open"]).json["created"] == ["webshell:web-001#2"]
    assert sorted(a["sourceRef"] for a in hive.alerts.values()) == ["webshell:web-001", "webshell:web-001#2"]


def test_closing_here_marks_the_alert(cli, file_store, hive, alert_mode) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    cli(["cases", "close", "webshell:web-001", "--status", "FalsePositive", "--summary", "file uji"])
    (alert,) = hive.alerts.values()
    assert (alert["status"], alert["summary"]) == ("FalsePositive", "file uji")


def test_alert_stored_then_500_then_promoted_before_the_rerun(cli, file_store, hive, alert_mode) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    hive.fault("POST", ALERT, "500-after")
    cli(["cases", "open"], expect=4)
    (alert,) = hive.alerts.values()
    case = hive.promote_alert(alert["_id"])
    assert cli(["--json", "cases", "sync"]).json["queued"] == 0
    local = get_case(file_store.conn, "webshell:web-001")
    assert (local.remote_kind, local.backend_id, local.alert_id) == ("case", case["_id"], alert["_id"])
    tasks = remote_tasks(hive, case["_id"])
    assert len(tasks) == 5 and [t.backend_id for t in tasks_of(file_store.conn, local.key)] == [
        t["_id"] for t in tasks]
    assert hive.count("POST", ALERT) == 1 and len(hive.alerts) == 1 and len(hive.cases) == 1
    assert {o["data"] for o in hive.observables_of(case["_id"])} >= {"shell0.php"}


def test_case_of_a_promoted_alert_unreadable_for_a_while(cli, file_store, hive, alert_mode) -> None:
    seed(file_store, [asset(1)], [webshell("web-001", 0)])
    cli(["cases", "open"])
    (alert,) = hive.alerts.values()
    case = hive.promote_alert(alert["_id"])
    hive.fault("POST", "/api/v1/query", "404", when=lambda r: r.query.get("name") == "case-tasks")
    result = cli(["--json", "cases", "sync"])
    assert "cannot be read" in result.stderr and result.json["pulled"] == 0
    assert get_case(file_store.conn, "webshell:web-001").remote_kind == "alert"  # nothing half-switched
    assert cli(["--json", "cases", "sync"]).json["pulled"] == 1
    local = get_case(file_store.conn, "webshell:web-001")
    assert (local.remote_kind, local.backend_id) == ("case", case["_id"])
    assert all(t.backend_id for t in tasks_of(file_store.conn, local.key))
