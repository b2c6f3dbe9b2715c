"""TheHive 5 object shapes and input checks for the emulator (API-CONTRACTS 1.6, 1.8, 1.10)."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]

SEVERITY_LABELS = {1: "LOW", 2: "MEDIUM", 3: "HIGH", 4: "CRITICAL"}
TLP_LABELS = {0: "CLEAR", 1: "GREEN", 2: "AMBER", 3: "AMBER+STRICT", 4: "RED"}
PAP_LABELS = {0: "CLEAR", 1: "GREEN", 2: "AMBER", 3: "RED"}
CASE_STAGES = {
    "New": "New",
    "InProgress": "InProgress",
    "Indeterminate": "Closed",
    "FalsePositive": "Closed",
    "TruePositive": "Closed",
    "Other": "Closed",
    "Duplicated": "Closed",
}
ALERT_STAGES = {
    "New": "New",
    "InProgress": "InProgress",
    "Imported": "Imported",
    "Pending": "InProgress",
    "Duplicated": "Closed",
    "FalsePositive": "Closed",
    "Ignored": "Closed",
    "Other": "Closed",
}
IMPACT_STATUSES = ("NotApplicable", "WithImpact", "NoImpact")
TASK_STATUSES = ("Waiting", "InProgress", "Completed", "Cancel")
OBSERVABLE_TYPES = (
    "autonomous-system", "domain", "file", "filename", "fqdn", "hash", "hostname", "ip", "mail",
    "mail-subject", "other", "regexp", "registry", "uri_path", "url", "user-agent",
)  # fmt: skip
CUSTOM_FIELD_TYPES = ("string", "integer", "float", "boolean", "date", "url")

CASE_UPDATE_KEYS = {
    "title", "description", "severity", "startDate", "endDate", "tags", "flag", "tlp", "pap", "status",
    "summary", "assignee", "impactStatus", "customFields", "taskRule", "observableRule", "addTags",
    "removeTags",
}  # fmt: skip
TASK_UPDATE_KEYS = {
    "title", "group", "description", "status", "flag", "startDate", "endDate", "order", "dueDate",
    "assignee", "mandatory",
}  # fmt: skip
ALERT_UPDATE_KEYS = {
    "type", "source", "sourceRef", "externalLink", "title", "description", "severity", "date",
    "lastSyncDate", "tags", "tlp", "pap", "follow", "customFields", "status", "summary", "assignee",
    "addTags", "removeTags",
}  # fmt: skip
OBSERVABLE_UPDATE_KEYS = {
    "dataType", "message", "tlp", "pap", "tags", "ioc", "sighted", "sightedAt", "ignoreSimilarity",
    "addTags", "removeTags",
}  # fmt: skip
TEMPLATE_KEYS = {
    "name", "displayName", "titlePrefix", "description", "severity", "tags", "flag", "tlp", "pap",
    "summary", "tasks", "customFields", "pageTemplateIds",
}  # fmt: skip


class ApiError(Exception):
    """An error answer: `{"type", "message"}` plus optional extra keys, with an HTTP status."""

    def __init__(self, status: int, kind: str, message: str, **extra: Any) -> None:
        super().__init__(f"{kind} - {message}")
        self.status, self.kind, self.message, self.extra = status, kind, message, extra

    def body(self) -> Obj:
        return {"type": self.kind, "message": self.message, **self.extra}


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "NotFoundError", message)


def attribute_error(name: str, kind: str, value: Any, detail: str) -> ApiError:
    """400 AttributeCheckingError with its `errors` list (ScalliGraph shape)."""
    return ApiError(
        400,
        "AttributeCheckingError",
        f"{name}: {detail}",
        errors=[{"name": name, "type": kind, "value": value, "message": detail}],
    )


def require_object(body: Any, what: str) -> Obj:
    """The request body as a JSON object, or 400 BadRequest."""
    if not isinstance(body, dict):
        raise bad_request(f"Invalid json: the {what} must be a JSON object")
    return body


def require_text(body: Obj, *names: str) -> None:
    """Required string attributes (a missing one is 400 BadRequest, as in the contract 1.9)."""
    for name in names:
        if name not in body or body[name] is None:
            raise bad_request(f"Invalid json: attribute {name} is missing")
        if not isinstance(body[name], str):
            raise attribute_error(name, "InvalidFormatAttributeError", body[name], "expected a string")


def check_level(body: Obj, name: str, labels: dict[int, str]) -> None:
    """severity/tlp/pap must be an int in the label table."""
    if name in body and (
        isinstance(body[name], bool) or not isinstance(body[name], int) or body[name] not in labels
    ):
        raise attribute_error(
            name, "InvalidFormatAttributeError", body[name], f"expected one of {sorted(labels)}"
        )


def check_common(body: Obj) -> None:
    """Checks shared by cases, alerts and templates."""
    check_level(body, "severity", SEVERITY_LABELS)
    check_level(body, "tlp", TLP_LABELS)
    check_level(body, "pap", PAP_LABELS)
    for key in ("tags", "addTags", "removeTags"):
        value = body.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(t, str) for t in value)):
            raise attribute_error(key, "InvalidFormatAttributeError", value, "expected a list of strings")
    if "flag" in body and not isinstance(body["flag"], bool):
        raise attribute_error("flag", "InvalidFormatAttributeError", body["flag"], "expected a boolean")


def check_unknown(body: Obj, allowed: set[str], what: str) -> None:
    """A PATCH with an attribute the server does not know is refused (typos must not pass silently)."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise bad_request(f"Invalid {what} update: unknown attribute(s) {', '.join(unknown)}")


def set_labels(obj: Obj) -> None:
    """Refresh severityLabel/tlpLabel/papLabel from the numeric fields."""
    for key, table in (("severity", SEVERITY_LABELS), ("tlp", TLP_LABELS), ("pap", PAP_LABELS)):
        if key in obj:
            obj[key + "Label"] = table[obj[key]]


def apply_tags(obj: Obj, fields: Obj) -> None:
    """tags replaces, addTags/removeTags edit the current list (order kept, no duplicates)."""
    tags = list(fields["tags"]) if "tags" in fields else list(obj.get("tags") or [])
    for tag in fields.get("addTags") or []:
        if tag not in tags:
            tags.append(tag)
    removed = set(fields.get("removeTags") or [])
    obj["tags"] = unique([t for t in tags if t not in removed])


def unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def normalise_custom_fields(value: Any) -> list[Obj]:
    """Accept the list form [{name, value, order?}] or the flat dict form {name: value}."""
    if value is None:
        return []
    if isinstance(value, dict):
        items = [{"name": k, "value": v} for k, v in value.items()]
    elif isinstance(value, list):
        items = value
    else:
        raise attribute_error("customFields", "InvalidFormatAttributeError", value, "expected a list")
    out = []
    for position, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise attribute_error(
                "customFields", "InvalidFormatAttributeError", item, "expected {name, value}"
            )
        out.append({"name": item["name"], "value": item.get("value"), "order": item.get("order", position)})
    return out


def check_custom_value(definition: Obj, value: Any) -> None:
    """A value must fit the definition's type (and its options, when it has any)."""
    if value is None:
        return
    kind = definition["type"]
    ok = {
        "string": isinstance(value, str),
        "url": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "date": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
    }.get(kind, True)
    name = f"customFields.{definition['name']}"
    if not ok:
        raise attribute_error(name, "InvalidFormatAttributeError", value, f"expected a {kind}")
    options = definition.get("options") or []
    if options and value not in options:
        raise attribute_error(name, "InvalidFormatAttributeError", value, f"expected one of {options}")
