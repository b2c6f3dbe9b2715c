"""TheHive 5 query language for the emulator: filters, sort, page and the step pipeline (API-CONTRACTS 1.7)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from tests.emulators.httpwire import Reply
from tests.emulators.thehive_base import Ctx, HiveBase
from tests.emulators.thehive_model import bad_request, require_object

Obj = dict[str, Any]


class QueryError(Exception):
    """An invalid query: the emulator answers 400 BadRequest with this message."""


_MISSING = object()


def field_values(obj: Obj, name: str) -> list[Any]:
    """The values of a (dotted) field; arrays contribute each element, a missing field none."""
    if name.startswith("customFields."):
        # v1 form "customFields.<name>", v0 form "customFields.<name>.<type>"
        cf_name = name.split(".")[1]
        for cf in obj.get("customFields") or []:
            if isinstance(cf, dict) and cf.get("name") == cf_name:
                return [] if cf.get("value") is None else [cf.get("value")]
        return []
    value: Any = obj
    for key in name.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return []
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    return [value]


def _operand(body: Any, op: str) -> tuple[str, Any]:
    """Field and value of `{"_field": f, "_value": v}` or the short form `{f: v}`."""
    if not isinstance(body, dict):
        raise QueryError(f"Invalid filter {op}: expected an object, got {body!r}")
    if "_field" in body:
        if "_value" not in body:
            raise QueryError(f"Invalid filter {op}: _value is missing")
        return str(body["_field"]), body["_value"]
    if len(body) == 1:
        ((key, value),) = body.items()
        return str(key), value
    raise QueryError(f"Invalid filter {op}: {body!r}")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return bool(a == b)


def _order(a: Any, b: Any) -> int | None:
    """-1/0/1 comparing a with b, None when they cannot be compared."""
    if isinstance(a, bool) or isinstance(b, bool):
        return None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return (a > b) - (a < b)
    if isinstance(a, str) and isinstance(b, str):
        return (a > b) - (a < b)
    return None


def _wildcard(pattern: str) -> re.Pattern[str]:
    """`*` matches any run of characters; everything else is literal (case-insensitive)."""
    return re.compile(".*".join(re.escape(piece) for piece in pattern.split("*")) + r"\Z", re.I | re.S)


Predicate = Callable[[Obj], bool]


def compile_filter(expr: Any) -> Predicate:
    """Turn one filter expression (the step's keys minus _name) into a predicate."""
    if not isinstance(expr, dict) or not expr:
        raise QueryError(f"Invalid filter: {expr!r}")
    if len(expr) != 1:
        # several operators in one object: all must hold
        preds = [compile_filter({k: v}) for k, v in expr.items()]
        return lambda o: all(p(o) for p in preds)
    ((op, body),) = expr.items()
    if op in ("_and", "_or"):
        if not isinstance(body, list):
            raise QueryError(f"Invalid filter {op}: expected a list")
        preds = [compile_filter(e) for e in body]
        if op == "_and":
            return lambda o: all(p(o) for p in preds)
        return lambda o: any(p(o) for p in preds)
    if op == "_not":
        inner = compile_filter(body)
        return lambda o: not inner(o)
    if op in ("_has", "_contains"):
        name = str(body.get("_field") if isinstance(body, dict) else body)
        return lambda o: bool(field_values(o, name)) or _has_empty(o, name)
    if op == "_id":
        wanted = {str(v) for v in body} if isinstance(body, list) else {str(body)}
        return lambda o: str(o.get("_id")) in wanted
    if op == "_in":
        if not isinstance(body, dict) or "_field" not in body or not isinstance(body.get("_values"), list):
            raise QueryError(f"Invalid filter _in: {body!r}")
        name, values = str(body["_field"]), body["_values"]
        return lambda o: any(_same(v, w) for v in field_values(o, name) for w in values)
    if op == "_between":
        if not isinstance(body, dict) or not {"_field", "_from", "_to"} <= set(body):
            raise QueryError(f"Invalid filter _between: {body!r}")
        name, low, high = str(body["_field"]), body["_from"], body["_to"]
        return lambda o: any(
            _order(v, low) in (0, 1) and _order(v, high) == -1 for v in field_values(o, name)
        )
    name, value = _operand(body, op)
    if op == "_eq":
        return lambda o: any(_same(v, value) for v in field_values(o, name))
    if op == "_ne":
        return lambda o: not any(_same(v, value) for v in field_values(o, name))
    comparisons = {"_gt": (1,), "_gte": (0, 1), "_lt": (-1,), "_lte": (-1, 0)}
    if op in comparisons:
        accept = comparisons[op]
        return lambda o: any(_order(v, value) in accept for v in field_values(o, name))
    if op == "_like":
        rx = _wildcard(str(value))
        return lambda o: any(isinstance(v, str) and rx.match(v) for v in field_values(o, name))
    if op == "_match":
        words = str(value).lower().split()
        return lambda o: any(
            isinstance(v, str) and all(w in re.findall(r"\w+", v.lower()) for w in words)
            for v in field_values(o, name)
        )
    if op == "_startsWith":
        return lambda o: any(isinstance(v, str) and v.startswith(str(value)) for v in field_values(o, name))
    if op == "_endsWith":
        return lambda o: any(isinstance(v, str) and v.endswith(str(value)) for v in field_values(o, name))
    raise QueryError(f"Invalid filter: unknown operator {op}")


def _has_empty(obj: Obj, name: str) -> bool:
    """`_has` is true for a present, non-null field even if it is an empty string or zero."""
    value: Any = obj
    for key in name.split("."):
        if not isinstance(value, dict) or key not in value:
            return False
        value = value[key]
    return value is not None and value != []


def sort_objects(items: list[Obj], fields: Any) -> list[Obj]:
    """Apply a sort step's `_fields` ([{field: asc|desc}, ...]); missing values sort last."""
    if not isinstance(fields, list):
        raise QueryError("Invalid sort: _fields must be a list")
    keys: list[tuple[str, bool]] = []
    for entry in fields:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise QueryError(f"Invalid sort field: {entry!r}")
        ((name, direction),) = entry.items()
        if str(direction).lower() not in ("asc", "desc"):
            raise QueryError(f"Invalid sort direction {direction!r} for {name}")
        keys.append((name, str(direction).lower() == "desc"))
    result = list(items)
    for name, desc in reversed(keys):
        present = [o for o in result if field_values(o, name)]
        missing = [o for o in result if not field_values(o, name)]
        present.sort(key=lambda o, n=name: _sort_key(field_values(o, n)[0]), reverse=desc)  # type: ignore[misc]
        result = present + missing
    return result


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value).lower())


def page_objects(items: list[Obj], step: Obj) -> list[Obj]:
    """Apply a page step: `from` inclusive, `to` exclusive."""
    try:
        start = int(step.get("from", 0))
        end = int(step["to"]) if step.get("to") is not None else len(items)
    except (TypeError, ValueError) as exc:
        raise QueryError(f"Invalid page step: {exc}") from None
    if start < 0 or end < start:
        raise QueryError(f"Invalid page step: from={start} to={end}")
    return items[start:end]


class QuerySteps(HiveBase):
    """POST /api/v1/query: a source step, then traversals, filter, sort, page and count."""

    def add_query_routes(self) -> None:
        self.route("POST", "/query", self._query)

    def _query(self, ctx: Ctx, _: dict[str, str]) -> Reply:
        body = require_object(self.json_body(ctx), "query")
        steps = body.get("query")
        if not isinstance(steps, list) or not steps:
            raise bad_request("Invalid query: attribute query must be a non-empty list")
        try:
            result = self.run_query(steps, ctx.org)
        except QueryError as err:
            raise bad_request(str(err)) from None
        if isinstance(result, list):
            excluded = set(body.get("excludeFields") or [])
            result = [{k: v for k, v in o.items() if k not in excluded} for o in result]
        return self.ok(result)

    def run_query(self, steps: list[Any], org: str) -> list[Obj] | int:
        """Apply source, traverse, filter, sort, page and count steps left to right."""
        kind, items = self.query_source(steps[0], org)
        for position, step in enumerate(steps[1:], start=1):
            if not isinstance(step, dict) or not isinstance(step.get("_name"), str):
                raise QueryError(f"Invalid query step {step!r}")
            name = step["_name"]
            if name == "filter":
                predicate = compile_filter({k: v for k, v in step.items() if k != "_name"})
                items = [o for o in items if predicate(o)]
            elif name == "sort":
                items = sort_objects(items, step.get("_fields"))
            elif name == "page":
                items = page_objects(items, step)
            elif name == "count":
                if position != len(steps) - 1:
                    raise QueryError("count must be the last step")
                return len(items)
            else:
                kind, items = self.traverse(kind, items, name)
        return items

    SOURCES: ClassVar[dict[str, tuple[str, str]]] = {
        "listCase": ("case", "cases"),
        "listTask": ("task", "tasks"),
        "listObservable": ("observable", "observables"),
        "listComment": ("comment", "comments"),
        "listLog": ("log", "task_logs"),
        "listAlert": ("alert", "alerts"),
        "listCaseTemplate": ("caseTemplate", "case_templates"),
        "listCustomField": ("customField", "custom_fields"),
    }
    GETTERS: ClassVar[dict[str, tuple[str, str, str]]] = {
        "getCase": ("case", "cases", "Case"),
        "getTask": ("task", "tasks", "Task"),
        "getObservable": ("observable", "observables", "Observable"),
        "getComment": ("comment", "comments", "Comment"),
        "getLog": ("log", "task_logs", "Log"),
        "getAlert": ("alert", "alerts", "Alert"),
        "getCaseTemplate": ("caseTemplate", "case_templates", "CaseTemplate"),
    }

    def query_source(self, step: Any, org: str) -> tuple[str, list[Obj]]:
        if not isinstance(step, dict) or not isinstance(step.get("_name"), str):
            raise QueryError(f"Invalid query: the first step must be a source, got {step!r}")
        name = step["_name"]
        if name in self.SOURCES:
            kind, store = self.SOURCES[name]
            if kind == "customField":
                return kind, list(self.custom_fields.values())
            return kind, self.in_org(getattr(self, store), org)
        if name in self.GETTERS:
            kind, store, what = self.GETTERS[name]
            if "idOrName" not in step:
                raise QueryError(f"Invalid query: {name} needs idOrName")
            return kind, [self.lookup(getattr(self, store), str(step["idOrName"]), org, what)]
        raise QueryError(f"Invalid query: unknown source step {name}")

    def traverse(self, kind: str, items: list[Obj], name: str) -> tuple[str, list[Obj]]:
        """Follow a relation (tasks, observables, comments, logs, attachments, alerts, case...)."""
        children = {
            ("case", "tasks"): ("task", self.tasks),
            ("case", "observables"): ("observable", self.observables),
            ("case", "comments"): ("comment", self.comments),
            ("case", "attachments"): ("attachment", self.attachments),
            ("task", "logs"): ("log", self.task_logs),
            ("alert", "observables"): ("observable", self.observables),
            ("alert", "comments"): ("comment", self.comments),
            ("alert", "attachments"): ("attachment", self.attachments),
        }
        if (kind, name) in children:
            child_kind, store = children[(kind, name)]
            return child_kind, [c for o in items for c in self.children(store, o["_id"])]
        if (kind, name) in (
            ("case", "pages"),
            ("case", "procedures"),
            ("alert", "procedures"),
            ("case", "shares"),
        ):
            return name.rstrip("s"), []
        if (kind, name) == ("case", "alerts"):
            ids = {o["_id"] for o in items}
            return "alert", [a for a in self.alerts.values() if a.get("caseId") in ids]
        if (kind, name) in (("task", "case"), ("observable", "case")):
            return "case", [
                self.cases[p] for o in items if (p := self.parent.get(o["_id"], "")) in self.cases
            ]
        if (kind, name) == ("log", "task"):
            return "task", [
                self.tasks[p] for o in items if (p := self.parent.get(o["_id"], "")) in self.tasks
            ]
        if (kind, name) == ("alert", "case"):
            return "case", [self.cases[o["caseId"]] for o in items if o.get("caseId") in self.cases]
        raise QueryError(f"Invalid query: unknown step {name} after {kind}")
