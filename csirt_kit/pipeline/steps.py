"""The steps of `csirt run`, each a thin call into the library that owns the work.

Every step is idempotent: findings are upserted by fingerprint, cases are looked up by key
and remote writes go through the outbox, so a run killed at any point is completed by the
next one simply by running all steps again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.config import Config
from csirt_kit.findings import UpsertResult
from csirt_kit.models import Asset
from csirt_kit.progress import ProgressFn, no_progress
from csirt_kit.scan.report import ScanReport, persist
from csirt_kit.store.assets import AssetFilter, list_assets
from csirt_kit.store.db import Store

STEP_NAMES = ("intel", "correlate", "web", "files", "cms", "logs", "cases", "sync", "notify")
STEP_HELP = {
    "intel": "sync every configured MISP server and feed (incremental)",
    "correlate": "match stored indicators against the inventory (intel.asset, vuln.software)",
    "web": "fetch the active sites with URLs and scan them (YARA, cloaking, redirects, defacement)",
    "files": "scan the webroots of active assets with YARA",
    "cms": "check webroots: CMS core integrity, PHP in uploads, planted verification tokens, "
           "persistence tricks",
    "logs": "scan the logs of active assets with YARA and stored indicators",
    "cases": "open or join cases for new findings according to the playbooks",
    "sync": "drain the outbox to the case backend and pull status changes back",
    "notify": "send one message per new case to the configured channels (queued on failure)",
}


@dataclass
class StepContext:
    """What every step gets."""

    store: Store
    config: Config
    progress: ProgressFn = no_progress
    touched: dict[str, str] = field(default_factory=dict)  # fingerprint -> what happened
    client: Any = None  # a Dask client when a cluster is configured: scans run there
    full: bool = False  # --full: the files step reads every file (stat cache ignored)


@dataclass(frozen=True)
class StepOutcome:
    """How one step ended."""

    name: str
    status: str  # ok | partial | failed | skipped | error
    seconds: float = 0.0
    counts: dict[str, Any] = field(default_factory=dict)
    errors: tuple[dict[str, str], ...] = ()
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"name": self.name, "status": self.status, "seconds": round(self.seconds, 3),
                "counts": self.counts, "errors": list(self.errors), "message": self.message}


Result = tuple[str, dict[str, Any], list[dict[str, str]], str]  # status, counts, errors, message


def _remember(ctx: StepContext, upsert: UpsertResult) -> dict[str, int]:
    for what, fps in (("new", upsert.new), ("updated", upsert.updated),
                      ("reopened", upsert.reopened), ("quiet", upsert.quiet)):
        for fp in fps:
            ctx.touched.setdefault(fp, what)
    return {"new": len(upsert.new), "updated": len(upsert.updated),
            "reopened": len(upsert.reopened), "suppressed": len(upsert.quiet)}


def _on_cluster(ctx: StepContext, scan: Callable[[], ScanReport]) -> ScanReport:
    """Run a cluster scan; a lost scheduler keeps what was scanned, then ends the step partial."""
    from csirt_kit.cluster.stream import ClusterLost

    try:
        return scan()
    except ClusterLost as lost:
        _remember(ctx, persist(ctx.store, lost.partial))
        raise


def _scan_result(ctx: StepContext, report: ScanReport) -> Result:
    counts = {**{k: v for k, v in report.stats.items() if isinstance(v, int | float | str)},
              "findings": len(report.findings),
              **_remember(ctx, persist(ctx.store, report, evidence=ctx.config))}
    errors = [e.to_dict() for e in report.errors]
    return "ok", counts, errors, ""


def step_intel(ctx: StepContext) -> Result:
    """Sync intel sources; an unreachable server makes the step partial."""
    from csirt_kit.intel.sync import sync_sources

    report = sync_sources(ctx.config, ctx.store, progress=ctx.progress)
    if not report.results:
        return "skipped", {}, [], "no intel sources configured"
    errors = [{"target": r.name, "error": r.error or r.status} for r in report.results
              if r.status != "ok"]
    status = "partial" if report.unreachable else ("failed" if report.needs_fixing else "ok")
    counts = {"sources": len(report.results),
              "indicators_written": sum(r.indicators_written for r in report.results),
              "events_fetched": sum(r.events_fetched for r in report.results)}
    return status, counts, errors, ""


def step_correlate(ctx: StepContext) -> Result:
    """Correlate stored indicators with the inventory."""
    from csirt_kit.intel.correlate import correlate

    if ctx.client is not None:  # one task per indicator shard on the cluster
        from csirt_kit.cluster.connect import cluster_settings
        from csirt_kit.cluster.correlate import cluster_correlate

        return _scan_result(ctx, _on_cluster(ctx, lambda: cluster_correlate(
            ctx.client, ctx.store, ctx.config, settings=cluster_settings(ctx.config))))
    return _scan_result(ctx, correlate(ctx.store, ctx.config))


def _active(ctx: StepContext, attr: str) -> list[Asset]:
    return [a for a in list_assets(ctx.store.conn, AssetFilter(status="active")) if getattr(a, attr)]


def _rule_errors(rules: Any) -> list[dict[str, str]]:
    return [{"target": p.path, "error": f"rule not loaded: {p}"} for p in rules.problems]


def step_web(ctx: StepContext) -> Result:
    """Scan the inventory's active web sites, then probe suspended ones."""
    from csirt_kit.pipeline.coverage import probe_suspended, record_coverage
    from csirt_kit.scan.rules import load_rules
    from csirt_kit.scan.web.scanner import scan_web

    covered = _active(ctx, "urls")
    probes = probe_suspended(ctx.store, ctx.config)
    answering = sum(1 for p in probes if 200 <= p.status < 400)
    if not covered:
        return "skipped", {"suspended_answering": answering}, [], "no active asset has a URL"
    rules = load_rules(ctx.config, scopes=("web",))
    if ctx.client is not None:
        from csirt_kit.cluster.web import cluster_scan_web

        report = _on_cluster(ctx, lambda: cluster_scan_web(ctx.client, ctx.store, ctx.config, rules,
                                                           progress=ctx.progress))
    else:
        report = scan_web(ctx.store, ctx.config, rules, progress=ctx.progress)
    record_coverage(ctx.store, "web", covered, report)
    status, counts, errors, message = _scan_result(ctx, report)
    counts["suspended_answering"] = answering
    return status, counts, errors + _rule_errors(rules), message


def step_files(ctx: StepContext) -> Result:
    """Scan the inventory's webroots."""
    from csirt_kit.pipeline.coverage import record_coverage

    covered = _active(ctx, "webroot")
    if not covered:
        return "skipped", {}, [], "no active asset has a webroot"
    from csirt_kit.scan.webroots import scan_webroots

    if ctx.client is not None:
        from csirt_kit.cluster.files import cluster_scan_webroots

        report = _on_cluster(ctx, lambda: cluster_scan_webroots(ctx.client, ctx.store, ctx.config,
                                                                progress=ctx.progress))
    else:
        from dataclasses import replace

        from csirt_kit.scan.files import FileOptions

        options = replace(FileOptions.from_config(ctx.config), full=ctx.full)
        report = scan_webroots(ctx.store, ctx.config, progress=ctx.progress, options=options)
    record_coverage(ctx.store, "files", covered, report)
    return _scan_result(ctx, report)


def step_cms(ctx: StepContext) -> Result:
    """CMS integrity and webroot traces."""
    if not _active(ctx, "webroot"):
        return "skipped", {}, [], "no active asset has a webroot"
    from csirt_kit.scan.cms.scanner import scan_cms

    return _scan_result(ctx, scan_cms(ctx.store, ctx.config, progress=ctx.progress))


def step_logs(ctx: StepContext) -> Result:
    """Scan the inventory's logs."""
    from csirt_kit.pipeline.coverage import record_coverage

    covered = _active(ctx, "logs")
    if not covered:
        return "skipped", {}, [], "no active asset lists logs"
    from csirt_kit.scan.logs.inventory import scan_inventory_logs
    from csirt_kit.scan.rules import load_rules

    rules = load_rules(ctx.config, scopes=("logs",))
    if ctx.client is not None:
        from csirt_kit.cluster.logs import cluster_scan_inventory_logs

        report = _on_cluster(ctx, lambda: cluster_scan_inventory_logs(
            ctx.client, ctx.store, ctx.config, rules, progress=ctx.progress))
    else:
        report = scan_inventory_logs(ctx.store, ctx.config, rules, progress=ctx.progress)
    record_coverage(ctx.store, "logs", covered, report)
    status, counts, errors, message = _scan_result(ctx, report)
    return status, counts, errors + _rule_errors(rules), message


def step_cases(ctx: StepContext) -> Result:
    """Open or join cases for new findings."""
    from csirt_kit.cases.opening import open_cases

    result = open_cases(ctx.store, ctx.config)
    counts = {"created": len(result.created), "joined": len(result.joined),
              "findings": result.findings, "unmatched": result.unmatched,
              "outbox": result.outbox}
    return "ok", counts, [], ""


def step_sync(ctx: StepContext) -> Result:
    """Drain the outbox; queued work after an outage makes the step partial."""
    from csirt_kit.cases.sync import sync_outbox

    result = sync_outbox(ctx.store, ctx.config, progress=ctx.progress)
    counts = {"sent": result.sent, "created": len(result.created), "queued": result.queued,
              "failed": result.failed, "pulled": result.pulled,
              "closed_remotely": len(result.closed_remotely)}
    errors = [{"target": result.backend, "error": e} for e in result.errors]
    if result.auth_error:
        return "failed", counts, errors, result.auth_error
    return ("partial" if result.unreachable else "ok"), counts, errors, ""


def step_notify(ctx: StepContext) -> Result:
    """Notify the team of new cases; a receiver that is down makes the step partial."""
    from csirt_kit.notify.channels import load_channels
    from csirt_kit.notify.dispatch import notify_new_cases

    if not load_channels(ctx.config):
        return "skipped", {}, [], "no notification channel configured"
    result = notify_new_cases(ctx.store, ctx.config)
    counts = {"enqueued": result.enqueued, "sent": result.sent, "queued": result.queued,
              "failed": result.failed}
    errors = [{"target": "notify", "error": e} for e in result.errors]
    if result.misconfigured:
        return "failed", counts, errors, "a channel's secret variable is not set"
    return ("partial" if result.unreachable else "ok"), counts, errors, ""


STEPS: dict[str, Callable[[StepContext], Result]] = {
    "intel": step_intel, "correlate": step_correlate, "web": step_web, "files": step_files,
    "cms": step_cms, "logs": step_logs, "cases": step_cases, "sync": step_sync,
    "notify": step_notify,
}


def timed(name: str, ctx: StepContext) -> tuple[StepOutcome, float]:
    """Run one step and time it (errors are handled by the caller)."""
    start = time.monotonic()
    status, counts, errors, message = STEPS[name](ctx)
    elapsed = time.monotonic() - start
    return StepOutcome(name, status, elapsed, counts, tuple(errors), message), elapsed
