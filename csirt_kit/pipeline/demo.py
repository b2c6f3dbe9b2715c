"""`csirt demo` as a library call: build the synthetic city, serve it, run the whole job."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csirt_kit.config import load_config
from csirt_kit.demo import DemoCity, DemoWebServer, build_city
from csirt_kit.demo.expected import ExpectedFinding
from csirt_kit.inventory.importer import import_inventory
from csirt_kit.models import Finding, severity_rank
from csirt_kit.pipeline.run import RunSummary, run_pipeline
from csirt_kit.progress import ProgressFn
from csirt_kit.store.db import open_store


@dataclass(frozen=True)
class DemoResult:
    """Where the demo ran and what it produced."""

    root: Path
    config: Path
    summary: RunSummary
    cases: tuple[dict[str, Any], ...]
    shown_case: str
    report_html: Path
    timeline_html: Path
    found: tuple[ExpectedFinding, ...] = ()
    missed: tuple[ExpectedFinding, ...] = ()
    optional_missed: tuple[ExpectedFinding, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The `csirt --json demo` document."""
        return {"dir": str(self.root), "config": str(self.config), "run": self.summary.to_dict(),
                "cases": list(self.cases), "timeline_case": self.shown_case,
                "report": str(self.report_html), "timeline": str(self.timeline_html),
                "expected": {"found": len(self.found), "missed": [e.__dict__ for e in self.missed],
                             "optional_missed": [e.__dict__ for e in self.optional_missed]}}


def _matches(e: ExpectedFinding, findings: list[Finding]) -> bool:
    for f in findings:
        if f.asset_id != e.asset_id or f.kind != e.kind:
            continue
        place = str(f.evidence.get("path") or f.evidence.get("url") or "")
        if e.where and e.where not in place and place not in e.where:
            continue
        if e.indicator and e.indicator.split(":", 1)[-1] not in (f.indicator or ""):
            continue
        return True
    return False


def run_demo(dest: Path | None = None, seed: int = 2026,
             progress: ProgressFn | None = None) -> DemoResult:
    """Build the city under dest (a new temp folder by default) and run the pipeline on it."""
    from csirt_kit.cases.records import CaseFilter, list_cases
    from csirt_kit.findings import list_findings
    from csirt_kit.report import build_report
    from csirt_kit.report.render import to_html as report_html
    from csirt_kit.timeline import build_timeline
    from csirt_kit.timeline.render import to_html as timeline_html

    root = Path(dest) if dest else Path(tempfile.mkdtemp(prefix="csirt-demo-"))
    city: DemoCity = build_city(root, seed=seed)
    with DemoWebServer(city) as server:
        _, port = server.address
        config_path = city.write_config(root / "config.toml", port)
        config = load_config(str(config_path), env={})
        store = open_store(config.store_path)
        try:
            import_inventory(store, [city.inventory_csv])
            summary = run_pipeline(store, config, progress=progress)
            cases = list_cases(store.conn, CaseFilter())
            shown = max(cases, key=lambda c: (severity_rank(c.severity), c.playbook == "webshell"),
                        default=None)
            zone = config.timezone
            report_path = root / "report.html"
            report_path.write_text(report_html(build_report(store.conn, zone=zone)), "utf-8")
            timeline_path = root / "timeline.html"
            if shown is not None:
                timeline_path = root / f"timeline-{shown.key.replace(':', '_')}.html"
                timeline_path.write_text(
                    timeline_html(build_timeline(store.conn, shown.key, zone=zone)), "utf-8")
            findings = list_findings(store.conn)
        finally:
            store.close()
    expected = city.expected.findings
    found = tuple(e for e in expected if _matches(e, findings))
    missed = tuple(e for e in expected if e not in found and not e.requires)
    optional = tuple(e for e in expected if e not in found and e.requires)
    return DemoResult(root, config_path, summary,
                      tuple({"key": c.key, "title": c.title, "severity": c.severity,
                             "status": c.status, "asset_id": c.asset_id} for c in cases),
                      shown.key if shown else "", report_path, timeline_path, found, missed,
                      optional)
