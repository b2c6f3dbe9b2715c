"""Report renderings: Markdown and self-contained HTML with inline SVG charts (no CDN)."""

from __future__ import annotations

import html
from typing import Any

from csirt_kit.models import SEVERITIES
from csirt_kit.report.build import DeptDigest, Report
from csirt_kit.timeutil import local

FORMATS = ("md", "html", "json")
COLOURS = {"critical": "#b71c1c", "high": "#e53935", "medium": "#fb8c00", "low": "#1e88e5",
           "info": "#9e9e9e"}
LABELS = {
    "en": {"title": "Security digest per department", "generated": "Generated",
           "department": "Department", "assets": "Assets", "open_findings": "Open findings",
           "open_cases": "Open cases", "top": "Most severe open findings",
           "cases": "Open cases and their tasks", "coverage": "Scan coverage",
           "never": "Never scanned", "nothing": "No URL, webroot or logs in the inventory",
           "suspended": "Suspended sites still answering", "errors": "Scan errors",
           "none": "none", "totals": "City totals", "chart": "Open findings by severity"},
    "id": {"title": "Ringkasan keamanan per OPD", "generated": "Dibuat",
           "department": "OPD", "assets": "Aset", "open_findings": "Temuan terbuka",
           "open_cases": "Kasus terbuka", "top": "Temuan terbuka paling parah",
           "cases": "Kasus terbuka dan tugasnya", "coverage": "Cakupan pemindaian",
           "never": "Belum pernah dipindai", "nothing": "Tanpa URL, webroot atau log di inventaris",
           "suspended": "Situs nonaktif yang masih menjawab", "errors": "Galat pemindaian",
           "none": "tidak ada", "totals": "Total kota", "chart": "Temuan terbuka per tingkat"},
}


def _l(lang: str, key: str) -> str:
    return LABELS.get(lang, LABELS["en"]).get(key, LABELS["en"][key])


def to_markdown(report: Report, lang: str = "en") -> str:
    """The digest as Markdown."""
    t = report.totals
    out = [f"# {_l(lang, 'title')}", "", f"{_l(lang, 'generated')}: "
           f"{local(report.generated_at, report.zone)}", "", f"## {_l(lang, 'totals')}", "",
           f"- {_l(lang, 'department')}: {t.get('departments', 0)}, {_l(lang, 'assets')}: "
           f"{t.get('assets', 0)}, {_l(lang, 'open_findings')}: {t.get('open_findings', 0)}, "
           f"{_l(lang, 'open_cases')}: {t.get('open_cases', 0)}", ""]
    for d in report.departments:
        out += _md_dept(d, lang)
    return "\n".join(out) + "\n"


def _md_dept(d: DeptDigest, lang: str) -> list[str]:
    sev = ", ".join(f"{n} {s}" for s, n in d.open_by_severity.items() if n) or _l(lang, "none")
    out = [f"## {d.owner}", "", f"- {_l(lang, 'assets')}: {d.assets} "
           f"({', '.join(f'{n} {k}' for k, n in sorted(d.by_kind.items()))})",
           f"- {_l(lang, 'open_findings')}: {d.open_findings} ({sev})",
           f"- {_l(lang, 'open_cases')}: {len(d.open_cases)}", ""]
    if d.top_findings:
        out += [f"### {_l(lang, 'top')}", ""]
        out += [f"- **{f['severity']}** {f['title']} — `{f['asset_id']}`" for f in d.top_findings]
        out.append("")
    if d.open_cases:
        out += [f"### {_l(lang, 'cases')}", ""]
        for c in d.open_cases:
            out.append(f"- **{c['key']}** ({c['severity']}, {c['status']}): {c['title']}")
            out += [f"  - [{'x' if t['status'] == 'Completed' else ' '}] {t['title']} ({t['status']})"
                    for t in c["tasks"]]
        out.append("")
    out += [f"### {_l(lang, 'coverage')}", ""]
    for key, items in (("never", [f"{x['asset_id']} ({x['scan']})" for x in d.never_scanned]),
                       ("nothing", list(d.nothing_to_scan)),
                       ("suspended", [f"{x['asset_id']}: {x['detail']}" for x in d.suspended_answering]),
                       ("errors", [f"{x['asset_id']} ({x['scan']}): {x['detail']}" for x in d.scan_errors])):
        out.append(f"- {_l(lang, key)}: {', '.join(items) if items else _l(lang, 'none')}")
    out.append("")
    return out


def severity_chart(report: Report, lang: str = "en") -> str:
    """A horizontal stacked bar per department, open findings by severity, as inline SVG."""
    rows = [d for d in report.departments if d.open_findings] or list(report.departments)
    bar_h, gap, label_w, width = 18, 6, 260, 720
    most = max((d.open_findings for d in rows), default=0) or 1
    height = 30 + len(rows) * (bar_h + gap) + 30
    e = html.escape
    parts = [f'<svg id="severity-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height}" role="img" aria-label="{e(_l(lang, "chart"))}">',
             f'<text x="0" y="16" font-size="14" font-weight="bold">{e(_l(lang, "chart"))}</text>']
    for i, d in enumerate(rows):
        y = 30 + i * (bar_h + gap)
        parts.append(f'<text x="0" y="{y + 13}" font-size="12">{e(d.owner[:40])}</text>')
        x = float(label_w)
        for s in reversed(SEVERITIES):
            n = d.open_by_severity.get(s, 0)
            if n:
                w = (width - label_w - 40) * n / most
                parts.append(f'<rect class="bar {s}" x="{x:.1f}" y="{y}" width="{w:.1f}" '
                             f'height="{bar_h}" fill="{COLOURS[s]}"><title>{e(d.owner)}: {n} {s}'
                             f'</title></rect>')
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="12">{d.open_findings}</text>')
    ly = height - 10
    for i, s in enumerate(reversed(SEVERITIES)):
        parts.append(f'<rect x="{label_w + i * 90}" y="{ly - 10}" width="10" height="10" '
                     f'fill="{COLOURS[s]}"/><text x="{label_w + i * 90 + 14}" y="{ly}" '
                     f'font-size="11">{s}</text>')
    parts.append("</svg>")
    return "".join(parts)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#111;max-width:1100px}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eee}.sev-critical,.sev-high{color:#b71c1c;font-weight:bold}
section.dept{page-break-inside:avoid;border-top:2px solid #333;margin-top:1.5em}
@media print{body{margin:0}}"""


def to_html(report: Report, lang: str = "en") -> str:
    """A self-contained page: no scripts, no external resources."""
    e = html.escape
    t = report.totals
    parts = [f'<!DOCTYPE html><html lang="{e(lang)}"><head><meta charset="utf-8">'
             f"<title>{e(_l(lang, 'title'))}</title><style>{_CSS}</style></head><body>",
             f'<h1 id="title">{e(_l(lang, "title"))}</h1>',
             f"<p>{e(_l(lang, 'generated'))}: {e(local(report.generated_at, report.zone))}</p>",
             f'<table id="totals"><tr><th>{e(_l(lang, "department"))}</th><th>'
             f'{e(_l(lang, "assets"))}</th><th>{e(_l(lang, "open_findings"))}</th><th>'
             f'{e(_l(lang, "open_cases"))}</th></tr>']
    parts += [f"<tr><td>{e(d.owner)}</td><td>{d.assets}</td><td>{d.open_findings}</td>"
              f"<td>{len(d.open_cases)}</td></tr>" for d in report.departments]
    parts.append(f"<tr><th>{e(_l(lang, 'totals'))}</th><th>{t.get('assets', 0)}</th>"
                 f"<th>{t.get('open_findings', 0)}</th><th>{t.get('open_cases', 0)}</th></tr></table>")
    parts.append(severity_chart(report, lang))
    for d in report.departments:
        parts.append(_html_dept(d, lang))
    parts.append("</body></html>\n")
    return "".join(parts)


def _html_dept(d: DeptDigest, lang: str) -> str:
    e = html.escape
    out = [f'<section class="dept"><h2>{e(d.owner)}</h2>']
    if d.top_findings:
        out.append(f'<h3>{e(_l(lang, "top"))}</h3><table class="findings">')
        out += [f'<tr><td class="sev-{e(f["severity"])}">{e(f["severity"])}</td>'
                f"<td>{e(f['title'])}</td><td>{e(str(f['asset_id']))}</td></tr>"
                for f in d.top_findings]
        out.append("</table>")
    if d.open_cases:
        out.append(f'<h3>{e(_l(lang, "cases"))}</h3><ul class="cases">')
        for c in d.open_cases:
            tasks = "".join(f"<li>{'☑' if x['status'] == 'Completed' else '☐'} {e(x['title'])}"
                            f" <small>({e(x['status'])})</small></li>" for x in c["tasks"])
            out.append(f"<li><b>{e(c['key'])}</b> ({e(c['severity'])}, {e(c['status'])}): "
                       f"{e(c['title'])}<ul>{tasks}</ul></li>")
        out.append("</ul>")
    out.append(f'<h3>{e(_l(lang, "coverage"))}</h3><ul class="coverage">')
    items: list[tuple[str, list[Any]]] = [
        ("never", [f"{x['asset_id']} ({x['scan']})" for x in d.never_scanned]),
        ("nothing", list(d.nothing_to_scan)),
        ("suspended", [f"{x['asset_id']}: {x['detail']}" for x in d.suspended_answering]),
        ("errors", [f"{x['asset_id']} ({x['scan']}): {x['detail']}" for x in d.scan_errors])]
    for key, values in items:
        shown = ", ".join(values) if values else _l(lang, "none")
        out.append(f'<li class="{key}">{e(_l(lang, key))}: {e(shown)}</li>')
    out.append("</ul></section>")
    return "".join(out)
