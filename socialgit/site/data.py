"""What the dashboard shows, gathered once from the content (pure, after loading)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from socialgit.calendar import first_lines, month_bounds, with_history
from socialgit.content import Content, load_content
from socialgit.plan import Delivery, plan
from socialgit.preview import preview_document
from socialgit.stats.deliveries import Delivery as Measured
from socialgit.stats.deliveries import collect
from socialgit.stats.report import Report, build
from socialgit.times import zone


@dataclass
class Post:
    path: str
    page: str  # file name under posts/
    title: str  # the first line of its text
    status: str
    document: dict[str, Any] | None  # preview_document: each target's parts; None: unreadable
    results: dict[str, dict[str, Any]]  # as recorded, by account


@dataclass
class SiteData:
    content: Content
    now: datetime
    timezone: str
    deliveries: list[Delivery]  # the plan: settled, due, upcoming (within the horizon), drafts
    texts: dict[tuple[str, str], str]  # (post, account) → first line
    posts: dict[str, Post]  # by path
    report: Report
    months: list[tuple[int, int]]  # every month with a delivery, and the current one
    measured: dict[tuple[str, str], Measured] = field(default_factory=dict)  # (post, account)

    def __post_init__(self) -> None:
        self.measured = {(d.post, d.account): d for d in self.report.deliveries}

    def month(self, year: int, month: int) -> list[Delivery]:
        """The month's deliveries, past occurrences of recurring posts included."""
        start, after = month_bounds(year, month, self.timezone)
        inside = [d for d in self.deliveries if start <= d.time < after]
        return with_history(self.content, inside, self.now, year, month)


def gather(root: Path, now: datetime, horizon: timedelta) -> SiteData:
    content = load_content(root)
    tz = content.config.timezone
    deliveries = plan(content.reports, content.config, now, horizon)
    texts = first_lines(content)
    titles: dict[str, str] = {}
    for (path, _), line in texts.items():
        if line and path not in titles:
            titles[path] = line
    posts = {}
    pages: set[str] = set()
    for report in content.reports:
        parsed = report.parsed
        document = preview_document(content, report.path) if parsed is not None else None
        title = titles.get(report.path, "")
        page = _page_name(report.path, content.config.content, pages)
        status = parsed.status if parsed is not None else "unreadable"
        results = dict(parsed.results) if parsed is not None else {}
        posts[report.path] = Post(
            report.path, page, title or report.path, status, document, results
        )
    stats = build(collect(content), tz)
    moments = [now, *(d.time for d in deliveries), *(d.time for d in stats.deliveries)]
    moments += [p.publish_at for p in content.posts if p.repeat is not None]
    return SiteData(content, now, tz, deliveries, texts, posts, stats, _months(moments, tz))


def _months(moments: list[datetime], tz_name: str) -> list[tuple[int, int]]:
    """Every month from the first thing on record to the last one planned, gaps included,
    so that paging through them misses nothing (past occurrences of recurring posts too)."""
    tz = zone(tz_name)
    local = [m.astimezone(tz) for m in moments]
    first, last = min(local), max(local)
    year, month, found = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _page_name(path: str, folder: str, taken: set[str]) -> str:
    """A file name for the post's page: its path below the content folder, readable and
    safe in a URL; a short hash when two paths would give the same name."""
    inside = path.removeprefix(folder.rstrip("/") + "/").removesuffix(".md")
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", inside.replace("/", "_")).strip("-") or "post"
    if name.lower() in taken:
        name += "-" + hashlib.sha256(path.encode()).hexdigest()[:8]
    taken.add(name.lower())
    return f"{name}.html"
