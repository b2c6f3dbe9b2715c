"""`csirt run`: steps, idempotent reruns, exit codes, the lock, isolation, outages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from csirt_kit.config import load_config
from csirt_kit.errors import ServerError
from csirt_kit.pipeline import steps as steps_mod
from csirt_kit.pipeline.lock import RunLock
from csirt_kit.pipeline.run import lock_path
from tests.pipeline.conftest import City, make_city


def test_first_run_finds_and_opens_cases_rerun_changes_nothing(cli, city: City) -> None:
    first = cli(["--config", city.config, "--json", "run"]).json
    steps = {s["name"]: s for s in first["stats"]["steps"]}
    assert steps["files"]["status"] == "ok" and steps["logs"]["status"] == "ok"
    assert steps["intel"]["status"] == "skipped" and steps["web"]["status"] == "skipped"
    kinds = {f["kind"] for f in first["findings"]}
    assert {"yara.file", "yara.log"} <= kinds
    assert steps["cases"]["counts"]["created"] >= 2
    assert first["stats"]["new"] == len(first["findings"])
    again = cli(["--config", city.config, "--json", "run"]).json
    steps2 = {s["name"]: s for s in again["stats"]["steps"]}
    assert again["stats"]["new"] == 0
    assert steps2["cases"]["counts"]["created"] == 0 and steps2["cases"]["counts"]["joined"] == 0
    assert {f["fingerprint"] for f in again["findings"]} == {f["fingerprint"] for f in first["findings"]}
    cases = cli(["--config", city.config, "--json", "cases", "list"]).json
    assert cases["count"] == steps["cases"]["counts"]["created"]


def test_fail_on_gives_exit_3_and_only_with_the_flag(cli, city: City) -> None:
    cli(["--config", city.config, "run"])
    cli(["--config", city.config, "run", "--fail-on", "high"], expect=3)
    cli(["--config", city.config, "run", "--fail-on", "nonsense"], expect=2)
    cli(["--config", city.config, "run", "--only", "intel", "--fail-on", "info"])


def test_unknown_step_is_usage_error(cli, city: City) -> None:
    result = cli(["--config", city.config, "run", "--only", "coffee"], expect=2)
    assert "unknown step 'coffee'" in result.stderr


def test_second_run_exits_5_at_once_and_wait_times_out(cli, city: City) -> None:
    config = load_config(str(city.config))
    with RunLock(lock_path(config)):
        start = time.monotonic()
        result = cli(["--config", city.config, "run"], expect=5)
        assert "another csirt run holds the lock (pid" in result.stderr
        cli(["--config", city.config, "run", "--wait", "--wait-timeout", "0.5"], expect=5)
        assert time.monotonic() - start < 30
    cli(["--config", city.config, "run", "--only", "files"])


def test_lock_of_a_killed_process_is_taken_over(cli, city: City) -> None:
    config = load_config(str(city.config))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path;"
         "from csirt_kit.pipeline.lock import RunLock;"
         "RunLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(60)",
         str(lock_path(config))], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    cli(["--config", city.config, "run", "--only", "files"], expect=5)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    cli(["--config", city.config, "run", "--only", "files"])


def test_wait_queues_behind_a_running_holder(cli, city: City) -> None:
    config = load_config(str(city.config))
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path;"
         "from csirt_kit.pipeline.lock import RunLock;"
         "l = RunLock(Path(sys.argv[1])); l.acquire(); print('held', flush=True); time.sleep(1.5);"
         "l.release()", str(lock_path(config))], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    cli(["--config", city.config, "run", "--only", "files", "--wait", "--wait-timeout", "60"])
    holder.wait(timeout=30)


def test_one_failing_step_does_not_stop_the_others(cli, city: City,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: steps_mod.StepContext) -> steps_mod.Result:
        raise ZeroDivisionError("boom")

    def outage(ctx: steps_mod.StepContext) -> steps_mod.Result:
        raise ServerError("MISP did not answer", where="misp-kota", queued=True)

    monkeypatch.setitem(steps_mod.STEPS, "files", broken)
    result = cli(["--config", city.config, "--json", "run"], expect=1)
    steps = {s["name"]: s for s in result.json["stats"]["steps"]}
    assert steps["files"]["status"] == "error" and "ZeroDivisionError" in steps["files"]["message"]
    assert steps["logs"]["status"] == "ok" and steps["cases"]["status"] == "ok"
    monkeypatch.setitem(steps_mod.STEPS, "files", steps_mod.step_files)
    monkeypatch.setitem(steps_mod.STEPS, "intel", outage)
    partial = cli(["--config", city.config, "--json", "run"], expect=4)
    steps = {s["name"]: s for s in partial.json["stats"]["steps"]}
    assert steps["intel"]["status"] == "partial" and steps["files"]["status"] == "ok"


def _hive_config(city: City, url: str) -> None:
    city.config.write_text(
        city.config.read_text(encoding="utf-8") +
        f'[cases]\nbackend = "thehive"\n[cases.thehive]\nurl = "{url}"\n'
        'key_env = "CSIRT_THEHIVE_KEY"\norganisation = "csirt-kota"\ntimeout = 2.0\n',
        encoding="utf-8")


def test_thehive_outage_exit_4_then_recovery_with_one_case_per_key(
        cli, city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.emulators.thehive import TheHiveEmulator

    monkeypatch.setenv("CSIRT_THEHIVE_KEY", "test-key")
    with TheHiveEmulator(api_key="test-key", organisation="csirt-kota") as hive:
        _hive_config(city, hive.url)
        hive.stop()
        down = cli(["--config", city.config, "--json", "run"], expect=4)
        steps = {s["name"]: s for s in down.json["stats"]["steps"]}
        assert steps["sync"]["status"] == "partial" and steps["sync"]["counts"]["queued"] > 0
        hive.start()
        up = cli(["--config", city.config, "--json", "run"]).json
        assert {s["name"]: s for s in up["stats"]["steps"]}["sync"]["status"] == "ok"
        cli(["--config", city.config, "run"])
        keys = [c["key"] for c in cli(["--config", city.config, "--json", "cases", "list"]).json["items"]]
        assert len(hive.cases) == len(keys) >= 2
        assert hive.count("POST", "/api/v1/case") == len(keys)


def _env(city: City) -> dict[str, str]:
    return dict(os.environ, CSIRT_KIT_CONFIG=str(city.config), CSIRT_THEHIVE_KEY="test-key")


@pytest.mark.slow
def test_sigkill_at_any_point_then_rerun_loses_nothing_duplicates_nothing(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill `csirt run` at several points; the next run completes the job exactly once."""
    from tests.emulators.thehive import TheHiveEmulator

    monkeypatch.setenv("CSIRT_THEHIVE_KEY", "test-key")
    import shutil

    # The same city at the same path, once run cleanly (local cases) as the reference.
    reference = make_city(tmp_path / "city")
    cli(["--config", reference.config, "assets", "import", reference.inventory])
    expected = {f["fingerprint"] for f in cli(["--config", reference.config, "--json", "run"]).json["findings"]}
    shutil.rmtree(tmp_path / "city")
    with TheHiveEmulator(api_key="test-key", organisation="csirt-kota") as hive:
        city = make_city(tmp_path / "city")
        _hive_config(city, hive.url)
        monkeypatch.setenv("CSIRT_KIT_STORE__PATH", str(tmp_path / "killed.db"))
        cli(["--config", city.config, "assets", "import", city.inventory])
        # Slow TheHive down so some kills land in the middle of the sync step.
        hive.fault(None, r"/api/v1/.*", "hang", times=None, seconds=0.3)
        env = {**_env(city), "CSIRT_KIT_STORE__PATH": str(tmp_path / "killed.db")}
        for delay in (0.3, 0.9, 1.6, 2.4, 3.5):
            proc = subprocess.Popen([sys.executable, "-m", "csirt_kit", "run"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        hive.clear_faults()
        final = subprocess.run([sys.executable, "-m", "csirt_kit", "--json", "run"], env=env,
                               capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr
        got = cli(["--config", city.config, "--json", "findings", "list"]).json
        assert {f["fingerprint"] for f in got["items"]} == expected
        keys = [c["key"] for c in cli(["--config", city.config, "--json", "cases", "list"]).json["items"]]
        tags = [t for c in hive.cases.values() for t in c.get("tags", []) if t.startswith("csirt-kit:key=")]
        assert len(tags) == len(set(tags)) == len(keys), "a case was duplicated in TheHive"


def test_ctrl_c_exits_130_with_a_message(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.emulators.thehive import TheHiveEmulator

    city = make_city(tmp_path / "city")
    with TheHiveEmulator(api_key="test-key", organisation="csirt-kota") as hive:
        _hive_config(city, hive.url)
        env = {**_env(city), "CSIRT_KIT_STORE__PATH": str(tmp_path / "c.db")}
        subprocess.run([sys.executable, "-m", "csirt_kit", "assets", "import", str(city.inventory)],
                       env=env, check=True, capture_output=True)
        hive.fault(None, r"/api/v1/.*", "hang", times=None, seconds=1.5)
        proc = subprocess.Popen([sys.executable, "-m", "csirt_kit", "run"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not hive.requests and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)  # wait until the run is talking to TheHive (a hung request)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        assert "interrupted" in err and "Traceback" not in err
