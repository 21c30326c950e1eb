"""What a run would do: a pure function of posts, their recorded results, and now."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from socialgit.model import Config, Post, Problem
from socialgit.schedule import last_at_or_before, occurrences
from socialgit.times import parse_iso, span, zone

if TYPE_CHECKING:
    from socialgit.content import Report

State = Literal[
    "due",
    "missed",
    "upcoming",
    "published",
    "error",
    "draft",
    "publishing",
    "cancelled",
    "queued",  # the slot `socialgit queue` would write; not sent until it is written
]
MAX_UPCOMING = 50  # per post and account: a cron firing every minute must not flood a plan


@dataclass(frozen=True, slots=True)
class Delivery:
    post: str
    account: str
    provider: str
    time: datetime  # aware UTC: the occurrence, or the next retry of a failed attempt
    occurrence: datetime
    state: State
    length: int
    limit: int
    recurring: bool = False
    result: dict[str, Any] | None = None
    series: str | None = None  # review: this row stands for a recurrence, described here
    # Due, but its text names links that are not out yet (socialgit.links): it waits for
    # these accounts' deliveries; or, ``blocked``, one of them failed and it never can go.
    waits: tuple[str, ...] = ()
    blocked: str = ""

    def as_dict(self) -> dict[str, Any]:
        from socialgit.times import iso_utc

        found = {
            "post": self.post,
            "account": self.account,
            "provider": self.provider,
            "time": iso_utc(self.time),
            "state": self.state,
            "length": self.length,
            "limit": self.limit,
        }
        if self.waits:
            found["waits"] = list(self.waits)
        if self.blocked:
            found["blocked"] = self.blocked
        return found


def plan(
    reports: Iterable[Report],
    config: Config,
    now: datetime,
    horizon: timedelta | None = timedelta(days=7),
) -> list[Delivery]:
    """Deliveries in time order. ``horizon=None`` lists every upcoming occurrence (capped)."""
    found: list[Delivery] = []
    end = None if horizon is None else now + horizon
    for report in reports:
        post = report.post
        if post is None:
            continue
        # The schedule is the same for every target of a post: work it out once.
        schedule: _Schedule | None = None
        for name in post.targets:
            account = config.accounts[name]
            length, limit = report.lengths.get(name, (0, 0))
            base: dict[str, Any] = {
                "post": post.path,
                "account": name,
                "provider": account.provider,
                "length": length,
                "limit": limit,
                "recurring": post.repeat is not None,
            }
            if post.status == "draft":
                if end is not None and post.publish_at > end:
                    continue  # a draft obeys the horizon like the post it will become
                found.append(
                    Delivery(
                        time=post.publish_at, occurrence=post.publish_at, state="draft", **base
                    )
                )
                continue
            result = post.results.get(name)
            settled = _settled(result, post, base, now)
            if settled is not None:
                found.append(settled)
                continue
            if schedule is None:
                schedule = _Schedule.of(post, now, end)
            waits = report.waits.get(name, ())
            found.extend(schedule.deliveries(result, base, config, now, post, waits))
    found.sort(key=lambda d: (d.time, d.post, d.account))
    return found


def overdue(reports: Iterable[Report], config: Config, now: datetime) -> list[Problem]:
    """Warnings for one-time posts whose time is more than ``missed_after`` ago while a
    target has no result yet: a run marks them missed rather than sending them."""
    found = []
    for report in reports:
        post = report.post
        if post is None or post.repeat is not None or post.status == "draft":
            continue
        if now - post.publish_at <= config.missed_after:
            continue
        if all(name in post.results for name in post.targets):
            continue
        local = post.publish_at.astimezone(zone(post.timezone))
        found.append(
            Problem(
                post.path,
                post.line,
                1,
                "warning",
                f"publish_at {local:%Y-%m-%d %H:%M} is more than missed_after "
                f"({span(config.missed_after)}) ago: a run marks it missed instead of "
                "sending it; move publish_at to send it",
            )
        )
    return found


def first_seen(report: Report) -> float:
    """The earliest POSIX time of anything :func:`plan` or :func:`overdue` can show of this
    post: its first occurrence, unless it has results (shown whenever they were made) or
    cannot be planned (its problems are shown always); those are -inf."""
    post = report.post
    if post is None or post.results:
        return -math.inf
    return post.publish_at.timestamp()


def wake_at(post: Post, config: Config) -> float:
    """The earliest POSIX time at which a run has work in ``post`` (a delivery due, missed,
    to retry or in doubt), as its results stand; inf when never. Before it, a run selects
    nothing of it (tests/test_plan.py checks this against socialgit.runner.work.select)."""
    if post.status == "draft":
        return math.inf
    soonest = math.inf
    for name in post.targets:
        result = post.results.get(name)
        if result is None:
            return post.publish_at.timestamp()
        state = result.get("status")
        if state == "publishing":
            return -math.inf
        if state == "error":
            retry_at = parse_iso(result.get("retry_at") or "")
            if retry_at is not None:
                soonest = min(soonest, retry_at.timestamp())
            continue
        if post.repeat is None:
            continue  # published or missed: settled
        recorded = _recorded(result)
        upcoming = next(occurrences(post, after=recorded), None)
        if upcoming is not None:
            soonest = min(soonest, upcoming.timestamp())
    return soonest


@dataclass(frozen=True)
class _Schedule:
    latest: datetime | None  # the last occurrence at or before now
    upcoming: tuple[datetime, ...]  # after now, within the horizon, capped

    @classmethod
    def of(cls, post: Post, now: datetime, end: datetime | None) -> _Schedule:
        at = post.publish_at
        if end is not None and at > end:  # no occurrence falls before the first one
            return cls(None, ())
        if post.repeat is None:  # most posts: skip the generator machinery
            if at <= now:
                return cls(at, ())
            return cls(None, (at,))
        upcoming: list[datetime] = []
        for moment in occurrences(post, after=now):
            if (end is not None and moment > end) or len(upcoming) >= MAX_UPCOMING:
                break
            upcoming.append(moment)
        return cls(last_at_or_before(post, now), tuple(upcoming))

    def deliveries(
        self,
        result: dict[str, Any] | None,
        base: dict[str, Any],
        config: Config,
        now: datetime,
        post: Post,
        waits: tuple[str, ...] = (),
    ) -> list[Delivery]:
        recorded = _recorded(result)
        found: list[Delivery] = []
        latest = self.latest
        if latest is not None and (recorded is None or latest > recorded):
            found.append(_latest(latest, base, config, now, post, waits))
        for moment in self.upcoming:
            if recorded is None or moment > recorded:
                found.append(
                    Delivery(time=moment, occurrence=moment, state="upcoming", waits=waits, **base)
                )
        return found


def _latest(
    latest: datetime,
    base: dict[str, Any],
    config: Config,
    now: datetime,
    post: Post,
    waits: tuple[str, ...],
) -> Delivery:
    """The occurrence that has come. One that waits for links is never missed while it
    waits; once they are out, ``missed_after`` counts from when the last one came."""
    since = latest
    names: tuple[str, ...] = ()
    blocked = ""
    if waits:
        from socialgit import links

        status = links.status(waits, post.results, links.occurrence_of(post, latest))
        names, blocked = status.waiting, status.blocked
        came = parse_iso(status.since or "")
        since = max(since, came) if came is not None else since
    late = not names and not blocked and now - since > config.missed_after
    state: State = "missed" if late else "due"
    return Delivery(
        time=latest, occurrence=latest, state=state, waits=names, blocked=blocked, **base
    )


def _recorded(result: dict[str, Any] | None) -> datetime | None:
    if result and result.get("occurrence"):
        return parse_iso(result["occurrence"])
    return None


def _settled(
    result: dict[str, Any] | None, post: Post, base: dict[str, Any], now: datetime
) -> Delivery | None:
    """The state a recorded result fixes, or None when the schedule decides."""
    if result is None:
        return None
    occurrence = _recorded(result) or post.publish_at
    state = result.get("status")
    if state == "error":
        retry_at = parse_iso(result.get("retry_at") or "")
        if retry_at is not None:
            pending: State = "due" if retry_at <= now else "upcoming"
            return Delivery(
                time=retry_at, occurrence=occurrence, state=pending, result=result, **base
            )
        return Delivery(
            time=occurrence, occurrence=occurrence, state="error", result=result, **base
        )
    if state == "publishing":
        return Delivery(
            time=occurrence, occurrence=occurrence, state="publishing", result=result, **base
        )
    if post.repeat is None:
        if state == "missed":
            return Delivery(
                time=occurrence, occurrence=occurrence, state="missed", result=result, **base
            )
        # What went out is shown when it went out, whatever publish_at says since.
        sent = parse_iso(str(result.get("at") or "")) or occurrence
        return Delivery(time=sent, occurrence=occurrence, state="published", result=result, **base)
    return None  # a recurring post's next occurrence comes from its schedule
