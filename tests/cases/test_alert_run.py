"""`csirt run` in alert mode: scans become one alert per case key; a closed promoted case comes back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cases.hive_setup import define_key_field, push_template
from tests.emulators.thehive import TheHiveEmulator
from tests.pipeline.conftest import make_city


def test_run_in_alert_mode_reruns_and_a_closed_promoted_case(cli, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSIRT_THEHIVE_KEY", "test-key")
    with TheHiveEmulator(api_key="test-key", organisation="csirt-kota") as hive:
        city = make_city(tmp_path / "city", extra_config=(
            f'[cases]\nbackend = "thehive"\n[cases.thehive]\nurl = "{hive.url}"\n'
            'key_env = "CSIRT_THEHIVE_KEY"\norganisation = "csirt-kota"\ntimeout = 2.0\nmode = "alert"\n'))
        cli(["--config", city.config, "assets", "import", city.inventory])
        define_key_field(hive)
        push_template(hive, city.config, "webshell")
        first = cli(["--config", city.config, "--json", "run"]).json
        created = {s["name"]: s for s in first["stats"]["steps"]}["cases"]["counts"]["created"]
        keys = sorted(c["key"] for c in cli(["--config", city.config, "--json", "cases", "list"]).json["items"])
        assert created == len(keys) >= 2 and not hive.cases
        assert sorted(a["sourceRef"] for a in hive.alerts.values()) == keys
        cli(["--config", city.config, "run"])
        assert hive.count("POST", "/api/v1/alert") == len(keys)
        # an analyst promotes the web shell alert, then closes the case
        (shell,) = [a for a in hive.alerts.values() if a["type"] == "webshell"]
        case = hive.promote_alert(shell["_id"])
        hive.close_case(case["_id"], "TruePositive", "Shell dihapus")
        cli(["--config", city.config, "run"])
        shown = cli(["--config", city.config, "--json", "cases", "show", shell["sourceRef"]]).json
        assert (shown["remote_kind"], shown["backend_id"], shown["stage"]) == ("case", case["_id"], "closed")
        assert {f["status"] for f in shown["findings"]} == {"resolved"}
        assert len(hive.alerts) == len(keys) and len(hive.cases) == 1
