"""Per-department digests: findings, open cases and their tasks, scan coverage."""

from csirt_kit.report.build import DeptDigest, Report, build_report

__all__ = ["DeptDigest", "Report", "build_report"]
