"""The whole bundled rule set matches nothing in a benign corpus.

The corpus is WordPress core plus jQuery and Bootstrap from Debian packages, fetched by
`.ci/fetch-corpus` (which prints `export CSIRT_KIT_TEST_CORPUS=...`). Locally the test
skips when the variable is unset; in CI (``CI`` set) or when the variable points to a
missing or incomplete folder, it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from csirt_kit.scan.files import FileOptions, scan_files
from csirt_kit.scan.rules import load_rules

ENV = "CSIRT_KIT_TEST_CORPUS"
# Read at import: the autouse isolation fixture clears CSIRT_KIT_* variables for each test.
CORPUS = os.environ.get(ENV, "")
IN_CI = bool(os.environ.get("CI"))


def _corpus() -> Path:
    value = CORPUS
    if not value:
        if IN_CI:
            pytest.fail(f"{ENV} is not set in CI: run `eval $(.ci/fetch-corpus)` before pytest")
        pytest.skip(f"benign corpus not available: run `eval $(.ci/fetch-corpus)` to set {ENV}")
    root = Path(value)
    if not (root / "usr" / "share" / "wordpress" / "wp-includes").is_dir():
        pytest.fail(f"{ENV}={value} holds no WordPress core: rerun .ci/fetch-corpus")
    if not list(root.rglob("jquery*.js")):
        pytest.fail(f"{ENV}={value} holds no jQuery: rerun .ci/fetch-corpus")
    return root


def test_the_whole_rule_set_matches_nothing_in_the_benign_corpus() -> None:
    root = _corpus()
    rules = load_rules(use_cache=False)  # web, files and logs: every bundled rule
    report = scan_files(rules, [(root, None)], options=FileOptions(max_size=64 * 1024 * 1024))
    assert report.stats["files"] > 2000
    hits = [f"{f.evidence['path']}: {f.rule} ({f.evidence['snippet']})" for f in report.findings]
    assert hits == [], "false positives in the benign corpus:\n" + "\n".join(hits)
    assert report.errors == ()
