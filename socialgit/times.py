"""Times as people write them, and what they mean in a time zone (pure functions)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DURATION = re.compile(r"(\d+)\s*([wdhms])", re.I)
_DURATION_FULL = re.compile(r"^\s*(?:\d+\s*[wdhms]\s*)+$", re.I)
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class TimeError(ValueError):
    """A time that cannot be read, or that a time zone makes ambiguous."""


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)"
        ) from None


def parse_duration(text: str) -> timedelta:
    """``6h``, ``30m``, ``1h30m``, ``7d``, ``2w``."""
    if not _DURATION_FULL.match(text):
        raise TimeError(f"{text!r} is not a duration (write e.g. 6h, 30m, 1h30m, 7d)")
    seconds = sum(int(n) * _UNITS[unit.lower()] for n, unit in _DURATION.findall(text))
    return timedelta(seconds=seconds)


def span(delta: timedelta) -> str:
    """A duration the way socialgit.yml writes it: ``6h``, ``1h30m``, ``2d``."""
    seconds = int(delta.total_seconds())
    found = ""
    for unit in ("d", "h", "m", "s"):
        count, seconds = divmod(seconds, _UNITS[unit])
        if count:
            found += f"{count}{unit}"
    return found or "0s"


def localize(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time in ``tz``, refused when a DST change skips or repeats it."""
    early = wall.replace(tzinfo=tz, fold=0)
    late = wall.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early
    roundtrip = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if roundtrip != wall:
        raise TimeError(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks skip it at a DST "
            "change); write the time with an offset, e.g. "
            f"{wall:%Y-%m-%dT%H:%M}{_offset(late)}"
        )
    raise TimeError(
        f"{wall:%Y-%m-%d %H:%M} happens twice in {tz.key} (the clocks go back at a DST "
        f"change); write it with an offset: {wall:%Y-%m-%dT%H:%M}{_offset(early)} or "
        f"{wall:%Y-%m-%dT%H:%M}{_offset(late)}"
    )


def wall_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """For recurrence: a skipped time moves forward by the gap, a repeated one is the first."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _offset(moment: datetime) -> str:
    delta = moment.utcoffset() or timedelta(0)
    sign = "-" if delta < timedelta(0) else "+"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def is_date_only(text: str) -> bool:
    return bool(_DATE_ONLY.match(text.strip()))


def parse_time(text: str, tz: ZoneInfo, *, end_of_day: bool = False) -> tuple[datetime, datetime]:
    """Read a time; returns (aware UTC instant, naive wall-clock time in ``tz``).

    A date alone means its start, or with ``end_of_day`` its last instant (``until``).
    """
    text = text.strip()
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise TimeError(f"{text!r} is not a date: {exc}") from None
        wall = datetime(day.year, day.month, day.day)
        if end_of_day:
            wall += timedelta(days=1) - timedelta(microseconds=1)
        return localize(wall, tz).astimezone(UTC), wall
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TimeError(
            f"{text!r} is not a time (write 2026-12-01 09:00, or 2026-12-01T09:00:00+01:00)"
        ) from None
    if moment.tzinfo is None:
        return localize(moment, tz).astimezone(UTC), moment
    instant = moment.astimezone(UTC)
    return instant, instant.astimezone(tz).replace(tzinfo=None)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime | None:
    """A time the runner wrote (``2026-12-01T08:00:04Z``); None when unreadable."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
