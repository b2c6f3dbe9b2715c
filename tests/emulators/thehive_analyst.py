"""What an analyst does in TheHive's UI, applied straight to the emulator's state (no HTTP)."""

from __future__ import annotations

from typing import Any

from tests.emulators.thehive_alerts import AlertRoutes
from tests.emulators.thehive_model import Obj
from tests.emulators.thehive_templates import TemplateRoutes


class AnalystActions(AlertRoutes, TemplateRoutes):
    """Close cases, move tasks, write logs and comments, promote and merge alerts, seed objects."""

    def create_case(self, body: Any, user: str | None = None, org: str | None = None) -> Obj:
        """Create a case as POST /api/v1/case would (default: as the analyst)."""
        with self.lock:
            return super().create_case(body, user or self.analyst, org or self.organisation)

    def close_case(
        self, case_id: str, status: str = "TruePositive", summary: str = "Closed in TheHive",
        impact: str = "NotApplicable",
    ) -> Obj:  # fmt: skip
        """An analyst closes the case in the UI."""
        fields = {"status": status, "summary": summary, "impactStatus": impact}
        return self.set_case_fields(case_id, fields)

    def set_case_status(self, case_id: str, status: str) -> Obj:
        return self.set_case_fields(case_id, {"status": status})

    def set_case_fields(self, case_id: str, fields: Obj) -> Obj:
        with self.lock:
            case = self.lookup(self.cases, case_id, self.org_of.get(case_id, self.organisation), "Case")
            self.update_case(case, fields, self.analyst, self.org_of[case["_id"]])
            return case

    def set_task_status(self, task_id: str, status: str) -> Obj:
        with self.lock:
            task = self.tasks[task_id] if task_id in self.tasks else self._missing("Task", task_id)
            self.update_task(task, {"status": status}, self.analyst)
            return task

    def add_task_log(self, task_id: str, message: str) -> Obj:
        with self.lock:
            if task_id not in self.tasks:
                self._missing("Task", task_id)
            return self.create_log(task_id, {"message": message}, self.analyst, self.org_of[task_id], [])

    def add_comment(self, case_id: str, message: str) -> Obj:
        with self.lock:
            if case_id not in self.cases:
                self._missing("Case", case_id)
            return self.create_comment(case_id, {"message": message}, self.analyst, self.org_of[case_id])

    def promote_alert(self, alert_id: str, case_template: str | None = None, **fields: Any) -> Obj:
        """An analyst promotes the alert to a new case (optionally with a case template)."""
        with self.lock:
            alert = self.alerts[alert_id] if alert_id in self.alerts else self._missing("Alert", alert_id)
            body = {**fields, **({"caseTemplate": case_template} if case_template else {})}
            return self.promote_alert_to_case(alert, body, self.analyst, self.org_of[alert_id])

    def merge_alert(self, alert_id: str, case_id: str) -> Obj:
        """An analyst merges the alert into an existing case."""
        with self.lock:
            alert = self.alerts[alert_id] if alert_id in self.alerts else self._missing("Alert", alert_id)
            case = self.cases[case_id] if case_id in self.cases else self._missing("Case", case_id)
            return self.merge_alert_into_case(alert, case, self.analyst)

    def set_alert_status(self, alert_id: str, status: str, summary: str | None = None) -> Obj:
        """An analyst marks the alert (e.g. Ignored, FalsePositive) without making a case of it."""
        with self.lock:
            alert = self.alerts[alert_id] if alert_id in self.alerts else self._missing("Alert", alert_id)
            fields = {"status": status, **({"summary": summary} if summary else {})}
            self.update_alert(alert, fields, self.analyst, self.org_of[alert_id])
            return alert

    def add_case_template(self, body: Obj) -> Obj:
        """An analyst creates a case template in the UI."""
        with self.lock:
            return self.create_template(body, self.analyst, self.organisation)

    @staticmethod
    def _missing(what: str, ident: str) -> Any:
        raise KeyError(f"{what} {ident} not found in the emulator")

    def tasks_of(self, case_id: str) -> list[Obj]:
        return self.children(self.tasks, case_id)

    def observables_of(self, parent_id: str) -> list[Obj]:
        return self.children(self.observables, parent_id)

    def comments_of(self, parent_id: str) -> list[Obj]:
        return self.children(self.comments, parent_id)

    def logs_of(self, task_id: str) -> list[Obj]:
        return self.children(self.task_logs, task_id)

    def cases_with_tag(self, tag: str) -> list[Obj]:
        return [c for c in self.cases.values() if tag in c["tags"]]
