"""Loading a content repository: config, every post, every problem, at once."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from socialgit.model import Config, Post, Problem

_T = TypeVar("_T")

if TYPE_CHECKING:
    from socialgit.cache import Signature
    from socialgit.compose import Prepared
    from socialgit.model import LoadedConfig


@dataclass(frozen=True)
class Report:
    """What one post file yielded: the post (if plannable), its problems, its targets."""

    path: str
    post: Post | None
    problems: tuple[Problem, ...]
    prepared: dict[str, Prepared]  # empty in a light report
    media: tuple[tuple[str, Signature | None], ...] = ()  # what else the analysis read
    lengths: dict[str, tuple[int, int]] = field(default_factory=dict)  # longest part, limit
    parsed: Post | None = None  # the post as read, also when it has problems (for preview)
    # Per target, the accounts whose link its text names (``{link:…}``): it waits for them.
    waits: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def light(self) -> Report:
        """What a plan needs, without texts: small and quick to load from the cache."""
        post = self.post and _changed(self.post, parts=(), overrides={}, keys={}, body="")
        return _changed(self, post=post, prepared={}, parsed=None)


def _changed(value: _T, **changes: object) -> _T:
    """``dataclasses.replace`` without calling ``__init__`` again (10,000 posts: 0.1 s less
    in a cold plan). For these frozen dataclasses without ``__post_init__`` or slots only."""
    made = object.__new__(type(value))
    made.__dict__.update(value.__dict__, **changes)
    return made


@dataclass
class Content:
    root: Path
    config: Config
    config_source: bytes
    reports: list[Report]
    config_problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # posts the cache left unloaded: nothing of them falls in the window

    @property
    def posts(self) -> list[Post]:
        return [r.post for r in self.reports if r.post is not None]

    @property
    def problems(self) -> list[Problem]:
        found = list(self.config_problems)
        for report in self.reports:
            found.extend(report.problems)
        return found


def post_files(root: Path, folder: str) -> list[str]:
    """Every ``*.md`` below the content folder, as sorted repository-relative paths."""
    found: list[str] = []
    top = os.path.join(root, folder)
    cut = len(str(root)) + 1
    stack = [top]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.name.endswith(".md"):
                # Plain string slicing: pathlib costs more than the rest of the walk.
                found.append(entry.path[cut:].replace(os.sep, "/"))
    found.sort()
    return found


def posts_at(root: Path, folder: str, paths: list[str]) -> list[str]:
    """The posts that repository-relative ``paths`` name: a post file, or every post under
    a folder. A path that does not exist, or names no post, is a UsageError (a check that
    checks nothing must not look like a check that passed)."""
    from socialgit.errors import UsageError

    every = post_files(root, folder)
    found: set[str] = set()
    for rel in paths:
        full = root / rel
        if not full.exists():
            raise UsageError(f"{rel}: no such file or folder")
        if full.is_dir():
            inside = [f for f in every if rel in ("", ".") or f.startswith(rel.rstrip("/") + "/")]
            if not inside:
                raise UsageError(f"{rel}/ holds no posts (posts are the *.md files in {folder}/)")
            found.update(inside)
        elif rel in every:
            found.add(rel)
        else:
            raise UsageError(f"{rel} is not a post (posts are the *.md files in {folder}/)")
    return sorted(found)


def load_content(
    root: Path,
    only: list[str] | None = None,
    *,
    cached: bool = False,
    until: float = math.inf,
) -> Content:
    """Every post with its problems. ``cached`` gives light reports (no texts: enough for a
    plan) from a cache of earlier analyses, re-analysing only files that changed; then a
    post without problems or results whose first delivery comes after ``until`` (a POSIX
    time) is only counted (``Content.skipped``)."""
    if cached:
        from socialgit.cache import load_config as cached_config

        loaded = cached_config(root)
    else:
        from socialgit.config import load_config

        loaded = load_config(root)
    config = loaded.config
    from socialgit.ids import claims_of, duplicate_ids, mark_duplicates

    every = post_files(root, config.content)
    wanted = set(only or ())
    files = every if only is None else [f for f in every if f in wanted]
    skipped = 0
    if cached and only is None:  # the cache covers the whole content folder
        from socialgit.cache import analyze_cached

        found = analyze_cached(root, files, loaded, read_and_analyze, until=until)
        reports, doubled, skipped = found.reports, found.doubled, found.skipped
    else:
        reports = [analyze(root, rel, config) for rel in files]
        # Whether a post's id is its own depends on every other post: a check of a few files
        # still looks at all of them (from the cache when it is warm).
        if only is None:
            doubled = duplicate_ids(claims_of(reports))
        else:
            doubled = _doubled(root, every, loaded)
    reports = mark_duplicates(reports, doubled)
    return Content(root, config, loaded.source, reports, loaded.problems, skipped)


def _doubled(root: Path, files: list[str], loaded: LoadedConfig) -> dict[str, Problem]:
    from socialgit.cache import analyze_cached

    return analyze_cached(root, files, loaded, read_and_analyze, until=-math.inf).doubled


def analyze(root: Path, rel: str, config: Config, data: bytes | None = None) -> Report:
    """socialgit.analysis.analyze: the post at ``rel``; with ``data``, that text as if it
    were there (an import checks the posts it is about to write)."""
    from socialgit.analysis import analyze as analyze_post

    return analyze_post(root, rel, config, data)


def read_and_analyze(root: Path, rel: str, config: Config) -> tuple[Report, bytes | None]:
    """socialgit.analysis.analyze_read, imported only when the cache cannot answer."""
    from socialgit.analysis import analyze_read

    return analyze_read(root, rel, config)
