"""Publishing on Instagram: a container, its status, then ``media_publish`` — exactly once.

The flow is Meta's container flow (``providers/meta/containers.py``): the container's id is
recorded (and pushed) before ``media_publish``, a publish without a clear answer (or with
any error: Meta has answered a rate limit after the post went live) asks the container, and
a rerun asks the recorded container instead of making another. A container found
``PUBLISHED`` is the receipt; Meta offers no way from a container to its media, so the media
id is then found among the account's media by the exact caption, and only if exactly one
matches (never the newest one blindly: it can be another post).

What is Instagram's own: the media are fetched by Meta from public URLs (``media_base_url``);
one image (with alt text), one video (a Reel) or 2–10 of either (a carousel, whose items
must be processed before the carousel is made); later parts are comments.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from providers.base import VIDEO_TYPES, OutgoingMedia, OutgoingPart
from providers.meta import comments, containers, listing
from providers.meta.graph import Session
from socialgit.errors import OutcomeUnknown, ProviderError, Rejected

SLEEP: Callable[[float], None] = time.sleep
SLACK = timedelta(minutes=5)  # clock difference allowed between this machine and Meta
WEB = "https://www.instagram.com"
FLAVOUR = containers.Flavour(
    create="media",
    publish="media_publish",
    publish_op="Instagram media_publish",
    status="status_code",
    said="status",
    quota="content_publishing_limit",
)


def first_part(
    session: Session,
    part: OutgoingPart,
    pending: str,
    on_pending: Callable[[str], None],
    since: datetime,
    alone: bool,
) -> str:
    """The post itself; its media id (a container id when the post is out but its media
    cannot be told apart, and it is ``alone``: nothing is to be attached to it)."""

    def find(doubt: str) -> str:
        return media_of(session, part.text, since, doubt, fallback=pending if alone else "")

    return containers.publish_part(
        session, FLAVOUR, pending, on_pending, lambda: _create(session, part), find
    )


def later_part(
    session: Session, media: str, text: str, resumed: bool, taken: list[str], me: str
) -> str:
    """A later part, as a comment of the account's under the post."""

    def own(item: dict[str, Any]) -> bool:
        return bool(me) and item.get("username") == me

    return comments.comment(
        session, media, text, resumed=resumed, taken=taken, fields="text,username", own=own
    )


def media_of(session: Session, caption: str, since: datetime, doubt: str, fallback: str) -> str:
    """The id of the account's one media since ``since`` with exactly this caption. Found
    published but not told apart: ``fallback`` (the container) when given, else in doubt."""
    try:
        found = [str(item["id"]) for item in matches(session, caption, since)] if caption else []
    except ProviderError as exc:  # the post is out: nothing here may read "not out"
        why = f"finding its media failed ({exc})"
    else:
        if len(found) == 1:
            return found[0]
        why = f"{len(found)} posts since then have its caption, so its media cannot be told"
    if fallback:
        return fallback
    raise OutcomeUnknown(f"{doubt}; Instagram says it went out, but {why}")


def matches(session: Session, caption: str, since: datetime) -> list[dict[str, Any]]:
    """The account's media since ``since`` whose caption is exactly ``caption``. The listing
    is newest first and has no time filter: it is read until it is older than ``since``."""
    found = []
    for item in listing.pages(
        session,
        f"{session.user}/media",
        "Instagram list media",
        fields="id,caption,timestamp,permalink",
    ):
        when = listing.when_of(item.get("timestamp"))
        if when is not None and when < since:
            break
        if listing.same_text(item.get("caption"), caption):
            found.append(item)
    return found


def permalink(session: Session, media: str, username: str) -> str | None:
    """The post's link; the profile's when Meta will not say (or ``media`` is a container)."""
    try:
        found = session.get(media, "Instagram permalink", fields="permalink").get("permalink")
    except ProviderError:  # out and recorded: a link is not worth an error
        found = None
    if isinstance(found, str) and found.startswith("https://"):
        return found
    return f"{WEB}/{username}/" if username else None


def username(session: Session) -> str:
    """The account's username, or "" when it cannot be read now."""
    try:
        found = session.get(session.user, "Instagram whoami", fields="id,username")
    except ProviderError:
        return ""
    name = found.get("username")
    return name if isinstance(name, str) else ""


def check_quota(session: Session) -> None:
    """Refuse before making anything when the day's publishing limit is used up."""
    containers.check_quota(session, FLAVOUR)


# -- containers ------------------------------------------------------------------------


def _create(session: Session, part: OutgoingPart) -> str:
    for media in part.media:
        _url(media)  # every URL checked before anything is made
    op = "Instagram create container"
    caption = {"caption": part.text} if part.text else {}
    if len(part.media) == 1:
        return containers.make(session, FLAVOUR, op, **_fields(part.media[0], False), **caption)
    children = []
    for media in part.media:
        child = containers.make(
            session, FLAVOUR, "Instagram create carousel item", **_fields(media, True)
        )
        containers.wait(session, FLAVOUR, child)  # a carousel takes processed items only
        children.append(child)
    together = ",".join(children)
    return containers.make(
        session, FLAVOUR, op, media_type="CAROUSEL", children=together, **caption
    )


def _fields(media: OutgoingMedia, item: bool) -> dict[str, str]:
    url = _url(media)
    if media.mime in VIDEO_TYPES:
        # A single video is a Reel (Meta publishes every feed video so since July 2023).
        fields = {"media_type": "VIDEO" if item else "REELS", "video_url": url}
    elif media.mime == "image/jpeg":
        fields = {"image_url": url}
        if media.alt.strip() and not item:
            # Meta documents alt_text for image posts; for carousel items it does not say.
            fields["alt_text"] = media.alt
    else:
        raise Rejected(f"Instagram takes JPEG images and videos; {media.path} is {media.mime}")
    if item:
        fields["is_carousel_item"] = "true"
    return fields


def _url(media: OutgoingMedia) -> str:
    if not media.url:
        raise Rejected(
            f"Instagram fetches media from a public URL and {media.path} has none: set "
            "`media_base_url:` in socialgit.yml to where this repository's files are served"
        )
    return media.url
