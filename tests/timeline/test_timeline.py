"""Timelines: order, sources, languages, formats, and the TheHive attachment.

Golden files live in tests/timeline/golden/; after an intended change of a rendering,
refresh them with `REFRESH_GOLDEN=1 python -m pytest tests/timeline` and review the diff.
"""

from __future__ import annotations

import csv
import html.parser
import io
import os
from pathlib import Path

import pytest

from csirt_kit.cases.opening import open_cases
from csirt_kit.cases.records import Case, CaseTask
from csirt_kit.config import load_config
from csirt_kit.findings import make_finding, upsert_findings
from csirt_kit.models import Asset
from csirt_kit.store.assets import upsert_assets
from csirt_kit.store.db import open_store
from csirt_kit.timeline.build import Timeline, TimelineEntry, parse_time
from csirt_kit.timeline.render import render

GOLDEN = Path(__file__).parent / "golden"
ASSET = Asset(id="web-dinkes", name="Portal Dinkes", kind="website", owner="Dinas Kesehatan",
              contact="it@dinkes.kota.example", criticality="critical",
              urls=("https://dinkes.kota.example/",))


def fixed_timeline(lang: str) -> Timeline:
    case = Case(key="webshell:web-dinkes", base_key="webshell:web-dinkes", generation=1,
                playbook="webshell", group_value="web-dinkes", title="Web shell on Portal Dinkes",
                title_id="Web shell di Portal Dinkes", severity="critical", backend="local",
                created_at="2026-11-01T02:00:00Z", updated_at="2026-11-01T02:00:00Z",
                asset_id="web-dinkes")
    tasks = (CaseTask("webshell:web-dinkes", 0, "identification", "Preserve the file and logs",
                      "Completed", title_id="Amankan berkas dan log"),
             CaseTask("webshell:web-dinkes", 1, "containment", "Block the path", "Waiting",
                      title_id="Blokir path tersebut"))
    entries = (
        TimelineEntry("2026-10-30T01:02:03Z", "evidence", "file_mtime",
                      "/var/www/up/x.php (sha256 aaaa…)", "/var/www/up/x.php"),
        TimelineEntry("2026-10-31T03:00:00Z", "evidence", "log_line",
                      "Web shell access: POST /up/x.php?<b>|pipe", "/var/log/a.log:12"),
        TimelineEntry("2026-11-01T00:00:00Z", "case", "detected", "PHP web shell [yara.file, high]",
                      "/var/www/up/x.php"),
        TimelineEntry("2026-11-01T02:00:00Z", "case", "opened", "Case opened by playbook webshell"),
        TimelineEntry("2026-11-02T04:30:00Z", "note", "note", "Called the OPD admin; site offline"),
    )
    return Timeline(case=case, asset=ASSET, tasks=tasks, entries=entries, lang=lang,
                    zone="Asia/Jakarta", generated_at="2026-11-03T00:00:00Z")


@pytest.mark.parametrize(("lang", "fmt"), [("en", "md"), ("id", "md"), ("en", "csv"),
                                           ("id", "html")])
def test_renderings_match_golden_files(lang: str, fmt: str) -> None:
    text = render(fixed_timeline(lang), fmt)
    path = GOLDEN / f"timeline-{lang}.{fmt}"
    if os.environ.get("REFRESH_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_csv_is_timesketch_format() -> None:
    rows = list(csv.DictReader(io.StringIO(render(fixed_timeline("en"), "csv"))))
    assert rows[0]["message"].startswith("/var/www/up/x.php")
    assert rows[0]["datetime"] == "2026-10-30T01:02:03+00:00"
    assert rows[0]["timestamp_desc"] == "file modified"
    assert rows[1]["timestamp"] == "1793415600000000"
    assert {"message", "datetime", "timestamp_desc"} <= set(rows[0])


class _Collect(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escaped() -> None:
    page = render(fixed_timeline("en"), "html")
    parser = _Collect()
    parser.feed(page)
    names = [t for t, _ in parser.tags]
    assert "script" not in names and "b" not in names  # the snippet's <b> stays text
    assert not [a for _, a in parser.tags if any(k in a for k in ("src", "href"))]
    assert "POST /up/x.php?<b>|pipe" in "".join(parser.text)
    assert names.count("tr") == 1 + 5


def test_parse_time_forms() -> None:
    assert parse_time("2026-10-31T10:00:00+07:00") == "2026-10-31T03:00:00Z"
    assert parse_time(1714560000) == "2024-05-01T10:40:00Z"
    assert parse_time("1714560000000") == "2024-05-01T10:40:00Z"
    assert parse_time("2024-05-01") == "2024-05-01T00:00:00Z"
    assert parse_time("yesterday") is None and parse_time("") is None


def seed_case(store_path: Path, backend: str = "local", config=None) -> str:
    store = open_store(store_path)
    with store.write() as conn:
        upsert_assets(conn, [ASSET], "test", "2026-11-01T00:00:00Z")
        shell = make_finding(
            "yara.file", "high", "PHP web shell", asset_id=ASSET.id,
            ref="files/webshell_php.yar:php_eval", locus="/var/www/up/x.php", rule="php_eval",
            tags=["webshell"], seen="2026-11-01T00:00:00Z",
            evidence={"path": "/var/www/up/x.php", "sha256": "a" * 64,
                      "mtime": "2026-10-30T01:02:03Z", "snippet": "eval(base64_decode("})
        upsert_findings(conn, [shell], "2026-11-01T00:00:00Z")
    open_cases(store, config or load_config(None))
    key = store.conn.execute("SELECT key FROM cases").fetchone()[0]
    store.close()
    return str(key)


def test_cli_timeline_orders_sources_and_languages(cli, store_path: Path, tmp_path: Path) -> None:
    key = seed_case(store_path)
    from csirt_kit.cases.actions import add_note

    store = open_store(store_path)
    add_note(store, key, "Called the OPD admin; site offline", author="ana")
    store.close()
    doc = cli(["--json", "timeline", key]).json
    kinds = [e["kind"] for e in doc["entries"]]
    assert kinds[:2] == ["file_mtime", "detected"]
    assert "opened" in kinds and kinds[-1] == "note"
    assert doc["entries"][-1]["source"] == "note"
    times = [e["at"] for e in doc["entries"]]
    assert times == sorted(times, key=lambda t: parse_time(t) or "")
    assert doc["entries"][0]["local_time"] == "2026-10-30 08:02:03 WIB"
    indo = cli(["timeline", key, "--lang", "id", "--format", "md"]).stdout
    assert indo.startswith("# Linimasa kasus: ") and "berkas diubah" in indo
    out = tmp_path / "t.html"
    cli(["timeline", key, "--format", "html", "--output", out])
    assert "<table id=\"timeline\">" in out.read_text(encoding="utf-8")
    table = cli(["timeline", key]).stdout
    assert "file modified" in table and "PHP web shell" in table
    cli(["timeline", "no-such-case"], expect=2)
    cli(["timeline", key, "--format", "pdf"], expect=2)
    cli(["timeline", key, "--lang", "fr"], expect=2)


def test_timeline_attached_to_thehive_once(cli, store_path: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from csirt_kit.cases.sync import sync_outbox
    from tests.emulators.thehive import TheHiveEmulator

    with TheHiveEmulator(api_key="test-key", organisation="csirt-kota") as hive:
        monkeypatch.setenv("CSIRT_THEHIVE_KEY", "test-key")
        config_path = tmp_path / "c.toml"
        config_path.write_text(f'[cases]\nbackend = "thehive"\n[cases.thehive]\nurl = "{hive.url}"\n'
                               'key_env = "CSIRT_THEHIVE_KEY"\norganisation = "csirt-kota"\n',
                               encoding="utf-8")
        config = load_config(str(config_path))
        key = seed_case(store_path, config=config)
        store = open_store(store_path)
        sync_outbox(store, config)
        store.close()
        assert len(hive.cases) == 1
        cli(["--config", config_path, "timeline", key, "--to-thehive", "--format", "md"])
        cli(["--config", config_path, "timeline", key, "--to-thehive", "--format", "md"])
        # the sync attached the case's evidence bundle (evidence-<sha>.zip); the timeline once
        names = sorted(a["name"] for a in hive.attachments.values())
        assert len(names) == 2 and names[0].startswith("evidence-") and names[0].endswith(".zip")
        assert names[1].startswith("timeline-webshell_web-dinkes-") and names[1].endswith(".md")
        assert hive.count("POST", f"/api/v1/case/{next(iter(hive.cases))}/attachments") == 2
