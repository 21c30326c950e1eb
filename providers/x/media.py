"""Media for X posts: the v2 upload endpoints and alt text through media metadata.

The v1.1 ``upload.twitter.com/1.1/media/upload.json`` is deprecated; v2 has a one-shot
``POST /2/media/upload`` for still images (``media_category=tweet_image``) and, for GIFs and
video, dedicated chunked endpoints: ``/2/media/upload/initialize``, ``/{id}/append``,
``/{id}/finalize``, then ``GET /2/media/upload?command=STATUS`` while X processes the file.
Alt text is ``POST /2/media/metadata`` with ``{"id", "metadata": {"alt_text": {"text"}}}``.

An upload publishes nothing, so its requests may be repeated: a lost answer is Transient.
"""

from __future__ import annotations

import time
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from providers.x import api as _x_api
from socialgit.errors import Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, OutgoingMedia
    from socialgit.model import Account

ALT_MAX = 1000
CHUNK = 1024 * 1024  # bytes per append; X takes segments up to 5 MB
MAX_WAIT = 300.0  # seconds of processing we wait for before giving up until a later run
_STILL = frozenset({"image/png", "image/jpeg", "image/webp"})
_CATEGORY = {"image/gif": "tweet_gif", "video/mp4": "tweet_video", "video/quicktime": "tweet_video"}


def upload(
    client: httpx.Client, account: Account, credentials: Credentials, media: OutgoingMedia
) -> str:
    """Upload one file (and its alt text); the media id to attach to a post."""
    if len(media.alt) > ALT_MAX:
        raise Rejected(f"alt text of {media.path} is {len(media.alt)} characters; X takes 1000")
    try:
        data = media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
    if media.mime in _STILL:
        media_id = _one_shot(client, account, credentials, media, data)
    elif media.mime in _CATEGORY:
        media_id = _chunked(client, account, credentials, media, data)
    else:
        raise Rejected(f"{media.path}: X does not take {media.mime} files")
    if media.alt:
        _x_api.call(
            client,
            account,
            credentials,
            "POST",
            "/2/media/metadata",
            op="X media alt text",
            json={"id": media_id, "metadata": {"alt_text": {"text": media.alt}}},
        )
    return media_id


def _one_shot(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    media: OutgoingMedia,
    data: bytes,
) -> str:
    answer = _x_api.call(
        client,
        account,
        credentials,
        "POST",
        "/2/media/upload",
        op="X media upload",
        data={"media_category": "tweet_image", "media_type": media.mime},
        files={"media": (PurePosixPath(media.path).name, data, media.mime)},
    )
    return _media_id(answer, media)


def _chunked(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    media: OutgoingMedia,
    data: bytes,
) -> str:
    started = _x_api.call(
        client,
        account,
        credentials,
        "POST",
        "/2/media/upload/initialize",
        op="X media upload (initialize)",
        json={
            "media_type": media.mime,
            "total_bytes": len(data),
            "media_category": _CATEGORY[media.mime],
        },
    )
    media_id = _media_id(started, media)
    name = PurePosixPath(media.path).name
    for index, start in enumerate(range(0, len(data), CHUNK)):
        _x_api.call(
            client,
            account,
            credentials,
            "POST",
            f"/2/media/upload/{media_id}/append",
            op="X media upload (append)",
            data={"segment_index": str(index)},
            files={"media": (name, data[start : start + CHUNK], "application/octet-stream")},
        )
    done = _x_api.call(
        client,
        account,
        credentials,
        "POST",
        f"/2/media/upload/{media_id}/finalize",
        op="X media upload (finalize)",
    )
    _wait(client, account, credentials, media, media_id, done)
    return media_id


def _wait(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    media: OutgoingMedia,
    media_id: str,
    answer: dict[str, Any],
) -> None:
    """Until X has processed the file: no ``processing_info`` or ``succeeded``."""
    waited = 0.0
    while True:
        data = answer.get("data")
        info = data.get("processing_info") if isinstance(data, dict) else None
        if not isinstance(info, dict) or info.get("state") == "succeeded":
            return
        if info.get("state") == "failed":
            problem = info.get("error")
            why = problem.get("message") if isinstance(problem, dict) else None
            raise Rejected(f"X could not process {media.path}: {why or 'no reason given'}")
        pause = info.get("check_after_secs")
        pause = float(pause) if isinstance(pause, int | float) and pause >= 0 else 1.0
        if waited + pause > MAX_WAIT:
            raise Transient(f"X is still processing {media.path}; will try again later")
        time.sleep(pause)
        waited += pause
        answer = _x_api.call(
            client,
            account,
            credentials,
            "GET",
            "/2/media/upload",
            op="X media upload (status)",
            params={"command": "STATUS", "media_id": media_id},
        )


def _media_id(answer: dict[str, Any], media: OutgoingMedia) -> str:
    data = answer.get("data")
    found = data.get("id") if isinstance(data, dict) else None
    if not isinstance(found, str | int) or not str(found):
        raise Transient(f"X media upload of {media.path}: no media id came back; will retry")
    return str(found)
