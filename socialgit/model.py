"""The content model: plain, immutable values that the pure core passes around.

No ``slots=True``: these values are pickled into the plan cache, and unpickling a slotted
frozen dataclass goes through a per-object ``__setstate__`` that made warm plans 5x slower.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding in one file, located for an editor (1-based line and column)."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(frozen=True)
class Media:
    path: str  # relative to the repository root, posix separators
    alt: str
    line: int  # where the image line stands in the post file


@dataclass(frozen=True)
class Part:
    """One post of a thread: its text (image lines removed) and its attachments."""

    text: str
    media: tuple[Media, ...]
    line: int  # first line of this part in the post file


KeyValue = str | tuple[str, ...]  # a post key's value: text, or a list of texts (tags)


@dataclass(frozen=True)
class Key:
    """A post key besides the text (``title:``, ``link:``, ``tags:``, …; socialgit/postkeys.py)."""

    value: KeyValue
    line: int
    column: int = 1


@dataclass(frozen=True)
class Override:
    account: str  # an account name or a provider name, as written
    text: str | None
    line: int
    parts: tuple[Part, ...] = ()
    keys: dict[str, Key] = field(default_factory=dict)
    text_line: int = 0  # file line of the text's first line (an article reads it whole)


@dataclass(frozen=True)
class Account:
    name: str
    provider: str
    settings: dict[str, Any]  # provider-specific keys from socialgit.yml, secrets excluded
    line: int


@dataclass(frozen=True)
class Slot:
    """One weekly time of a queue (socialgit.slots): days (Monday = 0) and a wall time."""

    text: str  # as written, for messages
    days: frozenset[int]
    hour: int
    minute: int
    line: int


@dataclass(frozen=True)
class Queue:
    name: str
    slots: tuple[Slot, ...]
    targets: tuple[str, ...]  # the default targets of its posts; may be empty
    line: int


@dataclass(frozen=True)
class Config:
    path: str
    timezone: str
    content: str
    missed_after: timedelta
    max_attempts: int
    claim_timeout: timedelta
    accounts: dict[str, Account]
    branch: str | None = None
    media_base_url: str | None = None
    notify: tuple[str, ...] = ()  # accounts that get the alerts after a run
    queues: dict[str, Queue] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadedConfig:
    """socialgit.yml as read (socialgit.config); here so that a config from the plan cache
    unpickles without importing the YAML reader."""

    config: Config
    problems: list[Problem]
    source: bytes  # the file as read, for cache keys


# A queued post's publish_at until ``socialgit queue`` writes one: so far ahead that a reader
# that forgets to ask ``Post.queued`` still never finds it due.
QUEUED = datetime(9000, 1, 1, tzinfo=UTC)

PostStatus = Literal["draft", "scheduled", "published", "error", "missed"]


@dataclass(frozen=True)
class Post:
    path: str  # relative to the repository root
    id: str | None
    publish_at: datetime  # aware; the first (or only) occurrence
    local_start: datetime  # naive wall-clock time of publish_at in ``timezone``
    timezone: str
    targets: tuple[str, ...]
    status: PostStatus
    repeat: str | None
    until: datetime | None  # aware; last instant an occurrence may fall on
    parts: tuple[Part, ...]
    overrides: dict[str, Override]
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    line: int = 1  # line of ``publish_at`` (where delivery problems point)
    target_lines: dict[str, int] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)  # title, link, tags, … as written
    id_line: int = 1  # line of ``id:``
    # The body as written, for networks of articles (socialgit.longform): one document,
    # not split into parts; ``body_line`` is the file line of its first line.
    body: str = ""
    body_line: int = 0
    # ``queue:``: the queue this post takes its time (and default targets) from. A queued
    # post (a queue and no ``publish_at`` yet) has QUEUED as its publish_at, never planned
    # as due: it goes out only once ``socialgit queue`` has written its time into the file.
    queue: str | None = None
    queued: bool = False
