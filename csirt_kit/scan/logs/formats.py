"""Log formats: detection from a sample, one parser per format, timestamps in UTC.

Formats: ``combined`` (Apache/Nginx combined, optionally with a leading virtual host),
``common``, ``error`` (Apache and Nginx error logs), ``syslog`` (RFC 3164 and ISO
timestamps, e.g. sshd), ``json`` (one object per line). Parsers are tolerant: a request
line or user agent with stray extra quotes still parses, a line that fits no format
gives a record with only the raw text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

FORMATS = ("combined", "vhost_combined", "common", "error", "syslog", "json")

_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}

# Lazy request and greedy user agent: stray quotes inside either still parse.
_ACCESS = re.compile(
    r'^(?:(?P<vhost>[\w.:-]+) )?(?P<ip>\S+) \S+ (?P<user>.*?) \[(?P<ts>[^\]]+)\] '
    r'"(?P<request>.*?)" (?P<status>\d{3}|-) (?P<size>\d+|-)'
    r'(?: "(?P<referer>.*?)" "(?P<ua>.*)")?\s*$')
_REQUEST = re.compile(r"^(?P<method>[A-Z]{2,12}) (?P<target>\S+)")
_APACHE_ERROR = re.compile(r"^\[(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} +\d+ [\d:.]+ \d{4})\] "
                           r"\[(?P<level>[^\]]*)\]")
_NGINX_ERROR = re.compile(r"^(?P<ts>\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[(?P<level>\w+)\]")
_SYSLOG = re.compile(r"^(?P<ts>[A-Z][a-z]{2} +\d+ \d\d:\d\d:\d\d) (?P<host>\S+) (?P<prog>[^:\[\s]+)")
_SYSLOG_ISO = re.compile(r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) "
                         r"(?P<host>\S+) (?P<prog>[^:\[\s]+)")
_CLIENT = re.compile(r"\[client (?P<ip>[0-9a-fA-F.:]+?)(?::\d+)?\]|client: (?P<ip2>[0-9a-fA-F.:]+)")
_ERR_REQUEST = re.compile(r'request: "(?P<request>[^"]*)"')
_ERR_HOST = re.compile(r'host: "(?P<host>[^"]*)"')
_FROM_IP = re.compile(r"\b(?:from|rhost=) ?(?P<ip>\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]+)")

JSON_KEYS = {
    "ip": ("remote_addr", "client_ip", "clientip", "src_ip", "ip", "client", "remote_ip"),
    "host": ("host", "server_name", "vhost", "http_host"),
    "target": ("request_uri", "uri", "url", "path", "request"),
    "ua": ("http_user_agent", "user_agent", "useragent", "ua", "agent"),
    "referer": ("http_referer", "referer", "referrer"),
    "ts": ("time", "timestamp", "@timestamp", "time_local", "time_iso8601", "ts", "date"),
}


@dataclass(frozen=True)
class LogRecord:
    """The fields of one parsed line (empty strings when the format lacks them)."""

    ts: str = ""
    ip: str = ""
    host: str = ""
    method: str = ""
    target: str = ""
    status: str = ""
    referer: str = ""
    ua: str = ""


def detect_format(sample: list[str]) -> str:
    """The format that parses most of the sample's lines ('combined' for an empty sample)."""
    scores = dict.fromkeys(FORMATS, 0)
    for line in sample:
        line = line.strip()
        if not line:
            continue
        m = _ACCESS.match(line)
        if m and m.group("vhost"):
            scores["vhost_combined"] += 1
        elif m:
            scores["combined" if m.group("ua") is not None else "common"] += 1
        elif line.startswith("{"):
            scores["json"] += 1
        elif _APACHE_ERROR.match(line) or _NGINX_ERROR.match(line):
            scores["error"] += 1
        elif _SYSLOG.match(line) or _SYSLOG_ISO.match(line):
            scores["syslog"] += 1
    best = max(FORMATS, key=lambda f: scores[f])
    return best if scores[best] else "combined"


def parse_line(fmt: str, line: str, year: int, zone: str = "UTC") -> LogRecord:
    """Parse one line in a format (`year` and `zone` complete syslog's bare timestamps)."""
    if fmt in ("combined", "vhost_combined", "common"):
        return _parse_access(line)
    if fmt == "json":
        return _parse_json(line)
    if fmt == "error":
        return _parse_error(line, zone)
    if fmt == "syslog":
        return _parse_syslog(line, year, zone)
    return LogRecord()


def _parse_access(line: str) -> LogRecord:
    m = _ACCESS.match(line.rstrip("\r\n"))
    if not m:
        return LogRecord()
    req = _REQUEST.match(m.group("request") or "")
    return LogRecord(ts=access_time(m.group("ts")), ip=m.group("ip"), host=m.group("vhost") or "",
                     method=req.group("method") if req else "",
                     target=req.group("target") if req else "", status=m.group("status"),
                     referer=m.group("referer") or "", ua=m.group("ua") or "")


def _parse_json(line: str) -> LogRecord:
    try:
        obj = json.loads(line)
    except ValueError:
        return LogRecord()
    if not isinstance(obj, dict):
        return LogRecord()
    vals = {field: next((str(obj[k]) for k in keys if isinstance(obj.get(k), str | int | float)), "")
            for field, keys in JSON_KEYS.items()}
    target = vals["target"]
    method = str(obj.get("method") or obj.get("request_method") or "")
    req = _REQUEST.match(target)
    if req:
        method, target = req.group("method"), req.group("target")
    return LogRecord(ts=any_time(vals["ts"]), ip=vals["ip"], host=vals["host"], method=method,
                     target=target, status=str(obj.get("status", "")), referer=vals["referer"],
                     ua=vals["ua"])


def _parse_error(line: str, zone: str) -> LogRecord:
    ts = ""
    m = _APACHE_ERROR.match(line)
    if m:
        ts = _strptime(" ".join(re.sub(r"\.\d+", "", m.group("ts")).split()), "%a %b %d %H:%M:%S %Y", zone)
    else:
        n = _NGINX_ERROR.match(line)
        if n:
            ts = _strptime(n.group("ts"), "%Y/%m/%d %H:%M:%S", zone)
    c = _CLIENT.search(line)
    r = _ERR_REQUEST.search(line)
    req = _REQUEST.match(r.group("request")) if r else None
    h = _ERR_HOST.search(line)
    return LogRecord(ts=ts, ip=(c.group("ip") or c.group("ip2")) if c else "",
                     host=h.group("host") if h else "",
                     method=req.group("method") if req else "",
                     target=req.group("target") if req else "")


def _parse_syslog(line: str, year: int, zone: str) -> LogRecord:
    ts = ""
    m = _SYSLOG.match(line)
    if m:
        try:
            local = datetime.strptime(f"{year} {' '.join(m.group('ts').split())}", "%Y %b %d %H:%M:%S")
            ts = _utc(local.replace(tzinfo=ZoneInfo(zone)))
        except (ValueError, KeyError):
            ts = ""
    else:
        iso = _SYSLOG_ISO.match(line)
        if iso:
            ts = any_time(iso.group("ts"))
    f = _FROM_IP.search(line)
    return LogRecord(ts=ts, ip=f.group("ip") if f else "")


def access_time(text: str) -> str:
    """`10/Oct/2026:13:55:36 +0700` as a UTC ISO string ('' when malformed)."""
    try:
        day, mon, rest = text.split("/", 2)
        year, hh, mm, ss_zone = rest.split(":", 3)
        ss, _, zone = ss_zone.partition(" ")
        dt = datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss))
        if zone:
            sign = -1 if zone[0] == "-" else 1
            offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
            dt = dt.replace(tzinfo=timezone(sign * offset))
        else:
            dt = dt.replace(tzinfo=UTC)
        return _utc(dt)
    except (ValueError, KeyError, IndexError):
        return ""


def any_time(text: str) -> str:
    """An ISO 8601 or access-log time as UTC ISO ('' when unknown)."""
    text = text.strip()
    if not text:
        return ""
    if "/" in text and "[" not in text and ":" in text and text[:2].isdigit():
        return access_time(text)
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return _utc(dt if dt.tzinfo else dt.replace(tzinfo=UTC))


def _strptime(text: str, fmt: str, zone: str) -> str:
    """A zone-less local time (error logs) read in the configured zone."""
    try:
        return _utc(datetime.strptime(text, fmt).replace(tzinfo=ZoneInfo(zone)))
    except (ValueError, KeyError):
        return ""


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
