"""`csirt run` as a library call: lock, steps in order, each isolated, and the summary."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csirt_kit.config import Config
from csirt_kit.errors import AuthError, ConfigError, CsirtError, ServerError, UsageError
from csirt_kit.findings import get_finding
from csirt_kit.models import SEVERITIES, Finding, severity_rank
from csirt_kit.pipeline.lock import RunLock
from csirt_kit.pipeline.steps import STEP_NAMES, StepContext, StepOutcome, timed
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.redaction import redact
from csirt_kit.store.db import Store
from csirt_kit.timeutil import iso

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSummary:
    """The result document of one run."""

    run_id: int
    started_at: str
    finished_at: str
    steps: tuple[StepOutcome, ...]
    findings: tuple[Finding, ...] = ()
    touched: dict[str, str] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        """A server was unreachable: its work is queued for the next run."""
        return any(s.status == "partial" for s in self.steps)

    @property
    def failed(self) -> bool:
        """A step needs a person (bad key, bad config or input)."""
        return any(s.status == "failed" for s in self.steps)

    @property
    def bug(self) -> bool:
        """A step crashed on an unexpected error."""
        return any(s.status == "error" for s in self.steps)

    def at_or_above(self, severity: str) -> list[Finding]:
        """Findings of this run at or above a severity, suppressed ones left out."""
        return [f for f in self.findings if f.status != "suppressed"
                and severity_rank(f.severity) >= severity_rank(severity)]

    def to_dict(self) -> dict[str, Any]:
        """DESIGN section 5 shape: findings, errors, stats (with the steps)."""
        by_severity = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
        findings = []
        for f in self.findings:
            item = f.to_dict()
            item["change"] = self.touched.get(f.fingerprint, "")
            findings.append(item)
        errors = [{"step": s.name, **e} for s in self.steps for e in s.errors]
        errors += [{"step": s.name, "target": s.name, "error": s.message}
                   for s in self.steps if s.status in ("failed", "error") and s.message]
        return {"findings": findings, "errors": errors, "stats": {
            "run_id": self.run_id, "started_at": self.started_at, "finished_at": self.finished_at,
            "steps": [s.to_dict() for s in self.steps], "by_severity": by_severity,
            "new": sum(1 for v in self.touched.values() if v == "new"),
            "partial": self.partial, "failed": self.failed}}


def lock_path(config: Config) -> Path:
    """The lock file beside the store."""
    return config.store_path.with_name(config.store_path.name + ".run.lock")


def chosen_steps(config: Config, only: Sequence[str] = (), skip: Sequence[str] = ()) -> list[str]:
    """Steps to run: --only, else [run] steps from config, minus --skip."""
    configured = only or config.get("run.steps") or list(STEP_NAMES)
    for name in [*configured, *skip]:
        if name not in STEP_NAMES:
            raise UsageError(f"unknown step {name!r}", fix=f"steps: {', '.join(STEP_NAMES)}")
    return [name for name in STEP_NAMES if name in configured and name not in skip]


def run_pipeline(store: Store, config: Config, *, only: Sequence[str] = (),
                 skip: Sequence[str] = (), wait: bool = False, wait_timeout: float = 3600.0,
                 progress: ProgressFn | None = None, cluster: str | None = None,
                 full: bool = False) -> RunSummary:
    """Take the lock and run every step in order; one failing step never stops the others.

    With a cluster (``[cluster] scheduler`` or ``cluster``), the web, files and logs scans run
    on it; this process stays the only writer. Without one nothing changes. ``full``
    makes the files step read every file instead of trusting the stat cache.
    """
    steps = chosen_steps(config, only, skip)
    with RunLock(lock_path(config), wait=wait, timeout=wait_timeout):
        started = iso()
        with store.write() as conn:
            run_id = int(conn.execute("INSERT INTO runs (started_at) VALUES (?)",
                                      (started,)).lastrowid or 0)
        ctx = StepContext(store, config, progress or no_progress, full=full)
        outcomes: list[StepOutcome] = []
        ctx.client, failed_connect = _connect(config, cluster)
        if failed_connect is not None:
            outcomes.append(failed_connect)
            steps = [s for s in steps if s not in ("web", "files", "logs")]
        try:
            outcomes += [_run_step(name, ctx) for name in steps]
        finally:
            if ctx.client is not None:
                ctx.client.close()
        findings = tuple(get_finding(store.conn, fp) for fp in ctx.touched)
        summary = RunSummary(run_id, started, iso(), tuple(outcomes), findings, dict(ctx.touched))
        status = ("error" if summary.bug else "failed" if summary.failed
                  else "partial" if summary.partial else "ok")
        with store.write() as conn:
            conn.execute("UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
                         (summary.finished_at, status,
                          json.dumps({"steps": [s.to_dict() for s in outcomes]}), run_id))
        return summary


def _connect(config: Config, address: str | None) -> tuple[Any, StepOutcome | None]:
    """The cluster client (None without a cluster), or the outcome of a failed connection."""
    from csirt_kit.cluster.connect import cluster_settings

    if not cluster_settings(config, address).scheduler:
        return None, None
    from csirt_kit.cluster.connect import connect

    try:
        return connect(config, address), None
    except ServerError as exc:  # scans wait for the next run; everything else goes on
        return None, StepOutcome("cluster", "partial", message=redact(exc.message))
    except CsirtError as exc:
        return None, StepOutcome("cluster", "failed", message=redact(exc.message))


def _run_step(name: str, ctx: StepContext) -> StepOutcome:
    log.info("step %s: starting", name)
    try:
        outcome, _ = timed(name, ctx)
    except (AuthError, ConfigError, UsageError) as exc:
        outcome = StepOutcome(name, "failed", message=redact(exc.message))
    except ServerError as exc:
        outcome = StepOutcome(name, "partial", message=redact(exc.message))
    except CsirtError as exc:
        outcome = StepOutcome(name, "failed", message=redact(exc.message))
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # a bug in one step must not stop the others
        log.error("step %s crashed (a bug): %s: %s", name, type(exc).__name__, exc)
        log.debug("traceback of step %s", name, exc_info=True)
        outcome = StepOutcome(name, "error", message=f"internal error (a bug): "
                                                     f"{type(exc).__name__}: {redact(str(exc))}")
    log.info("step %s: %s %s", name, outcome.status, outcome.counts)
    return outcome


def last_runs(store: Store, limit: int = 10) -> list[dict[str, Any]]:
    """The most recent runs, newest first (for doctor and reports)."""
    rows = store.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [{**dict(r), "summary": json.loads(r["summary"])} for r in rows]
