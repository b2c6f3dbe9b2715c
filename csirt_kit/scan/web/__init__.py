"""Web scanning: fetching with scope and politeness, identities and cloaking, baselines."""

from csirt_kit.scan.web.scanner import WebTarget, plan_targets, scan_web
from csirt_kit.scan.web.settings import Identity, WebSettings, web_settings

__all__ = ["Identity", "WebSettings", "WebTarget", "plan_targets", "scan_web", "web_settings"]
