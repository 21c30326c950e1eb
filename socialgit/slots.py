"""Queues in socialgit.yml: named sets of weekly time slots (pure).

A slot is written ``"MON-FRI 09:30"``, ``"TUE,THU 16:00"``, ``"SAT 10:00"`` or ``"09:30"``
(every day): days as three-letter English names, single or as ranges (``FRI-MON`` wraps
round the week), then a 24-hour wall-clock time in the config's time zone. Slots follow the
wall clock across DST changes with the rule ``repeat`` follows (docs/posts.md): a time the
clocks skip moves forward by the length of the gap, a time they repeat is the first of the
two, and two slots that fall on one instant are one slot.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from socialgit import fields
from socialgit.model import Account, Queue, Slot
from socialgit.times import wall_to_utc
from socialgit.yamlnodes import Node

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
QUEUE_KEYS = ("slots", "targets")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SLOT = re.compile(r"^(?:(?P<days>[A-Za-z,\- ]+?)\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})$")
SYNTAX = 'write DAYS HH:MM, e.g. "MON-FRI 09:30", "TUE,THU 16:00" or "09:30" for every day'


class SlotError(ValueError):
    """A slot that cannot be read; the message says what to write."""


def parse_slot(text: str) -> tuple[frozenset[int], int, int]:
    """(weekdays, hour, minute) of a slot as written; weekdays count from Monday = 0."""
    match = _SLOT.match(text.strip())
    if match is None:
        raise SlotError(f"slot {text!r} cannot be read: {SYNTAX}")
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise SlotError(
            f"slot {text!r}: {hour:02d}:{minute:02d} is not a time of day (00:00-23:59)"
        )
    days = match["days"]
    if days is None:
        return frozenset(range(7)), hour, minute
    found: set[int] = set()
    for piece in days.replace(" ", "").split(","):
        ends = piece.upper().split("-")
        unknown = [end for end in ends if end not in DAYS]
        if not piece or len(ends) > 2 or unknown:
            what = unknown[0] if unknown else piece
            raise SlotError(
                f"slot {text!r}: {what!r} is not a day or a range of days "
                f"({', '.join(DAYS)}; e.g. MON-FRI)"
            )
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        span = (last - first) % 7
        found.update((first + step) % 7 for step in range(span + 1))
    return frozenset(found), hour, minute


def read_queues(
    node: Node | None, accounts: dict[str, Account], out: fields.Findings
) -> dict[str, Queue]:
    """The ``queues:`` of socialgit.yml; every problem in ``out`` at its line."""
    if node is None:
        return {}
    if not node.is_mapping:
        out.at(node, "queues must map queue names to their `slots:` (and `targets:`)")
        return {}
    queues: dict[str, Queue] = {}
    for name, body in node.value.items():
        if not _NAME.match(name):
            out.at_key(body, f"queue name {name!r} must be lowercase letters, digits, - and _")
            continue
        if not body.is_mapping:
            out.at(body, f"queue {name!r} must be a mapping with `slots:`")
            continue
        settings: dict[str, Node] = body.value
        fields.unknown_keys(settings, QUEUE_KEYS, f"queue {name!r}", out)
        slots = _slots(name, settings.get("slots"), body, out)
        targets: list[str] = []
        listed = settings.get("targets")
        for target, item in fields.string_list(listed, "targets", out) if listed else []:
            if target not in accounts:
                out.at(
                    item,
                    f"queue {name!r}: unknown account {target!r}{fields.suggest(target, accounts)}",
                )
            elif target not in targets:
                targets.append(target)
        if slots:
            queues[name] = Queue(name, tuple(slots), tuple(targets), body.key_line)
    return queues


def _slots(name: str, node: Node | None, body: Node, out: fields.Findings) -> list[Slot]:
    if node is None:
        out.at_key(body, f'queue {name!r} needs `slots:` (e.g. ["MON-FRI 09:30"])')
        return []
    found: list[Slot] = []
    items = node.value if node.is_sequence else [node]
    for item in items:
        text = item.text() if item.is_scalar else None
        if text is None:
            out.at(item, f"queue {name!r}: each slot is a text, {SYNTAX}")
            continue
        try:
            days, hour, minute = parse_slot(text)
        except SlotError as exc:
            out.at(item, f"queue {name!r}: {exc}")
            continue
        found.append(Slot(text, days, hour, minute, item.line))
    if not found and not out.failed:
        out.at(node, f"queue {name!r} has no slots")
    return found


def slot_times(queue: Queue, tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """The queue's slots (aware, UTC) strictly after ``after``, in order, for ever."""
    day: date = after.astimezone(tz).date() - timedelta(days=1)  # a DST fold spans midnight
    previous: datetime | None = None
    while True:
        moments = sorted(
            {
                wall_to_utc(datetime.combine(day, time(slot.hour, slot.minute)), tz)
                for slot in queue.slots
                if day.weekday() in slot.days
            }
        )
        for moment in moments:
            if moment > after and moment != previous:
                previous = moment
                yield moment
        day += timedelta(days=1)
