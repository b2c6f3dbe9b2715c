"""The rules engine: namespaces, located problems, includes, externals, scopes, cache."""

from __future__ import annotations

from pathlib import Path

import pytest
import yara

from csirt_kit.config import load_config
from csirt_kit.scan import cache
from csirt_kit.scan.rules import MatchTimeout, RuleHit, StringHit, hit_to_finding, load_rules
from tests.scan_files.conftest import SHELL_RULE, write

BROKEN = """rule ok_before { condition: false }

rule broken
{
    strings:
        $a = "x"
    condition:
        $a and tru
}
"""


def _config(tmp_path: Path, **scan: object) -> object:
    lines = ["[scan]"] + [f"{k} = {v!r}".replace("'", '"') for k, v in scan.items()]
    path = write(tmp_path / "config.toml", "\n".join(lines) + "\n")
    return load_config(str(path), env={})


def test_each_file_is_its_own_namespace(rules_dir: Path) -> None:
    write(rules_dir / "sub" / "other.yar", SHELL_RULE)  # same rule name, other file: no clash
    rs = load_rules(extra=[rules_dir], include_bundled=False, use_cache=False)
    assert [n.namespace for n in rs.namespaces] == ["shell.yar", "sub/other.yar"]
    refs = sorted(h.ref for h in rs.match(b"xx CSIRT-TEST-SHELL xx"))
    assert refs == ["shell.yar:test_shell", "sub/other.yar:test_shell"]


def test_a_broken_file_is_a_located_problem_and_the_others_still_load(rules_dir: Path) -> None:
    bad = write(rules_dir / "broken.yar", BROKEN)
    rs = load_rules(extra=[rules_dir], include_bundled=False, use_cache=False)
    assert [str(p) for p in rs.errors] == [f"{bad}:8: undefined identifier \"tru\""]
    assert [n.namespace for n in rs.namespaces] == ["shell.yar"]
    assert rs.match(b"CSIRT-TEST-SHELL")


def test_warnings_are_kept_and_the_file_loads(rules_dir: Path) -> None:
    write(rules_dir / "slow.yar", 'rule slow { strings: $a = /a.*b/ condition: $a }\n')
    rs = load_rules(extra=[rules_dir], include_bundled=False, use_cache=False)
    assert rs.errors == ()
    assert rs.warnings and all(p.path.endswith("slow.yar") and p.line == 1 for p in rs.warnings)
    assert "slow.yar" in [n.namespace for n in rs.namespaces]


def test_public_rules_using_scanner_externals_compile_and_see_file_facts(tmp_path: Path) -> None:
    folder = tmp_path / "public"
    write(folder / "ext.yar", 'rule php_named { condition: extension == ".php" and '
                              'filename matches /^up/ and filetype == "PHP" and owner != "nobody-x" '
                              'and filepath contains "/www/" }\n')
    rs = load_rules(extra=[folder], include_bundled=False, use_cache=False)
    assert rs.errors == ()
    ext = {"filename": "up.php", "filepath": "/srv/www/up.php", "extension": ".php",
           "filetype": "PHP", "owner": "www-data"}
    assert [h.rule for h in rs.match(b"<?php", externals=ext)] == ["php_named"]
    assert rs.match(b"<?php", externals={**ext, "extension": ".txt"}) == []


def test_include_inside_the_rules_folder_works_and_outside_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "inc"
    write(folder / "common" / "strings.yarinc", 'rule from_include { strings: $a = "INCLUDED-X" '
                                                'condition: $a }\n')
    write(folder / "main.yar", 'include "common/strings.yarinc"\nrule main_rule { condition: true }\n')
    secret = write(tmp_path / "outside.yar", "rule outside { condition: true }\n")
    write(folder / "escape.yar", f'include "../{secret.name}"\nrule escape {{ condition: true }}\n')
    rs = load_rules(extra=[folder], include_bundled=False, use_cache=False)
    assert "from_include" in {h.rule for h in rs.match(b"INCLUDED-X")}
    [problem] = rs.errors
    assert problem.path.endswith("escape.yar") and problem.line == 1
    assert "include refused" in problem.message


def test_scopes_pick_bundled_subfolders() -> None:
    logs = load_rules(scopes=("logs",), use_cache=False)
    assert logs.namespaces and all(n.namespace.startswith("logs/") for n in logs.namespaces)
    web_files = load_rules(scopes=("web", "files"), use_cache=False)
    assert {n.namespace.split("/")[0] for n in web_files.namespaces} == {"web", "files"}


def test_configured_folders_add_to_every_scope_unless_they_have_scope_subfolders(
        tmp_path: Path, rules_dir: Path) -> None:
    scoped = tmp_path / "scoped"
    write(scoped / "logs" / "mine.yar", SHELL_RULE.replace("test_shell", "log_only"))
    config = _config(tmp_path, rules=[str(rules_dir), str(scoped)])
    files = load_rules(config, scopes=("files",), use_cache=False)  # type: ignore[arg-type]
    logs = load_rules(config, scopes=("logs",), use_cache=False)  # type: ignore[arg-type]
    assert "shell.yar" in [n.namespace for n in files.namespaces]
    assert "logs/mine.yar" not in [n.namespace for n in files.namespaces]
    assert {"shell.yar", "logs/mine.yar"} <= {n.namespace for n in logs.namespaces}


def test_a_missing_configured_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    config = _config(tmp_path, rules=[str(tmp_path / "nope")])
    rs = load_rules(config, scopes=("files",), use_cache=False)  # type: ignore[arg-type]
    assert any("nope" in p.path for p in rs.errors)
    assert rs.rule_count > 0  # the bundled rules still load


def test_compiled_rules_are_cached_by_content_and_rebuilt_when_damaged(
        tmp_path: Path, rules_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path, cache_dir=str(tmp_path / "cache"))
    first = load_rules(config, extra=[rules_dir], include_bundled=False)  # type: ignore[arg-type]
    entry = tmp_path / "cache" / f"{first.rules_hash}.yarc"
    assert entry.is_file()
    calls: list[int] = []
    real_compile = yara.compile
    monkeypatch.setattr(yara, "compile", lambda *a, **k: calls.append(1) or real_compile(*a, **k))
    again = load_rules(config, extra=[rules_dir], include_bundled=False)  # type: ignore[arg-type]
    assert calls == [] and again.rules_hash == first.rules_hash and again.match(b"CSIRT-TEST-SHELL")
    write(rules_dir / "shell.yar", SHELL_RULE.replace("CSIRT-TEST-SHELL", "CHANGED-MARK"))
    changed = load_rules(config, extra=[rules_dir], include_bundled=False)  # type: ignore[arg-type]
    assert changed.rules_hash != first.rules_hash and calls
    assert changed.match(b"CHANGED-MARK") and not changed.match(b"CSIRT-TEST-SHELL")
    entry.write_bytes(b"garbage")
    assert cache.load(tmp_path / "cache", first.rules_hash) is None


def test_the_cache_key_changes_with_the_yara_version(rules_dir: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    before = load_rules(extra=[rules_dir], include_bundled=False, use_cache=False).rules_hash
    monkeypatch.setattr(yara, "YARA_VERSION", "9.9.9")
    after = load_rules(extra=[rules_dir], include_bundled=False, use_cache=False).rules_hash
    assert before != after


def test_a_slow_rule_times_out_as_a_match_timeout(tmp_path: Path) -> None:
    folder = write(tmp_path / "slow" / "loop.yar",
                   "rule loop { condition: for all i in (0..filesize) : "
                   "( for all j in (0..filesize) : (uint8(i) != 0x100 + j) ) }\n").parent
    rs = load_rules(extra=[folder], include_bundled=False, use_cache=False)
    with pytest.raises(MatchTimeout):
        rs.match(b"a" * 200_000, timeout=1)


def test_hit_properties_and_finding_fields() -> None:
    hit = RuleHit("files/x.yar", "r1", ("webshell",),
                  {"severity": "critical", "description": "Shell", "reference": "https://ref"},
                  (StringHit("$b", 30, b"\x00eval("), StringHit("$a", 4, b"<?php\n")))
    assert (hit.severity, hit.category, hit.title, hit.offset) == ("critical", "webshell", "Shell", 4)
    assert RuleHit("n", "r", ("log_attack",), {"severity": "bogus"}).category == "log-attack"
    assert RuleHit("n", "r", (), {"severity": "bogus"}).severity == "medium"
    f = hit_to_finding(hit, kind="yara.file", asset_id="web-1", locus="/srv/a.php",
                       evidence={"path": "/srv/a.php"})
    assert f.rule == "files/x.yar:r1" and f.severity == "critical" and f.title == "Shell"
    assert f.evidence["snippet"] == "<?php\\n | \\x00eval("
    assert f.evidence["rule_reference"] == "https://ref" and "webshell" in f.tags
    same = hit_to_finding(hit, kind="yara.file", asset_id="web-1", locus="/srv/a.php", evidence={})
    other = hit_to_finding(hit, kind="yara.file", asset_id="web-1", locus="/srv/b.php", evidence={})
    assert f.fingerprint == same.fingerprint != other.fingerprint


def test_match_from_threads_with_externals_keeps_each_callers_values(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    folder = write(tmp_path / "ext" / "e.yar", 'rule php_ext { strings: $a = "MARK" '
                                                'condition: $a and extension == ".php" }\n').parent
    rs = load_rules(extra=[folder], include_bundled=False, use_cache=False)
    data = b"MARK" + b"x" * 200_000

    def one(i: int) -> bool:
        ext = ".php" if i % 2 else ".txt"
        return bool(rs.match(data, externals={"extension": ext})) == (ext == ".php")

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(one, range(40)))
