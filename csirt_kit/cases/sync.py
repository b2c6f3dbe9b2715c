"""Drain the outbox into the case backend, then pull status changes made on the server.

Each remote write is followed by its own small commit (backend id, task id,
progress), so a crash at any point loses at most the knowledge of one write;
the next run recovers it by looking the case up by its dedup tag and listing
its tasks and observables before adding more. Network calls never run inside a
store transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from csirt_kit.cases import outbox, records
from csirt_kit.cases.backend import BadAnswer, CaseBackend, Refused, Unavailable
from csirt_kit.cases.events import add_event
from csirt_kit.cases.guard import drain_lock
from csirt_kit.cases.opening import backend_name
from csirt_kit.cases.outbox import OutboxItem
from csirt_kit.cases.pull import pull_status
from csirt_kit.cases.registry import make_backend
from csirt_kit.config import Config
from csirt_kit.errors import AuthError
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso

# A 2xx with a malformed body on a create may still have created it: retry (after a
# lookup by tag) a few runs, then give up and list it as a problem.
MAX_BAD_ANSWERS = 3
MAX_SERVER_ERRORS_IN_A_ROW = 3


@dataclass(frozen=True)
class SyncResult:
    """What one drain did; `queued` > 0 with `unreachable` means exit 4 for the pipeline."""

    backend: str
    sent: int = 0
    created: tuple[str, ...] = ()
    queued: int = 0
    failed: int = 0
    newly_failed: int = 0
    pulled: int = 0
    closed_remotely: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    unreachable: bool = False
    auth_error: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"backend": self.backend, "sent": self.sent, "created": list(self.created),
                "queued": self.queued, "failed": self.failed, "newly_failed": self.newly_failed,
                "pulled": self.pulled, "closed_remotely": list(self.closed_remotely),
                "errors": list(self.errors), "unreachable": self.unreachable,
                "auth_error": self.auth_error}


class _Drain:
    """One pass over the pending items of one backend."""

    def __init__(self, store: Store, backend: CaseBackend) -> None:
        self.store = store
        self.backend = backend
        self.sent = 0
        self.created: list[str] = []
        self.newly_failed = 0
        self.errors: list[str] = []
        self.transient = False

    def _save(self, item: OutboxItem, progress: dict[str, Any]) -> None:
        with self.store.write() as conn:
            outbox.save_progress(conn, item.id, progress, iso())

    def _done(self, items: list[OutboxItem], key: str, text: str = "") -> None:
        with self.store.write() as conn:
            now = iso()
            outbox.mark_done(conn, [i.id for i in items], now)
            if text and self.backend.name != "local":  # the local store needs no receipt
                add_event(conn, key, "synced", text, at=now, data={"backend": self.backend.name,
                                                                    "ops": [i.op for i in items]})
        self.sent += len(items)

    def fail(self, items: list[OutboxItem], key: str, error: str, final: bool) -> None:
        """Record a try that did not complete; final ones are listed as problems."""
        if error not in self.errors:
            self.errors.append(error)
        self.transient = self.transient or not final
        with self.store.write() as conn:
            now = iso()
            outbox.mark_attempt(conn, [i.id for i in items], error, now, failed=final)
            if final:
                add_event(conn, key, "sync_failed", error, at=now,
                          data={"backend": self.backend.name, "ops": [i.op for i in items]})
        if final:
            self.newly_failed += len(items)

    def _case_id(self, key: str) -> str | None:
        case = records.get_case(self.store.conn, key)
        if case.backend_id:
            return case.backend_id
        found = self.backend.find_case(key)
        if found is not None:
            self._record_case(key, found.id, found.url)
            return found.id
        return None

    def _record_case(self, key: str, case_id: str, url: str) -> None:
        with self.store.write() as conn:
            records.update_case(conn, key, iso(), backend_id=case_id, backend_url=url or None)

    def create(self, key: str, item: OutboxItem, extra_obs: list[OutboxItem]) -> str:
        """Create the case (unless the server has it), its missing tasks, then observables."""
        progress = dict(item.progress)
        payload = item.payload
        fresh = False
        case_id = progress.get("case_id") or self._case_id(key)
        if not case_id:
            remote = self.backend.create_case(key, payload)
            case_id, fresh = remote.id, True
            self._record_case(key, remote.id, remote.url)
            self.created.append(key)
        if progress.get("case_id") != case_id:
            progress["case_id"] = case_id
            self._save(item, progress)
        done: dict[str, str] = dict(progress.get("tasks", {}))
        todo = [t for t in payload.get("tasks", []) if str(t["idx"]) not in done]
        if todo and not fresh:
            have = {(t.title, t.group): t.id for t in self.backend.list_tasks(case_id)}
            for t in todo:
                if (t["title"], t["group"]) in have:
                    done[str(t["idx"])] = have[(t["title"], t["group"])]
            todo = [t for t in todo if str(t["idx"]) not in done]
        for t in todo:
            remote_task = self.backend.add_task(case_id, key, int(t["idx"]), t)
            done[str(t["idx"])] = remote_task.id
            progress["tasks"] = done
            self._save(item, progress)
        with self.store.write() as conn:
            conn.executemany("UPDATE case_tasks SET backend_id = ? WHERE case_key = ? AND idx = ?",
                             [(tid, key, int(idx)) for idx, tid in done.items()])
        observables = [records.Observable(**o) for o in payload.get("observables", [])]
        observables += [records.Observable(**o) for x in extra_obs for o in x.payload["observables"]]
        if observables:
            self.backend.add_observables(case_id, observables)
        self._done([item, *extra_obs], key, f"Case written to {self.backend.where} as {case_id}"
                   f" ({len(done)} task(s), {len(observables)} observable(s))")
        return str(case_id)

    def other(self, key: str, case_id: str, item: OutboxItem, extra_obs: list[OutboxItem]) -> None:
        """Send one non-create item (observables merged into one call)."""
        p = item.payload
        if item.op == "add_observables":
            obs = [records.Observable(**o) for x in [item, *extra_obs] for o in x.payload["observables"]]
            self.backend.add_observables(case_id, obs)
            self._done([item, *extra_obs], key)
        elif item.op == "comment":
            # An earlier try may have been stored before its answer was lost.
            if not (item.attempts and str(p["message"]) in self.backend.comment_texts(case_id)):
                self.backend.add_comment(case_id, str(p["message"]))
            self._done([item], key)
        elif item.op == "update":
            self.backend.update_case(case_id, p)
            self._done([item], key)
        elif item.op == "close":
            self.backend.close_case(case_id, p["status"], p["summary"], p.get("impact", "NotApplicable"))
            self._done([item], key, f"Closing sent to {self.backend.where}")

    def case(self, key: str, items: list[OutboxItem]) -> None:
        """Send the pending items of one case in order (a refused one fails alone)."""
        obs_items = [i for i in items if i.op == "add_observables"]
        rest = [i for i in items if i.op != "add_observables"]
        creates = [i for i in rest if i.op == "create_case"]
        case_id: str | None = None
        if creates:
            item = creates[0]
            try:
                case_id = self.create(key, item, obs_items)
            except (Refused, BadAnswer) as exc:
                final = isinstance(exc, Refused) or item.attempts + 1 >= MAX_BAD_ANSWERS
                self.fail([item], key, exc.message, final)
                return
            obs_items = []
            rest = [i for i in rest if i.op != "create_case"]
        else:
            case_id = self._case_id(key)
            if case_id is None:
                if outbox.items(self.store.conn, key, status="failed"):
                    return  # waits for the failed create (listed by --problems, --retry-failed)
                self.fail(items, key, f"the case is not (yet) on {self.backend.where}", final=False)
                return
        if obs_items:
            rest = [obs_items[0], *rest]
        for item in rest:
            try:
                self.other(key, case_id, item, obs_items[1:] if item.op == "add_observables" else [])
            except (Refused, BadAnswer) as exc:
                final = isinstance(exc, Refused) or item.attempts + 1 >= MAX_BAD_ANSWERS
                self.fail([item], key, exc.message, final)


def sync_outbox(store: Store, config: Config, progress: ProgressFn | None = None,
                pull: bool = True) -> SyncResult:
    """Send every pending write of the configured backend, then pull status back."""
    progress = progress or no_progress
    name = backend_name(config)
    with drain_lock(store, float(config.get("cases.sync_wait", 60.0))):
        return _sync(store, config, name, progress, pull)


def _sync(store: Store, config: Config, name: str, progress: ProgressFn, pull: bool) -> SyncResult:
    backend = make_backend(name, config, store)
    drain = _Drain(store, backend)
    errors: list[str] = []
    unreachable = transient = False
    auth_error = ""
    pulled: int = 0
    closed: tuple[str, ...] = ()
    try:
        pending = outbox.pending_by_case(store.conn, name)
        server_errors = 0
        for n, (key, items) in enumerate(pending.items()):
            progress("sending to case backend", n, len(pending))
            try:
                drain.case(key, items)
                server_errors = 0
            except Unavailable as exc:
                drain.fail(items, key, exc.message, final=False)
                server_errors += 1
                if exc.transport or server_errors >= MAX_SERVER_ERRORS_IN_A_ROW:
                    unreachable = True
                    break
            except AuthError as exc:
                drain.fail(items[:1], key, exc.message, final=True)
                auth_error = exc.message
                break
        progress("sending to case backend", len(pending), len(pending))
        if pull and not unreachable and not auth_error:
            try:
                pulled, closed = pull_status(store, backend)
            except Unavailable as exc:
                errors.append(exc.message)
                unreachable = transient = True
            except AuthError as exc:
                auth_error = exc.message
            except BadAnswer as exc:
                errors.append(exc.message)
    finally:
        backend.close()
    counts = outbox.counts(store.conn)
    queued = store.conn.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND backend = ?",
                                (name,)).fetchone()[0]
    errors = [*drain.errors, *errors]
    errors.extend(sorted({i.last_error or "" for i in outbox.items(store.conn, status="failed")
                          if i.last_error} - set(errors)))
    return SyncResult(backend=name, sent=drain.sent, created=tuple(drain.created), queued=queued,
                      failed=counts.get("failed", 0), newly_failed=drain.newly_failed, pulled=pulled,
                      closed_remotely=tuple(closed), errors=tuple(errors),
                      unreachable=unreachable or transient or drain.transient, auth_error=auth_error)
