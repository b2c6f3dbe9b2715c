"""The installed command finds the bundled rules and playbooks, editable and from a wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from csirt_kit.resources import bundled_playbooks, bundled_rules

ROOT = Path(__file__).resolve().parents[2]


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def test_source_checkout_finds_bundled_folders() -> None:
    assert bundled_rules() == ROOT / "rules"
    assert bundled_playbooks() == ROOT / "playbooks"


@pytest.mark.slow
def test_wheel_in_fresh_venv_carries_rules_and_playbooks(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel = next(dist.glob("csirt_kit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("rules", "playbooks"):
        shipped = sorted(n.split(f"csirt_kit/bundled/{folder}/", 1)[1] for n in names
                         if n.startswith(f"csirt_kit/bundled/{folder}/"))
        assert shipped == listing(ROOT / folder), f"wheel misses files of {folder}/"
    # A fresh venv whose dependencies come from this environment (no network needed), with
    # csirt-kit itself installed only from the wheel.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                              str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = subprocess.run(
        [str(py), "-c", "import csirt_kit, csirt_kit.resources as r;"
         "print(csirt_kit.__file__); print(r.bundled_rules()); print(r.bundled_playbooks())"],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert probe.returncode == 0, probe.stderr
    module, rules, playbooks = probe.stdout.split()
    assert module.startswith(str(env_dir)), "csirt_kit must come from the wheel, not the checkout"
    assert rules.startswith(str(env_dir)) and playbooks.startswith(str(env_dir))
    assert listing(Path(rules)) == listing(ROOT / "rules")
    assert listing(Path(playbooks)) == listing(ROOT / "playbooks")
    version = subprocess.run([str(env_dir / "bin" / "csirt"), "--version"], capture_output=True,
                             text=True, cwd=tmp_path, env=env, timeout=120)
    assert version.returncode == 0 and version.stdout.startswith("csirt-kit "), version.stderr
