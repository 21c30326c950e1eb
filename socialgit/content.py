"""Loading a content repository: config, every post, every problem, at once."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from providers import PROVIDERS
from socialgit import links, postkeys
from socialgit.compose import Prepared, prepare
from socialgit.config import LoadedConfig, load_config
from socialgit.edits import check_edits
from socialgit.fields import Findings
from socialgit.media import check_for_account, check_part_media, check_required, inspect
from socialgit.model import Config, Media, Post, Problem
from socialgit.post import parse_post

Signature = tuple[int, int, int]  # mtime_ns, size, inode: cheap and enough to see a change


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
        post = replace(self.post, parts=(), overrides={}, keys={}, body="") if self.post else None
        return replace(self, post=post, prepared={}, parsed=None)


@dataclass
class Content:
    root: Path
    config: Config
    config_source: bytes
    reports: list[Report]
    config_problems: list[Problem] = field(default_factory=list)

    @property
    def posts(self) -> list[Post]:
        return [r.post for r in self.reports if r.post is not None]

    @property
    def problems(self) -> list[Problem]:
        found = list(self.config_problems)
        for report in self.reports:
            found.extend(report.problems)
        return found


def signature(path: str | Path) -> Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


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


def _read_inside(root: Path, full: str) -> bytes:
    """The file's bytes; a symlink is followed only while it stays inside the repository."""
    try:
        handle = os.open(full, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        real, top = os.path.realpath(full), os.path.realpath(root)
        if os.path.commonpath([real, top]) != top:
            raise PermissionError(
                errno.EACCES, "a symlink leading outside the repository"
            ) from None
        handle = os.open(real, os.O_RDONLY)
    with os.fdopen(handle, "rb") as stream:
        return stream.read()


def analyze(root: Path, rel: str, config: Config, data: bytes | None = None) -> Report:
    """The post at ``rel``; with ``data``, that text as if it were there (an import checks
    the posts it is about to write)."""
    out = Findings(rel)
    try:
        if data is None:
            data = _read_inside(root, os.path.join(root, rel))
    except OSError as exc:
        out.add(1, 1, f"cannot read: {exc.strerror}")
        return Report(rel, None, tuple(out.problems), {})
    post = parse_post(rel, data, config, out)
    if post is None:
        return Report(rel, None, tuple(out.problems), {})

    # Articles (long-form targets) read the body whole, with images anywhere in it.
    accounts = config.accounts
    prepared = {name: prepare(post, accounts[name], accounts) for name in post.targets}
    articles = [part for ready in prepared.values() for part in ready.parts if ready.article]
    seen_media: dict[str, tuple[str, int]] = {}
    media_deps: dict[str, Signature | None] = {}
    attached: list[Media] = [m for part in post.parts for m in part.media]
    attached += [m for o in post.overrides.values() for part in o.parts for m in part.media]
    attached += [m for part in articles for m in part.media]
    for item in attached:
        if item.path in media_deps:
            continue
        media_deps[item.path] = signature(root / item.path)
        known = inspect(root, item, out)
        if known is not None:
            seen_media[item.path] = known
        if not item.alt:
            out.add(
                item.line,
                1,
                f"image {item.path!r} has no alt text: describe it for people who cannot see it",
                "warning",
            )
    covers = [post.keys.get("cover"), *(o.keys.get("cover") for o in post.overrides.values())]
    for cover in covers:
        if cover is None or not isinstance(cover.value, str) or cover.value in media_deps:
            continue
        media_deps[cover.value] = signature(root / cover.value)
        known = inspect(root, Media(cover.value, "", cover.line), out)
        if known is not None and not known[0].startswith("image/"):
            out.add(cover.line, cover.column, f"cover {cover.value!r} must be an image")
    postkeys.check(post, config.accounts, out)
    links.check(post, {name: ready.waits for name, ready in prepared.items()}, accounts, out)
    check_edits(post, config.accounts, out)
    for name, ready in prepared.items():
        account = config.accounts[name]
        if ready.parts:
            check_required(account, ready.parts[0].media, ready.parts[0].line, out)
        _one_part(name, account.provider, ready, out)
        for number, piece in enumerate(ready.parts, 1):
            if piece.too_long:
                out.add(
                    piece.line,
                    1,
                    f"{name}: this part is {piece.length} characters as "
                    f"{account.provider} counts them; the limit is {piece.limit}",
                )
            for message in piece.problems:
                out.add(piece.line, 1, f"{name}: {message}")
            check_for_account(account, piece.media, seen_media, out, config.media_base_url)
            check_part_media(account, number, piece.media, piece.line, seen_media, out)
    # A post with problems is still reported, but it is not planned: publishing half of what
    # the author wrote is worse than publishing nothing and saying why.
    keep = None if out.failed else post
    lengths = {name: (ready.length, ready.limit) for name, ready in prepared.items()}
    media = tuple(media_deps.items())
    waits = {name: tuple(ready.waits) for name, ready in prepared.items() if ready.waits}
    return Report(
        rel, keep, tuple(out.problems), prepared, media, lengths, parsed=post, waits=waits
    )


def _one_part(name: str, network: str, ready: Prepared, out: Findings) -> None:
    """A network without threads (``THREADS == "single"``) takes one part: the rest would
    be dropped without a word, so a second part is an error at its line."""
    provider = PROVIDERS[network]
    if provider.THREADS == "single" and len(ready.parts) > 1:
        out.add(
            ready.parts[1].line,
            1,
            f"{name}: {provider.TITLE} takes one part, not a thread; this post has "
            f"{len(ready.parts)} (write an override for `{network}` with one part)",
        )


def load_content(root: Path, only: list[str] | None = None, *, cached: bool = False) -> Content:
    """Every post with its problems. ``cached`` gives light reports (no texts: enough for a
    plan) from a cache of earlier analyses, re-analysing only files that changed."""
    loaded: LoadedConfig = load_config(root)
    config = loaded.config
    from socialgit.ids import mark_duplicates

    every = post_files(root, config.content)
    wanted = set(only or ())
    files = every if only is None else [f for f in every if f in wanted]
    if cached and only is None:  # the cache covers the whole content folder
        from socialgit.cache import analyze_cached

        reports = analyze_cached(root, files, loaded, analyze)
    else:
        reports = [analyze(root, rel, config) for rel in files]
    # Whether a post's id is its own depends on every other post: a check of a few files
    # still looks at all of them (light reports, from the cache when it is warm).
    whole = reports if only is None else _light_reports(root, every, loaded)
    reports = mark_duplicates(reports, whole)
    return Content(root, config, loaded.source, reports, loaded.problems)


def _light_reports(root: Path, files: list[str], loaded: LoadedConfig) -> list[Report]:
    from socialgit.cache import analyze_cached

    return analyze_cached(root, files, loaded, analyze)
