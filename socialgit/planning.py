"""``socialgit plan``: load, plan, and (for review) narrow to what a change touched."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from socialgit.content import Content, load_content
from socialgit.errors import RepoError
from socialgit.model import Problem
from socialgit.plan import Delivery, plan


@dataclass(frozen=True)
class PlanResult:
    content: Content
    at: datetime
    deliveries: list[Delivery]
    problems: list[Problem]
    previews: list[dict[str, Any]]


def changed_since(root: Path, base: str) -> list[str]:
    """Files added or changed since the merge base with ``base``, working tree included."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RepoError(f"git {args[0]} failed: {done.stderr.strip() or 'no output'}")
        return done.stdout

    merge_base = git("merge-base", base, "HEAD").strip()
    prefix = git("rev-parse", "--show-prefix").strip()
    names = git("diff", "--name-only", "--diff-filter=ACMR", "--no-renames", merge_base)
    names += git("ls-files", "--others", "--exclude-standard")
    found = []
    for name in names.splitlines():
        # git names paths from the top of the work tree; the content repo may sit below it.
        if name.startswith(prefix):
            found.append(name[len(prefix) :])
    return sorted(set(found))


def make_plan(
    root: Path,
    at: datetime,
    horizon: timedelta | None,
    base: str | None = None,
    *,
    cached: bool = False,
) -> PlanResult:
    """``cached``: reuse earlier analyses (the reports then carry no texts)."""
    from socialgit.preview import preview_document

    only = changed_since(root, base) if base else None
    # Review previews need the texts, so a --base plan never takes the light cached reports.
    content = load_content(root, only=only, cached=cached and only is None)
    problems = content.problems
    if only is not None:
        # Review shows every occurrence of the changed posts, whatever the horizon.
        horizon = None
        problems = [p for p in problems if p.path in only or p.path == content.config.path]
    deliveries = plan(content.reports, content.config, at, horizon)
    previews = []
    if only is not None:
        previews = [preview_document(content, r.path) for r in content.reports if r.parsed]
    return PlanResult(content, at, deliveries, problems, previews)
