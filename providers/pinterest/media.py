"""What a pin shows: its ``media_source``, and the video upload behind a video pin.

Images go inside the create request, base64-encoded (``image_base64`` for one,
``multiple_image_base64`` for a carousel of 2 to 5): nothing needs a public URL, and
nothing is uploaded that could outlive a failed pin. Pinterest takes PNG and JPEG there
(the OpenAPI ``ContentType`` enum).

A video goes the long way (OpenAPI ``/media``): register (``POST /media``, which answers an
upload URL with signed form fields), send the file to that URL as a multipart form, then
poll ``GET /media/{id}`` until ``succeeded``. The media id is recorded as the delivery's
``pending`` step once the file is up, so a rerun polls that upload instead of sending the
file again; an upload that never becomes a pin is harmless (it is not public). The cover is
the post's ``cover:`` image, else the video's first frame (``cover_image_key_frame_time``).
"""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.pinterest import api
from socialgit.errors import Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Outgoing, OutgoingMedia
    from socialgit.model import Account

IMAGES = frozenset({"image/png", "image/jpeg"})
VIDEOS = frozenset({"video/mp4", "video/quicktime"})
CAROUSEL = (2, 5)  # images in a carousel pin (OpenAPI: minItems 2, maxItems 5)
PENDING = "video:"  # prefix of the pending step: a video upload waiting to be processed
POLL = (1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0)  # seconds between looks at a video (~50 s)
sleep = time.sleep  # tests replace it


def problem(kinds: tuple[str, ...]) -> str | None:
    """Why these files (by type) cannot be one pin: a video goes alone."""
    if any(kind in VIDEOS for kind in kinds) and len(kinds) > 1:
        return (
            "a Pinterest pin is one video alone, or 1 to 5 images; this part has "
            f"{len(kinds)} files with a video among them"
        )
    return None


def source(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> dict[str, Any]:
    """The ``media_source`` of the pin; uploads the video first if it is a video pin."""
    media = outgoing.parts[0].media
    mixed = problem(tuple(item.mime for item in media))
    if mixed:
        raise Rejected(f"{outgoing.post}: {mixed}")
    videos = [item for item in media if item.mime in VIDEOS]
    if videos:
        media_id = video(client, account, credentials, outgoing, videos[0])
        return {"source_type": "video_id", "media_id": media_id, **_cover(outgoing)}
    for item in media:
        if item.mime not in IMAGES:
            raise Rejected(f"{item.path}: Pinterest takes PNG or JPEG images, not {item.mime}")
    if len(media) == 1:
        return {"source_type": "image_base64", **_image(media[0])}
    low, high = CAROUSEL
    if not low <= len(media) <= high:
        raise Rejected(
            f"{outgoing.post}: a Pinterest carousel takes {low} to {high} images; "
            f"this part has {len(media)}"
        )
    return {"source_type": "multiple_image_base64", "items": [_image(m) for m in media]}


def _image(item: OutgoingMedia) -> dict[str, str]:
    return {"content_type": item.mime, "data": _base64(item)}


def _base64(item: OutgoingMedia) -> str:
    try:
        data = item.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"{item.path}: cannot be read ({exc.strerror})") from None
    return base64.b64encode(data).decode("ascii")


def _cover(outgoing: Outgoing) -> dict[str, Any]:
    cover = outgoing.cover
    if cover is None:
        return {"cover_image_key_frame_time": 0}
    if cover.mime not in IMAGES:
        raise Rejected(f"{cover.path}: a Pinterest video cover must be PNG or JPEG")
    return {"cover_image_content_type": cover.mime, "cover_image_data": _base64(cover)}


def video(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    item: OutgoingMedia,
) -> str:
    """The media id of the video, processed and ready for a pin."""
    media_id = outgoing.pending.removeprefix(PENDING) if outgoing.pending else ""
    if not media_id:
        media_id = _upload(client, account, credentials, item)
        outgoing.on_pending(f"{PENDING}{media_id}")
    for pause in (0.0, *POLL):
        sleep(pause)
        answer = api.call(
            client, account, credentials, "GET", f"/media/{media_id}", op="Pinterest video status"
        )
        status = answer.get("status")
        if status == "succeeded":
            return media_id
        if status == "failed":
            outgoing.on_pending("")  # that upload is dead; the next attempt starts over
            raise Rejected(f"{item.path}: Pinterest could not process this video")
    raise Transient(
        f"{item.path}: Pinterest is still processing the video; a later run checks again"
    )


def _upload(
    client: httpx.Client, account: Account, credentials: Credentials, item: OutgoingMedia
) -> str:
    # Registering publishes nothing, so a lost answer may simply be asked again.
    answer = api.call(
        client,
        account,
        credentials,
        "POST",
        "/media",
        op="Pinterest register video",
        json={"media_type": "video"},
    )
    media_id, url = answer.get("media_id"), answer.get("upload_url")
    fields = answer.get("upload_parameters")
    if not isinstance(media_id, str | int) or not isinstance(url, str) or not url:
        raise Transient("Pinterest register video: no media id or upload URL came back")
    form = {str(k): str(v) for k, v in fields.items()} if isinstance(fields, dict) else {}
    try:
        handle = item.file.open("rb")
    except OSError as exc:
        raise Rejected(f"{item.path}: cannot be read ({exc.strerror})") from None
    with handle:
        _http.signed_upload(
            client,
            url,
            form,
            (item.file.name, handle, item.mime),
            op="Pinterest video upload",
            what=item.path,
        )
    return str(media_id)


def count(pin: dict[str, Any]) -> int | None:
    """How many files a pin read back shows (a carousel's images; 1 for an image or a
    video); None when the listing does not say."""
    media = pin.get("media")
    kind = media.get("media_type") if isinstance(media, dict) else None
    if kind in ("image", "video"):
        return 1
    if kind in ("multiple_images", "multiple_videos", "multiple_mixed"):
        items = media.get("items") if isinstance(media, dict) else None
        return len(items) if isinstance(items, list) else None
    return None
