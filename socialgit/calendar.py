"""``socialgit calendar``: a plan as iCalendar for calendar apps, or as a text month view.

Pure functions of the deliveries a plan produced; loading and planning happen elsewhere.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from socialgit.plan import Delivery
from socialgit.times import iso_utc, zone

if TYPE_CHECKING:
    from socialgit.content import Content

Texts = Mapping[tuple[str, str], str]  # (post path, account) -> first line of its text

PRODID = "-//socialgit//calendar//EN"
SUMMARY_WIDTH = 60
# Calendar apps show a zero-length event barely, if at all.
EVENT_LENGTH = timedelta(minutes=15)
WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def first_lines(content: Content) -> dict[tuple[str, str], str]:
    """The first line each target will receive, after its overrides."""
    found: dict[tuple[str, str], str] = {}
    for report in content.reports:
        for account, ready in report.prepared.items():
            text = ready.parts[0].text if ready.parts else ""
            line = next((s.strip() for s in text.splitlines() if s.strip()), "")
            found[(report.path, account)] = line
    return found


def _shorten(text: str, width: int = SUMMARY_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def uid(delivery: Delivery) -> str:
    """Stable across runs, so that a subscribed calendar updates events instead of adding."""
    # The occurrence, not ``time``: a retry moves the time, but it is the same delivery.
    source = f"{delivery.post}\n{delivery.account}\n{iso_utc(delivery.occurrence)}"
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:32] + "@socialgit"


def to_ics(
    deliveries: Sequence[Delivery], texts: Texts, stamp: datetime, name: str = "socialgit"
) -> bytes:
    """One VEVENT per delivery, times in UTC; ``stamp`` is when the plan was made."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for d in deliveries:
        event = Event()
        event.add("uid", uid(d))
        event.add("dtstamp", stamp.astimezone(UTC))
        start = d.time.astimezone(UTC)
        event.add("dtstart", start)
        event.add("dtend", start + EVENT_LENGTH)
        line = texts.get((d.post, d.account)) or "(no text)"
        event.add("summary", f"{d.account}: {_shorten(line)}")
        details = [f"state: {d.state}", f"post: {d.post}", f"provider: {d.provider}"]
        if d.result and d.result.get("error"):
            details.append(f"error: {d.result['error']}")
        event.add("description", "\n".join(details))
        event.add("categories", [d.state])
        if d.state == "draft":
            event.add("status", "TENTATIVE")
        if d.result and d.result.get("url"):
            event.add("url", str(d.result["url"]))
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def with_history(
    content: Content, deliveries: Sequence[Delivery], now: datetime, year: int, month: int
) -> list[Delivery]:
    """The plan's deliveries and the month's past occurrences of recurring posts, in time
    order: a month view shows what went out (or did not), as it does for one-time posts."""
    from socialgit.history import past_occurrences

    start, after = month_bounds(year, month, content.config.timezone)
    past = past_occurrences(content.reports, content.config, now, start, after)
    return sorted([*deliveries, *past], key=lambda d: (d.time, d.post, d.account))


def month_bounds(year: int, month: int, tz_name: str) -> tuple[datetime, datetime]:
    """The month's first instant and the first instant after it, in the zone."""
    tz = zone(tz_name)
    start = datetime(year, month, 1, tzinfo=tz)
    after = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, after


def in_month(deliveries: Sequence[Delivery], tz_name: str, year: int, month: int) -> list[Delivery]:
    tz = zone(tz_name)
    return [
        d
        for d in deliveries
        if (local := d.time.astimezone(tz)).year == year and local.month == month
    ]


def month_counts(
    deliveries: Sequence[Delivery], tz_name: str, year: int, month: int
) -> dict[int, int]:
    """Deliveries per day of the month, by the date in the config's zone."""
    tz = zone(tz_name)
    counts: dict[int, int] = {}
    for d in in_month(deliveries, tz_name, year, month):
        day = d.time.astimezone(tz).day
        counts[day] = counts.get(day, 0) + 1
    return counts


def month_text(
    deliveries: Sequence[Delivery], texts: Texts, tz_name: str, year: int, month: int
) -> str:
    """A month grid, each day with deliveries marked ``[count]``, then the list."""
    tz = zone(tz_name)
    shown = in_month(deliveries, tz_name, year, month)
    counts = month_counts(shown, tz_name, year, month)
    days = len(counts)
    title = f"{date(year, month, 1):%B %Y} ({tz_name}): {len(shown)} "
    title += "delivery" if len(shown) == 1 else "deliveries"
    if shown:
        title += f" on {days} day" + ("" if days == 1 else "s")
    lines = [title, "", "".join(f"{name:>3}    " for name in WEEKDAYS).rstrip()]
    for week in stdlib_calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        cells = []
        for day in week:
            if day == 0:
                cells.append(" " * 7)
                continue
            mark = f"[{counts[day]}]" if day in counts else ""
            cells.append(f"{day:>3}{mark:<4}")
        lines.append("".join(cells).rstrip())
    if shown:
        lines.append("")
        width = max(len(d.account) for d in shown)
        paths = max(len(d.post) for d in shown)
        for d in shown:
            local = d.time.astimezone(tz)
            line = _shorten(texts.get((d.post, d.account)) or "(no text)")
            lines.append(
                f"{local:%a %d %H:%M}  {d.state:<10} {d.account:<{width}}  "
                f"{d.post:<{paths}}  {line}"
            )
    return "\n".join(lines) + "\n"


def parse_month(text: str) -> tuple[int, int]:
    """``2026-12`` -> (2026, 12); ValueError with a message a person can act on."""
    try:
        year_text, month_text_ = text.strip().split("-")
        year, month = int(year_text), int(month_text_)
    except ValueError:
        raise ValueError(f"{text!r} is not a month (write it as YYYY-MM, e.g. 2026-12)") from None
    if not 1 <= month <= 12 or not 1 <= year <= 9999:
        raise ValueError(f"{text!r} is not a month (write it as YYYY-MM, e.g. 2026-12)")
    return year, month
