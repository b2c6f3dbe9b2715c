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
from csirt_kit.cases.attach import send_evidence
from csirt_kit.cases.backend import BadAnswer, CaseBackend, Refused, Unavailable
from csirt_kit.cases.events import add_event
from csirt_kit.cases.follow import follow_alert, match_tasks, record_remote, set_task_ids
from csirt_kit.cases.guard import drain_lock
from csirt_kit.cases.opening import backend_name, evidence_wanted
from csirt_kit.cases.outbox import OutboxItem
from csirt_kit.cases.pull import pull_status
from csirt_kit.cases.registry import make_backend
from csirt_kit.config import Config
from csirt_kit.errors import AuthError, CsirtError
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

    def __init__(self, store: Store, backend: CaseBackend, evidence: bool = False) -> None:
        self.store = store
        self.backend = backend
        self.evidence = evidence
        self.max_attachment = int(getattr(backend, "attachment_max", 20 * 1024 * 1024))
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

    def _target(self, key: str) -> tuple[str, str] | None:
        """(remote id, "case" or "alert") of the key; an alert promoted meanwhile leads to its case."""
        case = records.get_case(self.store.conn, key)
        if case.backend_id:
            if case.remote_kind == "alert":
                alert = self.backend.alert_states([case.backend_id]).get(case.backend_id)
                if alert is not None and alert.case_id:
                    return follow_alert(self.store, self.backend, key, alert)
            return case.backend_id, case.remote_kind
        found = self.backend.find_case(key)
        return record_remote(self.store, self.backend, key, found) if found is not None else None

    def create(self, key: str, item: OutboxItem, extra_obs: list[OutboxItem]) -> tuple[str, str]:
        """Create the case or alert (unless the server has it), its missing tasks, then observables."""
        progress = dict(item.progress)
        payload = item.payload
        fresh = templated = inline = False
        observables = [records.Observable(**o) for o in payload.get("observables", [])]
        observables += [records.Observable(**o) for x in extra_obs for o in x.payload["observables"]]
        target = None
        # Alerts are unique per key on the server: a first try's create is itself the lookup (a
        # duplicate answer is resolved by one). Cases, and retries (a stored-then-500 alert), are
        # looked up first, so a server that did not enforce uniqueness would still get no second.
        unique = bool(getattr(self.backend, "unique_creates", False)) and not item.attempts
        if records.get_case(self.store.conn, key).backend_id or not unique:
            target = self._target(key)
        if target is None:
            remote = self.backend.create_case(key, {**payload,
                                                    "observables": [o.__dict__ for o in observables]})
            fresh, templated, inline = not remote.existed, remote.templated, remote.inline
            target = record_remote(self.store, self.backend, key, remote)
            if not remote.existed:
                self.created.append(key)
        case_id, kind = target
        if progress.get("case_id") != case_id:
            progress["case_id"] = case_id
            self._save(item, progress)
        # tasks already known: from an earlier try, or adopted when an alert was followed to its case
        done: dict[str, str] = {str(t.idx): t.backend_id for t in records.tasks_of(self.store.conn, key)
                                if t.backend_id}
        done.update(progress.get("tasks", {}))
        if kind == "case":
            todo = [t for t in payload.get("tasks", []) if str(t["idx"]) not in done]
            if todo and (not fresh or templated):
                # a template, an earlier try or a promotion may have made some tasks already
                free = [t for t in self.backend.list_tasks(case_id) if t.id not in set(done.values())]
                done.update(match_tasks(todo, free))
                todo = [t for t in todo if str(t["idx"]) not in done]
            for t in todo:
                remote_task = self.backend.add_task(case_id, key, int(t["idx"]), t)
                done[str(t["idx"])] = remote_task.id
                progress["tasks"] = done
                self._save(item, progress)
            set_task_ids(self.store, key, done)
        if observables and not (inline and kind == "alert"):
            self.backend.add_observables(case_id, observables, kind)
        # a case or alert this very try created (not one found) has no attachments to list
        self._evidence(key, case_id, kind, item, progress, fresh=fresh)
        self._done([item, *extra_obs], key, f"{kind.capitalize()} written to {self.backend.where} as "
                   f"{case_id} ({len(done)} task(s), {len(observables)} observable(s))")
        return str(case_id), kind

    def _evidence(self, key: str, case_id: str, kind: str, item: OutboxItem,
                  progress: dict[str, Any], fresh: bool = False) -> None:
        """Attach the evidence bundle of the case's findings as the last part of a create or join."""
        if self.evidence and not progress.get("evidence"):
            send_evidence(self.store, self.backend, key, case_id, kind, self.max_attachment, fresh)
            progress["evidence"] = True
            self._save(item, progress)

    def _comment(self, case_id: str, kind: str, item: OutboxItem, message: str) -> None:
        # An earlier try may have been stored before its answer was lost.
        if not (item.attempts and message in self.backend.comment_texts(case_id, kind)):
            self.backend.add_comment(case_id, message, kind)

    def _task_log(self, key: str, case_id: str, kind: str, item: OutboxItem) -> None:
        """A log on the playbook task the findings concern; a comment while there is no such task."""
        message = str(item.payload["message"])
        row = self.store.conn.execute("SELECT backend_id FROM case_tasks WHERE case_key = ? AND idx = ?",
                                      (key, int(item.payload.get("task", 0)))).fetchone()
        task_id = row[0] if row else None
        progress = dict(item.progress)
        if not progress.get("logged"):
            if kind != "case" or not task_id:
                self._comment(case_id, kind, item, message)
            elif not (item.attempts and message in self.backend.task_log_texts(task_id)):
                self._log_on_task(key, task_id, int(item.payload.get("task", 0)), message)
            progress["logged"] = True
            self._save(item, progress)
        self._evidence(key, case_id, kind, item, progress)

    def _log_on_task(self, key: str, task_id: str, idx: int, message: str) -> None:
        sent = self.backend.add_task_log(task_id, message)
        if self.backend.name != "local":  # remembered, so pulling logs back skips it
            with self.store.write() as conn:
                conn.execute("INSERT OR IGNORE INTO case_remote_logs (log_id, backend, case_key,"
                             " task_idx, created_ms, origin) VALUES (?, ?, ?, ?, ?, 'ours')",
                             (sent.id, self.backend.name, key, idx, sent.created_ms))

    def other(self, key: str, target: tuple[str, str], item: OutboxItem, extra: list[OutboxItem]) -> None:
        """Send one non-create item (observables merged into one call, evidence built once)."""
        case_id, kind = target
        p = item.payload
        if item.op == "add_observables":
            obs = [records.Observable(**o) for x in [item, *extra] for o in x.payload["observables"]]
            self.backend.add_observables(case_id, obs, kind)
            self._done([item, *extra], key)
        elif item.op == "comment":
            self._comment(case_id, kind, item, str(p["message"]))
            self._done([item], key)
        elif item.op == "task_log":
            self._task_log(key, case_id, kind, item)
            self._done([item], key)
        elif item.op == "update":
            self.backend.update_case(case_id, p, kind)
            self._done([item], key)
        elif item.op == "close":
            self.backend.close_case(case_id, p["status"], p["summary"], p.get("impact", "NotApplicable"),
                                    kind)
            self._done([item], key, f"Closing sent to {self.backend.where}")

    def case(self, key: str, items: list[OutboxItem]) -> None:
        """Send the pending items of one case in order (a refused one fails alone)."""
        obs_items = [i for i in items if i.op == "add_observables"]
        rest = [i for i in items if i.op != "add_observables"]
        creates = [i for i in rest if i.op == "create_case"]
        target: tuple[str, str] | None = None
        if creates:
            item = creates[0]
            try:
                target = self.create(key, item, obs_items)
            except (Refused, BadAnswer) as exc:
                final = isinstance(exc, Refused) or item.attempts + 1 >= MAX_BAD_ANSWERS
                self.fail([item], key, exc.message, final)
                return
            obs_items = []
            rest = [i for i in rest if i.op != "create_case"]
        else:
            try:
                target = self._target(key)
            except (Refused, BadAnswer) as exc:  # e.g. the case an alert led to is gone
                self.fail([*obs_items, *rest], key, exc.message, final=False)
                return
        if target is None:
            if outbox.items(self.store.conn, key, status="failed"):
                return  # waits for the failed create (listed by --problems, --retry-failed)
            self.fail([*obs_items, *rest], key, f"the case is not (yet) on {self.backend.where}",
                      final=False)
            return
        if obs_items:
            rest = [obs_items[0], *rest]
        for item in rest:
            extra = obs_items[1:] if item.op == "add_observables" else []
            try:
                self.other(key, target, item, extra)
            except (Refused, BadAnswer, CsirtError) as exc:
                if isinstance(exc, Unavailable | AuthError):
                    raise
                final = not isinstance(exc, BadAnswer) or item.attempts + 1 >= MAX_BAD_ANSWERS
                self.fail([item, *extra], key, exc.message, final)


def sync_outbox(store: Store, config: Config, progress: ProgressFn | None = None,
                pull: bool = True) -> SyncResult:
    """Send every pending write of the configured backend, then pull status back."""
    progress = progress or no_progress
    name = backend_name(config)
    with drain_lock(store, float(config.get("cases.sync_wait", 60.0))):
        return _sync(store, config, name, progress, pull)


def _sync(store: Store, config: Config, name: str, progress: ProgressFn, pull: bool) -> SyncResult:
    backend = make_backend(name, config, store)
    drain = _Drain(store, backend, evidence_wanted(config))
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
