"""``socialgit init``: a new content repository from the templates shipped in the package.

Nothing that exists is ever replaced: a person running ``init`` in the wrong folder, or a
second time, must not lose a config or a workflow they edited.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Literal

from socialgit.errors import UsageError

Action = Literal["created", "skipped", "updated"]

# (path in the new repository, template file in socialgit/templates)
FILES: tuple[tuple[str, str], ...] = (
    ("socialgit.yml", "socialgit.yml"),
    ("content/hello.md", "example-post.md"),
    (".github/workflows/socialgit-check.yml", "socialgit-check.yml"),
    (".github/workflows/socialgit-publish.yml", "socialgit-publish.yml"),
    (".github/workflows/socialgit-feed.yml", "socialgit-feed.yml"),
)
# With ``init --site``: the workflow that builds the dashboard and deploys it to GitHub Pages.
SITE_FILES: tuple[tuple[str, str], ...] = (
    (".github/workflows/socialgit-site.yml", "socialgit-site.yml"),
)
GITIGNORE = ".gitignore"
IGNORED = ("outbox/",)
PUBLISH_AT = "@PUBLISH_AT@"
VERSION = "@VERSION@"


@dataclass(frozen=True, slots=True)
class Step:
    path: str  # relative to the scaffolded folder, posix separators
    action: Action
    note: str = ""


def template(name: str) -> str:
    """A template as ``init`` writes it, pinned to this socialgit's version."""
    from socialgit import __version__

    text = files("socialgit").joinpath("templates", name).read_text(encoding="utf-8")
    return text.replace(VERSION, __version__)


def render(name: str, today: date) -> str:
    text = template(name)
    # The example is dated tomorrow so that a fresh repository plans something upcoming;
    # a fixed date would be in the past (and `missed`) soon after a release.
    return text.replace(PUBLISH_AT, f"{today + timedelta(days=1):%Y-%m-%d} 09:00")


def scaffold(target: Path, today: date, site: bool = False) -> list[Step]:
    """Write what is missing below ``target``; report every file as created or skipped.
    ``site``: the dashboard's workflow too."""
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    target.mkdir(parents=True, exist_ok=True)
    steps: list[Step] = []
    for rel, name in (*FILES, *(SITE_FILES if site else ())):
        path = target / rel
        if os.path.lexists(path):
            steps.append(Step(rel, "skipped", "exists"))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # "x": refuse to replace a file that appeared since the check above.
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                handle.write(render(name, today))
        except FileExistsError:
            steps.append(Step(rel, "skipped", "exists"))
            continue
        steps.append(Step(rel, "created"))
    steps.append(_gitignore(target / GITIGNORE))
    return steps


def _gitignore(path: Path) -> Step:
    """Add the missing entries at the end; the lines already there stay as they are."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return Step(GITIGNORE, "skipped", "not a regular file")
    try:
        current = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        current = None
    present = {line.strip() for line in (current or "").splitlines()}
    missing = [entry for entry in IGNORED if entry not in present and f"/{entry}" not in present]
    if not missing:
        return Step(GITIGNORE, "skipped", "has " + ", ".join(IGNORED))
    addition = "# socialgit: local output of the outbox provider\n" + "".join(
        f"{entry}\n" for entry in missing
    )
    if current is None:
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(addition)
        return Step(GITIGNORE, "created")
    separator = "" if current.endswith("\n") or not current else "\n"
    with open(path, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(separator + addition)
    return Step(GITIGNORE, "updated", "added " + ", ".join(missing))
