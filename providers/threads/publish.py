"""Publishing on Threads: a container, its status, then ``threads_publish`` — exactly once.

Publishing is not idempotent and Threads keeps nothing of our delivery key. What makes an
unanswered publish decidable is the container: Meta publishes a container at most once and
reports ``PUBLISHED`` on it afterwards. So when ``threads_publish`` gets no clear answer, we
ask the container: ``PUBLISHED`` proves the part went out (its media id is then found among
the account's own posts or replies since just before the container was made, matched
exactly by text, and only if exactly one matches); ``FINISHED`` proves it did not, and the
same container may be published once more; anything else is ``OutcomeUnknown``.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.base import VIDEO_TYPES, OutgoingMedia, OutgoingPart
from providers.meta import graph as _threads_graph
from socialgit.errors import (
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account

# Seconds to wait before each status check: quick for text and images, about two minutes in
# all for videos (Meta suggests checking once a minute for up to five; a cron run should not
# sit that long, and an unfinished container is simply made again next run).
POLL_WAITS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 10.0, 15.0, 15.0, 20.0, 30.0)
SLEEP: Callable[[float], None] = time.sleep
# Clock difference we allow between this machine and Meta when matching by time.
SLACK = timedelta(minutes=5)
MAX_PAGES = 10
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S%z"


@dataclass(frozen=True)
class Session:
    client: httpx.Client
    account: Account
    token: str
    user: str

    def get(self, path: str, op: str, **params: str) -> dict[str, Any]:
        return _threads_graph.call(
            self.client,
            self.account,
            "GET",
            _threads_graph.api(self.account, path),
            token=self.token,
            op=op,
            params=params,
        )

    def post(self, path: str, op: str, *, sent: bool, **data: str) -> dict[str, Any]:
        return _threads_graph.call(
            self.client,
            self.account,
            "POST",
            _threads_graph.api(self.account, path),
            token=self.token,
            op=op,
            sent=sent,
            data=data,
        )


def publish_part(session: Session, part: OutgoingPart, reply_to: str | None) -> str:
    """Publish one part (a reply to ``reply_to`` when given); its media id."""
    since = _http.now() - SLACK
    container = _create(session, part, reply_to)
    _wait(session, container)
    return _publish(session, container, part.text, reply_to, since)


def check_quota(session: Session) -> None:
    """Refuse before making anything when the 250-posts-a-day quota is used up (Meta asks
    apps to enforce it themselves). A check that cannot be made is left to the publish."""
    try:
        quota = _quota(session)
    except (Transient, OutcomeUnknown, Rejected):
        return
    if quota is not None and quota[0] >= quota[1]:
        raise RateLimited(_quota_words(quota))


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
        items = _pages(
            session,
            f"{session.user}/threads",
            "Threads list posts",
            fields="id,text,timestamp",
            since=str(int(since.timestamp())),
            limit="100",
        )
    else:
        items = _pages(
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
        when = _when(item.get("timestamp"))
        if when is None or when < since or not same_text(item.get("text"), text):
            continue
        found.append(str(item.get("id")))
    return found


def same_text(got: object, want: str) -> bool:
    return isinstance(got, str) and bool(want.strip()) and _norm(got) == _norm(want)


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
        return _id(
            session.post(f"{session.user}/threads", op, sent=False, media_type="TEXT", **top)
        )
    if len(part.media) == 1:
        fields = {**_media_fields(part.media[0]), **top}
        return _id(session.post(f"{session.user}/threads", op, sent=False, **fields))
    children = []
    for media in part.media:
        child = session.post(
            f"{session.user}/threads",
            "Threads create carousel item",
            sent=False,
            is_carousel_item="true",
            **_media_fields(media),
        )
        children.append(_id(child))
        if media.mime in VIDEO_TYPES:
            _wait(session, children[-1])
    return _id(
        session.post(
            f"{session.user}/threads",
            op,
            sent=False,
            media_type="CAROUSEL",
            children=",".join(children),
            **top,
        )
    )


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


def _wait(session: Session, container: str) -> None:
    said = ""
    for wait in POLL_WAITS:
        if wait:
            SLEEP(wait)
        answer = session.get(container, "Threads container status", fields="status,error_message")
        status = answer.get("status")
        said = str(answer.get("error_message") or "")
        if status in {"FINISHED", "PUBLISHED"}:
            return
        if status == "ERROR":
            raise Rejected(
                f"Threads could not take this part ({said or 'ERROR'}): check that its media "
                "is publicly reachable at its URL and of a kind Threads accepts"
            )
        if status == "EXPIRED":
            raise Transient("Threads let the container expire before publishing; will retry")
        if status != "IN_PROGRESS":
            raise Transient(f"Threads container status {status!r}; will retry")
    waited = int(sum(POLL_WAITS))
    raise Transient(f"Threads was still processing the media after {waited} s; will retry")


# -- publishing ------------------------------------------------------------------------


def _publish(
    session: Session, container: str, text: str, reply_to: str | None, since: datetime
) -> str:
    op = "Threads publish"
    doubt = ""
    for attempt in (1, 2):
        try:
            answer = session.post(
                f"{session.user}/threads_publish", op, sent=True, creation_id=container
            )
        except RateLimited as exc:
            raise _quota_error(session, exc) from None
        except (OutcomeUnknown, Transient) as exc:
            doubt = str(exc)
        else:
            media = answer.get("id")
            if isinstance(media, str | int) and str(media):
                return str(media)
            doubt = f"{op}: no media id came back"
        status = _status(session, container)
        if status == "PUBLISHED":
            return _published_id(session, doubt, text, reply_to, since)
        if status == "FINISHED" and attempt == 1:
            continue  # not out: a container goes out at most once, so trying again is safe
        if status in {"FINISHED", "ERROR", "EXPIRED"}:
            raise Transient(f"{doubt}; Threads says it did not go out ({status}); will retry")
        raise OutcomeUnknown(f"{doubt}; it may have gone out")
    raise AssertionError("unreachable: the second attempt always returns or raises")


def _published_id(
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


def _status(session: Session, container: str) -> str | None:
    """The container's status, asked twice at most; None: cannot tell."""
    for wait in (0.0, 2.0):
        if wait:
            SLEEP(wait)
        try:
            found = session.get(container, "Threads container status", fields="status")
        except (Transient, OutcomeUnknown, RateLimited):
            continue
        except ProviderError:  # refused, or the token expired: still in doubt, not "not out"
            return None
        status = found.get("status")
        return status if isinstance(status, str) else None
    return None


def _quota(session: Session) -> tuple[int, int] | None:
    answer = session.get(
        f"{session.user}/threads_publishing_limit",
        "Threads publishing limit",
        fields="quota_usage,config",
    )
    data = answer.get("data")
    entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    used = entry.get("quota_usage")
    config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
    total = config.get("quota_total") if isinstance(config, dict) else None
    if isinstance(used, int) and isinstance(total, int):
        return used, total
    return None


def _quota_error(session: Session, limited: RateLimited) -> RateLimited:
    try:
        quota = _quota(session)
    except (Transient, OutcomeUnknown, Rejected, RateLimited):
        quota = None
    if quota is not None and quota[0] >= quota[1]:
        return RateLimited(_quota_words(quota), until=limited.until)
    return limited


def _quota_words(quota: tuple[int, int]) -> str:
    return (
        f"Threads publishing quota used up: {quota[0]} of {quota[1]} posts in the last 24 "
        "hours; the post waits until older ones leave the 24-hour window"
    )


# -- helpers ---------------------------------------------------------------------------


def _pages(session: Session, path: str, op: str, **params: str) -> Iterator[dict[str, Any]]:
    after = None
    for _ in range(MAX_PAGES):
        answer = session.get(path, op, **params, **({"after": after} if after else {}))
        data = answer.get("data")
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict):
                yield item
        paging = answer.get("paging") if isinstance(answer.get("paging"), dict) else {}
        cursors = paging.get("cursors") if isinstance(paging, dict) else None
        after = cursors.get("after") if isinstance(cursors, dict) else None
        if not after or not isinstance(paging, dict) or not paging.get("next"):
            return
    raise OutcomeUnknown(f"{op}: more than {MAX_PAGES} pages to search; cannot tell")


def _when(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, _TIMESTAMP)
    except ValueError:
        return None


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()


def _id(answer: dict[str, Any]) -> str:
    ident = answer.get("id")
    if not isinstance(ident, str | int) or not str(ident):
        raise Transient("Threads made a container but gave no id; will retry")
    return str(ident)
