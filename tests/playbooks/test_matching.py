"""Fixture-driven matching: findings in, playbook and case out (cases in match_cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from csirt_kit.cases.records import Case, insert_case
from csirt_kit.config import load_config
from csirt_kit.findings import make_finding
from csirt_kit.models import Asset
from csirt_kit.playbooks.loader import load_playbooks
from csirt_kit.playbooks.plan import build_plan
from csirt_kit.store.assets import upsert_assets

CASES = yaml.safe_load((Path(__file__).parent / "match_cases.yaml").read_text(encoding="utf-8"))
NOW = "2026-11-23T00:00:00Z"


def _case_row(key: str, stage: str) -> Case:
    playbook, group = key.split(":", 1)
    return Case(key=key, base_key=key, generation=1, playbook=playbook, group_value=group,
                title="earlier", severity="high", backend="local", created_at=NOW, updated_at=NOW,
                stage=stage, status="New" if stage == "open" else "TruePositive")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matching(case: dict[str, Any], store) -> None:
    conn = store.conn
    assets = [Asset(id=a["id"], name=a["id"], kind=a.get("kind", "website"),
                    criticality=a.get("criticality", "medium")) for a in case.get("assets", [])]
    upsert_assets(conn, assets, "test", NOW)
    for key in case.get("open_cases", []):
        insert_case(conn, _case_row(key, "open"))
    for key in case.get("closed_cases", []):
        insert_case(conn, _case_row(key, "closed"))
    by_name = {}
    for f in case["findings"]:
        by_name[f["name"]] = make_finding(
            f["kind"], f["severity"], f["name"], asset_id=f.get("asset") or None, ref=f["name"],
            locus=f["name"], rule=f.get("rule"), tags=f.get("tags", []))
    plan = build_plan(conn, load_playbooks(load_config()), list(by_name.values()))
    names = {v.fingerprint: k for k, v in by_name.items()}
    got = {c.key: c for c in plan.cases}
    expected = case["expect"]["cases"]
    assert set(got) == set(expected)
    for key, want in expected.items():
        assert sorted(names[f.fingerprint] for f in got[key].findings) == sorted(want["findings"])
        for attr in ("severity", "action", "previous_key"):
            if attr in want:
                assert getattr(got[key], attr) == want[attr], (key, attr)
    assert sorted(names[f.fingerprint] for f in plan.unmatched) == sorted(case["expect"]["unmatched"])
