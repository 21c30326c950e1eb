"""Announcing a post with its real link: ``{link:ACCOUNT}``.

A delivery's text (a part, an article, a key such as ``canonical_url``) may say
``{link:blog}``: the public URL of this post's delivery to the account ``blog``. That URL
exists only once ``blog``'s delivery is published, so a delivery that names it *waits* for
it: the plan shows "waits for blog", the runner sends it once ``blog``'s entry holds the URL
(in the same run, or a later one) with the URL put in its place, and fails it with the reason
when ``blog``'s delivery fails for good or is missed. Everything here reads the post and its
results; nothing sends.

Until then its length is a guess: ``{link:X}`` is counted as a URL of the longest length X's
link is likely to have (``assumed``), which networks that count every URL alike (X, Mastodon:
23) count as any other link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialgit.times import parse_iso

if TYPE_CHECKING:
    from socialgit.fields import Findings
    from socialgit.model import Account, Key, Part, Post

LINK = re.compile(r"\{link:([^{}\s]*)\}")
SITE = 40  # characters assumed for a site whose address socialgit does not know
PATH = 60  # ... for a path without a slug or title to go by
ROOM = 30  # ... for what a site adds around a slug: date folders, ids, a trailing slash


def mentions(text: str) -> Iterator[tuple[str, int]]:
    """Each ``{link:NAME}`` in ``text``: the name and the line offset it stands on."""
    for match in LINK.finditer(text):
        yield match[1], text.count("\n", 0, match.start())


def substitute(text: str, urls: Mapping[str, str]) -> str:
    """``text`` with each ``{link:NAME}`` whose name has a URL replaced by it."""
    return LINK.sub(lambda m: urls.get(m[1], m[0]), text)


def awaited(parts: tuple[Part, ...], keys: Mapping[str, Key]) -> dict[str, int]:
    """The accounts a delivery of these parts and keys names, with the first line naming each."""
    found: dict[str, int] = {}
    for part in parts:
        for name, offset in mentions(part.text):
            found.setdefault(name, part.line + offset)
    for key in keys.values():
        for item in key.value if isinstance(key.value, tuple) else (key.value,):
            for name, _ in mentions(item):
                found.setdefault(name, key.line)
    return found


def assumed(post: Post, account: Account | None) -> str:
    """A stand-in for the URL of ``post``'s delivery to ``account``, as long as it is likely
    to be: the account's ``base_url`` (or a site of 40 characters), a path as long as its
    slug (or title, or 60 characters), and 30 more for date folders and ids."""
    from socialgit import postkeys

    site = str(account.settings.get("base_url") or "") if account is not None else ""
    keys = postkeys.values(postkeys.resolve(post, account)) if account is not None else {}
    wanted = keys.get("slug") or keys.get("title")
    path = len(wanted) if isinstance(wanted, str) else PATH
    host = site.rstrip("/") if site.startswith(("https://", "http://")) else ""
    # A host with a real top-level domain: X and Mastodon count it as a link (23).
    host = host or "https://" + "x" * (SITE - len("https://.com")) + ".com"
    return f"{host}/{'p' * (path + ROOM - 2)}/"  # the slashes are part of the room


def check(
    post: Post,
    waits: Mapping[str, Mapping[str, int]],
    accounts: Mapping[str, Account],
    out: Findings,
) -> None:
    """Every name a target's text links to is another target; no target waits on itself,
    through any number of others."""
    from socialgit import fields

    for name, links in waits.items():
        for other, line in links.items():
            if other == name:
                out.add(line, 1, f"{{link:{other}}}: {name} cannot wait for its own link")
            elif other not in post.targets:
                hint = fields.suggest(other, post.targets) or (
                    " (add it to targets)" if other in accounts else ""
                )
                out.add(line, 1, f"{{link:{other}}}: {other!r} is not a target of this post{hint}")
    reported: set[frozenset[str]] = set()
    for start in waits:
        cycle = _cycle(start, waits)
        if cycle is None or frozenset(cycle) in reported or len(cycle) < 2:
            continue
        reported.add(frozenset(cycle))
        steps = ", ".join(
            f"{a} waits for {b}" for a, b in zip(cycle, [*cycle[1:], cycle[0]], strict=True)
        )
        out.add(waits[cycle[0]][cycle[1]], 1, f"{{link:…}} goes round in a circle: {steps}")


def _cycle(start: str, waits: Mapping[str, Mapping[str, int]]) -> list[str] | None:
    """A path of waits from ``start`` back to it, if there is one."""
    path = [start]

    def walk(node: str, seen: set[str]) -> bool:
        for other in waits.get(node, {}):
            if other == start:
                return True
            if other in seen or other not in waits:
                continue
            path.append(other)
            if walk(other, seen | {other}):
                return True
            path.pop()
        return False

    return path if walk(start, {start}) else None


@dataclass(frozen=True)
class Status:
    """Where a delivery stands on the links it names (for one occurrence)."""

    urls: dict[str, str]  # the awaited deliveries that are out, and their links
    waiting: tuple[str, ...] = ()  # awaited deliveries not out yet
    blocked: str = ""  # why it can never go out: an awaited delivery failed or was missed
    since: str | None = None  # when the last of its links came (ISO), for missed_after


def status(names: tuple[str, ...], results: Mapping[str, Any], occurrence: str | None) -> Status:
    """From the post's results: ``occurrence`` (ISO UTC) for a recurring post, whose awaited
    entries must be about the same occurrence; None for a one-time post."""
    urls: dict[str, str] = {}
    waiting: list[str] = []
    since: str | None = None
    for name in names:
        entry = results.get(name)
        entry = entry if isinstance(entry, Mapping) else {}
        if occurrence is not None and entry.get("occurrence") != occurrence:
            entry = {}  # about an earlier occurrence: this one is still to come
        state = entry.get("status")
        if state == "published":
            url = entry.get("url")
            if not isinstance(url, str) or not url:
                return Status(urls, blocked=f"{name} went out without a public link to give")
            urls[name] = url
            at = entry.get("at")
            if isinstance(at, str) and (since is None or _later(at, since)):
                since = at
        elif state == "missed":
            return Status(urls, blocked=f"{name} was missed, so its link never came")
        elif state == "error" and not entry.get("retry_at"):
            error = str(entry.get("error") or "no reason given")
            return Status(urls, blocked=f"{name} failed for good, so its link never came: {error}")
        else:
            waiting.append(name)
    return Status(urls, tuple(waiting), since=since)


def occurrence_of(post: Post, occurrence: datetime) -> str | None:
    """How ``status`` tells the occurrence: recurring posts' entries name theirs."""
    from socialgit.times import iso_utc

    return iso_utc(occurrence) if post.repeat is not None else None


def came(names: tuple[str, ...], post: Post, occurrence: datetime) -> datetime | None:
    """When the last of the links a delivery waits for came; None if it waits for none."""
    if not names:
        return None
    return parse_iso(status(names, post.results, occurrence_of(post, occurrence)).since or "")


def _later(a: str, b: str) -> bool:
    first, second = parse_iso(a), parse_iso(b)
    return first is not None and second is not None and first > second
