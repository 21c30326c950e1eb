"""Publishing on a Facebook Page: one request makes the post; later parts are comments.

- Text (and a ``link:``): ``POST /{page}/feed`` with ``message`` and ``link``.
- Photos: each is uploaded unpublished (``POST /{page}/photos``, ``published=false``, with
  its alt text as ``alt_text_custom``): an upload that is never attached stays invisible, so
  doing one again is harmless. Then one ``POST /{page}/feed`` attaches them all
  (``attached_media``). A ``link:`` beside photos goes at the end of the message: Facebook
  shows either a link preview or photos.
- A video: ``POST /{page}/videos`` with the file as ``source`` and the text as
  ``description``.
- Later parts: comments under the post (``providers/meta/comments.py``).

The files are sent as bytes, so Facebook needs no ``media_base_url``. The one request that
makes the post (``/feed`` or ``/videos``) is the step that can double: it is sent once, and
a lost answer is ``OutcomeUnknown``. Facebook offers nothing to ask afterwards whether it
went out (no container, no key), and the Page's feed is ranked and bounded, so a post
missing from it proves nothing: such a delivery goes to a person (``lookup``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from providers.base import VIDEO_TYPES, OutgoingMedia, OutgoingPart
from providers.meta import comments, listing
from providers.meta.graph import Session
from socialgit.errors import ProviderError, Rejected, Transient

WEB = "https://www.facebook.com"
SLACK = timedelta(minutes=5)  # clock difference allowed between this machine and Meta


def first_part(session: Session, part: OutgoingPart, link: str | None) -> str:
    """Publish the post itself; its id (``{page}_{post}``, or a video's id)."""
    op = "Facebook post"
    if not part.media:
        fields = {"message": part.text}
        if link:
            fields["link"] = link
        return comments.sent_id(session.post(f"{session.user}/feed", op, sent=True, **fields), op)
    if part.media[0].mime in VIDEO_TYPES:
        video = part.media[0]
        answer = session.upload(
            f"{session.user}/videos",
            "Facebook video",
            sent=True,
            data={"description": _with_link(part.text, link)},
            files={"source": (video.file.name, _read(video), video.mime)},
        )
        return comments.sent_id(answer, "Facebook video")
    photos = [_photo(session, media) for media in part.media]
    attached = {
        f"attached_media[{n}]": json.dumps({"media_fbid": photo}) for n, photo in enumerate(photos)
    }
    message = _with_link(part.text, link)
    answer = session.post(f"{session.user}/feed", op, sent=True, message=message, **attached)
    return comments.sent_id(answer, op)


def later_part(session: Session, post: str, text: str, resumed: bool, taken: list[str]) -> str:
    """A later part, as a comment of the Page's under the post (never nested: a reply to a
    reply is not shown everywhere)."""
    page = session.user

    def own(item: dict[str, Any]) -> bool:
        author = item.get("from")
        return isinstance(author, dict) and str(author.get("id")) == page

    return comments.comment(
        session, post, text, resumed=resumed, taken=taken, fields="message,from", own=own
    )


def permalink(session: Session, ident: str) -> str | None:
    """The public link of a post or video; built from the ids when Meta will not say."""
    try:
        found = session.get(ident, "Facebook permalink", fields="permalink_url").get(
            "permalink_url"
        )
    except ProviderError:  # the post is out and recorded: a link is not worth an error
        found = None
    if isinstance(found, str) and found.startswith("https://"):
        return found
    if isinstance(found, str) and found.startswith("/"):
        return f"{WEB}{found}"  # videos answer with a path
    page, _, post = ident.partition("_")
    return f"{WEB}/{page}/posts/{post}" if post else None


def matches(session: Session, text: str, since: datetime) -> Iterator[dict[str, Any]]:
    """The Page's published posts since ``since`` whose message is exactly ``text``."""
    for item in listing.pages(
        session,
        f"{session.user}/published_posts",
        "Facebook list posts",
        fields="id,message,created_time,permalink_url",
        since=str(int(since.timestamp())),
    ):
        when = listing.when_of(item.get("created_time"))
        if when is not None and when >= since and listing.same_text(item.get("message"), text):
            yield item


def _photo(session: Session, media: OutgoingMedia) -> str:
    """An unpublished photo: invisible until a post attaches it, so safe to make again."""
    fields = {"published": "false"}
    if media.alt.strip():
        fields["alt_text_custom"] = media.alt
    answer = session.upload(
        f"{session.user}/photos",
        "Facebook photo upload",
        sent=False,
        data=fields,
        files={"source": (media.file.name, _read(media), media.mime)},
    )
    found = answer.get("id")
    if not isinstance(found, str | int) or not str(found):
        raise Transient(f"Facebook took {media.path} but gave no id for it; will retry")
    return str(found)


def _with_link(text: str, link: str | None) -> str:
    if not link or link in text:
        return text
    return f"{text}\n\n{link}" if text.strip() else link


def _read(media: OutgoingMedia) -> bytes:
    try:
        return media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
