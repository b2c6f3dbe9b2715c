"""Every [scan.cms] key the scanner reads is documented, and a bad value is a clear config error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from csirt_kit.config import load_config
from csirt_kit.errors import ConfigError
from csirt_kit.models import FINDING_KINDS
from csirt_kit.scan.cms import KINDS, options
from csirt_kit.scan.cms.options import CmsOptions

REPO = Path(__file__).resolve().parents[2]


def _readme_section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split("<!-- section:cms -->", 1)[1].split("<!-- /section:cms -->", 1)[0]


def test_every_key_and_kind_is_documented() -> None:
    source = Path(options.__file__).read_text(encoding="utf-8")
    keys = set(re.findall(r'"scan\.cms\.(\w+)"', source)) | set(re.findall(r'_str_list\(config, "(\w+)"\)', source))
    assert len(keys) >= 8
    section = _readme_section()
    doc = options.__doc__ or ""
    missing = [k for k in sorted(keys) if k not in section or k not in doc]
    assert not missing, f"[scan.cms] keys not documented in README and the options docstring: {missing}"
    assert [k for k in KINDS if f"`{k}`" not in section] == []


def test_config_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[scan.cms]\nknown_verification_tokens = ["AbC"]\nown_domains = ["Kota.go.id."]\n'
                    'workers = 1\nfetch_checksums = true\n', encoding="utf-8")
    opts = CmsOptions.from_config(load_config(str(path), env={}))
    assert (opts.known_tokens, opts.own_domains, opts.workers, opts.fetch_checksums) == (
        frozenset({"abc"}), ("kota.go.id",), 1, True)


@pytest.mark.parametrize("line", ['max_read = "lots"', "known_verification_tokens = 3",
                                  'fetch_checksums = "maybe"'])
def test_bad_value_is_a_config_error(tmp_path: Path, line: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[scan.cms]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        CmsOptions.from_config(load_config(str(path), env={}))
    assert str(path) in err.value.message


def test_cms_kinds_are_known_finding_kinds() -> None:
    assert set(KINDS) <= set(FINDING_KINDS)
