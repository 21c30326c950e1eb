"""Helpers the provider fakes and tests share: accounts, an outgoing thread, a PNG, multipart
parsing and a check that no secret reached an error."""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from providers.base import Outgoing, OutgoingMedia, OutgoingPart
from socialgit.model import Account

# A 1×1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def parse_multipart(request: httpx.Request) -> dict[str, tuple[str | None, str | None, bytes]]:
    """A ``multipart/form-data`` body as {field: (filename, content type, bytes)}."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    assert message.is_multipart(), "not a multipart body"
    fields: dict[str, tuple[str | None, str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        assert isinstance(name, str), "a multipart field without a name"
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        mime = part.get_content_type() if part.get("content-type") else None
        fields[name] = (part.get_filename(), mime, data)
    return fields


def assert_secret_free(exc: BaseException, *secrets: str) -> None:
    """No secret in the error, its repr, or anything chained to it."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    for error in seen:
        for text in (str(error), repr(error), repr(error.args)):
            for secret in secrets:
                assert secret not in text, f"a secret leaked into {type(error).__name__}"


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def mp4(seconds: float = 5.0, size: int = 64 * 1024) -> bytes:
    """A file that reads as an MP4 (``ftyp``, ``moov/mvhd`` with its duration, ``mdat``
    padding it to ``size`` bytes): enough for sniffing, sizes and durations, not for playing."""
    ftyp = _box(b"ftyp", b"isom" + (512).to_bytes(4, "big") + b"isomiso2mp41")
    scale = 1000
    mvhd = _box(
        b"mvhd",
        bytes(12) + scale.to_bytes(4, "big") + int(seconds * scale).to_bytes(4, "big") + bytes(80),
    )
    head = ftyp + _box(b"moov", mvhd)
    return head + _box(b"mdat", bytes(max(size - len(head) - 8, 0)))


def account(provider: str, name: str | None = None, **settings: Any) -> Account:
    return Account(name=name or f"team-{provider}", provider=provider, settings=settings, line=1)


# The smallest JPEG header a file is judged a JPEG by (for networks that take no PNG).
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
_FILES = {
    "image/png": ("dot.png", lambda: PNG),
    "image/jpeg": ("dot.jpg", lambda: JPEG),
    "video/mp4": ("clip.mp4", lambda: mp4()),
}


def thread(
    tmp: Path, *texts: str, image_on: int | None = 0, alt: str = "a dot", mime: str = "image/png"
) -> Outgoing:
    """An outgoing delivery of ``texts`` as parts, with one PNG (or JPEG, or MP4 for a network
    that takes only videos) on part ``image_on``."""
    name, content = _FILES[mime]
    image = tmp / name
    image.write_bytes(content())
    media = (OutgoingMedia(path=f"media/{name}", file=image, mime=mime, alt=alt),)
    return Outgoing(
        key="sg-2024-05-01-launch-0001",
        post="content/launch.md",
        occurrence=datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        parts=tuple(
            OutgoingPart(text=text, media=media if index == image_on else ())
            for index, text in enumerate(texts)
        ),
    )


def raising(exc: type[httpx.HTTPError]) -> Callable[[httpx.Request], httpx.Response]:
    """A transport handler that fails with ``exc``, whose message holds the URL (as httpx's
    own messages may: a translated error must not repeat it)."""

    def handler(request: httpx.Request) -> httpx.Response:
        raise exc(f"failed for {request.url}", request=request)

    return handler
