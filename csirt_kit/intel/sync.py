"""`intel sync` as a library call: every configured source in turn, failures recorded per source."""

from __future__ import annotations

import json
import time
from typing import Any

from csirt_kit.config import Config
from csirt_kit.errors import AuthError, ConfigError, CsirtError, InputError, ServerError, UsageError
from csirt_kit.intel import store as istore
from csirt_kit.intel.fetch import Location, MissingFile
from csirt_kit.intel.lists import sync_list
from csirt_kit.intel.misp_feed import sync_misp_feed
from csirt_kit.intel.result import SourceResult, SyncReport
from csirt_kit.intel.sources import (
    Feed,
    MispServer,
    Source,
    WarninglistSettings,
    load_sources,
    load_warninglist_settings,
)
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.redaction import redact
from csirt_kit.store.db import Store

# Source kinds and the function that syncs each (the registry a test checks against the docs).
SOURCE_KINDS = ("misp", "feed:misp", "feed:csv", "feed:text")


def _status_of(exc: CsirtError) -> str:
    if isinstance(exc, AuthError):
        return "auth"
    if isinstance(exc, ServerError):
        return "unreachable" if exc.queued else "server"
    if isinstance(exc, ConfigError):
        return "config"
    return "problems"


def _sync_feed(store: Store, feed: Feed, full: bool, now: str, progress: ProgressFn,
               wl: WarninglistSettings) -> dict[str, Any]:
    verify: bool | str = feed.ca_file or feed.verify_tls
    loc = Location(feed.name, feed.url or feed.path, feed.timeout, verify)
    try:
        if feed.format == "misp":
            return sync_misp_feed(store, feed, loc, full, now, progress, wl)
        return sync_list(store, feed, loc, full, now, wl)
    except MissingFile as exc:
        raise InputError(str(exc), where=f"feed {feed.name}",
                         fix="check the feed's url or path") from None
    finally:
        loc.close()


def _sync_misp(store: Store, config: Config, server: MispServer, full: bool, now: str,
               progress: ProgressFn, wl: WarninglistSettings) -> dict[str, Any]:
    from csirt_kit.intel.misp_server import connect, pull
    from csirt_kit.intel.sightings import send_sightings

    key = config.secret(server.key_env, server.name)
    misp = connect(server, key)
    sent = send_sightings(store, server, misp, now) if server.sightings else None
    counts = pull(store, server, misp, full, now, progress, wl)
    counts["sightings_sent"] = sent.sent if sent else 0
    return counts


def sync_one(store: Store, config: Config, source: Source, full: bool = False,
             progress: ProgressFn = no_progress) -> SourceResult:
    """Sync one source; any CsirtError becomes the result's status and error."""
    start = time.monotonic()
    now = istore.now_iso()
    with store.write() as conn:
        istore.register_source(conn, source.name, source.kind, source.location,
                               getattr(source, "sightings", False))
        istore.update_source(conn, source.name, last_attempt=now)
        istore.ensure_indexes(conn)  # a first bulk load that was killed left them out
    try:
        wl = load_warninglist_settings(config)
        if isinstance(source, MispServer):
            counts = _sync_misp(store, config, source, full, now, progress, wl)
        else:
            counts = _sync_feed(store, source, full, now, progress, wl)
    except CsirtError as exc:
        status, message = _status_of(exc), redact(exc.message)
        with store.write() as conn:
            istore.update_source(conn, source.name, last_status=status, last_error=message[:1000])
        return SourceResult(source.name, source.kind, status, message,
                            seconds=round(time.monotonic() - start, 3))
    problems = tuple(redact(p) for p in counts.pop("problems", []))
    status = "problems" if problems else "ok"
    fields = {k: v for k, v in counts.items() if k in SourceResult.__dataclass_fields__}
    result = SourceResult(source.name, source.kind, status, "", problems,
                          seconds=round(time.monotonic() - start, 3), **fields)
    with store.write() as conn:
        istore.update_source(conn, source.name, last_status=status, last_success=now,
                             last_error="\n".join(problems)[:2000],
                             last_stats=json.dumps({k: v for k, v in result.to_dict().items()
                                                    if isinstance(v, int | float)}))
    return result


def sync_sources(config: Config, store: Store, source: str | None = None, full: bool = False,
                 progress: ProgressFn | None = None) -> SyncReport:
    """Sync every enabled source (or the one named); one failing source never stops the others.

    ConfigError for an invalid intel config; UsageError for an unknown --source name.
    """
    sources = load_sources(config)
    if source:
        chosen = [s for s in sources if s.name == source]
        if not chosen:
            raise UsageError(f"no intel source named {source!r}",
                             fix=f"configured: {', '.join(s.name for s in sources) or 'none'}")
    else:
        chosen = [s for s in sources if s.enabled]
    start = time.monotonic()
    # A bigger page cache keeps the indicator indexes in memory during bulk imports
    # (random uuid keys; SQLite's default 2 MB makes a 1M-row import disk-bound).
    store.conn.execute("PRAGMA cache_size = -131072")
    results = tuple(sync_one(store, config, s, full, progress or no_progress) for s in chosen)
    return SyncReport(results, {"sources": len(results), "seconds": round(time.monotonic() - start, 3)})
