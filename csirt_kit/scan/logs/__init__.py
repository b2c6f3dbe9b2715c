"""Log scanning: readers, formats, YARA with line mapping, IoC matching, heuristics."""

from csirt_kit.scan.logs.crawlers import CrawlerCheck, CrawlerVerifier, Resolver, ResolverError
from csirt_kit.scan.logs.inventory import scan_inventory_logs
from csirt_kit.scan.logs.iocs import IocMatcher
from csirt_kit.scan.logs.scanner import LogSettings, scan_log_file, scan_logs, settings_from_config

__all__ = ["CrawlerCheck", "CrawlerVerifier", "IocMatcher", "LogSettings", "Resolver", "ResolverError",
           "scan_inventory_logs", "scan_log_file", "scan_logs", "settings_from_config"]
