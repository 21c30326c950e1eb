"""What a run would do: a pure function of posts, their recorded results, and now."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from socialgit.content import Report
from socialgit.model import Config
from socialgit.schedule import last_at_or_before, occurrences
from socialgit.times import parse_iso

State = Literal["due", "missed", "upcoming", "published", "error", "draft", "publishing"]
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

    def as_dict(self) -> dict[str, Any]:
        from socialgit.times import iso_utc

        return {
            "post": self.post,
            "account": self.account,
            "provider": self.provider,
            "time": iso_utc(self.time),
            "state": self.state,
            "length": self.length,
            "limit": self.limit,
        }


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
        for name in post.targets:
            account = config.accounts[name]
            ready = report.prepared.get(name)
            base: dict[str, Any] = {
                "post": post.path,
                "account": name,
                "provider": account.provider,
                "length": ready.length if ready else 0,
                "limit": ready.limit if ready else 0,
                "recurring": post.repeat is not None,
            }
            if post.status == "draft":
                found.append(
                    Delivery(
                        time=post.publish_at, occurrence=post.publish_at, state="draft", **base
                    )
                )
                continue
            found.extend(_target(post.results.get(name), post, base, config, now, end))
    found.sort(key=lambda d: (d.time, d.post, d.account))
    return found


def _target(
    result: dict[str, Any] | None,
    post: Any,
    base: dict[str, Any],
    config: Config,
    now: datetime,
    end: datetime | None,
) -> list[Delivery]:
    recorded = parse_iso(result["occurrence"]) if result and result.get("occurrence") else None
    if result is not None:
        occurrence = recorded or post.publish_at
        state = result.get("status")
        if state in ("publishing", "error"):
            retry_at = parse_iso(result.get("retry_at") or "")
            if state == "error" and retry_at is not None:
                when = retry_at
                pending: State = "due" if when <= now else "upcoming"
                return [
                    Delivery(time=when, occurrence=occurrence, state=pending, result=result, **base)
                ]
            fixed: State = "publishing" if state == "publishing" else "error"
            return [
                Delivery(time=occurrence, occurrence=occurrence, state=fixed, result=result, **base)
            ]
        if post.repeat is None:
            done: State = "missed" if state == "missed" else "published"
            return [
                Delivery(time=occurrence, occurrence=occurrence, state=done, result=result, **base)
            ]
    found: list[Delivery] = []
    latest = last_at_or_before(post, now)
    if latest is not None and (recorded is None or latest > recorded):
        late = now - latest > config.missed_after
        state_now: State = "missed" if late else "due"
        found.append(Delivery(time=latest, occurrence=latest, state=state_now, **base))
    for moment in occurrences(post, after=max(now, recorded) if recorded else now):
        if (end is not None and moment > end) or len(found) > MAX_UPCOMING:
            break
        found.append(Delivery(time=moment, occurrence=moment, state="upcoming", **base))
    return found
