"""Which slot each queued post takes (pure: posts, config, now, and the order they came in).

A post with ``queue:`` and no ``publish_at`` is queued; ``socialgit queue`` gives it the next
free slot of its queue after now. Free means no other post of any of its targets is at that
instant (a one-time post's ``publish_at``, or an occurrence of a recurring one).

A post with ``queue:`` and a ``publish_at`` holds that slot. Two posts can hold one slot for a
target when two pull requests each took the first free slot before either merged: the one
that came first keeps it and the other moves to the next free slot, as long as it is still to
come and nothing was delivered for it. A time that has come, a post with results, and every
post without ``queue:`` never move.

The order is stable and can be explained: posts already on the default branch first, in the
order they entered it (its first-parent history), then new ones by path. Holders keep their
slots before anyone is placed, so a reviewed time moves only when an earlier post holds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from socialgit.model import Config, Post
from socialgit.schedule import last_at_or_before
from socialgit.slots import slot_times
from socialgit.times import zone

SEARCH = timedelta(days=5 * 366)  # no free slot this far ahead is a problem, not a loop


@dataclass(frozen=True)
class Placement:
    path: str
    queue: str
    time: datetime  # aware UTC: the slot
    was: datetime | None = None  # the slot it held before another post's claim moved it


@dataclass(frozen=True)
class Unplaced:
    path: str
    line: int
    message: str


class _Taken:
    """Which instants each account has, from one-time posts and recurring ones."""

    def __init__(self) -> None:
        self.once: dict[str, set[datetime]] = {}
        self.recurring: dict[str, list[Post]] = {}

    def hold(self, post: Post, at: datetime) -> None:
        for name in post.targets:
            self.once.setdefault(name, set()).add(at)

    def add(self, post: Post) -> None:
        if post.repeat is None:
            self.hold(post, post.publish_at)
        else:
            for name in post.targets:
                self.recurring.setdefault(name, []).append(post)

    def free(self, targets: Iterable[str], at: datetime) -> bool:
        for name in targets:
            if at in self.once.get(name, ()):
                return False
            if any(last_at_or_before(p, at) == at for p in self.recurring.get(name, ())):
                return False
        return True


def movable(post: Post, now: datetime) -> bool:
    """A slot a queue gave, still to come and with nothing delivered: it may move."""
    return (
        post.queue is not None
        and not post.queued
        and post.repeat is None
        and post.status != "draft"
        and not post.results
        and post.publish_at > now
    )


def place(
    posts: Iterable[Post], config: Config, now: datetime, entered: Mapping[str, int]
) -> tuple[list[Placement], list[Unplaced]]:
    """New slots for queued posts and for holders of a slot an earlier post holds.

    ``entered``: the position of each post already on the default branch in the order it
    entered it (lower first); other posts come after, by path.
    """

    def order(post: Post) -> tuple[int, int, str]:
        position = entered.get(post.path)
        return (0, position, post.path) if position is not None else (1, 0, post.path)

    taken = _Taken()
    holders: list[Post] = []
    waiting: list[Post] = []
    for post in posts:
        if post.queued:
            if post.status != "draft":  # a draft takes no slot until it is meant to go out
                waiting.append(post)
        elif movable(post, now):
            holders.append(post)
        else:
            taken.add(post)
    moved: dict[str, datetime] = {}
    for post in sorted(holders, key=order):
        if taken.free(post.targets, post.publish_at):
            taken.hold(post, post.publish_at)
        else:
            moved[post.path] = post.publish_at
            waiting.append(post)
    placed: list[Placement] = []
    unplaced: list[Unplaced] = []
    tz = zone(config.timezone)
    for post in sorted(waiting, key=order):
        assert post.queue is not None
        queue = config.queues[post.queue]
        for moment in slot_times(queue, tz, now):
            if moment > now + SEARCH:
                unplaced.append(
                    Unplaced(
                        post.path,
                        post.line,
                        f"queue {queue.name!r} has no free slot for "
                        f"{', '.join(post.targets)} within {SEARCH.days // 366} years",
                    )
                )
                break
            if taken.free(post.targets, moment):
                taken.hold(post, moment)
                placed.append(Placement(post.path, queue.name, moment, moved.get(post.path)))
                break
    return placed, unplaced
