"""Snapshots of a delivery's public counts, taken at fixed ages after it went out.

A published delivery's entry in ``results:`` gains a ``metrics:`` mapping, one key per age
(docs/publishing.md#metrics):

    metrics:
      1h: {likes: 2, reposts: 1, replies: 0}
      24h: {likes: 12, reposts: 3, replies: 1, late: '2026-12-02T14:10:00Z'}
      7d: {error: 'the post is gone (HTTP 404)'}

Counts are the network's own (only those it gives: a missing count is unknown, never 0).
``late`` marks a snapshot taken more than its age's tolerance after it was due, with the
time it was taken; ``error`` a snapshot that failed for good (it is not tried again). Each
age is written once: a delivery's entry changes at most four times after it went out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from socialgit.times import iso_utc, parse_iso


@dataclass(frozen=True)
class Age:
    label: str  # the key under ``metrics:``
    after: timedelta  # when it is due, counted from when the delivery went out
    tolerance: timedelta  # taken later than due + tolerance: recorded as late


# Scheduled runs come every 10 minutes and GitHub starts them up to about half an hour
# late; the tolerances grow with the age, so a late snapshot is one a chart would mislead.
AGES = (
    Age("1h", timedelta(hours=1), timedelta(minutes=30)),
    Age("24h", timedelta(hours=24), timedelta(hours=3)),
    Age("7d", timedelta(days=7), timedelta(days=1)),
    Age("30d", timedelta(days=30), timedelta(days=3)),
)
LABELS = tuple(age.label for age in AGES)

# The counts a snapshot may hold, in the order they are written and shown. A network maps
# its own names onto these (favourites, retweets, comments, impressions …).
COUNTS = ("likes", "reposts", "replies", "quotes", "views", "bookmarks", "clicks")
# What "engagement" adds up: what people did with the post. Views and clicks measure reach,
# and not every network gives them, so they would make accounts incomparable.
ENGAGEMENT = ("likes", "reposts", "replies", "quotes")

Counts = dict[str, int]


def went_out(entry: Mapping[str, Any]) -> datetime | None:
    """When a published entry went out (its ``at``); None for any other entry."""
    if entry.get("status") != "published" or not entry.get("id"):
        return None
    return parse_iso(str(entry.get("at") or ""))


def recorded(entry: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The snapshots an entry holds, by age label (anything malformed left out)."""
    found = entry.get("metrics")
    if not isinstance(found, Mapping):
        return {}
    return {str(k): dict(v) for k, v in found.items() if isinstance(v, Mapping)}


def due(entry: Mapping[str, Any], now: datetime) -> list[Age]:
    """The ages whose snapshot is due and not yet written, oldest first."""
    start = went_out(entry)
    if start is None:
        return []
    have = recorded(entry)
    return [age for age in AGES if start + age.after <= now and age.label not in have]


def snapshot(age: Age, start: datetime, taken: datetime, counts: Mapping[str, int]) -> Counts:
    """The entry for one age: the counts in their order, and ``late`` when it is."""
    found: dict[str, Any] = {name: int(counts[name]) for name in COUNTS if name in counts}
    if taken > start + age.after + age.tolerance:
        found["late"] = iso_utc(taken)
    return found


def failed(message: str) -> dict[str, str]:
    return {"error": message}


def counts_of(snap: Mapping[str, Any]) -> Counts:
    """The counts a snapshot holds (booleans and non-numbers are not counts)."""
    return {
        name: int(value)
        for name in COUNTS
        if isinstance(value := snap.get(name), int) and not isinstance(value, bool)
    }


def engagement(counts: Mapping[str, int]) -> int | None:
    """Likes + reposts + replies + quotes, of those the network gives; None when it gives
    none of them (unknown is not zero)."""
    given = [counts[name] for name in ENGAGEMENT if name in counts]
    return sum(given) if given else None
