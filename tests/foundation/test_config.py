"""Config: precedence file < env < flag, typed env overrides, secrets only by variable name."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from csirt_kit.config import load_config
from csirt_kit.errors import ConfigError
from csirt_kit.redaction import RedactingFilter, redact, register_secret


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_any_file(tmp_path: Path) -> None:
    cfg = load_config(None, env={})
    assert cfg.path is None
    assert cfg.get("cases.backend") == "local"
    assert cfg.timezone == "Asia/Jakarta"
    assert cfg.store_path.name == "csirt.db"


def test_file_then_env_override_with_types(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[store]\npath = "/x/a.db"\nbusy_timeout = 5.0\n'
                 '[cases]\nbackend = "local"\n')
    env = {"CSIRT_KIT_STORE__BUSY_TIMEOUT": "12.5", "CSIRT_KIT_CASES__BACKEND": "thehive"}
    cfg = load_config(str(path), env=env)
    assert cfg.get("store.busy_timeout") == 12.5
    assert cfg.get("cases.backend") == "thehive"
    assert cfg.store_path == Path("/x/a.db")
    origins = {key: origin for key, _, origin in cfg.flat()}
    assert origins["store.path"] == f"file:{path}"
    assert origins["store.busy_timeout"] == "env:CSIRT_KIT_STORE__BUSY_TIMEOUT"
    assert origins["general.timezone"] == "default"


def test_env_override_of_bool_and_list_and_array_item(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[[intel.misp]]\nname = "m"\nurl = "https://a"\n'
                 'key_env = "K"\nverify_tls = true\n[scan]\nrules = ["/a"]\n')
    cfg = load_config(str(path), env={"CSIRT_KIT_INTEL__MISP__0__VERIFY_TLS": "false",
                                      "CSIRT_KIT_SCAN__RULES": "/r1, /r2"})
    assert cfg.get("intel.misp.0.verify_tls") is False
    assert cfg.get("scan.rules") == ["/r1", "/r2"]


def test_config_env_var_selects_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[general]\ncity = "surakarta"\n')
    assert load_config(None, env={"CSIRT_KIT_CONFIG": str(path)}).get("general.city") == "surakarta"


@pytest.mark.parametrize(("text", "env", "needle"), [
    ('[cases]\nbackend = "jira"\n', {}, "unknown backend 'jira'"),
    ('[store\npath = 1\n', {}, "invalid TOML"),
    ('[[intel.misp]]\nname = "m"\nkey = "s3cr3t-value"\n', {}, "secrets are never stored"),
    ('[[intel.misp]]\nurl = "https://x"\n', {}, "every entry needs a name"),
    ("", {"CSIRT_KIT_STORE__BUSY_TIMEOUT": "soon"}, "expected a number"),
    ("", {"CSIRT_KIT_CASES__THEHIVE__PASSWORD": "x"}, "would put a secret"),
    ("", {"CSIRT_KIT_NOPE": "x"}, "does not name a key"),
])
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str, env: dict[str, str],
                                     needle: str) -> None:
    path = write(tmp_path / "c.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(str(path), env=env)
    assert needle in info.value.message
    assert "s3cr3t-value" not in info.value.message


def test_missing_explicit_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path / "none.toml"), env={})
    assert "none.toml" in info.value.message and "csirt init" in info.value.message


def test_secret_read_from_named_variable_and_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config(None, env={})
    with pytest.raises(ConfigError) as info:
        cfg.secret("CSIRT_TEST_KEY", "misp-kota")
    assert "CSIRT_TEST_KEY" in info.value.message and "misp-kota" in info.value.message
    monkeypatch.setenv("CSIRT_TEST_KEY", "abcd1234secret")
    assert cfg.secret("CSIRT_TEST_KEY", "misp-kota") == "abcd1234secret"
    assert redact("server said: bad key abcd1234secret") == "server said: bad key ***"


def test_redaction_masks_credential_patterns_never_registered() -> None:
    text = ('Authorization: Bearer tok-123456 and {"apikey": "zzz999"} '
            "https://user:pw1234@host/x /bot12345:AAbbCC/sendMessage")
    out = redact(text)
    for secret in ("tok-123456", "zzz999", "pw1234", "AAbbCC"):
        assert secret not in out


def test_logging_filter_redacts(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("hunter2-long")
    logger = logging.getLogger("csirt_kit.test")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.WARNING, logger="csirt_kit.test"):
        logger.warning("login with %s failed", "hunter2-long")
    assert "hunter2-long" not in caplog.text and "***" in caplog.text


def test_cli_error_and_json_never_show_secret(cli, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "c.toml", '[[intel.misp]]\nname = "m"\napikey = "leaky-key-77"\n')
    result = cli(["--config", path, "--json", "assets", "list"], expect=2)
    assert "leaky-key-77" not in result.stdout + result.stderr
    assert result.json["error"]["type"] == "ConfigError"
    assert "secrets are never stored" in result.stderr
