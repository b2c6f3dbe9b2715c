"""`csirt doctor`: one line per check, secrets never shown, exit 0 only when all pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.emulators.misp import MispEmulator
from tests.emulators.thehive import TheHiveEmulator


def write_config(path: Path, misp_url: str, hive_url: str, feed: Path, extra: str = "") -> Path:
    path.write_text(
        f'[[intel.misp]]\nname = "misp-kota"\nurl = "{misp_url}"\nkey_env = "CSIRT_MISP_KEY"\n'
        f'timeout = 3.0\n[[intel.feeds]]\nname = "local-feed"\npath = "{feed}"\nformat = "misp"\n'
        f'[cases]\nbackend = "thehive"\n[cases.thehive]\nurl = "{hive_url}"\n'
        'key_env = "CSIRT_THEHIVE_KEY"\norganisation = "csirt-kota"\ntimeout = 3.0\n' + extra,
        encoding="utf-8")
    return path


@pytest.fixture
def servers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    misp = MispEmulator().start()
    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "manifest.json").write_text("{}", encoding="utf-8")
    with TheHiveEmulator(api_key="hive-key-123456", organisation="csirt-kota") as hive:
        monkeypatch.setenv("CSIRT_MISP_KEY", misp.key)
        monkeypatch.setenv("CSIRT_THEHIVE_KEY", "hive-key-123456")
        yield misp, hive, feed
    misp.stop()


def test_all_checks_pass(cli, tmp_path: Path, servers) -> None:
    misp, hive, feed = servers
    config = write_config(tmp_path / "c.toml", misp.url, hive.url, feed)
    result = cli(["--config", config, "doctor"])
    lines = result.stdout.splitlines()
    assert any(line.startswith("ok   misp misp-kota:") and "MISP 2.5.17" in line for line in lines)
    assert any(line.startswith("ok   thehive:") and "authenticated" in line for line in lines)
    assert any(line.startswith("ok   feed local-feed:") for line in lines)
    assert any(line.startswith("ok   rules:") for line in lines)
    assert any(line.startswith("ok   playbooks:") for line in lines)
    assert any(line.startswith("ok   judol lists:") and "domain patterns" in line for line in lines)
    assert any(line.startswith("ok   store:") for line in lines)
    assert misp.key not in result.stdout + result.stderr
    doc = cli(["--config", config, "--json", "doctor"]).json
    assert doc["ok"] is True and all(i["status"] != "fail" for i in doc["items"])


def test_bad_keys_unreachable_servers_and_tls_off(cli, tmp_path: Path, servers,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    misp, hive, _feed = servers
    monkeypatch.setenv("CSIRT_THEHIVE_KEY", "wrong-key-987654")
    monkeypatch.setenv("CSIRT_MISP_KEY", "wrong-misp-key-555")
    config = write_config(tmp_path / "c.toml", misp.url, hive.url, tmp_path / "nofeed",
                          extra="verify_tls = false\n")
    result = cli(["--config", config, "doctor"], expect=2)
    out = result.stdout
    assert "fail thehive:" in out and "401" in out
    assert "fail misp misp-kota:" in out
    assert "fail feed local-feed:" in out and "nofeed" in out
    assert "warn tls thehive" in out
    for secret in ("wrong-key-987654", "wrong-misp-key-555"):
        assert secret not in out + result.stderr
    hive.stop()
    down = cli(["--config", config, "--json", "doctor"], expect=2).json
    status = {i["check"]: i["status"] for i in down["items"]}
    assert status["thehive"] == "fail" and down["ok"] is False


def test_missing_secret_variable_and_bad_rules_and_playbooks(cli, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.yar").write_text("rule broken {\n  condition:\n    nonsense and\n}\n",
                                      encoding="utf-8")
    books = tmp_path / "books"
    books.mkdir()
    (books / "bad.yaml").write_text("id: bad\ntitle: 3\nmatch: []\n", encoding="utf-8")
    words = tmp_path / "kata-judol.txt"
    words.write_text("# our own terms\nslot zeus\nre:slot[0-9\n", encoding="utf-8")
    config = tmp_path / "c.toml"
    config.write_text(f'[scan]\nrules = ["{rules}"]\n[playbooks]\npaths = ["{books}"]\n'
                      f'[judol]\nkeywords_file = "{words}"\n'
                      '[[intel.misp]]\nname = "m"\nurl = "http://127.0.0.1:9"\n'
                      'key_env = "CSIRT_UNSET_KEY"\n', encoding="utf-8")
    out = cli(["--config", config, "doctor"], expect=2).stdout
    assert "fail secret intel.misp.0.key_env: variable CSIRT_UNSET_KEY is NOT SET" in out
    assert f"fail rules: {rules / 'broken.yar'}:" in out
    assert "fail playbooks:" in out and "bad.yaml" in out
    assert "fail judol lists:" in out and f"{words}:3" in out  # the file and line of the bad entry
