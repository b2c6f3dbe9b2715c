"""Open cases: new findings -> playbooks -> cases created or joined, outbox rows in the same commit."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from csirt_kit.cases import records
from csirt_kit.cases.describe import case_description, joined_markdown
from csirt_kit.cases.events import add_event
from csirt_kit.cases.observables import observables_for
from csirt_kit.cases.outbox import enqueue
from csirt_kit.config import Config
from csirt_kit.models import severity_rank
from csirt_kit.playbooks.loader import load_playbooks
from csirt_kit.playbooks.model import Playbook
from csirt_kit.playbooks.plan import CasePlan, PlannedCase, build_plan
from csirt_kit.playbooks.template import render
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso


@dataclass(frozen=True)
class OpenResult:
    """What `cases open` did."""

    created: tuple[str, ...] = ()
    joined: tuple[str, ...] = ()
    findings: int = 0
    unmatched: int = 0
    outbox: int = 0
    backend: str = "local"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"created": list(self.created), "joined": list(self.joined), "findings": self.findings,
                "unmatched": self.unmatched, "outbox": self.outbox, "backend": self.backend}


def backend_name(config: Config) -> str:
    """The configured case backend: local or thehive."""
    return str(config.get("cases.backend", "local") or "local")


def plan_cases(store: Store, config: Config) -> CasePlan:
    """The dry run: which new findings would go to which new or existing case."""
    return build_plan(store.conn, load_playbooks(config))


def log_task(playbook: Playbook) -> int:
    """Index of the task that gets a log when findings join: the first identification task, else 0."""
    return next((i for i, t in enumerate(playbook.tasks) if t.group == "identification"), 0)


def evidence_wanted(config: Config) -> bool:
    """Whether cases get evidence bundles ([cases] attach_evidence, default true)."""
    return bool(config.get("cases.attach_evidence", True))


def _create(conn: sqlite3.Connection, pc: PlannedCase, backend: str, now: str) -> int:
    pb = pc.playbook
    ctx = pc.context()
    intro = render(pb.description, ctx) if pb.description else render(pb.title, ctx)
    previous = ""
    if pc.previous_key:
        earlier = records.get_case(conn, pc.previous_key)
        previous = f"`{earlier.key}`" + (f" ({earlier.backend_url})" if earlier.backend_url else "")
    description = case_description(intro, pc.asset, pc.findings, pc.key, previous)
    tags = sorted({*pb.tags, f"playbook:{pb.id}",
                   *([f"asset:{pc.asset.id}"] if pc.asset else [])})
    case = records.Case(
        key=pc.key, base_key=pc.base_key, generation=pc.generation, playbook=pb.id,
        group_value=pc.group_value, title=pc.title, severity=pc.severity, backend=backend,
        created_at=now, updated_at=now, asset_id=pc.asset.id if pc.asset else None,
        previous_key=pc.previous_key, title_id=pc.title_id, description=description,
        description_id=render(pb.description_id, ctx) if pb.description_id else "",
        tlp=pb.tlp, pap=pb.pap, tags=tuple(tags))
    records.insert_case(conn, case)
    tasks = [records.CaseTask(pc.key, i, t.group, render(t.title, ctx), "Waiting",
                              render(t.title_id, ctx) if t.title_id else "",
                              render(t.description, ctx) if t.description else "",
                              render(t.description_id, ctx) if t.description_id else "")
             for i, t in enumerate(pb.tasks)]
    records.insert_tasks(conn, tasks, now)
    observables = records.add_observables(
        conn, pc.key, [o for f in pc.findings for o in observables_for(f, pc.asset, pb.tlp)], now)
    records.link_findings(conn, pc.key, [f.fingerprint for f in pc.findings], now)
    add_event(conn, pc.key, "opened", f"Case opened by playbook {pb.id} for {len(pc.findings)} finding(s)",
              at=now, data={"playbook": pb.id, "findings": [f.fingerprint for f in pc.findings],
                            "previous_key": pc.previous_key, "severity": pc.severity})
    if pc.previous_key:
        add_event(conn, pc.previous_key, "reopened_as", f"New findings after closing: case {pc.key}",
                  at=now, data={"new_key": pc.key})
    enqueue(conn, pc.key, backend, "create_case", {
        "title": case.title, "description": description, "severity": case.severity, "playbook": pb.id,
        "tlp": case.tlp, "pap": case.pap, "tags": tags,
        "tasks": [{"idx": t.idx, "title": t.title, "group": t.group, "description": t.description}
                  for t in tasks],
        "observables": [o.__dict__ for o in observables],
    }, now)
    return 1


def _join(conn: sqlite3.Connection, pc: PlannedCase, backend: str, now: str) -> int:
    case = records.get_case(conn, pc.key)
    queued = 0
    new = records.add_observables(
        conn, pc.key, [o for f in pc.findings for o in observables_for(f, pc.asset, case.tlp)], now)
    records.link_findings(conn, pc.key, [f.fingerprint for f in pc.findings], now)
    for f in pc.findings:
        add_event(conn, pc.key, "finding_joined", f"Finding joined: {f.title}", at=now,
                  data={"fingerprint": f.fingerprint, "severity": f.severity, "kind": f.kind})
    if new:
        queued += enqueue(conn, pc.key, backend, "add_observables",
                          {"observables": [o.__dict__ for o in new]}, now) and 1
    # A log on the task the findings concern (a comment while the case has no such task yet).
    queued += enqueue(conn, pc.key, backend, "task_log", {"message": joined_markdown(pc.findings),
                                                          "task": log_task(pc.playbook)}, now) and 1
    if severity_rank(pc.severity) > severity_rank(case.severity):
        records.update_case(conn, pc.key, now, severity=pc.severity)
        add_event(conn, pc.key, "severity_raised", f"Severity raised from {case.severity} to {pc.severity}",
                  at=now, data={"from": case.severity, "to": pc.severity})
        queued += enqueue(conn, pc.key, backend, "update", {"severity": pc.severity}, now) and 1
    return queued


def open_cases(store: Store, config: Config) -> OpenResult:
    """Plan and apply in one transaction; the local backend is drained at once (no network)."""
    backend = backend_name(config)
    playbooks = load_playbooks(config)
    now = iso()
    with store.write() as conn:
        # Planned inside the write lock, so two runs cannot both create the same case.
        plan = build_plan(conn, playbooks)
        queued = 0
        for pc in plan.cases:
            if pc.action == "create":
                queued += _create(conn, pc, backend, now)
            else:
                queued += _join(conn, pc, backend, now)
    result = OpenResult(
        created=tuple(c.key for c in plan.cases if c.action == "create"),
        joined=tuple(c.key for c in plan.cases if c.action == "join"),
        findings=sum(len(c.findings) for c in plan.cases), unmatched=len(plan.unmatched),
        outbox=queued, backend=backend)
    if backend == "local" and queued:
        from csirt_kit.cases.sync import sync_outbox

        sync_outbox(store, config, pull=False)
        result = replace(result, outbox=0)
    return result
