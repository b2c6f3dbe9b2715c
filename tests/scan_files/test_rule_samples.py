"""Every bundled rule matches its harmless positive sample and not its near miss.

Samples live in tests/data/samples/<scope>/<rule file stem>/<rule>.match|.nomatch.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.scan.filetypes import externals_for
from csirt_kit.scan.rules import RuleSet, load_rules
from tests.scan_files.conftest import SAMPLES


def _bundled_rules() -> list[tuple[str, str]]:
    rs = load_rules(use_cache=False)
    return [(n.namespace, r.rule) for n in rs.namespaces for r in n.rules]


RULES = _bundled_rules()


def _sample(namespace: str, rule: str, suffix: str) -> Path:
    return SAMPLES / namespace.removesuffix(".yar") / f"{rule}.{suffix}"


def _hits(rs: RuleSet, path: Path) -> set[str]:
    data = path.read_bytes()
    return {h.ref for h in rs.match(data, externals=externals_for(str(path), data))}


def test_the_bundled_set_is_not_trivial() -> None:
    scopes = {ns.split("/")[0] for ns, _ in RULES}
    assert scopes == {"web", "files", "logs"}
    assert len(RULES) >= 30


@pytest.mark.parametrize(("namespace", "rule"), RULES, ids=[f"{n}:{r}" for n, r in RULES])
def test_rule_matches_its_sample_and_not_its_near_miss(bundled: RuleSet, namespace: str,
                                                       rule: str) -> None:
    positive = _sample(namespace, rule, "match")
    negative = _sample(namespace, rule, "nomatch")
    assert positive.is_file(), f"missing positive sample {positive}"
    assert negative.is_file(), f"missing negative sample {negative}"
    assert f"{namespace}:{rule}" in _hits(bundled, positive)
    assert f"{namespace}:{rule}" not in _hits(bundled, negative)


@pytest.mark.parametrize(("namespace", "rule"), RULES, ids=[f"{n}:{r}" for n, r in RULES])
def test_rule_meta_gives_severity_category_and_description(bundled: RuleSet, namespace: str,
                                                           rule: str) -> None:
    info = next(r for n in bundled.namespaces if n.namespace == namespace for r in n.rules
                if r.rule == rule)
    assert info.meta.get("severity") in ("info", "low", "medium", "high", "critical")
    assert info.meta.get("description")
    assert info.meta.get("category")


def test_no_sample_without_a_rule() -> None:
    known = {str(_sample(n, r, s).relative_to(SAMPLES)) for n, r in RULES for s in ("match", "nomatch")}
    found = {str(p.relative_to(SAMPLES)) for p in SAMPLES.rglob("*") if p.suffix in (".match", ".nomatch")}
    assert found - known == set()


def test_bundled_rules_compile_without_warnings(bundled: RuleSet) -> None:
    assert bundled.problems == ()
