"""Alert mode: each planned case is one TheHive alert (type = playbook, sourceRef = case key).

TheHive refuses a second alert with the same type + source + sourceRef, so an
answer lost after the server stored the alert is recovered by a lookup, never by
a second alert (API-CONTRACTS 1.10.1). Analysts promote the alert to a case (with
the playbook's case template) or merge it into one; the alert's ``caseId`` then
leads csirt-kit to that case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from thehive4py.query.filters import Eq
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc

from csirt_kit.cases.backend import PRODUCT_TAG, Refused, RemoteCase, dedup_tag
from csirt_kit.cases.templates import template_name
from csirt_kit.cases.thehive_client import CHUNK, PAP, SEVERITY, TLP, HiveClient, any_id

# Our closing status -> the alert status that says the same (an alert has no impact or verdict).
ALERT_CLOSE = {"FalsePositive": "FalsePositive", "Duplicated": "Duplicated", "TruePositive": "Other",
               "Indeterminate": "Other", "Other": "Other"}
_DUPLICATE_TYPES = ("createerror", "conflicterror")


def is_duplicate_alert(exc: Refused) -> bool:
    """A 400/409 refusal saying the alert (type + source + sourceRef) exists already."""
    text = exc.what.lower()
    status_ok = "http 400" in text or "http 409" in text
    return status_ok and ("already exist" in text or any(t in text for t in _DUPLICATE_TYPES))


class AlertOps(HiveClient):
    """Alert calls: find by sourceRef, create once, read state."""

    @property
    def unique_creates(self) -> bool:
        """The server refuses a second alert for a key, so a create needs no lookup first."""
        return self.mode == "alert"

    def _alert(self, data: dict[str, Any]) -> RemoteCase:
        aid = str(data["_id"])
        return RemoteCase(aid, str(data.get("status") or "New"), data.get("summary"), None,
                          f"{self.url}/alerts/{aid}/details", kind="alert", alert_id=aid,
                          case_id=str(data.get("caseId") or ""))

    def find_alert(self, key: str) -> RemoteCase | None:
        """Our alert for this key (its identity: type = playbook, source, sourceRef = key)."""
        playbook = key.split(":", 1)[0]
        flt = Eq("sourceRef", key) & Eq("source", self.source) & Eq("type", playbook)
        found = self._expect(f"find alert {key}", self._call(
            f"find alert {key}", self.api.alert.find, filters=flt, sortby=Asc("_createdAt"),
            paginate=Paginate(0, 5)), list)
        return self._alert(found[0]) if found and isinstance(found[0], dict) and "_id" in found[0] else None

    def create_alert(self, key: str, fields: dict[str, Any]) -> RemoteCase:
        """POST the alert; "already exists" is answered by looking it up."""
        playbook = str(fields.get("playbook") or key.split(":", 1)[0])
        body: dict[str, Any] = {
            "type": playbook, "source": self.source, "sourceRef": key,
            "title": fields["title"], "description": fields["description"],
            "severity": SEVERITY.get(fields.get("severity", "medium"), 2),
            "tlp": TLP.get(fields.get("tlp", "amber"), 2), "pap": PAP.get(fields.get("pap", "amber"), 2),
            "tags": sorted({*fields.get("tags", []), PRODUCT_TAG, dedup_tag(key)}),
            "caseTemplate": template_name(playbook),
            "observables": [{"dataType": o["data_type"], "data": o["data"], "ioc": bool(o.get("ioc")),
                             "tlp": TLP.get(str(o.get("tlp", "amber")), 2), "tags": [PRODUCT_TAG],
                             **({"message": o["message"]} if o.get("message") else {})}
                            for o in fields.get("observables", [])]}
        try:
            data = self.with_key_field(f"create alert {key}", self.api.alert.create, key, body)
        except Refused as exc:
            if not is_duplicate_alert(exc):
                raise
            found = self.find_alert(key)
            if found is None:
                raise
            return replace(found, existed=True)
        return replace(self._alert(self._expect(f"create alert {key}", data, dict)), inline=True)

    def alert_states(self, alert_ids: Sequence[str]) -> dict[str, RemoteCase]:
        """Alerts by id, 100 ids per query."""
        out: dict[str, RemoteCase] = {}
        for i in range(0, len(alert_ids), CHUNK):
            chunk = list(alert_ids[i:i + CHUNK])
            found = self._expect("read alert status", self._call(
                "read alert status", self.api.alert.find, filters=any_id(chunk),
                paginate=Paginate(0, len(chunk))), list)
            for item in found:
                if isinstance(item, dict) and "_id" in item:
                    out[str(item["_id"])] = self._alert(item)
        return out
