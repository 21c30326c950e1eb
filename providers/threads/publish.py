"""Publishing on Threads: a container, its status, then ``threads_publish`` — exactly once.

The flow is Meta's container flow (``providers/meta/containers.py``): the container's id is
recorded before it is published, and a publish without a clear answer asks the container.
``PUBLISHED`` proves the part went out; its media id is then found among the account's own
posts or replies since just before the container was made, matched exactly by text, and
only if exactly one matches. This module holds what is Threads' own: the containers' fields
(text, replies, images, videos, carousels) and that matching.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from providers import _http
from providers.base import VIDEO_TYPES, OutgoingMedia, OutgoingPart
from providers.meta import containers, listing
from providers.meta.graph import Session
from providers.threads.auth import THREADS
from socialgit.errors import OutcomeUnknown, ProviderError, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account

SLEEP: Callable[[float], None] = time.sleep
# Clock difference we allow between this machine and Meta when matching by time.
SLACK = timedelta(minutes=5)
FLAVOUR = containers.Flavour(
    create="threads",
    publish="threads_publish",
    publish_op="Threads publish",
    status="status",
    said="error_message",
    quota="threads_publishing_limit",
)


def session(client: httpx.Client, account: Account, token: str, user: str) -> Session:
    # SLEEP is looked up at each wait, so tests can replace it.
    return Session(client, account, THREADS, token, user, sleep=lambda s: SLEEP(s))


def publish_part(
    session: Session,
    part: OutgoingPart,
    reply_to: str | None,
    pending: str = "",
    on_pending: Callable[[str], None] = lambda _: None,
    since: datetime | None = None,
) -> str:
    """Publish one part (a reply to ``reply_to`` when given); its media id. ``pending``: the
    container an earlier attempt recorded for it; ``since``: when that attempt began."""
    start = since or _http.now() - SLACK

    def find(doubt: str) -> str:
        return published_id(session, doubt, part.text, reply_to, start)

    return containers.publish_part(
        session, FLAVOUR, pending, on_pending, lambda: _create(session, part, reply_to), find
    )


def check_quota(session: Session) -> None:
    """Refuse before making anything when the 250-posts-a-day quota is used up."""
    containers.check_quota(session, FLAVOUR)


def permalink(session: Session, media: str) -> str | None:
    """The public link, or None (Meta omits it for flagged media; a failure here must not
    turn a published post into an error)."""
    try:
        found = session.get(media, "Threads permalink", fields="permalink").get("permalink")
    except ProviderError:  # an expired token too: the parts are out and recorded
        return None
    return found if isinstance(found, str) and found.startswith("https://") else None


def matches(session: Session, text: str, reply_to: str | None, since: datetime) -> list[str]:
    """Ids of the account's own posts (or own replies to ``reply_to``) made since ``since``
    whose text is exactly ``text``."""
    if reply_to is None:
        items = listing.pages(
            session,
            f"{session.user}/threads",
            "Threads list posts",
            fields="id,text,timestamp",
            since=str(int(since.timestamp())),
            limit="100",
        )
    else:
        items = listing.pages(
            session,
            f"{reply_to}/replies",
            "Threads list replies",
            fields="id,text,timestamp,is_reply_owned_by_me",
            reverse="false",
        )
    found = []
    for item in items:
        if reply_to is not None and item.get("is_reply_owned_by_me") is not True:
            continue
        when = listing.when_of(item.get("timestamp"))
        if when is None or when < since or not listing.same_text(item.get("text"), text):
            continue
        found.append(str(item.get("id")))
    return found


# -- containers ------------------------------------------------------------------------


def _create(session: Session, part: OutgoingPart, reply_to: str | None) -> str:
    for media in part.media:
        _media_url(media)  # every URL checked before anything is made
    op = "Threads create container"
    top: dict[str, str] = {}
    if part.text:
        top["text"] = part.text
    if reply_to:
        top["reply_to_id"] = reply_to
    if not part.media:
        if not part.text.strip():
            raise Rejected("a Threads post needs text or media; this part has neither")
        return containers.make(session, FLAVOUR, op, media_type="TEXT", **top)
    if len(part.media) == 1:
        return containers.make(session, FLAVOUR, op, **_media_fields(part.media[0]), **top)
    children = []
    for media in part.media:
        children.append(
            containers.make(
                session,
                FLAVOUR,
                "Threads create carousel item",
                is_carousel_item="true",
                **_media_fields(media),
            )
        )
        if media.mime in VIDEO_TYPES:
            containers.wait(session, FLAVOUR, children[-1])
    together = ",".join(children)
    return containers.make(session, FLAVOUR, op, media_type="CAROUSEL", children=together, **top)


def _media_fields(media: OutgoingMedia) -> dict[str, str]:
    url = _media_url(media)
    if media.mime in VIDEO_TYPES:
        fields = {"media_type": "VIDEO", "video_url": url}
    elif media.mime.startswith("image/"):
        fields = {"media_type": "IMAGE", "image_url": url}
    else:
        raise Rejected(f"Threads takes images and videos; {media.path} is {media.mime}")
    if media.alt.strip():
        fields["alt_text"] = media.alt
    return fields


def _media_url(media: OutgoingMedia) -> str:
    if not media.url:
        raise Rejected(
            f"Threads fetches media from a public URL and {media.path} has none: set "
            "`media_base_url:` in socialgit.yml to where this repository's files are served"
        )
    return media.url


def published_id(
    session: Session, doubt: str, text: str, reply_to: str | None, since: datetime
) -> str:
    # The part is out: every failure from here on must read "in doubt". A Transient or an
    # AuthExpired would have the runner post it again.
    try:
        found = matches(session, text, reply_to, since) if text.strip() else []
    except ProviderError as exc:
        failure = f"finding its id failed ({exc})"
    else:
        if len(found) == 1:
            return found[0]
        failure = f"{len(found)} posts match its text, so its id cannot be told"
    raise OutcomeUnknown(f"{doubt}; Threads says it went out, but {failure}")
