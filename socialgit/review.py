"""``plan --base``, for review: what a change adds, changes and cancels, in rows a person reads.

A pull request that deletes a post cancels its deliveries still to come: they are planned
from the post as it was at the merge base and shown as ``cancelled``. A recurring post is
one row per account that says how it repeats (in words, by cron-descriptor, a maintained
port of the .NET library of the same name), how often until when, and its first dates,
instead of one row per occurrence.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from socialgit.compose import prepare
from socialgit.content import Report
from socialgit.errors import RepoError
from socialgit.fields import Findings
from socialgit.model import Config, Post
from socialgit.plan import Delivery, plan
from socialgit.post import parse_post
from socialgit.schedule import occurrences
from socialgit.times import zone

SHOWN_DATES = 3  # first occurrences listed in a recurrence's row
COUNT_UP_TO = 10_000  # occurrences counted before saying "more than"
PENDING = ("due", "upcoming")  # what a deleted post still had to send


@dataclass(frozen=True)
class Changes:
    base: str  # the merge base's commit
    prefix: str  # where the content repository sits in git's work tree ("" at its top)
    changed: list[str]  # added, modified or renamed to, untracked included
    deleted: list[str]


def changes_since(root: Path, base: str) -> Changes:
    """Files changed and deleted since the merge base with ``base``, working tree included;
    a renamed file is its new name only (its results went with it)."""
    merge_base = _git(root, "merge-base", base, "HEAD").strip()
    prefix = _git(root, "rev-parse", "--show-prefix").strip()
    fields = _git(root, "diff", "-z", "--name-status", "-M", merge_base).split("\0")
    changed: list[str] = []
    deleted: list[str] = []
    index = 0
    while index < len(fields) - 1:
        code = fields[index][:1]
        if code in ("R", "C"):
            changed.append(fields[index + 2])
            index += 3
            continue
        (deleted if code == "D" else changed).append(fields[index + 1])
        index += 2
    changed += _git(root, "ls-files", "-z", "--others", "--exclude-standard").split("\0")

    def inside(names: Iterable[str]) -> list[str]:
        # git names paths from the top of the work tree; the content repo may sit below it.
        return sorted({n[len(prefix) :] for n in names if n and n.startswith(prefix)})

    return Changes(merge_base, prefix, inside(changed), inside(deleted))


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RepoError(f"git {args[0]} failed: {done.stderr.strip() or 'no output'}")
    return done.stdout


def deleted_posts(root: Path, changes: Changes, config: Config) -> dict[str, Post]:
    """The deleted posts as they were at the merge base (those that could be read)."""
    found = {}
    for rel in changes.deleted:
        if _is_post(rel, config.content):
            post = _post_at(root, f"{changes.base}:{changes.prefix}{rel}", rel, config)
            if post is not None:
                found[rel] = post
    return found


def cancelled(deleted: dict[str, Post], config: Config, at: datetime) -> list[Delivery]:
    """The deliveries that deleted posts still had to make, as ``cancelled``."""
    found: list[Delivery] = []
    for rel, post in deleted.items():
        lengths, waits = {}, {}
        for name in post.targets:
            ready = prepare(post, config.accounts[name], config.accounts)
            lengths[name] = (ready.length, ready.limit)
            waits[name] = tuple(ready.waits)
        report = Report(rel, post, (), {}, lengths=lengths, waits=waits)
        for delivery in plan([report], config, at, horizon=None):
            if delivery.state in PENDING:
                found.append(replace(delivery, state="cancelled"))
    return found


def _is_post(rel: str, folder: str) -> bool:
    inside = folder in ("", ".") or rel.startswith(folder.rstrip("/") + "/")
    return inside and rel.endswith(".md") and not any(p.startswith(".") for p in rel.split("/"))


def _post_at(root: Path, where: str, rel: str, config: Config) -> Post | None:
    """The post file at ``where`` (``COMMIT:PATH``) as it was there, if it can be read."""
    done = subprocess.run(
        ["git", "-C", str(root), "show", where],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        return None
    return parse_post(rel, done.stdout, config, Findings(rel))


def summarise(deliveries: list[Delivery], posts: dict[str, Post], at: datetime) -> list[Delivery]:
    """The rows to show: a recurring post's upcoming (or cancelled) occurrences of one
    account folded into one row at the first of them, which says how it repeats."""
    rows: list[Delivery] = []
    folded: dict[tuple[str, str, str], list[Delivery]] = {}
    for delivery in deliveries:
        post = posts.get(delivery.post)
        if post is None or post.repeat is None or delivery.state not in ("upcoming", "cancelled"):
            rows.append(delivery)
            continue
        key = (delivery.post, delivery.account, delivery.state)
        if key not in folded:
            folded[key] = []
            rows.append(delivery)  # stands for the series, replaced below
        folded[key].append(delivery)
    for index, row in enumerate(rows):
        series = folded.get((row.post, row.account, row.state))
        if series is not None and series[0] is row:
            rows[index] = replace(row, series=_describe(posts[row.post], series, at))
    return rows


def _describe(post: Post, series: list[Delivery], at: datetime) -> str:
    from cron_descriptor import Options, get_description

    assert post.repeat is not None
    options = Options()
    options.use_24hour_time_format = True
    words = get_description(post.repeat, options)
    tz = zone(post.timezone)
    text = f"repeats {words[:1].lower()}{words[1:]} ({post.timezone})"
    if post.until is None:
        text += ", with no end"
    else:
        count = 0
        for _ in occurrences(post, after=at):
            count += 1
            if count > COUNT_UP_TO:
                break
        many = f"more than {COUNT_UP_TO}" if count > COUNT_UP_TO else str(count)
        noun = "occurrence" if count == 1 else "occurrences"
        text += f" until {post.until.astimezone(tz):%Y-%m-%d}, {many} {noun}"
    dates = [f"{d.time.astimezone(tz):%a %Y-%m-%d %H:%M}" for d in series[:SHOWN_DATES]]
    more = ", …" if len(series) > SHOWN_DATES or post.until is None else ""
    return f"{text}: {', '.join(dates)}{more}"
