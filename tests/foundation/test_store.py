"""Store: WAL, numbered migrations, and two processes at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from csirt_kit.errors import StoreError
from csirt_kit.store import migrations
from csirt_kit.store.db import connect, open_store


def test_new_store_is_wal_and_fully_migrated(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = [m.version for m in migrations.available()]
    assert migrations.schema_version(store.conn) == max(versions)
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == max(versions)
    assert migrations.pending(store.conn) == []
    store.close()


def test_pending_never_writes_and_reopen_is_a_noop(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    conn = connect(str(path))
    assert [m.version for m in migrations.pending(conn)] == [m.version for m in migrations.available()]
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    conn.close()
    open_store(path).close()
    store = open_store(path)
    assert migrations.apply_migrations(store.conn) == []
    store.close()


def test_failed_migration_leaves_no_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = migrations.available()
    bad = migrations.Migration(9999, "broken", "CREATE TABLE half (x);\nTHIS IS NOT SQL;")
    monkeypatch.setattr(migrations, "available", lambda: [*good, bad])
    with pytest.raises(StoreError):
        open_store(tmp_path / "s.db")
    conn = sqlite3.connect(tmp_path / "s.db")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half" not in tables and "assets" in tables
    assert 9999 not in {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}


def test_store_from_newer_version_is_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    store.conn.execute("INSERT INTO schema_migrations (version, name) VALUES (9998, 'future')")
    store.close()
    with pytest.raises(StoreError, match="newer csirt-kit"):
        open_store(tmp_path / "s.db")


def test_concurrent_first_open_migrates_once(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            open_store(path).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
    assert len(rows) == len(set(rows)) == len(migrations.available())


def test_write_rolls_back_on_error(store) -> None:
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute("INSERT INTO kv (key, value, updated_at) VALUES ('a', 'b', 'c')")
        raise RuntimeError("boom")
    assert store.conn.execute("SELECT count(*) FROM kv").fetchone()[0] == 0


def _csirt(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "csirt_kit", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_reader_and_writer_processes_while_another_holds_a_write(tmp_path: Path,
                                                                 store_path: Path) -> None:
    """A cron run writing while an analyst queries: reads go on, writes wait their turn."""
    import os

    env = dict(os.environ)
    inventory = tmp_path / "inv.csv"
    inventory.write_text("id,name,kind,ips\na1,Portal,website,203.0.113.5\n", encoding="utf-8")
    assert _csirt("assets", "import", str(inventory), env=env).returncode == 0
    holder = open_store(store_path)
    holder.conn.execute("BEGIN IMMEDIATE")
    holder.conn.execute("UPDATE assets SET name = 'Portal (being written)'")
    # The reader sees the last committed state and does not block.
    listed = _csirt("--json", "assets", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert '"Portal"' in listed.stdout
    # A writer started now waits for the lock instead of failing.
    inventory2 = tmp_path / "inv2.csv"
    inventory2.write_text("id,name,kind,ips\na2,Other,website,203.0.113.6\n", encoding="utf-8")
    writer = subprocess.Popen([sys.executable, "-m", "csirt_kit", "assets", "import",
                               str(inventory2)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    assert writer.poll() is None, "the second writer should be waiting for the lock"
    holder.conn.execute("COMMIT")
    _out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    ids = {r[0] for r in holder.conn.execute("SELECT id FROM assets")}
    assert ids == {"a1", "a2"}
    holder.close()
