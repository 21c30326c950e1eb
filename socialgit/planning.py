"""``socialgit plan``: load, plan, and (for review) narrow to what a change touched."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialgit.model import QUEUED
from socialgit.plan import Delivery, plan
from socialgit.times import zone

if TYPE_CHECKING:
    from socialgit.content import Content, Report
    from socialgit.model import Problem


@dataclass(frozen=True)
class PlanResult:
    content: Content
    at: datetime
    deliveries: list[Delivery]
    problems: list[Problem]
    previews: list[dict[str, Any]]
    rows: list[Delivery]  # for people: with --base, a recurrence folded into one row


def make_plan(
    root: Path,
    at: datetime,
    horizon: timedelta | None,
    base: str | None = None,
    *,
    cached: bool = False,
) -> PlanResult:
    """``cached``: reuse earlier analyses (the reports then carry no texts)."""
    from socialgit.content import load_content

    if base is None:
        # Nothing of a post whose first occurrence lies beyond the horizon can show.
        until = math.inf if horizon is None else (at + horizon).timestamp()
        content = load_content(root, cached=cached, until=until)
        if content.config.queues and until != math.inf:
            # A queued post's slot depends on every post's time, however far ahead.
            content = load_content(root, cached=cached)
        reports = _slotted(content, at, content.config.branch or "HEAD", content.reports)
        deliveries = _queued(reports, plan(reports, content.config, at, horizon))
        return PlanResult(content, at, deliveries, content.problems, [], deliveries)
    from socialgit import review
    from socialgit.preview import preview_document

    changes = review.changes_since(root, base)
    only = changes.changed
    # Review previews need the texts, so a --base plan never takes the light cached reports.
    content = load_content(root, only=only)
    problems = [p for p in content.problems if p.path in only or p.path == content.config.path]
    # Review shows every occurrence of the changed posts, whatever the horizon, and what
    # deleted posts would still have sent.
    deleted = review.deleted_posts(root, changes, content.config)
    # The slots a queued post would get depend on every post, not only the changed ones.
    every = load_content(root, cached=True).reports if _has_queue(content.reports, at) else []
    reports = _slotted(content, at, base, every)
    deliveries = _queued(reports, plan(reports, content.config, at, None))
    deliveries += review.cancelled(deleted, content.config, at)
    deliveries.sort(key=lambda d: (d.time, d.post, d.account))
    posts = {r.path: r.parsed for r in content.reports if r.parsed is not None}
    posts.update(deleted)
    rows = review.summarise(deliveries, posts, at)
    previews = [preview_document(content, r.path) for r in content.reports if r.parsed]
    return PlanResult(content, at, deliveries, problems, previews, rows)


def _has_queue(reports: list[Report], at: datetime) -> bool:
    """Whether any post waits for a slot or holds one it might lose (else no git is run)."""
    from socialgit.queueing import movable

    return any(r.post is not None and (r.post.queued or movable(r.post, at)) for r in reports)


def _slotted(content: Content, at: datetime, ref: str, every: list[Report]) -> list[Report]:
    """The reports with each queued post (and each one moved off a slot an earlier post
    holds) at the slot ``socialgit queue`` would write for it; ``every``: all posts, which
    the slots depend on, and ``ref``: the branch whose history orders them."""
    if not _has_queue(content.reports, at):
        return content.reports
    from socialgit.queueing import place
    from socialgit.queuerun import entry_order

    config = content.config
    entered = entry_order(content.root, ref, config.content, False)
    posts = {r.path: r.post for r in every if r.post is not None}
    posts.update((r.path, r.post) for r in content.reports if r.post is not None)
    slots = {p.path: p.time for p in place(posts.values(), config, at, entered)[0]}
    found = []
    for report in content.reports:
        post = report.post
        if post is not None and post.path in slots:
            moment = slots[post.path]
            local = moment.astimezone(zone(post.timezone)).replace(tzinfo=None)
            post = replace(post, publish_at=moment, local_start=local, queued=True)
            report = replace(report, post=post)
        found.append(report)
    return found


def _queued(reports: list[Report], deliveries: list[Delivery]) -> list[Delivery]:
    """A slot not written yet says so; a queued post without one is not listed."""
    slotted = {r.path for r in reports if r.post and r.post.queued and r.post.publish_at != QUEUED}
    return [
        replace(d, state="queued") if d.state == "upcoming" and d.post in slotted else d
        for d in deliveries
        if d.time != QUEUED
    ]
