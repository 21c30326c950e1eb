"""``socialgit plan``: load, plan, and (for review) narrow to what a change touched."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialgit.plan import Delivery, plan

if TYPE_CHECKING:
    from socialgit.content import Content
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
        deliveries = plan(content.reports, content.config, at, horizon)
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
    deliveries = plan(content.reports, content.config, at, None)
    deliveries += review.cancelled(deleted, content.config, at)
    deliveries.sort(key=lambda d: (d.time, d.post, d.account))
    posts = {r.path: r.parsed for r in content.reports if r.parsed is not None}
    posts.update(deleted)
    rows = review.summarise(deliveries, posts, at)
    previews = [preview_document(content, r.path) for r in content.reports if r.parsed]
    return PlanResult(content, at, deliveries, problems, previews, rows)
