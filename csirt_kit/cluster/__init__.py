"""Scale-out of the scan engines on a Dask distributed cluster (optional extra ``cluster``).

Entry points return the same ``ScanReport`` as the single-machine path for the same inputs:
``cluster_scan_files``, ``cluster_scan_logs``, ``cluster_scan_web``; ``connect`` gives a
client when ``[cluster] scheduler`` (or ``--cluster``) is set, else None; ``check_cluster``
is the doctor's check. Workers only scan and return hits: the submitting process is the
only writer to the store.
"""

from __future__ import annotations

from csirt_kit.cluster.connect import ClusterSettings, cluster_settings, connect

__all__ = ["ClusterSettings", "cluster_settings", "connect"]
