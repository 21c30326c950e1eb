"""Alerts (``notify:`` in socialgit.yml): what a person must act on, as one message.

Pure: what to announce is a function of the posts' results, the credentials that end soon,
and now. Each result entry that failed for good (a final ``error``, or ``missed``) is
announced once per notify account: the runner records the account in the entry's
``announced:`` list once the message went out (socialgit/runner/notify.py), so the same
failure is never announced twice, and a new failure of the same delivery (a new entry) is.
Credentials that end soon are remembered the same way in ``.socialgit/alerts.json`` (by
account and end), since they have no entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from socialgit.model import Post
from socialgit.redact import scrub
from socialgit.times import iso_utc, zone

ENDING_WITHIN = timedelta(days=7)
CONNECT = "socialgit connect"
IN_DOUBT = "in doubt"
MAX_ITEMS = 20  # per section: a long outage must not make a message no network takes
MAX_ERROR = 300

Kind = Literal["failed", "doubt", "connect"]


@dataclass(frozen=True)
class Failure:
    """A result entry a person must act on."""

    kind: Kind
    path: str
    account: str
    entry: Mapping[str, Any]

    @property
    def error(self) -> str:
        text = str(self.entry.get("error") or self.entry.get("status", ""))
        return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 1] + "…"


@dataclass(frozen=True)
class Ending:
    account: str
    ends: datetime


@dataclass
class Alert:
    """One message for one notify account, and what it announces."""

    notify: str
    failures: list[Failure] = field(default_factory=list)
    ending: list[Ending] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.failures and not self.ending

    def key_seed(self) -> str:
        """The same announcement gives the same seed (its delivery key's), so a webhook
        receiver drops a message sent again after a lost record."""
        items = sorted(
            [f"{f.path}\n{f.account}\n{f.entry.get('at', '')}" for f in self.failures]
            + [f"{e.account}\n{iso_utc(e.ends)}" for e in self.ending]
        )
        return hashlib.sha256("\n\n".join(items).encode("utf-8")).hexdigest()[:16]


def kind_of(entry: Mapping[str, Any]) -> Kind | None:
    """What a person must do about this entry, or None (published, waiting, retrying)."""
    status = entry.get("status")
    if status == "missed":
        return "failed"
    if status != "error" or entry.get("retry_at"):
        return None
    error = str(entry.get("error", ""))
    if CONNECT in error:
        return "connect"
    return "doubt" if error.startswith(IN_DOUBT) else "failed"


def announced(entry: Mapping[str, Any]) -> set[str]:
    value = entry.get("announced")
    return {str(v) for v in value} if isinstance(value, list) else set()


def gather(
    notify: Iterable[str],
    posts: Iterable[Post],
    ending: Iterable[Ending],
    told: Mapping[str, Mapping[str, str]],
) -> list[Alert]:
    """For each notify account, what it has not been told yet. ``told`` maps a notify
    account to the credentials (account → end, ISO UTC) already announced to it."""
    every = list(posts)
    soon = list(ending)
    alerts = []
    for name in notify:
        alert = Alert(name)
        for post in every:
            for account, entry in sorted(post.results.items()):
                kind = kind_of(entry)
                if kind is not None and name not in announced(entry):
                    alert.failures.append(Failure(kind, post.path, account, entry))
        known = told.get(name, {})
        alert.ending = [e for e in soon if known.get(e.account) != iso_utc(e.ends)]
        alerts.append(alert)
    return alerts


def message(alert: Alert, now: datetime, timezone: str, links: Callable[[str], str | None]) -> str:
    """The text of the alert; ``links`` gives where a person reads a post (or None)."""
    tz = zone(timezone)
    count = len(alert.failures) + len(alert.ending)
    lines = [f"socialgit: {count} thing{'s' * (count != 1)} need a person "
             f"({now.astimezone(tz):%Y-%m-%d %H:%M} {timezone})"]  # fmt: skip

    def section(title: str, items: list[str]) -> None:
        if not items:
            return
        lines.extend(["", title])
        lines.extend(f"- {item}" for item in items[:MAX_ITEMS])
        if len(items) > MAX_ITEMS:
            lines.append(f"- … and {len(items) - MAX_ITEMS} more")

    def where(f: Failure) -> str:
        link = links(f.path)
        return f"{f.path} ({link})" if link else f.path

    by_kind = {
        k: [f for f in alert.failures if f.kind == k] for k in ("failed", "doubt", "connect")
    }
    section("Failed for good:", [f"{f.account}: {where(f)}: {f.error}" for f in by_kind["failed"]])
    doubt = []
    for f in by_kind["doubt"]:
        out = [str(f.entry[k]) for k in ("url",) if f.entry.get(k)]
        parts = f.entry.get("parts")
        seen = (
            f"; parts out: {', '.join(map(str, parts))}"
            if isinstance(parts, list) and parts
            else ""
        )
        doubt.append(f"{f.account}: {where(f)}{' ' + out[0] if out else ''}{seen}: {f.error}")
    section("In doubt, check by hand whether it went out:", doubt)
    connect: dict[str, list[str]] = {}
    for f in by_kind["connect"]:
        connect.setdefault(f.account, []).append(f.path)
    section(
        "Run `socialgit connect ACCOUNT` for:",
        [f"{account} (failed: {', '.join(paths)})" for account, paths in connect.items()],
    )
    section(
        f"Credentials ending within {ENDING_WITHIN.days} days:",
        [
            f"{e.account}: {e.ends.astimezone(tz):%Y-%m-%d %H:%M} (run `socialgit connect "
            f"{e.account}` or `socialgit refresh {e.account}` before then)"
            for e in sorted(alert.ending, key=lambda e: e.ends)
        ],
    )
    return scrub("\n".join(lines))
