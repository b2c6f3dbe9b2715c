"""`csirt run` on the demo city finds every expected finding, and nothing on clean assets.

This drives the other parts' real code (intel feed sync and correlation, web scan through
the resolve override against the demo server, webroot and log scans) with the config that
DemoCity.write_config writes, so it also guards that the demo and those parts agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from csirt_kit.demo import DemoCity, ExpectedFinding


def _matches(expected: ExpectedFinding, found: dict[str, Any]) -> bool:
    if found["asset_id"] != expected.asset_id or found["kind"] != expected.kind:
        return False
    evidence = found["evidence"]
    if expected.kind.startswith("yara.") and expected.category not in found["tags"]:
        return False
    if expected.where and expected.where not in (evidence.get("path"), evidence.get("url"),
                                                 evidence.get("final_url")):
        return False
    if expected.kind == "ioc.log":
        return f"{evidence['indicator']['type']}:{found['indicator']}" == expected.indicator
    return not expected.indicator or found["indicator"] == expected.indicator


def test_pipeline_finds_what_the_city_expects(cli: Any, tmp_path: Path, demo_city: DemoCity,
                                              demo_server: tuple) -> None:
    server, port = demo_server
    config = demo_city.write_config(tmp_path / "demo.toml", port)
    cli(["--config", config, "assets", "import", demo_city.inventory_csv])
    before = server.requests
    run = cli(["--config", config, "--json", "run"]).json
    steps = {step["name"]: step for step in run["stats"]["steps"]}
    assert steps.pop("notify")["status"] == "skipped"  # the demo configures no channel
    assert all(step["status"] == "ok" for step in steps.values()), steps
    assert server.requests - before > 1000
    assert steps["web"]["counts"]["suspended_answering"] == len(demo_city.expected.suspended_answering)
    found = cli(["--config", config, "--json", "findings", "list"]).json["items"]
    missing = [e for e in demo_city.expected.findings
               if not e.requires and not any(_matches(e, f) for f in found)]
    assert missing == []
    expected_assets = {e.asset_id for e in demo_city.expected.findings}
    unexpected = sorted({(f["asset_id"], f["kind"]) for f in found} - {
        (f["asset_id"], f["kind"]) for f in found if f["asset_id"] in expected_assets})
    assert unexpected == []
    clean = set(demo_city.expected.clean_webroots) | set(demo_city.expected.clean_logs)
    assert not clean & {f["asset_id"] for f in found}


def test_rescan_after_the_compromise_shows_the_defacement(cli: Any, tmp_path: Path,
                                                          demo_city: DemoCity) -> None:
    from csirt_kit.demo import DemoWebServer

    defaced = demo_city.expected.of_kind("web.defacement")[0]
    url = demo_city.site(defaced.asset_id).url
    with DemoWebServer(demo_city, compromised=False) as server:
        config = demo_city.write_config(tmp_path / "demo.toml", server.address[1])
        cli(["--config", config, "assets", "import", demo_city.inventory_csv])
        before = cli(["--config", config, "--json", "scan", "web", url]).json["findings"]
        assert before == []
        server.set_compromised(True)
        after = cli(["--config", config, "--json", "scan", "web", url]).json["findings"]
    kinds = {(f["kind"], f["asset_id"]) for f in after}
    assert ("web.defacement", defaced.asset_id) in kinds and ("yara.web", defaced.asset_id) in kinds
