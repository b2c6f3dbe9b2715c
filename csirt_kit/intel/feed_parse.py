"""Parse MISP feed event files into indicator rows, here or in a second process.

Turning an event into rows (JSON decoding, normalising, warninglist checks) costs about
two thirds of an import; SQLite writing the rest. With ``parse_workers`` >= 1 and enough
events, a process pool does the former while this process (the only writer) writes:
the event bytes go out, (event details, rows, objects, counters) come back, in the order
submitted, at most a few events in flight (bounded memory). A bad file is reported by
name from either side; a pool that breaks hands the rest back to this process.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, fields
from typing import Any

import orjson

from csirt_kit.intel.fetch import Location, MissingFile
from csirt_kit.intel.rows import RowBuilder
from csirt_kit.intel.store import Row

POOL_MIN_EVENTS = 16  # fewer new events than this: parse here (a pool costs ~1 s to start)
Objects = list[tuple[str, str, dict[str, Any]]]


def describe(value: Any) -> str:
    """What a JSON document turned out to be, for messages."""
    if isinstance(value, list):
        kinds = sorted({type(v).__name__ for v in value})
        return f"a JSON array of {len(value)} item(s) ({', '.join(kinds) or 'empty'})"
    return f"a JSON {type(value).__name__}"


def decode_event(data: bytes, where: str, uuid: str) -> Mapping[str, Any]:
    """The Event object of an event file; MissingFile (naming the file) when it is not one."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MissingFile(f"{where}: not valid JSON: {exc}") from None
    event = doc.get("Event") if isinstance(doc, Mapping) else None
    if not isinstance(event, Mapping):
        raise MissingFile(f"{where}: expected {{\"Event\": {{...}}}}, got {describe(doc)}")
    if str(event.get("uuid", uuid)) != uuid:
        raise MissingFile(f"{where}: holds event {event.get('uuid')!r}, not {uuid}")
    return event


@dataclass
class Parsed:
    """One event made into rows, or the problem that stopped it."""

    uuid: str
    event: Mapping[str, Any] = field(default_factory=dict)  # without its attributes
    rows: list[Row] = field(default_factory=list)
    objects: Objects = field(default_factory=list)
    problem: str = ""
    warninglisted: int = 0
    bad_values: int = 0
    examples: list[str] = field(default_factory=list)


def parse_event(builder: RowBuilder, uuid: str, data: bytes, where: str) -> Parsed:
    """Rows of one event file, with the builder's counters for this event only."""
    try:
        event = decode_event(data, where, uuid)
    except MissingFile as exc:
        return Parsed(uuid, problem=str(exc))
    listed, bad, seen = builder.warninglisted, builder.bad_values, len(builder.examples)
    rows, objects = builder.event_rows(event)
    details = {k: v for k, v in event.items() if k not in ("Attribute", "Object")}
    return Parsed(uuid, details, rows, objects, "", builder.warninglisted - listed,
                  builder.bad_values - bad, builder.examples[seen:])


_BUILDER: RowBuilder | None = None


def _start_worker(settings: dict[str, Any]) -> None:
    global _BUILDER
    _BUILDER = RowBuilder(**settings)
    _ = _BUILDER.index  # load the warninglists while the writer reads the manifest


def _work(uuid: str, data: bytes, where: str) -> Parsed:
    assert _BUILDER is not None
    return parse_event(_BUILDER, uuid, data, where)


def _settings(builder: RowBuilder) -> dict[str, Any]:
    keep = ("now", "ttl_days", "max_age_days", "default_to_ids", "extra_tags", "expiry_from_change",
            "warninglists", "ignore_lists")
    return {f.name: getattr(builder, f.name) for f in fields(builder) if f.name in keep}


def _pool(workers: int, builder: RowBuilder) -> Executor:
    """Worker processes that each hold a RowBuilder set up like `builder`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: the child starts with the modules already imported and never re-runs a caller's
    # script (forkserver/spawn would); it only parses, touching no lock, store or thread here.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(_settings(builder),))


def _read(loc: Location, uuid: str) -> tuple[bytes, str]:
    name = f"{uuid}.json"
    return loc.read(name), loc.where(name)


def parsed_events(loc: Location, todo: Sequence[str], builder: RowBuilder,
                  workers: int = 1) -> Generator[Parsed, None, None]:
    """Parsed events in the order of `todo`; counters of pool work are added to `builder`."""
    if workers < 1 or len(todo) < POOL_MIN_EVENTS:
        for uuid in todo:
            try:
                data, where = _read(loc, uuid)
            except MissingFile as exc:
                yield Parsed(uuid, problem=str(exc))
                continue
            yield parse_event(builder, uuid, data, where)
        return
    window: deque[tuple[str, Future[Parsed] | Parsed]] = deque()
    left = deque(todo)
    from concurrent.futures.process import BrokenProcessPool  # (loaded only when used)

    with _pool(workers, builder) as pool:
        try:
            while left or window:
                while left and len(window) < 3 * workers + 2:
                    uuid = left.popleft()
                    try:
                        data, where = _read(loc, uuid)
                    except MissingFile as exc:
                        window.append((uuid, Parsed(uuid, problem=str(exc))))
                        continue
                    window.append((uuid, pool.submit(_work, uuid, data, where)))
                uuid, item = window[0]
                done = item.result() if isinstance(item, Future) else item
                window.popleft()
                builder.warninglisted += done.warninglisted
                builder.bad_values += done.bad_values
                builder.examples.extend(done.examples[:max(0, 5 - len(builder.examples))])
                yield done
        except BrokenProcessPool:
            # The pool died (killed, out of memory): the rest is parsed here.
            rest = [u for u, _ in window] + list(left)
            window.clear()
            left.clear()
            yield from parsed_events(loc, rest, builder, 0)
