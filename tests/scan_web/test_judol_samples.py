"""The harmless judol sample pages give their verdict; the ordinary city pages give none.

Samples: tests/data/samples/web/judol_heuristics/ (format in its README.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from csirt_kit.judol.vocab import load_vocabulary
from csirt_kit.scan.web.judol import inspect_page, judge

ROOT = Path(__file__).resolve().parents[1] / "data" / "samples" / "web" / "judol_heuristics"
POSITIVE = sorted((ROOT / "positive").glob("*.html"))
NEGATIVE = sorted((ROOT / "negative").glob("*.html"))
URL = "https://dinkes.kota.go.id/"


def _verdicts(path: Path) -> dict[str, str]:
    return {v.kind: v.severity for v in judge(inspect_page(path.read_bytes(), URL, load_vocabulary(None)))}


def test_there_are_samples() -> None:
    assert len(POSITIVE) >= 5 and len(NEGATIVE) >= 2


@pytest.mark.parametrize("path", POSITIVE, ids=[p.stem for p in POSITIVE])
def test_positive_sample_gives_its_verdict(path: Path) -> None:
    kind = path.stem.split("__")[0]
    severity = re.search(r"<!-- severity: (\w+) -->", path.read_text(encoding="utf-8"))
    assert severity, f"{path.name}: first line must be <!-- severity: ... -->"
    assert _verdicts(path).get(kind) == severity.group(1), _verdicts(path)


@pytest.mark.parametrize("path", NEGATIVE, ids=[p.stem for p in NEGATIVE])
def test_ordinary_page_gives_nothing(path: Path) -> None:
    assert _verdicts(path) == {}


@pytest.mark.parametrize("path", NEGATIVE, ids=[p.stem for p in NEGATIVE])
def test_ordinary_page_matches_no_bundled_web_rule(path: Path) -> None:
    from csirt_kit.scan.rules import load_rules

    rules = load_rules(use_cache=False, scopes=("web",))
    assert [h.ref for h in rules.match(path.read_bytes())] == []


def test_the_judol_playbook_routes_the_new_findings() -> None:
    from csirt_kit.config import Config
    from csirt_kit.findings import make_finding
    from csirt_kit.playbooks.loader import load_playbooks
    from csirt_kit.playbooks.match import choose_playbook, ranked

    order = ranked(load_playbooks(Config(data={})))

    def chosen(kind: str, tags: tuple[str, ...]) -> str:
        finding = make_finding(kind, "high", "t", asset_id="web-a", ref="r", locus=URL, tags=tags)
        playbook = choose_playbook(order, finding, None)
        return playbook.id if playbook else ""

    assert chosen("web.judol_content", ("judol", "seo-spam")) == "judol"
    assert chosen("web.hidden_links", ("seo-spam",)) == "judol"
    assert chosen("web.redirect", ("redirect", "cloaking")) == "judol"
    assert chosen("web.redirect", ("redirect",)) == "offsite-redirect"
