"""MISP servers through PyMISP: paged incremental restSearch pulls and sightings.

Each page is stored in its own transaction and the resume point saved with it, so a
sync cut by a 5xx or a timeout keeps what it fetched and the next sync continues from
that page (one page of overlap; rows are keyed by attribute uuid, never duplicated).
The cursor of the next incremental pull is the start of the completed pull minus
`CLOCK_SLACK` seconds, which covers edits made while paging and modest clock skew.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import requests

from csirt_kit.errors import AuthError, CsirtError, ServerError
from csirt_kit.intel import store as istore
from csirt_kit.intel.rows import RowBuilder, epoch
from csirt_kit.intel.sources import MispServer, WarninglistSettings
from csirt_kit.models import EventRef
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.redaction import redact
from csirt_kit.store.db import Store
from csirt_kit.timeutil import parse_iso

log = logging.getLogger(__name__)
CLOCK_SLACK = 300
MAX_PAGES = 1_000_000
CONTEXT_RELATIONS = frozenset({"id", "vulnerable-configuration", "cvss-score", "summary",
                               "version-start-including", "version-start-excluding",
                               "version-end-including", "version-end-excluding"})


def _where(server: MispServer) -> str:
    return f"MISP server {server.name} ({server.url})"


def classify(exc: BaseException, server: MispServer) -> CsirtError:
    """Map a PyMISP/requests failure to AuthError or ServerError, naming the server, never the key."""
    text = redact(str(exc))
    where = _where(server)
    if isinstance(exc, requests.exceptions.Timeout) or "timed out" in text.lower():
        return ServerError(f"no answer within {server.timeout:g} s (timeout)", where=where,
                           fix="check the server; raise timeout in its config entry; the next sync resumes",
                           queued=True)
    if isinstance(exc, requests.exceptions.RequestException) or "Unable to connect" in text:
        return ServerError(f"unreachable: {text[:300]}", where=where,
                           fix="check the url and the network; the next sync resumes", queued=True)
    if "(401" in text or "(403" in text:
        return AuthError("the server refused the API key (HTTP 401/403)", where=where,
                         fix=f"check the key in ${server.key_env} and that its user may use the API")
    if "Unexpected response" in text:
        return ServerError(f"answered something that is not MISP JSON: {text[:200]}", where=where,
                           fix="check that url points at the MISP root (not a login page or proxy)")
    if "Error code" in text:
        return ServerError(f"server error: {text[:200]}", where=where,
                           fix="the next sync resumes from the last stored page", queued=True)
    return ServerError(f"failed: {type(exc).__name__}: {text[:300]}", where=where)


def check_answer(answer: Any, server: MispServer, action: str) -> Any:
    """Raise for PyMISP's {"errors": (status, body)} values (4xx come back as data)."""
    if isinstance(answer, Mapping) and "errors" in answer:
        status, body = [*list(answer["errors"]), None, None][:2]
        message = body.get("message", "") if isinstance(body, Mapping) else str(body)
        if status in (401, 403):
            raise AuthError(f"{action}: the server refused the API key (HTTP {status})",
                            where=_where(server), fix=f"check the key in ${server.key_env}")
        raise ServerError(f"{action}: HTTP {status}: {redact(str(message))[:200]}",
                          where=_where(server))
    return answer


def connect(server: MispServer, key: str) -> Any:
    """A PyMISP client with a timeout (PyMISP has none by default); errors mapped."""
    from pymisp import PyMISP

    # PyMISP logs every 4xx/5xx at ERROR level itself; we map them to our own messages.
    pymisp_log = logging.getLogger("pymisp")
    if pymisp_log.level == logging.NOTSET:
        pymisp_log.setLevel(logging.CRITICAL)
    verify: bool | str = server.ca_file or server.verify_tls
    if verify is False:
        from csirt_kit.intel.fetch import quiet_insecure_warning

        quiet_insecure_warning()
    try:
        return PyMISP(server.url, key, ssl=verify, timeout=(min(10.0, server.timeout), server.timeout),
                      tool="csirt-kit")
    except Exception as exc:  # PyMISP raises its own errors and wrapped requests errors
        raise classify(exc, server) from None


def _search(misp: Any, server: MispServer, since: int, page: int) -> list[Mapping[str, Any]]:
    params: dict[str, Any] = {
        "controller": "attributes", "return_format": "json", "page": page,
        "limit": server.page_size, "timestamp": since or None, "include_event_uuid": True,
        "include_event_tags": True, "tags": list(server.tags) or None,
        "type_attribute": list(server.types) or None, "published": server.published,
    }
    if server.to_ids is not None:
        params["to_ids"] = int(server.to_ids)
    try:
        answer = misp.search(**params)
    except Exception as exc:
        raise classify(exc, server) from None
    answer = check_answer(answer, server, "restSearch")
    attrs = answer.get("Attribute") if isinstance(answer, Mapping) else answer
    if not isinstance(attrs, list):
        raise ServerError(f"restSearch answered {type(answer).__name__} without an Attribute list",
                          where=_where(server))
    return [a for a in attrs if isinstance(a, Mapping)]


def _store_page(store: Store, server: MispServer, attrs: list[Mapping[str, Any]],
                builder: RowBuilder, now: str) -> int:
    rows: list[istore.Row] = []
    events: dict[str, tuple[EventRef, int]] = {}
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for attr in attrs:
        raw_event = attr.get("Event")
        event: Mapping[str, Any] = raw_event if isinstance(raw_event, Mapping) else {}
        uuid = str(attr.get("event_uuid") or event.get("uuid") or "")
        old = events.get(uuid)
        stamp = max(epoch(attr.get("timestamp")), old[1] if old else 0)
        events[uuid] = (EventRef(uuid, str(event.get("info", "") or ""), str(event.get("date", "") or ""),
                                 str(event.get("threat_level_id", "") or "")), stamp)
        relation = str(attr.get("object_relation") or "")
        object_id = str(attr.get("object_id") or "0")
        okey = f"id:{object_id}" if object_id != "0" else ""
        row = builder.row(attr, uuid, okey, relation)
        if row:
            rows.append(row)
        if okey and relation in CONTEXT_RELATIONS:
            akey = str(attr.get("uuid") or f"{relation}:{attr.get('value')}")
            objects.setdefault((uuid, okey), {})[akey] = [relation, str(attr.get("type", "")),
                                                          str(attr.get("value", ""))]
    with store.write() as conn:
        for uuid, (ref, stamp) in events.items():
            if uuid:
                istore.upsert_event(conn, server.name, ref, [], stamp, now)
        written = istore.write_indicators(conn, server.name, rows, now)
        for (uuid, okey), context in objects.items():
            istore.write_objects(conn, server.name, uuid, [(okey, "", context)], 0)
    return written


def pull(store: Store, server: MispServer, misp: Any, full: bool, now: str,
         progress: ProgressFn = no_progress,
         wl: WarninglistSettings = WarninglistSettings()) -> dict[str, Any]:
    """Pull changed attributes page by page; returns counters for the SourceResult."""
    state = istore.source_state(store.conn, server.name)
    started = int(parse_iso(now).timestamp())
    floor = started - int(server.max_age_days * 86400) if server.max_age_days else 0
    resume = json.loads(state["resume"]) if state.get("resume") else {}
    if resume and not full:
        since, page, started, began = resume["since"], max(1, resume["page"] - 1), resume["started"], \
            resume["began"]
        full = bool(resume.get("full"))
    else:
        since = floor if full or not state.get("cursor") else max(int(state["cursor"]), floor)
        page, began = 1, now
    builder = RowBuilder(now=now, ttl_days=server.ttl_days, max_age_days=server.max_age_days,
                         expiry_from_change=True, warninglists=wl.enabled, ignore_lists=wl.ignore)
    counts: dict[str, Any] = {"indicators_written": 0, "indicators_removed": 0, "pages": 0}
    fetched = 0
    for _ in range(MAX_PAGES):
        attrs = _search(misp, server, since, page)
        if attrs:
            counts["indicators_written"] += _store_page(store, server, attrs, builder, now)
            fetched += len(attrs)
            counts["pages"] += 1
            progress(f"{server.name}: attributes", fetched, None)
        with store.write() as conn:
            istore.update_source(conn, server.name, resume=json.dumps(
                {"since": since, "page": page + 1, "started": started, "began": began, "full": full}))
        if len(attrs) < server.page_size:
            break
        page += 1
    with store.write() as conn:
        if full:
            counts["indicators_removed"] = istore.retire_unseen(conn, server.name, began, now)
        istore.update_source(conn, server.name, cursor=str(max(0, started - CLOCK_SLACK)), resume="")
    counts["warninglisted"] = builder.warninglisted
    counts["bad_values"] = builder.bad_values
    counts["problems"] = [f"{server.name}: skipped value {e}" for e in builder.examples]
    return counts
