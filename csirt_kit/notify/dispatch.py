"""Queue messages for new cases and daily digests, then drain the queue to the receivers.

The network is never touched inside a store transaction: a message is queued in one
transaction, sent, then recorded as sent in another. A process killed between the receiver's
acceptance and that record sends the message again on the next run (webhooks carry a stable
delivery id, e-mails a stable Message-ID, so receivers can drop the repeat).
"""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from csirt_kit.cases import records
from csirt_kit.config import Config
from csirt_kit.errors import AuthError, ConfigError, CsirtError, NotFoundError, ServerError
from csirt_kit.models import severity_rank
from csirt_kit.notify import queue
from csirt_kit.notify.channels import Channel, get_channel, load_channels
from csirt_kit.notify.senders import SENDERS, Refused, Retry
from csirt_kit.notify.texts import Message, case_message, digest_message, probe_message
from csirt_kit.redaction import redact
from csirt_kit.store.assets import get_asset
from csirt_kit.store.db import MEMORY, Store
from csirt_kit.timeutil import iso, parse_iso, zone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotifyResult:
    """What one enqueue-and-drain did."""

    enqueued: int = 0
    sent: int = 0
    failed: int = 0
    queued: int = 0
    unreachable: bool = False
    busy: bool = False
    errors: tuple[str, ...] = field(default=())
    misconfigured: bool = False  # a channel's secret variable is missing: its messages wait

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"enqueued": self.enqueued, "sent": self.sent, "failed": self.failed,
                "queued": self.queued, "unreachable": self.unreachable, "busy": self.busy,
                "misconfigured": self.misconfigured, "errors": list(self.errors)}


def _wanted(channel: Channel, case: records.Case) -> bool:
    if channel.playbooks and case.playbook not in channel.playbooks:
        return False
    return severity_rank(case.severity) >= severity_rank(channel.min_severity)


def _recent_cases(store: Store, cutoff: str) -> list[records.Case]:
    # Compared as times, not strings: stored stamps may or may not carry microseconds.
    limit = parse_iso(cutoff)
    rows = store.conn.execute("SELECT * FROM cases WHERE created_at >= ? ORDER BY created_at, key",
                              (cutoff[:10],))
    return [c for c in map(records.case_from_row, rows) if parse_iso(c.created_at) >= limit]


def _enqueue_channel(store: Store, config: Config, channel: Channel, now: str) -> int:
    with store.write() as conn:
        since = queue.channel_since(conn, channel.name, now)
        cutoff = iso(parse_iso(since) - timedelta(hours=channel.backfill_hours))
        cases = [c for c in _recent_cases(store, cutoff) if _wanted(channel, c)]
        if not channel.digest:
            done = queue.queued_keys(conn, channel.name, "case")
            return sum(queue.enqueue(conn, channel.name, c.key, "case", channel.lang, now)
                       for c in cases if c.stage == "open" and c.key not in done)
        tz = zone(config.timezone)
        today = parse_iso(now).astimezone(tz).date().isoformat()
        days: dict[tuple[str, str], list[str]] = {}
        for case in cases:
            day = parse_iso(case.created_at).astimezone(tz).date().isoformat()
            asset = get_asset(conn, case.asset_id) if case.asset_id else None
            days.setdefault((asset.owner if asset else "", day), []).append(case.key)
        done = queue.queued_keys(conn, channel.name, "digest")
        count = 0
        for (dept, day), keys in sorted(days.items()):
            key = f"digest:{dept}:{day}"
            if day < today and key not in done:
                count += queue.enqueue(conn, channel.name, key, "digest", channel.lang, now,
                                       {"department": dept, "date": day, "cases": keys})
        return count


def enqueue_new(store: Store, config: Config, now: str | None = None,
                channels: list[Channel] | None = None) -> int:
    """Queue one message per new case (or per finished day and department) per channel."""
    now = now or iso()
    chosen = load_channels(config) if channels is None else channels
    return sum(_enqueue_channel(store, config, c, now) for c in chosen if c.enabled)


@contextmanager
def _send_lock(store: Store) -> Iterator[bool]:
    """True when we hold the lock; a second sender skips instead of waiting (never blocks a run)."""
    if store.path == MEMORY:
        yield True
        return
    fd = os.open(store.folder / "notify-send.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _message(store: Store, item: queue.NotifyItem, lang: str) -> Message:
    if item.kind == "digest":
        p = item.payload
        return digest_message(store.conn, p["department"], p["date"], list(p["cases"]), lang)
    return case_message(store.conn, records.get_case(store.conn, item.case_key), lang)


@dataclass
class _Tally:
    sent: int = 0
    failed: int = 0
    unreachable: bool = False
    misconfigured: bool = False
    errors: list[str] = field(default_factory=list)


def _drain_channel(store: Store, config: Config, channel: Channel, lang: str | None,
                   tally: _Tally) -> None:
    send = SENDERS[channel.type]
    for item in queue.pending(store.conn, channel.name, channel.max_per_run):
        try:
            message = _message(store, item, lang or item.lang)
            send(config, channel, message, item.delivery_id)
        except ConfigError as exc:
            # A missing variable is fixed by the operator; the messages wait for it.
            tally.errors.append(f"channel {channel.name}: {redact(exc.what)}")
            tally.misconfigured = True
            return
        except NotFoundError as exc:
            with store.write() as conn:
                queue.mark_attempt(conn, item.id, redact(exc.what), iso(), failed=True)
            tally.failed += 1
            tally.errors.append(f"channel {channel.name}: {redact(exc.what)}")
            continue
        except Retry as exc:
            with store.write() as conn:
                queue.mark_attempt(conn, item.id, str(exc), iso(), failed=False)
            tally.unreachable = True
            tally.errors.append(f"channel {channel.name}: {exc} (queued for the next run)")
            return  # the receiver is down: the rest waits, in order
        except Refused as exc:
            with store.write() as conn:
                queue.mark_attempt(conn, item.id, str(exc), iso(), failed=True)
                if exc.auth:
                    # Every other message would be refused the same way: fail them unsent.
                    tally.failed += queue.fail_pending(conn, channel.name, f"not sent: {exc}", iso())
            tally.failed += 1
            tally.errors.append(f"channel {channel.name}: {exc} (not retried; fix it, then"
                                " `csirt notify send --retry-failed`)")
            if exc.auth:
                return
            continue
        except Exception as exc:  # a bug must not fail the run: the message fails, visibly
            log.debug("notify channel %s: unexpected error", channel.name, exc_info=True)
            error = f"internal error: {type(exc).__name__}: {redact(str(exc))[:200]}"
            with store.write() as conn:
                queue.mark_attempt(conn, item.id, error, iso(), failed=True)
            tally.failed += 1
            tally.errors.append(f"channel {channel.name}: {error} (a bug: please report it)")
            continue
        with store.write() as conn:
            queue.mark_sent(conn, item.id, iso())
        tally.sent += 1


def drain(store: Store, config: Config, lang: str | None = None,
          channels: list[Channel] | None = None) -> NotifyResult:
    """Send pending messages of every enabled channel; failures never raise."""
    chosen = load_channels(config) if channels is None else channels
    tally = _Tally()
    with _send_lock(store) as held:
        if held:
            for channel in chosen:
                if channel.enabled:
                    _drain_channel(store, config, channel, lang, tally)
    return NotifyResult(sent=tally.sent, failed=tally.failed,
                        queued=queue.counts(store.conn)["pending"], unreachable=tally.unreachable,
                        busy=not held, errors=tuple(tally.errors), misconfigured=tally.misconfigured)


def notify_new_cases(store: Store, config: Config, now: str | None = None) -> NotifyResult:
    """The pipeline's entry point: queue messages for new cases, then send what is queued."""
    channels = load_channels(config)
    enqueued = enqueue_new(store, config, now, channels)
    result = drain(store, config, channels=channels)
    return replace(result, enqueued=enqueued)


def retry_failed(store: Store, channel: str = "") -> int:
    """Put failed messages back in the queue."""
    with store.write() as conn:
        return queue.retry_failed(conn, iso(), channel)


def send_probe(config: Config, name: str, lang: str | None = None) -> Channel:
    """Send one test message now (not queued); errors say what to fix."""
    channel = get_channel(config, name)
    try:
        SENDERS[channel.type](config, channel, probe_message(channel.name, lang or channel.lang),
                              str(uuid.uuid4()))
    except Retry as exc:
        raise ServerError(f"channel {name}: {exc}", fix="check the receiver is up and reachable,"
                          " then rerun") from None
    except Refused as exc:
        cls: type[CsirtError] = AuthError if exc.auth else ConfigError
        raise cls(f"channel {name}: {exc}", where=config.where(),
                  fix="correct the channel's settings or credentials") from None
    return channel
