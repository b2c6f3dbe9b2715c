"""Every bundled playbook loads, validates, and carries Indonesian texts."""

from __future__ import annotations

import pytest

from csirt_kit.config import load_config
from csirt_kit.models import Asset, Finding
from csirt_kit.playbooks.loader import check_paths, load_playbooks
from csirt_kit.playbooks.template import render
from csirt_kit.resources import bundled_playbooks

EXPECTED = {"webshell", "judol", "defacement", "skimmer-miner", "intel-asset", "vuln-software",
            "log-activity", "cms-integrity", "offsite-redirect"}
BUNDLED = sorted(bundled_playbooks().glob("*.yaml"))


def test_bundled_set_is_complete_and_valid() -> None:
    result = check_paths([bundled_playbooks()])
    assert result.problems == ()
    assert {p.id for p in result.playbooks} == EXPECTED
    assert {p.id for p in load_playbooks(load_config())} >= EXPECTED


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_each_bundled_playbook_has_indonesian_texts_and_tasks(path) -> None:
    (playbook,) = check_paths([path]).playbooks
    assert playbook.title_id and playbook.description_id
    assert len(playbook.tasks) >= 4
    assert all(t.title_id and t.title_id != t.title for t in playbook.tasks)
    groups = {t.group for t in playbook.tasks}
    assert "identification" in groups and "lessons" in groups
    ctx = {"asset": Asset(id="web-1", name="Situs Dinkes", kind="website", owner="Dinas Kesehatan",
                          contact="it@dinkes.kota.go.id"),
           "finding": Finding(fingerprint="f" * 64, kind="yara.file", severity="high", title="X",
                              rule="r1"),
           "playbook": playbook, "case": {"key": "k", "count": 1, "severity": "high"}}
    for text in (playbook.title, playbook.title_id, playbook.description_id,
                 *(t.title_id for t in playbook.tasks)):
        rendered = render(text, ctx)
        assert "{" not in rendered and "}" not in rendered
    assert "Situs Dinkes" in render(playbook.title_id, ctx)
