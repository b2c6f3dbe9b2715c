"""Cases: backend protocol, local and TheHive backends, outbox, sync, events.

Entry points for the pipeline and the demo: ``plan_cases``, ``open_cases``,
``sync_outbox``; for timelines: ``add_event``, ``list_events``.
"""

from csirt_kit.cases.actions import add_note, close_case
from csirt_kit.cases.events import add_event, list_events
from csirt_kit.cases.opening import OpenResult, open_cases, plan_cases
from csirt_kit.cases.sync import SyncResult, sync_outbox

__all__ = ["OpenResult", "SyncResult", "add_event", "add_note", "close_case", "list_events",
           "open_cases", "plan_cases", "sync_outbox"]
