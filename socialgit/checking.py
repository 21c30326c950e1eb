"""``socialgit validate``: which posts to check, and every problem found in them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from socialgit.config import load_config
from socialgit.content import load_content, posts_at
from socialgit.model import Problem
from socialgit.plan import overdue
from socialgit.preview import relative


def check(root: Path, paths: list[str], cwd: Path, now: datetime) -> tuple[int, list[Problem]]:
    """(posts checked, problems): of every post, or of those ``paths`` (as typed, relative
    to ``cwd``) name. Time-dependent warnings are judged at ``now``."""
    only = None
    if paths:
        folder = load_config(root).config.content
        only = posts_at(root, folder, [relative(root, p, cwd) for p in paths])
    # A post whose first occurrence is still ahead can be neither overdue nor shown.
    content = load_content(root, only=only, cached=True, until=now.timestamp())
    problems = content.problems + overdue(content.reports, content.config, now)
    return len(content.reports) + content.skipped, problems
