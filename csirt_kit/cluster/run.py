"""The inventory scans of `csirt run` on a cluster: webroots, logs and web, one report.

What the lead engineer's pipeline (or ``csirt cluster scan``) calls when a cluster is
configured. A scheduler lost midway raises ``ClusterLost`` whose ``partial`` holds every
step finished before plus what the interrupted step got: the caller stores it and exits 4.
"""

from __future__ import annotations

from typing import Any

from csirt_kit.cluster.stream import ClusterLost
from csirt_kit.config import Config
from csirt_kit.progress import ProgressFn
from csirt_kit.scan.report import ScanReport, merge_reports
from csirt_kit.store.db import Store


def scan_inventory(client: Any, store: Store, config: Config, *, webroots: bool = True,
                   logs: bool = True, web: bool = False, progress: ProgressFn | None = None
                   ) -> ScanReport:
    """Scan the active assets' webroots, logs and URLs on the cluster (findings not stored)."""
    from csirt_kit.cluster.files import cluster_scan_webroots
    from csirt_kit.cluster.logs import cluster_scan_inventory_logs
    from csirt_kit.cluster.web import cluster_scan_web
    from csirt_kit.scan.rules import load_rules

    done: list[ScanReport] = []
    steps = []
    if webroots:
        steps.append(lambda: cluster_scan_webroots(client, store, config, progress=progress))
    if logs:
        steps.append(lambda: cluster_scan_inventory_logs(
            client, store, config, load_rules(config, scopes=("logs",)), progress=progress))
    if web:
        steps.append(lambda: cluster_scan_web(client, store, config,
                                              load_rules(config, scopes=("web",)), progress=progress))
    for step in steps:
        try:
            done.append(step())
        except ClusterLost as lost:
            lost.partial = merge_reports([*done, lost.partial])
            raise
    return merge_reports(done)
