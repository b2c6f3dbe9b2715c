"""The emulator's filter evaluation against plain-Python semantics, on generated objects."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from thehive4py.query.filters import Between, Eq, Gt, In, Like, Lte, Ne

from tests.emulators.thehive_query import compile_filter

TAGS = ["web", "cctv", "misp:event=1", "Web"]
objects = st.lists(
    st.fixed_dictionaries(
        {
            "tags": st.lists(st.sampled_from(TAGS), max_size=3),
            "severity": st.integers(1, 4),
            "title": st.sampled_from(["Web shell", "web defacement", "Miner", "NVR down"]),
        }
    ),
    max_size=8,
)


def run(expr: Any, items: list[dict]) -> list[dict]:
    """Evaluate a thehive4py filter as the server sees it: JSON (its filters are UserDicts)."""
    predicate = compile_filter(json.loads(json.dumps(expr, default=lambda o: o.data)))
    return [o for o in items if predicate(o)]


# no example database: it would leave a .hypothesis folder in the repository
QUIET = settings(database=None, max_examples=60, deadline=None)


@QUIET
@given(objects, st.sampled_from(TAGS), st.integers(0, 5), st.integers(0, 5))
def test_operators_match_python(items: list[dict], tag: str, low: int, high: int) -> None:
    assert run(Eq("tags", tag), items) == [o for o in items if tag in o["tags"]]
    assert run(Ne("tags", tag), items) == [o for o in items if tag not in o["tags"]]
    assert run(Gt("severity", low), items) == [o for o in items if o["severity"] > low]
    assert run(Lte("severity", high), items) == [o for o in items if o["severity"] <= high]
    assert run(Between("severity", low, high), items) == [o for o in items if low <= o["severity"] < high]
    assert run(In("severity", [low, high]), items) == [o for o in items if o["severity"] in (low, high)]
    assert run(Like("title", "web*"), items) == [o for o in items if o["title"].lower().startswith("web")]


@QUIET
@given(objects, st.sampled_from(TAGS), st.integers(1, 4))
def test_boolean_combinations_match_python(items: list[dict], tag: str, severity: int) -> None:
    a, b = Eq("tags", tag), Eq("severity", severity)
    is_a = [tag in o["tags"] for o in items]
    is_b = [o["severity"] == severity for o in items]
    assert run(a & b, items) == [o for o, x, y in zip(items, is_a, is_b, strict=True) if x and y]
    assert run(a | b, items) == [o for o, x, y in zip(items, is_a, is_b, strict=True) if x or y]
    assert run(~(a | b), items) == [o for o, x, y in zip(items, is_a, is_b, strict=True) if not (x or y)]
