"""`csirt doctor`: one check per line, each saying what was checked and how it went."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from csirt_kit.config import Config
from csirt_kit.errors import CsirtError
from csirt_kit.redaction import redact

# ok: fine; warn: works, but an operator should know (TLS off, nothing configured); fail: broken.
STATUSES = ("ok", "warn", "fail")


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    status: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready dict."""
        return {"check": self.name, "status": self.status, "detail": redact(self.detail)}


def _guard(name: str, fn: Callable[[], Iterator[Check]]) -> Iterator[Check]:
    try:
        yield from fn()
    except CsirtError as exc:
        yield Check(name, "fail", exc.message)
    except Exception as exc:  # a check must never crash the doctor
        yield Check(name, "fail", f"{type(exc).__name__}: {exc}")


def check_config(config: Config) -> Iterator[Check]:
    """The config loaded; where it came from; secrets named, set and redacted."""
    yield Check("config", "ok", f"loaded from {config.where()}")
    for key, _value, origin in config.flat():
        if key.endswith("_env"):  # key_env, bot_token_env, password_env, secret_env, ...
            var = str(_value)
            state = "set" if os.environ.get(var) else "NOT SET"
            yield Check(f"secret {key}", "ok" if state == "set" else "fail",
                        f"variable {var} is {state} (value never shown; origin {origin})")


def check_store(config: Config) -> Iterator[Check]:
    """The store opens, is writable, WAL, and migrated."""
    from csirt_kit.store import migrations
    from csirt_kit.store.db import connect

    path = config.store_path
    existed = path.exists()
    conn = connect(str(path))
    try:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        pending = migrations.pending(conn)
        version = migrations.schema_version(conn)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        yield Check("store", "fail", f"{path}: {exc}")
        return
    finally:
        conn.close()
    state = "new, will be created" if not existed else f"schema version {version}"
    if pending and existed:
        yield Check("store", "warn", f"{path}: {state}, {len(pending)} migration(s) pending "
                                     "(applied by the next command)")
    else:
        yield Check("store", "ok", f"{path}: writable, journal {mode}, {state}")


def check_rules(config: Config) -> Iterator[Check]:
    """Every rule file compiles."""
    from csirt_kit.scan.rules import load_rules

    ruleset = load_rules(config)
    count = len(getattr(ruleset, "namespaces", ()) or ())
    if ruleset.problems:
        for problem in ruleset.problems:
            yield Check("rules", "fail", str(problem))
    else:
        yield Check("rules", "ok", f"{count} rule files compile (rules hash {ruleset.rules_hash[:12]})")


def check_judol_lists(config: Config) -> Iterator[Check]:
    """The gambling keyword and domain lists (bundled plus [judol]) load."""
    from csirt_kit.judol.vocab import load_vocabulary

    vocab = load_vocabulary(config)  # a bad entry raises ConfigError naming file and line
    terms = len(vocab.strong) + len(vocab.phrases) + len(vocab.weak) + len(vocab.weak_phrases)
    extra = [k for k in ("keywords", "domains", "keywords_file", "domains_file")
             if config.get(f"judol.{k}", None)]
    yield Check("judol lists", "ok", f"{terms} gambling terms, {len(vocab.fragments)} fragments, "
                                     f"{len(vocab.domains)} domain patterns"
                                     + (f" (extended by [judol] {', '.join(extra)})" if extra else ""))


def check_playbooks(config: Config) -> Iterator[Check]:
    """Every playbook loads and validates."""
    from csirt_kit.playbooks.loader import check_paths, configured_paths

    result = check_paths(configured_paths(config))
    if result.problems:
        for problem in result.problems:
            yield Check("playbooks", "fail", str(problem))
    else:
        yield Check("playbooks", "ok", f"{len(result.playbooks)} playbooks valid "
                                       f"({', '.join(p.id for p in result.playbooks)})")


def _tls(name: str, entry: Any) -> Iterator[Check]:
    if getattr(entry, "verify_tls", True) is False:
        yield Check(f"tls {name}", "warn", "TLS verification is OFF for this server")


def check_intel(config: Config) -> Iterator[Check]:
    """Each MISP server answers and accepts its key; each feed's manifest or file is readable."""
    from csirt_kit.intel.fetch import Location
    from csirt_kit.intel.misp_server import check_answer, connect
    from csirt_kit.intel.sources import Feed, load_sources

    sources = load_sources(config)
    if not sources:
        yield Check("intel", "warn", "no MISP server or feed configured")
    for source in sources:
        yield from _tls(source.name, source)
        if isinstance(source, Feed):
            def feed_check(feed: Feed = source) -> Iterator[Check]:
                verify: bool | str = feed.ca_file or feed.verify_tls
                loc = Location(feed.name, feed.location, min(feed.timeout, 15.0), verify)
                first = "manifest.json" if feed.format == "misp" else ""
                data = loc.read(first)
                yield Check(f"feed {feed.name}", "ok",
                            f"{loc.where(first)} readable ({len(data)} bytes)")
            yield from _guard(f"feed {source.name}", feed_check)
        else:
            def misp_check(server: Any = source) -> Iterator[Check]:
                misp = connect(server, config.secret(server.key_env, server.name))
                version = check_answer(misp.misp_instance_version, server, "get version")
                yield Check(f"misp {server.name}", "ok",
                            f"{server.url}: authenticated, MISP {version.get('version', '?')}")
            yield from _guard(f"misp {source.name}", misp_check)


def check_thehive(config: Config) -> Iterator[Check]:
    """TheHive answers and accepts the key (when it is the case backend); version, key field, templates."""
    if config.get("cases.backend") != "thehive":
        yield Check("thehive", "ok", "not used (cases.backend = local)")
        return
    from csirt_kit.cases.thehive import TheHiveBackend

    section = config.get("cases.thehive", {}) or {}
    if section.get("verify_tls", True) is False:
        yield Check("tls thehive", "warn", "TLS verification is OFF for TheHive")
    backend = TheHiveBackend(config)
    try:
        user = backend._call("get current user", backend.api.user.get_current)
        login = user.get("login", "?") if isinstance(user, dict) else "?"
        org = user.get("organisation", "?") if isinstance(user, dict) else "?"
        yield Check("thehive", "ok", f"{backend.url}: authenticated as {login} "
                                     f"(organisation {org})")
        yield from _guard("thehive version", lambda: _thehive_version(backend))
        yield from _guard("thehive key field", lambda: _thehive_key_field(backend, config))
        yield from _guard("thehive templates", lambda: _thehive_templates(backend, config))
    finally:
        backend.close()


def _thehive_version(backend: Any) -> Iterator[Check]:
    from csirt_kit.cases.template_push import STATUS_PATH, server_version

    version = server_version(backend)
    ok = version.split(".", 1)[0] == "5"
    note = "" if ok else "; csirt-kit speaks the TheHive 5 API (v1)"
    yield Check("thehive version", "ok" if ok else "warn", f"TheHive {version} (GET {STATUS_PATH}){note}")


def key_field_fix(name: str, url: str) -> str:
    """How an administrator defines the key custom field: the UI path and the API call."""
    body = json.dumps({"name": name, "displayName": "csirt-kit case key", "group": "csirt-kit",
                       "description": "Case key set by csirt-kit", "type": "string", "mandatory": False})
    return (f"as a platform administrator (admin organisation): Entities management > Custom fields > "
            f"+ , technical name {name}, type String, not mandatory; or by API: curl -X POST "
            f"-H 'Authorization: Bearer $ADMIN_KEY' -H 'X-Organisation: admin' "
            f"-H 'Content-Type: application/json' {url}/api/v1/customField -d '{body}'")


def _thehive_key_field(backend: Any, config: Config) -> Iterator[Check]:
    from csirt_kit.cases.template_push import key_field_state

    kf = key_field_state(backend, config)
    if kf.exists is None:
        yield Check("thehive key field", "warn", f"custom field {kf.name}: definitions not readable "
                                                 f"with this key ({kf.note})")
    elif not kf.exists:  # cases still work: the key stays in the dedup tag only
        yield Check("thehive key field", "warn",
                    f"custom field {kf.name} is not defined: cases, alerts and templates carry the case "
                    f"key only in the tag. Fix {key_field_fix(kf.name, backend.url)}")
    elif kf.type not in ("string", ""):
        yield Check("thehive key field", "fail", f"custom field {kf.name} exists with type {kf.type}; "
                                                 "the case key needs type string")
    else:
        yield Check("thehive key field", "ok", f"custom field {kf.name} exists (type string)")


def _thehive_templates(backend: Any, config: Config) -> Iterator[Check]:
    """Pushed and current in either language: doctor has no --lang, push may have had one."""
    from csirt_kit.cases.template_build import LANGS
    from csirt_kit.cases.template_push import key_field_state, server_templates, template_states
    from csirt_kit.playbooks.loader import load_playbooks

    playbooks = load_playbooks(config)
    kf = key_field_state(backend, config)
    theirs = server_templates(backend)
    per_lang = {lang: template_states(config, playbooks, lang, kf, theirs)[0] for lang in LANGS}
    names = [str(s.ours["name"]) for s in per_lang["en"]]
    missing = [s.ours["name"] for s in per_lang["en"] if s.theirs is None]
    current = {str(s.ours["name"]) for states in per_lang.values() for s in states
               if s.action == "unchanged"}
    outdated = [n for n in names if n not in current and n not in missing]
    section = config.get("cases.thehive", {}) or {}
    in_use = bool(section.get("use_templates")) or section.get("mode") == "alert"
    if missing:
        effect = ("cases or alerts name them (use_templates or alert mode), so they are needed" if in_use
                  else "not used now (case mode, cases.thehive.use_templates = false)")
        yield Check("thehive templates", "fail" if in_use else "warn",
                    f"{len(missing)} of {len(names)} case templates not in TheHive ({', '.join(missing)}); "
                    f"{effect}. Fix: run `csirt playbooks push`")
    if outdated:
        yield Check("thehive templates", "warn",
                    f"{len(outdated)} case template(s) differ from the playbooks ({', '.join(outdated)}); "
                    "run `csirt playbooks push` (`--dry-run` shows the fields)")
    if not missing and not outdated:
        yield Check("thehive templates", "ok", f"{len(names)} case templates pushed and current")


def check_notify(config: Config) -> Iterator[Check]:
    """Notification channels are valid (their secrets are checked with the config)."""
    from csirt_kit.notify.channels import load_channels

    channels = load_channels(config)
    if not channels:
        yield Check("notify", "ok", "no notification channel configured")
        return
    yield Check("notify", "ok", f"{len(channels)} channel(s): "
                                f"{', '.join(f'{c.name} ({c.type})' for c in channels)}")


def check_cluster(config: Config) -> Iterator[Check]:
    """The Dask scheduler and its workers, when a cluster is configured."""
    from csirt_kit.cluster.check import check_cluster as cluster_checks

    yield from cluster_checks(config)


CHECKS: tuple[tuple[str, Callable[[Config], Iterator[Check]]], ...] = (
    ("config", check_config), ("store", check_store), ("rules", check_rules),
    ("judol lists", check_judol_lists), ("playbooks", check_playbooks), ("intel", check_intel),
    ("thehive", check_thehive),
    ("notify", check_notify), ("cluster", check_cluster),
)


def run_checks(config: Config) -> list[Check]:
    """Every check, in order; none can stop the others."""
    out: list[Check] = []
    for name, fn in CHECKS:
        out.extend(_guard(name, lambda fn=fn: fn(config)))  # type: ignore[misc]
    return out
