"""What a sync returns: one result per source, and the report over all of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Per-source status: ok; problems (bad files/lines skipped, the rest imported);
# unreachable (network, timeout, 5xx: retried next sync); server (answered nonsense);
# auth (401/403: fix the key); config (bad entry or missing key variable).
STATUSES = ("ok", "problems", "unreachable", "server", "auth", "config")


@dataclass(frozen=True)
class SourceResult:
    """The outcome of syncing one source."""

    name: str
    kind: str
    status: str = "ok"
    error: str = ""
    problems: tuple[str, ...] = ()
    events_fetched: int = 0
    events_unchanged: int = 0
    indicators_written: int = 0
    indicators_removed: int = 0
    warninglisted: int = 0
    bad_values: int = 0
    sightings_sent: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = asdict(self)
        data["problems"] = list(self.problems)
        return data


@dataclass(frozen=True)
class SyncReport:
    """Results of one `intel sync`; a failing source never stops the others."""

    results: tuple[SourceResult, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def unreachable(self) -> bool:
        """True when a server could not be reached or failed (retry next run: exit 4)."""
        return any(r.status in ("unreachable", "server") for r in self.results)

    @property
    def needs_fixing(self) -> bool:
        """True when a source needs a person (bad key, bad config, bad files: exit 2)."""
        return any(r.status in ("auth", "config", "problems") for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        """The `intel sync --json` document."""
        return {"items": [r.to_dict() for r in self.results], "count": len(self.results),
                "unreachable": self.unreachable, "needs_fixing": self.needs_fixing,
                "stats": self.stats}
