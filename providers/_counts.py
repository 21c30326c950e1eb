"""Counts as networks give them, under socialgit's names (``metrics``: likes, reposts,
replies, quotes, views, bookmarks, clicks)."""

from __future__ import annotations

from collections.abc import Mapping

from providers.base import Counts


def pick(found: Mapping[str, object], names: Mapping[str, str]) -> Counts:
    """The counts ``found`` holds as integers, renamed (``names``: ours → the network's); a
    count it lacks is left out, never taken as 0."""
    return {
        ours: value
        for ours, theirs in names.items()
        if isinstance(value := found.get(theirs), int) and not isinstance(value, bool)
    }


def without_own(counts: Counts, own: int) -> Counts:
    """``replies`` less the ``own`` replies that are the thread's later parts (1 for a reply
    chain counted by direct replies, every later part for a conversation total)."""
    if "replies" in counts and own > 0:
        counts["replies"] = max(counts["replies"] - own, 0)
    return counts
