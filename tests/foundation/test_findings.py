"""Findings: fingerprints, upsert without duplicates, suppression bound to content, reopening."""

from __future__ import annotations

from csirt_kit.findings import (
    FindingFilter,
    get_finding,
    list_findings,
    make_finding,
    set_status,
    suppress_finding,
    upsert_findings,
)


def shell(sha: str = "a" * 64, seen: str = "2026-11-01T00:00:00Z"):
    return make_finding("yara.file", "high", "Web shell", asset_id="web-1",
                        ref="files/webshell.yar:php_eval", locus="/var/www/up/x.php",
                        rule="php_eval", tags=["webshell"],
                        evidence={"path": "/var/www/up/x.php", "sha256": sha}, seen=seen)


def test_rescan_updates_never_duplicates(store) -> None:
    with store.write() as conn:
        first = upsert_findings(conn, [shell()], "2026-11-01T00:00:00Z")
    with store.write() as conn:
        second = upsert_findings(conn, [shell(seen="2026-11-02T00:00:00Z")], "x")
    assert len(first.new) == 1 and second.updated == first.new
    found = list_findings(store.conn)
    assert len(found) == 1
    assert found[0].seen_count == 2
    assert (found[0].first_seen, found[0].last_seen) == ("2026-11-01T00:00:00Z",
                                                         "2026-11-02T00:00:00Z")


def test_fingerprint_depends_on_locus_and_asset() -> None:
    a = shell()
    b = make_finding("yara.file", "high", "Web shell", asset_id="web-2", ref=a.rule or "",
                     locus="/var/www/up/x.php")
    assert a.fingerprint != b.fingerprint
    assert shell().fingerprint == a.fingerprint


def test_suppressed_stays_quiet_until_content_changes(store) -> None:
    with store.write() as conn:
        upsert_findings(conn, [shell()], "t1")
        suppress_finding(conn, shell().fingerprint[:10], "vendor file", "ana", "t2")
    with store.write() as conn:
        same = upsert_findings(conn, [shell()], "t3")
    assert same.quiet == (shell().fingerprint,)
    assert get_finding(store.conn, shell().fingerprint).status == "suppressed"
    with store.write() as conn:
        changed = upsert_findings(conn, [shell(sha="b" * 64)], "t4")
    assert changed.reopened == (shell().fingerprint,)
    f = get_finding(store.conn, shell().fingerprint)
    assert f.status == "new" and f.suppressed_by == "ana"


def test_resolved_finding_seen_again_reopens_with_previous_case(store) -> None:
    fp = shell().fingerprint
    with store.write() as conn:
        upsert_findings(conn, [shell()], "t1")
        set_status(conn, [fp], "in_case", case_key="webshell:web-1")
        set_status(conn, [fp], "resolved")
        result = upsert_findings(conn, [shell()], "t2")
    assert result.reopened == (fp,)
    f = get_finding(store.conn, fp)
    assert (f.status, f.case_key, f.previous_case_key) == ("new", None, "webshell:web-1")


def test_filters(store) -> None:
    low = make_finding("ioc.log", "low", "IoC", asset_id="web-2", ref="ip:1.2.3.4", locus="l:1")
    with store.write() as conn:
        upsert_findings(conn, [shell(), low], "2026-11-05T00:00:00Z")
    assert [f.severity for f in list_findings(store.conn)] == ["high", "low"]
    assert len(list_findings(store.conn, FindingFilter(min_severity="medium"))) == 1
    assert len(list_findings(store.conn, FindingFilter(kind="yara"))) == 1
    assert len(list_findings(store.conn, FindingFilter(asset_id="web-2"))) == 1


def test_findings_cli_show_and_suppress(cli, store_path) -> None:
    from csirt_kit.store.db import open_store

    s = open_store(store_path)
    with s.write() as conn:
        upsert_findings(conn, [shell()], "t1")
    s.close()
    fp = shell().fingerprint
    listed = cli(["--json", "findings", "list"]).json
    assert listed["count"] == 1 and listed["items"][0]["fingerprint"] == fp
    shown = cli(["--json", "findings", "show", fp[:8]]).json
    assert shown["evidence"]["path"] == "/var/www/up/x.php"
    cli(["findings", "suppress", fp[:8]], expect=2)  # --reason is required
    done = cli(["--json", "findings", "suppress", fp[:8], "--reason", "test file"]).json
    assert done["status"] == "suppressed" and done["suppressed_reason"] == "test file"
    assert cli(["--json", "findings", "list", "--status", "new"]).json["count"] == 0
    assert "Web shell" in cli(["findings", "list"]).stdout
