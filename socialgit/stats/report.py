"""The aggregates of ``socialgit report`` and the dashboard (pure functions of deliveries).

- **Weeks**: per account and ISO week of publication (in the config's time zone), the posts
  and the sum of each count, from each delivery's latest snapshot (what is known now).
- **Top posts**: by engagement 24 h after going out (likes + reposts + replies + quotes),
  on-time snapshots only, so that every post is measured at the same age.
- **When to post**: per account, weekday × hour of publication, the median 24 h engagement
  and the number of posts behind it (thin cells are visible as such).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from socialgit.stats.deliveries import Delivery
from socialgit.stats.snapshots import COUNTS
from socialgit.times import zone

TOP = 10
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass
class Week:
    account: str
    start: date  # the Monday
    posts: int = 0
    measured: int = 0  # posts with counts
    totals: dict[str, int] = field(default_factory=dict)  # only counts some post gave

    @property
    def engagement(self) -> int | None:
        given = [
            self.totals[n] for n in ("likes", "reposts", "replies", "quotes") if n in self.totals
        ]
        return sum(given) if given else None


@dataclass(frozen=True)
class Cell:
    account: str
    weekday: int  # 0 = Monday
    hour: int
    median: float
    posts: int


@dataclass(frozen=True)
class Account:
    name: str
    provider: str
    published: int
    measured: int  # with a 24 h snapshot on time
    no_metrics: str


@dataclass
class Report:
    timezone: str
    deliveries: list[Delivery]  # every recorded delivery in range, in time order
    accounts: list[Account]
    weeks: list[Week]
    top: list[Delivery]
    when: list[Cell]

    @property
    def published(self) -> list[Delivery]:
        return [d for d in self.deliveries if d.state == "published"]


def build(items: Iterable[Delivery], tz_name: str) -> Report:
    every = list(items)
    published = [d for d in every if d.state == "published"]
    return Report(
        timezone=tz_name,
        deliveries=every,
        accounts=accounts(published),
        weeks=weeks(published, tz_name),
        top=top(published),
        when=when_to_post(published, tz_name),
    )


def accounts(published: list[Delivery]) -> list[Account]:
    found: dict[str, list[Delivery]] = {}
    for d in published:
        found.setdefault(d.account, []).append(d)
    return [
        Account(
            name,
            group[0].provider,
            len(group),
            sum(1 for d in group if d.engagement("24h", on_time=True) is not None),
            group[0].no_metrics,
        )
        for name, group in sorted(found.items())
    ]


def weeks(published: list[Delivery], tz_name: str) -> list[Week]:
    tz = zone(tz_name)
    found: dict[tuple[str, date], Week] = {}
    for d in published:
        day = d.time.astimezone(tz).date()
        start = day - timedelta(days=day.weekday())
        week = found.setdefault((d.account, start), Week(d.account, start))
        week.posts += 1
        latest = d.latest
        if latest is None:
            continue
        week.measured += 1
        for name in COUNTS:
            if name in latest[1]:
                week.totals[name] = week.totals.get(name, 0) + latest[1][name]
    return sorted(found.values(), key=lambda w: (w.start, w.account))


def top(published: list[Delivery], count: int = TOP) -> list[Delivery]:
    measured = [d for d in published if d.engagement("24h", on_time=True) is not None]
    measured.sort(key=lambda d: (-(d.engagement("24h", on_time=True) or 0), d.time))
    return measured[:count]


def when_to_post(published: list[Delivery], tz_name: str) -> list[Cell]:
    tz = zone(tz_name)
    found: dict[tuple[str, int, int], list[int]] = {}
    for d in published:
        value = d.engagement("24h", on_time=True)
        if value is None:
            continue
        local: datetime = d.time.astimezone(tz)
        found.setdefault((d.account, local.weekday(), local.hour), []).append(value)
    return [
        Cell(account, weekday, hour, float(statistics.median(values)), len(values))
        for (account, weekday, hour), values in sorted(found.items())
    ]
