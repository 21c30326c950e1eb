"""What a run has to do: the plan's due, missed and in-doubt deliveries, as work items."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from providers.base import Uploaded
from socialgit import links
from socialgit.content import Content
from socialgit.model import Account, Post
from socialgit.plan import plan
from socialgit.runner.keys import delivery_key, in_shard
from socialgit.times import parse_iso

Kind = Literal["send", "retry", "doubt"]


@dataclass(frozen=True)
class Work:
    """One delivery this run claims: send it, retry it, or find out what became of it."""

    post: Post
    account: Account
    occurrence: datetime
    kind: Kind
    key: str
    previous: dict[str, Any] | None  # the results entry before this run (any occurrence)
    same: bool  # ``previous`` is about this occurrence (a retry or a claim in doubt)
    made: Mapping[str, Any] | None = None  # what this run's ``prepare`` built (runner.ready)
    # An article's images uploaded for this delivery, by repository path: those an earlier
    # attempt recorded, then those this run uploads (socialgit.runner.articles). Every entry
    # written for this work until it is published carries them as ``uploads``.
    uploads: dict[str, Uploaded] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        recorded = (self.previous or {}).get("uploads") if self.same else None
        if isinstance(recorded, dict) and not self.uploads:
            for path, value in recorded.items():
                if isinstance(value, dict) and isinstance(value.get("url"), str):
                    self.uploads[str(path)] = Uploaded(value["url"], str(value.get("id") or ""))

    @property
    def recurring(self) -> bool:
        return self.post.repeat is not None

    @property
    def done(self) -> tuple[str, ...]:
        """Ids of the thread parts already out, recorded by an earlier attempt."""
        parts = (self.previous or {}).get("parts") if self.same else None
        return tuple(str(p) for p in parts) if isinstance(parts, list) else ()

    @property
    def pending(self) -> str:
        """A step of the next part an earlier attempt began (``Outgoing.pending``)."""
        value = (self.previous or {}).get("pending") if self.same else None
        return str(value) if isinstance(value, str | int) and str(value) else ""

    @property
    def prepared(self) -> Mapping[str, Any] | None:
        """What the network's ``prepare`` built, pushed before anything was sent: this
        run's, else the one an earlier attempt recorded in the entry."""
        if self.made is not None:
            return self.made
        found = (self.previous or {}).get("prepared") if self.same else None
        return found if isinstance(found, Mapping) else None

    @property
    def attempts(self) -> int:
        """Attempts made before this run."""
        value = (self.previous or {}).get("attempts") if self.same else 0
        return value if isinstance(value, int) and value >= 0 else 0

    @property
    def late(self) -> bool:
        """A person queued it with ``socialgit retry --late``: sent even past missed_after."""
        return self.same and (self.previous or {}).get("late") is True

    @property
    def count(self) -> int:
        value = (self.previous or {}).get("count")
        return value if isinstance(value, int) and value >= 0 else 0


@dataclass(frozen=True)
class Missed:
    post: Post
    account: Account
    occurrence: datetime
    previous: dict[str, Any] | None


@dataclass(frozen=True)
class Waiting:
    """A claim younger than claim_timeout: another run is on it, leave it alone."""

    post: Post
    account: Account
    claimed_at: datetime | None


@dataclass(frozen=True)
class Linked:
    """Due, but its text names another delivery's link (socialgit.links): it waits for it
    (``blocked`` empty), or can never go because that one failed or was missed."""

    post: Post
    account: Account
    occurrence: datetime
    previous: dict[str, Any] | None
    waits: tuple[str, ...]
    blocked: str = ""


@dataclass
class Selection:
    work: list[Work] = field(default_factory=list)
    missed: list[Missed] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    linked: list[Linked] = field(default_factory=list)  # waiting for links; blocked ones

    @property
    def blocked(self) -> list[Linked]:
        """Failed for good without being sent: written as errors with the claim."""
        return [item for item in self.linked if item.blocked]

    @property
    def empty(self) -> bool:
        return not self.work and not self.missed and not self.blocked

    @property
    def paths(self) -> list[str]:
        return sorted(
            {w.post.path for w in self.work}
            | {m.post.path for m in self.missed}
            | {b.post.path for b in self.blocked}
        )


def select(content: Content, now: datetime, shard: tuple[int, int] | None = None) -> Selection:
    config = content.config
    posts = {p.path: p for p in content.posts}
    waits = {r.path: r.waits for r in content.reports}
    chosen = Selection()
    for delivery in plan(content.reports, config, now, horizon=timedelta(0)):
        if not in_shard(delivery.post, shard):
            continue
        post = posts[delivery.post]
        account = config.accounts[delivery.account]
        previous = post.results.get(delivery.account)
        occurrence = delivery.occurrence
        if delivery.state == "due" and (delivery.waits or delivery.blocked):
            linked = Linked(post, account, occurrence, previous, delivery.waits, delivery.blocked)
            chosen.linked.append(linked)
            continue
        # One that waited for links is late counting from when they came; one a person
        # queued with `socialgit retry --late` is sent however late it is.
        result = delivery.result or {}
        start = links.came(waits[post.path].get(account.name, ()), post, occurrence)
        late = now - max(occurrence, start or occurrence) > config.missed_after
        late = late and result.get("late") is not True
        # A thread whose first parts are out is finished however late: its readers already
        # see it, and marking it missed would drop the record of what is public. So is a
        # delivery with a step in flight (``pending``: a publish TikTok may be processing).
        begun = bool(result.get("parts") or result.get("pending"))
        if delivery.state == "missed" and result.get("status") == "missed":
            continue  # recorded as missed already: a run with nothing new to do changes nothing
        if not begun and (delivery.state == "missed" or (delivery.state == "due" and late)):
            # A retry (or a deferred delivery) that drifted past missed_after is missed too:
            # going out hours late is what missed_after exists to prevent.
            chosen.missed.append(Missed(post, account, occurrence, previous))
            continue
        if delivery.state not in ("due", "publishing"):
            continue
        key = delivery_key(post.path, account.name, occurrence)
        if delivery.state == "publishing":
            result = delivery.result or {}
            claimed_at = parse_iso(str(result.get("at") or ""))
            if claimed_at is not None and now - claimed_at < config.claim_timeout:
                chosen.waiting.append(Waiting(post, account, claimed_at))
                continue
            recorded = result.get("key")
            key = str(recorded) if recorded else key  # the key fixed at claim time rules
            chosen.work.append(Work(post, account, occurrence, "doubt", key, previous, True))
            continue
        same = delivery.result is not None
        if same and previous and previous.get("key"):
            key = str(previous["key"])
        kind: Kind = "retry" if same else "send"
        chosen.work.append(Work(post, account, occurrence, kind, key, previous, same))
    return chosen
