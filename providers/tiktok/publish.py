"""TikTok's Content Posting API for one video: creator info, ``init``, the bytes, the status.

``init`` is the step that must never run twice: each call starts a new publish, and TikTok
takes no idempotency key. Its ``publish_id`` is recorded (``Outgoing.on_pending``) the
moment it returns, before any byte goes; from then on only its status is asked:

======================  =============================================================
status                  what it means here
======================  =============================================================
``PUBLISH_COMPLETE``    out: the post id (``publicaly_available_post_id``, sic; a number
                        above 2**53, kept as text) once moderation is done, else the
                        publish id and the profile's link
``SEND_TO_USER_INBOX``  the draft is in the creator's inbox (``mode: inbox``): done
``FAILED``              never goes out: a rerun may start again; while we wait, an error
``PROCESSING_UPLOAD``   with fewer bytes than the file: the upload broke off, and only its
                        lost upload URL could finish it, so it never goes out (start again);
                        with every byte, or ``PROCESSING_DOWNLOAD``: TikTok is at work, wait
======================  =============================================================

The upload URL is used within one call and never stored: it lets whoever holds it send the
video's bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.tiktok import api as _tt_api
from socialgit.errors import OutcomeUnknown, Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, OutgoingMedia
    from socialgit.model import Account

MB = 1024 * 1024
CHUNK = 10 * MB  # TikTok: 5–64 MB a chunk, the last up to 128 MB; under 5 MB in one piece
RETRIES = 3  # a chunk is sent again at most this often within a call
POLL = 3.0  # seconds between status fetches (TikTok allows 30 a minute per token)
MAX_WAIT = 120.0  # seconds of waiting for the status within one run
DONE = frozenset({"PUBLISH_COMPLETE", "SEND_TO_USER_INBOX"})


@dataclass(frozen=True)
class Session:
    client: httpx.Client
    account: Account
    credentials: Credentials

    def call(self, path: str, op: str, *, sent: bool = False, **request: Any) -> dict[str, Any]:
        return _tt_api.call(
            self.client, self.account, self.credentials, "POST", path, op=op, sent=sent, **request
        )


def creator_info(session: Session) -> dict[str, Any]:
    """Privacy levels, interaction switches, the longest video, the creator's username."""
    return session.call("/v2/post/publish/creator_info/query/", "TikTok creator info", json={})


def chunks(size: int) -> tuple[int, int]:
    """(chunk_size, total_chunk_count) as TikTok's media transfer guide wants them."""
    if size <= CHUNK:
        return size, 1
    return CHUNK, size // CHUNK  # the last chunk takes the rest (less than two chunks)


def init(
    session: Session, inbox: bool, post_info: dict[str, Any] | None, size: int
) -> tuple[str, str]:
    """Start a publish (direct) or a draft upload (inbox): (publish id, upload URL)."""
    chunk_size, count = chunks(size)
    body: dict[str, Any] = {
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": size,
            "chunk_size": chunk_size,
            "total_chunk_count": count,
        }
    }
    if post_info is not None:
        body["post_info"] = post_info
    path = "/v2/post/publish/inbox/video/init/" if inbox else "/v2/post/publish/video/init/"
    data = session.call(path, "TikTok init", sent=True, json=body)
    publish_id, upload_url = data.get("publish_id"), data.get("upload_url")
    if not isinstance(publish_id, str) or not publish_id:
        raise OutcomeUnknown("TikTok init: no publish id came back; it may have started")
    if not isinstance(upload_url, str) or not upload_url.startswith(("https://", "http://")):
        # Without bytes this publish can never go out: starting again is safe.
        raise Transient("TikTok init: no upload URL came back; will retry")
    return publish_id, upload_url


def upload(session: Session, upload_url: str, media: OutgoingMedia, size: int) -> None:
    """Every byte, chunk by chunk in order; a chunk that fails is sent again."""
    chunk_size, count = chunks(size)
    with media.file.open("rb") as handle:
        for index in range(count):
            start = index * chunk_size
            end = size if index == count - 1 else start + chunk_size
            handle.seek(start)
            data = handle.read(end - start)
            if len(data) != end - start:
                raise Rejected(f"{media.path} changed while it was uploaded; upload it again")
            _chunk(session, upload_url, media, data, f"bytes {start}-{end - 1}/{size}")


def _chunk(
    session: Session, upload_url: str, media: OutgoingMedia, data: bytes, content_range: str
) -> None:
    import httpx

    op = "TikTok upload"
    query = httpx.URL(upload_url).params
    # The URL's token is what lets it take bytes: scrubbed from messages and logs. Not the
    # whole URL: every value of a registered URL's query would be masked, ids included (one
    # may be the publish id the results record).
    hidden = tuple(v for k, v in query.items() if "token" in k or "sig" in k)
    failure: Exception | None = None
    for _ in range(RETRIES + 1):
        try:
            response = _http.send(
                session.client,
                "PUT",
                upload_url,
                op=op,
                secrets=hidden,
                idempotent=True,  # the same range again: TikTok keeps one copy
                headers={
                    "Content-Type": media.mime,
                    "Content-Length": str(len(data)),
                    "Content-Range": content_range,
                },
                content=data,
            )
        except Transient as exc:
            failure = exc
            continue
        if response.status_code in (200, 201, 206):
            return
        failure = _tt_api.error(response, op, session.account, sent=False)
        if not isinstance(failure, Transient):
            raise failure
    raise Transient(f"{failure}; the upload starts again on a later run")


def status(session: Session, publish_id: str) -> dict[str, Any]:
    return session.call(
        "/v2/post/publish/status/fetch/", "TikTok status", json={"publish_id": publish_id}
    )


def broken_off(state: dict[str, Any], size: int) -> bool:
    """A publish that can never go out: failed, or its upload stopped short."""
    if state.get("status") == "FAILED":
        return True
    uploaded = state.get("uploaded_bytes")
    short = isinstance(uploaded, int) and uploaded < size
    return state.get("status") == "PROCESSING_UPLOAD" and short


def wait(session: Session, publish_id: str, what: str) -> dict[str, Any]:
    """The status once it is ``PUBLISH_COMPLETE`` or ``SEND_TO_USER_INBOX``; ``Rejected`` on
    ``FAILED``; ``OutcomeUnknown`` when it takes longer than this run waits (public posts go
    through moderation, which can take hours): a later run asks again."""
    waited, pause = 0.0, POLL
    while True:
        state = status(session, publish_id)
        if state.get("status") in DONE:
            return state
        if state.get("status") == "FAILED":
            why = state.get("fail_reason") or "no reason given"
            raise Rejected(f"TikTok did not publish {what}: {why}")
        if waited + pause > MAX_WAIT:
            raise OutcomeUnknown(
                f"TikTok is still processing {what} ({state.get('status') or 'no status'}; "
                "moderation can take hours); a later run asks again"
            )
        time.sleep(pause)
        waited += pause
        pause = min(pause * 2, 15.0)


def post_ids(state: dict[str, Any]) -> list[str]:
    """The public post ids, as text: they exceed 2**53, and JSON readers that turn numbers
    into doubles lose their last digits (Python's keeps them whole)."""
    found = state.get("publicaly_available_post_id")
    if not isinstance(found, list):
        return []
    return [str(item) for item in found if isinstance(item, int | str) and str(item)]
