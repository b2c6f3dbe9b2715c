"""Timeline renderings: Markdown, self-contained HTML, Timesketch CSV and JSON."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

from csirt_kit.evidence.records import EvidenceFile
from csirt_kit.timeline.build import Timeline
from csirt_kit.timeutil import local, parse_iso

FORMATS = ("table", "md", "html", "csv", "json")
# Timesketch's CSV importer needs these three columns; the rest become event attributes.
TIMESKETCH_COLUMNS = ("message", "datetime", "timestamp_desc", "timestamp", "source", "kind",
                      "case_key", "ref", "fingerprint", "asset_id", "owner")


def _md_cell(text: str) -> str:
    # TheHive renders Markdown with inline HTML: escape '<' so evidence stays text.
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def header_pairs(t: Timeline) -> list[tuple[str, str]]:
    """Key facts shown above every rendering."""
    a = t.asset
    pairs = [(t.label("case"), f"{t.case.key} ({t.case.status})"),
             (t.label("severity"), f"{t.case.severity} · TLP:{t.case.tlp.upper()} · "
                                   f"PAP:{t.case.pap.upper()}"),
             (t.label("playbook"), t.case.playbook)]
    if a is not None:
        pairs += [(t.label("asset"), f"{a.name} ({a.id}, {a.kind}, {a.criticality})"),
                  (t.label("owner"), a.owner or "-"), (t.label("contact"), a.contact or "-")]
    if t.case.previous_key:
        pairs.append((t.label("previous"), t.case.previous_key))
    pairs.append((t.label("generated"), local(t.generated_at, t.zone)))
    return pairs


def _size(t: Timeline, f: EvidenceFile) -> str:
    if not f.sha256:
        return t.label("not_stored")
    return f"{f.size} ({t.label('cut')})" if f.truncated else str(f.size)


def evidence_rows(t: Timeline) -> list[tuple[str, str, str, str, str]]:
    """(finding, kind, file, sha256, size) of each captured evidence file of the case."""
    return [(fe.fingerprint[:12], f.role, f.name, f.sha256 or "-", _size(t, f))
            for fe in t.evidence for f in fe.files]


def to_markdown(t: Timeline) -> str:
    """The timeline as Markdown (also what goes to TheHive)."""
    out = [f"# {t.label('timeline')}: {t.title}", ""]
    out += [f"- **{k}:** {_md_cell(v)}" for k, v in header_pairs(t)]
    if t.tasks:
        out += ["", f"## {t.label('tasks')}", ""]
        out += [f"- [{'x' if task.status == 'Completed' else ' '}] {t.task_title(task)} "
                f"({task.group}, {task.status})" for task in t.tasks]
    out += ["", f"## {t.label('timeline')} ({len(t.entries)} {t.label('entries')})", "",
            f"| {t.label('time')} | {t.label('source')} | {t.label('what')} | "
            f"{t.label('details')} |", "|---|---|---|---|"]
    for e in t.entries:
        detail = e.text + (f" — `{e.ref}`" if e.ref else "")
        out.append(f"| {local(e.at, t.zone)} | {t.label(e.source if e.source != 'case' else 'case_event')}"
                   f" | {_md_cell(t.label(e.kind))} | {_md_cell(detail)} |")
    if t.evidence:
        out += ["", f"## {t.label('captured')}", "",
                f"{t.label('export')}: `{t.export_command}`", "",
                f"| {t.label('finding')} | {t.label('role')} | {t.label('file')} | sha256 | "
                f"{t.label('size')} |", "|---|---|---|---|---|"]
        out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in evidence_rows(t)]
    return "\n".join(out) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#111}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eee}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dt{font-weight:bold}.evidence{background:#fff8e6}.intel{background:#eef6ff}
.note{background:#f0fff0}code{font-size:.85em;word-break:break-all}
@media print{body{margin:0}a{color:inherit}tr{page-break-inside:avoid}}
"""


def to_html(t: Timeline) -> str:
    """A self-contained HTML page (no scripts, no external resources) to print or attach."""
    e = html.escape
    lang = "id" if t.lang == "id" else "en"
    parts = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
             f"<title>{e(t.label('timeline'))}: {e(t.title)}</title><style>{_CSS}</style></head>",
             f'<body><h1 id="title">{e(t.label("timeline"))}: {e(t.title)}</h1><dl id="facts">']
    parts += [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in header_pairs(t)]
    parts.append("</dl>")
    if t.tasks:
        parts.append(f'<h2>{e(t.label("tasks"))}</h2><ul id="tasks">')
        parts += [f'<li><input type="checkbox" disabled{" checked" if task.status == "Completed" else ""}>'
                  f" {e(t.task_title(task))} <small>({e(task.group)}, {e(task.status)})</small></li>"
                  for task in t.tasks]
        parts.append("</ul>")
    parts.append(f'<h2>{e(t.label("timeline"))} ({len(t.entries)} {e(t.label("entries"))})</h2>'
                 f'<table id="timeline"><thead><tr><th>{e(t.label("time"))}</th>'
                 f'<th>{e(t.label("source"))}</th><th>{e(t.label("what"))}</th>'
                 f'<th>{e(t.label("details"))}</th></tr></thead><tbody>')
    for entry in t.entries:
        source = t.label(entry.source if entry.source != "case" else "case_event")
        ref = f"<br><code>{e(entry.ref)}</code>" if entry.ref else ""
        parts.append(f'<tr class="{e(entry.source)}"><td>{e(local(entry.at, t.zone))}</td>'
                     f"<td>{e(source)}</td><td>{e(t.label(entry.kind))}</td>"
                     f"<td>{e(entry.text)}{ref}</td></tr>")
    parts.append("</tbody></table>")
    if t.evidence:
        parts.append(f'<h2>{e(t.label("captured"))}</h2><p id="export">{e(t.label("export"))}: '
                     f'<code>{e(t.export_command)}</code></p><table id="evidence"><thead><tr>'
                     + "".join(f"<th>{e(h)}</th>" for h in (
                         t.label("finding"), t.label("role"), t.label("file"), "sha256",
                         t.label("size"))) + "</tr></thead><tbody>")
        parts += ["<tr>" + "".join(f"<td><code>{e(c)}</code></td>" for c in row) + "</tr>"
                  for row in evidence_rows(t)]
        parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    return "".join(parts)


def to_csv(t: Timeline) -> str:
    """CSV in Timesketch's import format: message, datetime, timestamp_desc, plus extras."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=TIMESKETCH_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in t.entries:
        dt = parse_iso(e.at)
        writer.writerow({
            "message": e.text, "datetime": dt.isoformat(), "timestamp_desc": t.label(e.kind),
            "timestamp": int(dt.timestamp() * 1_000_000), "source": e.source, "kind": e.kind,
            "case_key": t.case.key, "ref": e.ref, "fingerprint": e.fingerprint,
            "asset_id": t.asset.id if t.asset else "", "owner": t.asset.owner if t.asset else "",
        })
    return buf.getvalue()


def to_document(t: Timeline) -> dict[str, Any]:
    """The `--json` document."""
    return {"case": t.case.to_dict(), "asset": t.asset.to_dict() if t.asset else None,
            "tasks": [{"group": x.group, "title": t.task_title(x), "status": x.status}
                      for x in t.tasks],
            "lang": t.lang, "zone": t.zone, "generated_at": t.generated_at,
            "entries": [{**e.to_dict(), "local_time": local(e.at, t.zone),
                         "label": t.label(e.kind)} for e in t.entries],
            "count": len(t.entries),
            "evidence": [fe.to_dict() for fe in t.evidence], "export": t.export_command}


def render(t: Timeline, fmt: str) -> str:
    """Render to md, html, csv or json text."""
    if fmt == "md":
        return to_markdown(t)
    if fmt == "html":
        return to_html(t)
    if fmt == "csv":
        return to_csv(t)
    if fmt == "json":
        return json.dumps(to_document(t), ensure_ascii=False, indent=2)
    raise ValueError(f"unknown timeline format {fmt!r}")
