"""Images for LinkedIn: register an upload, PUT the bytes, and describe them in a post.

``POST /rest/images?action=initializeUpload`` answers with an ``uploadUrl`` and the image's
URN; the whole file is then PUT there. A post carries one image as ``content.media`` and
2–20 as ``content.multiImage``, each with its ``altText``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.base import Credentials, OutgoingMedia
from providers.linkedin import api as api
from socialgit.errors import Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account

ALT_MAX = 4086
MULTI_MAX = 20
_WAITS = (0.5, 1.0, 2.0, 4.0)  # seconds between status checks while LinkedIn processes
sleep = time.sleep  # tests replace it


def upload(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    author: str,
    media: OutgoingMedia,
) -> str:
    """Upload one image; its ``urn:li:image:…`` once LinkedIn can show it."""
    if len(media.alt) > ALT_MAX:
        raise Rejected(
            f"the alt text of {media.path} is {len(media.alt)} characters; max {ALT_MAX}"
        )
    try:
        data = media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
    op = "LinkedIn images initializeUpload"
    # Registering an upload publishes nothing, so a lost answer is merely retried.
    answer = api.call(
        client,
        account,
        credentials,
        "POST",
        "/rest/images?action=initializeUpload",
        op=op,
        sent=False,
        json={"initializeUploadRequest": {"owner": author}},
    )
    value = api.body(answer).get("value")
    value = value if isinstance(value, dict) else {}
    url, image = value.get("uploadUrl"), value.get("image")
    if not isinstance(url, str) or not isinstance(image, str):
        raise Transient(f"{op}: the answer has no uploadUrl or image; will retry")
    _put(client, account, credentials, url, data, media.mime)
    _wait_available(client, account, credentials, image)
    return image


def _put(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    url: str,
    data: bytes,
    mime: str,
) -> None:
    import httpx  # deferred: plan and validate never need it

    op = "LinkedIn image upload"
    token = api.access_token(account, credentials)
    headers = {"Content-Type": mime}
    host = httpx.URL(url).host
    ours = {httpx.URL(api.root(account)).host, "linkedin.com"}
    # The upload URL comes from LinkedIn's answer: the token goes only to LinkedIn's hosts
    # (matched at a dot, so "notlinkedin.com" is not one of them).
    if host in ours or host.endswith(".linkedin.com"):
        headers["Authorization"] = f"Bearer {token}"
    response = _http.send(
        client,
        "PUT",
        url,
        op=op,
        secrets=(token, url),
        idempotent=True,
        content=data,
        headers=headers,
    )
    if not response.is_success:
        raise api.error(response, op, account, sent=False)


def _wait_available(
    client: httpx.Client, account: Account, credentials: Credentials, image: str
) -> None:
    op = "LinkedIn images get"
    for wait in (*_WAITS, None):
        answer = api.call(
            client,
            account,
            credentials,
            "GET",
            f"/rest/images/{api.encoded(image)}",
            op=op,
            sent=False,
        )
        status = api.body(answer).get("status")
        if status in (None, "AVAILABLE"):
            return
        if status == "PROCESSING_FAILED":
            raise Rejected(f"LinkedIn could not process the image {image}")
        if wait is not None:
            sleep(wait)
    raise Transient(f"LinkedIn is still processing the image {image}; will retry")


def post_content(images: list[tuple[str, str]]) -> dict[str, Any]:
    """``content`` of a post with these (image URN, alt text) pairs."""
    if len(images) == 1:
        image, alt = images[0]
        return {"media": _item(image, alt)}
    if len(images) > MULTI_MAX:
        raise Rejected(f"{len(images)} images in one LinkedIn post; it takes {MULTI_MAX}")
    return {"multiImage": {"images": [_item(image, alt) for image, alt in images]}}


def _item(image: str, alt: str) -> dict[str, str]:
    return {"id": image, "altText": alt} if alt else {"id": image}
