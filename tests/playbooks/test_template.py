"""Playbook templates: known fields only, missing values as '-', literal braces, no format tricks."""

from __future__ import annotations

import pytest

from csirt_kit.models import Asset, Finding
from csirt_kit.playbooks.template import render, template_problems

CTX = {"asset": Asset(id="web-1", name="Situs Dinkes", kind="website", owner="Dinas Kesehatan",
                      urls=("https://dinkes.kota.go.id/", "https://x.kota.go.id/")),
       "finding": Finding(fingerprint="f" * 64, kind="yara.web", severity="high", title="slot gacor",
                          evidence={"url": "https://dinkes.kota.go.id/berita"}),
       "case": {"key": "judol:web-1", "count": 3}}


@pytest.mark.parametrize(("text", "out"), [
    ("{asset.name} ({asset.owner})", "Situs Dinkes (Dinas Kesehatan)"),
    ("{asset.urls}", "https://dinkes.kota.go.id/, https://x.kota.go.id/"),
    ("{finding.evidence.url}", "https://dinkes.kota.go.id/berita"),
    ("{finding.evidence.missing} {asset.contact}", "- -"),
    ("{{literal}} {case.count}", "{literal} 3"),
])
def test_render(text: str, out: str) -> None:
    assert template_problems(text) == []
    assert render(text, CTX) == out


@pytest.mark.parametrize(("text", "problem"), [
    ("{asset.__class__}", "asset has no field '__class__'"),
    ("{asset.name!r}", "is not a field name"),
    ("{finding.title.upper}", "only finding.evidence has sub-fields"),
    ("{0}", "is not a field name"),
    ("{asset}", "name a field"),
])
def test_problems(text: str, problem: str) -> None:
    assert any(problem in p for p in template_problems(text)), template_problems(text)
