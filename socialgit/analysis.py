"""Analysing one post file: its post, its problems, what each target receives.

Apart from socialgit.content so that a run answered from the cache (socialgit.cache) never
imports the networks, the composer or the media checks.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from providers import PROVIDERS
from socialgit import links, postkeys
from socialgit.cache import Signature, signature
from socialgit.compose import Prepared, prepare
from socialgit.content import Report
from socialgit.edits import check_edits
from socialgit.fields import Findings
from socialgit.media import check_for_account, check_part_media, check_required, inspect
from socialgit.model import Config, Media
from socialgit.post import parse_post


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
    if data is not None:
        return _analyze(root, rel, data, config, Findings(rel))
    return analyze_read(root, rel, config)[0]


def analyze_read(root: Path, rel: str, config: Config) -> tuple[Report, bytes | None]:
    """The post's report, and the bytes it was read from (None when unreadable)."""
    out = Findings(rel)
    try:
        data = _read_inside(root, os.path.join(root, rel))
    except OSError as exc:
        out.add(1, 1, f"cannot read: {exc.strerror}")
        return Report(rel, None, tuple(out.problems), {}), None
    return _analyze(root, rel, data, config, out), data


def _analyze(root: Path, rel: str, data: bytes, config: Config, out: Findings) -> Report:
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
            postkeys.check_media(post, name, account, len(ready.parts[0].media), out)
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
