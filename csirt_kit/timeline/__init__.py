"""Case timelines: evidence, case events and notes merged in time order, and their renderings."""

from csirt_kit.timeline.build import Timeline, TimelineEntry, build_timeline

__all__ = ["Timeline", "TimelineEntry", "build_timeline"]
