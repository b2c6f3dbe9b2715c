"""Criteria the bundled playbooks do not use: rules_any globs, asset_kinds, group_by variants."""

from __future__ import annotations

from csirt_kit.findings import make_finding
from csirt_kit.models import Asset
from csirt_kit.playbooks.loader import parse_playbook
from csirt_kit.playbooks.match import choose_playbook, group_value, ranked

CCTV = """\
id: cctv-exploit
title: "Exploit against camera {asset.name}"
priority: 5
group_by: asset+rule
match:
  kinds: [yara.*]
  rules_any: ["hikvision_*", "dahua_*"]
  asset_kinds: [cctv, nvr]
"""
CATCH_ALL = """\
id: any-yara
title: "YARA hit"
group_by: none
match: {kinds: [yara.*]}
"""


def load(text: str):
    playbook, problems = parse_playbook(text, "x.yaml")
    assert playbook is not None, problems
    return playbook


def test_rules_glob_and_asset_kind() -> None:
    order = ranked([load(CATCH_ALL), load(CCTV)])
    assert [p.id for p in order] == ["cctv-exploit", "any-yara"]
    cam = Asset(id="cam-7", name="Simpang Lima", kind="cctv")
    web = Asset(id="web-1", name="Situs", kind="website")
    hit = make_finding("yara.log", "high", "x", asset_id="cam-7", ref="a", locus="a",
                       rule="logs/cctv.yar:hikvision_cve_2021_36260")
    plain_rule = make_finding("yara.log", "high", "x", asset_id="cam-7", ref="b", locus="b",
                              rule="hikvision_cve_2021_36260")
    chosen = choose_playbook(order, plain_rule, cam)
    assert chosen is not None and chosen.id == "cctv-exploit"
    assert group_value(chosen, plain_rule) == "cam-7.hikvision_cve_2021_36260"
    other = choose_playbook(order, plain_rule, web)
    assert other is not None and other.id == "any-yara"
    assert group_value(other, plain_rule) == "all"
    namespaced = choose_playbook(order, hit, cam)  # a glob matches the rule name or the whole ref
    assert namespaced is not None and namespaced.id == "cctv-exploit"
    other_rule = make_finding("yara.log", "high", "x", asset_id="cam-7", ref="c", locus="c",
                              rule="logs/cctv.yar:generic_scan")
    fallback = choose_playbook(order, other_rule, cam)
    assert fallback is not None and fallback.id == "any-yara"
