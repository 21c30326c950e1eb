"""When a post's deliveries fall: one time, or a cron in wall-clock time (pure)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from socialgit.model import Post
from socialgit.times import wall_to_utc, zone

if TYPE_CHECKING:
    from croniter import croniter


@lru_cache(maxsize=512)
def _parsed(expr: str) -> croniter:
    from croniter import croniter

    return croniter(expr, datetime(2000, 1, 1))


def _walker(expr: str, start: datetime) -> croniter:
    """A cron walker from ``start``; parsing an expression costs more than walking it, and a
    plan asks the same few expressions thousands of times."""
    walker = copy.copy(_parsed(expr))
    walker.set_current(start, force=True)
    return walker


def occurrences(post: Post, after: datetime | None = None) -> Iterator[datetime]:
    """Every occurrence (aware, UTC) strictly after ``after``, in order, until ``until``.

    A recurring post repeats at its cron's wall-clock times in its own zone, from
    ``publish_at`` on: 09:00 Europe/Berlin is 08:00Z in winter and 07:00Z in summer. A time a
    DST change skips moves forward by the length of the gap (02:30 on the night the clocks
    jump from 02:00 to 03:00 is 03:30, zoneinfo's fold=0 reading); one it repeats goes out
    once, at the first of the two.
    """
    if post.repeat is None:
        if after is None or post.publish_at > after:
            yield post.publish_at
        return
    tz = zone(post.timezone)
    start_wall = post.local_start - timedelta(microseconds=1)
    if after is not None:
        after_wall = after.astimezone(tz).replace(tzinfo=None)
        # Step back a day so a wall time repeated by a DST change is not skipped twice.
        start_wall = max(start_wall, after_wall - timedelta(days=1))
    walker = _walker(post.repeat, start_wall)
    previous: datetime | None = None
    while True:
        wall: datetime = walker.get_next(datetime)
        moment = wall_to_utc(wall, tz)
        if post.until is not None and moment > post.until:
            return
        if moment < post.publish_at or (after is not None and moment <= after):
            continue
        if moment == previous:
            continue  # two wall times folded onto one instant at a DST gap
        previous = moment
        yield moment


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def last_at_or_before(post: Post, moment: datetime) -> datetime | None:
    """The latest occurrence at or before ``moment``, found without walking from the start."""
    if post.until is not None and moment > post.until:
        moment = post.until
    if moment < post.publish_at:
        return None
    if post.repeat is None:
        return post.publish_at
    tz = zone(post.timezone)
    # Walk back from just past ``moment`` (a day of slack covers DST folds), then keep the
    # last instant not after it.
    wall = moment.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    walker = _walker(post.repeat, wall)
    for _ in range(10_000):
        candidate_wall: datetime = walker.get_prev(datetime)
        candidate = wall_to_utc(candidate_wall, tz)
        if candidate < post.publish_at:
            return None
        if candidate <= moment:
            return candidate
    return None
