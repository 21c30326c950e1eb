"""Checks on attached files: inside the repository, present, of a type the network takes."""

from __future__ import annotations

import os
from pathlib import Path

from providers import PROVIDERS
from socialgit.fields import Findings
from socialgit.model import Account, Media

# Magic numbers: a file is judged by its bytes, never by its name.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
)


def sniff(head: bytes) -> str | None:
    for offset, magic, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "video/quicktime" if head[8:10] == b"qt" else "video/mp4"
    return None


def inspect(root: Path, media: Media, out: Findings) -> tuple[str, int] | None:
    """(MIME type, size) of an attachment that is safe to read, else a problem."""
    where = media.path
    if where.startswith("/") or where.split("/")[0] == "..":
        out.add(media.line, 1, f"image {where!r} is outside the repository")
        return None
    full = root / where
    try:
        real = Path(os.path.realpath(full))
    except OSError:
        real = full
    if real != root and root not in real.parents:
        out.add(media.line, 1, f"image {where!r} leads outside the repository (symlink)")
        return None
    try:
        size = real.stat().st_size
        with real.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        out.add(media.line, 1, f"image {where!r} does not exist")
        return None
    except IsADirectoryError:
        out.add(media.line, 1, f"image {where!r} is a folder, not a file")
        return None
    except OSError as exc:
        out.add(media.line, 1, f"image {where!r} cannot be read: {exc.strerror}")
        return None
    kind = sniff(head)
    if kind is None:
        out.add(
            media.line,
            1,
            f"{where!r} is not an image or video socialgit knows "
            "(PNG, JPEG, GIF, WebP, MP4, MOV), judged by its content",
        )
        return None
    return kind, size


def check_required(account: Account, media: tuple[Media, ...], line: int, out: Findings) -> None:
    """A network that only takes posts with media (Pixelfed): the first part needs some."""
    provider = PROVIDERS[account.provider]
    if provider.MEDIA.required and not media:
        videos = all(kind.startswith("video/") for kind in provider.MEDIA.max_bytes)
        what, example = ("a video", "clip.mp4") if videos else ("an image", "image.png")
        out.add(
            line,
            1,
            f"{provider.TITLE} ({account.name}) needs {what} on the first part: add a "
            f"line `![alt text](path/to/{example})`",
        )


def check_for_account(
    account: Account,
    media: tuple[Media, ...],
    found: dict[str, tuple[str, int]],
    out: Findings,
    public_base: str | None,
) -> None:
    """The network's own rules: how many, which types, how large, alt text."""
    provider = PROVIDERS[account.provider]
    rules = provider.MEDIA
    if not media:
        return
    first = media[0].line
    if rules.max_count == 0:
        out.add(first, 1, f"{provider.TITLE} ({account.name}) cannot attach files")
        return
    if len(media) > rules.max_count:
        out.add(
            first,
            1,
            f"{provider.TITLE} ({account.name}) takes at most "
            f"{rules.max_count} attachments in a post; this part has {len(media)}",
        )
    if rules.needs_public_url and not public_base:
        out.add(
            first,
            1,
            f"{provider.TITLE} fetches images from a public URL: set "
            "`media_base_url:` in socialgit.yml to where this repository's files are served",
        )
    for item in media:
        known = found.get(item.path)
        if known is None:
            continue
        kind, size = known
        most = rules.max_bytes.get(kind)
        if most is None:
            out.add(item.line, 1, f"{provider.TITLE} ({account.name}) does not take {kind}")
        elif size > most:
            out.add(
                item.line,
                1,
                f"{item.path!r} is {size} bytes; {provider.TITLE} takes at most {most}",
            )
        if rules.alt_max is not None and len(item.alt) > rules.alt_max:
            out.add(
                item.line,
                1,
                f"alt text is {len(item.alt)} characters; "
                f"{provider.TITLE} takes at most {rules.alt_max}",
            )


def check_part_media(
    account: Account,
    number: int,
    media: tuple[Media, ...],
    line: int,
    found: dict[str, tuple[str, int]],
    out: Findings,
) -> None:
    """The network's rules on part ``number``'s attachments as a whole (``media_problems``),
    reported at the first attachment's line, or at ``line`` (the part's) when it has none."""
    provider = PROVIDERS[account.provider]
    kinds = tuple(found[item.path][0] for item in media if item.path in found)
    line = media[0].line if media else line
    for message in provider.media_problems(number, kinds):
        out.add(line, 1, f"{account.name}: {message}")
