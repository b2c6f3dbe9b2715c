"""Shared fixtures: an isolated environment per test and the run_cli helper."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.cli.main import main
from csirt_kit.redaction import forget_secrets
from csirt_kit.store.db import Store, open_store


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test reads the user's config or store: everything lives under tmp_path."""
    for name in list(os.environ):
        if name.startswith("CSIRT_KIT_") and not name.startswith("CSIRT_KIT_LIVE_"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("CSIRT_KIT_STORE__PATH", str(tmp_path / "store" / "csirt.db"))
    monkeypatch.setenv("COLUMNS", "200")
    forget_secrets()
    yield tmp_path
    forget_secrets()


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh, migrated in-memory store."""
    s = open_store(":memory:")
    yield s
    s.close()


@pytest.fixture
def store_path(isolated_env: Path) -> Path:
    """The path of the store the CLI uses in this test."""
    return isolated_env / "store" / "csirt.db"


@pytest.fixture
def file_store(store_path: Path) -> Iterator[Store]:
    """The store file the CLI also uses in this test."""
    s = open_store(store_path)
    yield s
    s.close()


@dataclass
class CliResult:
    """What one `csirt` invocation produced."""

    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        """stdout parsed as exactly one JSON document."""
        return json.loads(self.stdout)


def run_cli(capsys: pytest.CaptureFixture[str], args: Sequence[str],
            expect: int | Sequence[int] = 0) -> CliResult:
    """Run csirt in-process; fail unless the exit code is one the test expected."""
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    allowed = [expect] if isinstance(expect, int) else list(expect)
    assert code in allowed, f"exit {code}, expected {allowed}\nstdout:\n{out}\nstderr:\n{err}"
    assert "Traceback" not in err or "-v" in args, f"traceback on stderr:\n{err}"
    return CliResult(code, out, err)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """`cli(args, expect=0)` runs csirt and returns a CliResult."""

    def _run(args: Sequence[str], expect: int | Sequence[int] = 0) -> CliResult:
        return run_cli(capsys, args, expect)

    return _run
