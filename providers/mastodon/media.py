"""Mastodon media: checked against the instance's limits, uploaded with their alt text, and
waited for until processed.

``POST /api/v2/media`` answers 200 when the file was processed at once (images) and 202
while it is still processing (video, large images); ``GET /api/v1/media/:id`` then answers
206 until it is ready, and a status may only carry ready media. An upload publishes nothing
(unattached media are cleaned up by the server), so its failures are ``Transient`` and a
rerun simply uploads again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from providers.base import VIDEO_TYPES
from providers.mastodon import api
from socialgit.errors import Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, OutgoingMedia, OutgoingPart
    from socialgit.model import Account

# Seconds between polls of a processing upload (about a minute in all); tests replace SLEEP.
POLL_DELAYS: tuple[float, ...] = (0.5, 1, 1, 2, 2, 3, 5, 5, 5, 5, 10, 10, 10)
SLEEP: Callable[[float], None] = time.sleep


def problems(part: OutgoingPart, limits: api.Limits) -> list[str]:
    """What of the part's media the instance would refuse, checked before anything goes out."""
    found: list[str] = []
    if len(part.media) > limits.max_media:
        found.append(f"{len(part.media)} attachments; the instance takes {limits.max_media}")
    for media in part.media:
        if limits.mime_types and media.mime not in limits.mime_types:
            found.append(f"{media.path}: the instance does not take {media.mime}")
        cap = limits.video_bytes if media.mime in VIDEO_TYPES else limits.image_bytes
        size = _size(media)
        if size > cap:
            found.append(f"{media.path}: {size} bytes; the instance takes {cap}")
        if len(media.alt) > limits.description_limit:
            found.append(
                f"{media.path}: alt text is {len(media.alt)} characters; the instance takes "
                f"{limits.description_limit}"
            )
    return found


def upload(
    client: httpx.Client, account: Account, credentials: Credentials, media: OutgoingMedia
) -> str:
    """Upload one file with its alt text; returns its id once the instance has processed it."""
    op = f"{api.title(account)} media upload of {media.path}"
    files = {"file": (PurePosixPath(media.path).name, _read(media), media.mime)}
    form = {"description": media.alt} if media.alt else {}
    response = api.call(
        client, account, credentials, "POST", "/api/v2/media", op=op, sent=False,
        files=files, data=form,
    )  # fmt: skip
    found = api.body(response, op, sent=False)
    ident = found.get("id")
    if not isinstance(ident, str | int) or not str(ident):
        raise Transient(f"{op}: the answer carried no media id; will retry")
    if response.status_code == 202 or found.get("url") is None:
        _wait(client, account, credentials, str(ident), op)
    return str(ident)


def _wait(
    client: httpx.Client, account: Account, credentials: Credentials, ident: str, op: str
) -> None:
    for delay in POLL_DELAYS:
        SLEEP(delay)
        response = api.call(
            client, account, credentials, "GET", f"/api/v1/media/{ident}", op=op, sent=False
        )
        if response.status_code == 200:
            return
    waited = round(sum(POLL_DELAYS))
    raise Transient(f"{op}: still processing after {waited} s; will retry")


def _read(media: OutgoingMedia) -> bytes:
    try:
        return media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None


def _size(media: OutgoingMedia) -> int:
    try:
        return media.file.stat().st_size
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
