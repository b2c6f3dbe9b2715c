"""The emulated TheHive's observables, comments, task logs and attachments (API-CONTRACTS 1.5, 1.6, 1.10.4)."""

from __future__ import annotations

import hashlib
from typing import Any

from tests.emulators.thehive_model import (
    OBSERVABLE_TYPES,
    OBSERVABLE_UPDATE_KEYS,
    ApiError,
    Obj,
    apply_tags,
    bad_request,
    check_common,
    check_unknown,
    not_found,
    require_object,
    require_text,
    set_labels,
    unique,
)
from tests.emulators.thehive_state import HiveState


class ObjectState(HiveState):
    """Creation rules for the objects that hang off a case, task or alert."""

    def create_observables(
        self, parent_id: str, body: Any, user: str, org: str, file: tuple[str, bytes, str | None] | None
    ) -> list[Obj]:
        """One observable per value; a (dataType, data) already in the parent is 400 CreateError."""
        body = require_object(body, "observable")
        require_text(body, "dataType")
        check_common(body)
        data_type = body["dataType"]
        if data_type not in OBSERVABLE_TYPES:
            raise not_found(f"ObservableType {data_type} not found")
        existing = {(o["dataType"], o.get("data")) for o in self.children(self.observables, parent_id)}
        if file is not None or data_type == "file":
            if file is None:
                raise bad_request("A file observable needs an attachment")
            if "data" in body:
                raise bad_request("A file observable must not have data")
            values: list[Any] = [None]
        else:
            raw = body.get("data")
            values = raw if isinstance(raw, list) else [raw]
            if not values or any(not isinstance(v, str) or not v for v in values):
                raise bad_request("Invalid json: attribute data is missing or not a string")
        for value in values:
            if value is not None and (data_type, value) in existing:
                raise ApiError(400, "CreateError", "Observable already exists", object=body)
        created = []
        for value in unique(values):
            obs = self.base("Observable", user, org, parent=parent_id)
            obs.update(
                dataType=data_type,
                startDate=obs["_createdAt"],
                tlp=body.get("tlp", 2),
                pap=body.get("pap", 2),
                tags=unique(list(body.get("tags") or [])),
                ioc=bool(body.get("ioc", False)),
                sighted=bool(body.get("sighted", False)),
                reports={},
                extraData={},
                ignoreSimilarity=bool(body.get("ignoreSimilarity", False)),
                external=False,
            )
            if value is not None:
                obs["data"] = value
            for key in ("message", "sightedAt"):
                if body.get(key) is not None:
                    obs[key] = body[key]
            if file is not None:
                obs["attachment"] = self.make_attachment(file[0], file[1], file[2], user, org, None)
            set_labels(obs)
            self.observables[obs["_id"]] = obs
            created.append(obs)
        return created

    def update_observable(self, obs: Obj, fields: Any, user: str) -> None:
        fields = require_object(fields, "observable update")
        check_unknown(fields, OBSERVABLE_UPDATE_KEYS, "observable")
        check_common(fields)
        for key, value in fields.items():
            if key not in ("addTags", "removeTags", "tags"):
                obs[key] = value
        apply_tags(obs, fields)
        set_labels(obs)
        self.touch(obs, user)

    def recount_alert(self, alert_id: str) -> None:
        if alert_id in self.alerts:
            self.alerts[alert_id]["observableCount"] = len(self.children(self.observables, alert_id))

    def make_attachment(
        self, name: str, data: bytes, content_type: str | None, user: str, org: str, parent: str | None
    ) -> Obj:
        """An attachment object (hashes longest first, `id` = content id); stored when parented."""
        att = self.base("Attachment", user, org, parent=parent)
        sha256 = hashlib.sha256(data).hexdigest()
        att.update(
            name=name,
            hashes=[sha256, hashlib.sha1(data).hexdigest(), hashlib.md5(data).hexdigest()],
            size=len(data),
            contentType=content_type or "application/octet-stream",
            id=sha256,
            extraData={},
            external=False,
        )
        self.blobs[sha256] = data
        if parent is not None:
            self.attachments[att["_id"]] = att
        return att

    def create_comment(self, parent_id: str, body: Any, user: str, org: str) -> Obj:
        body = require_object(body, "comment")
        require_text(body, "message")
        oid = self.new_id()
        self.org_of[oid] = org
        self.parent[oid] = parent_id
        comment = {
            "_id": oid,
            "_type": "Comment",
            "createdBy": user,
            "createdAt": self.now(),
            "message": body["message"],
            "isEdited": False,
            "extraData": {},
            "external": False,
        }
        self.comments[oid] = comment
        return comment

    def create_log(
        self, task_id: str, body: Any, user: str, org: str, files: list[tuple[str, bytes, str | None]]
    ) -> Obj:
        body = require_object(body, "task log")
        require_text(body, "message")
        log = self.base("Log", user, org, parent=task_id)
        log.update(
            message=body["message"], date=body.get("date", log["_createdAt"]), owner=user, extraData={}
        )
        if body.get("includeInTimeline") is not None:
            log["includeInTimeline"] = body["includeInTimeline"]
        if files:
            log["attachments"] = [self.make_attachment(n, d, c, user, org, None) for n, d, c in files]
        self.task_logs[log["_id"]] = log
        return log
