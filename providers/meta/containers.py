"""Meta's container flow, as Threads and Instagram publish: make a container, wait until Meta
has processed it, publish it — exactly once.

Publishing is not idempotent and Meta keeps nothing of our delivery key. What makes it
decidable is the container: Meta publishes a container at most once and reports
``PUBLISHED`` on it afterwards. So:

- the container's id goes to ``Outgoing.on_pending`` *before* it is published, so a rerun
  (after a lost answer, a refresh, a retry) asks that container instead of making another;
- when a publish gets no clear answer — or any error, since Meta has answered a rate limit
  after the post went live — the container is asked: ``PUBLISHED`` proves the part went
  out (its media id is then found by the product's ``find``), ``FINISHED`` proves it did
  not and the same container may be published once more; anything else is in doubt.

A product describes its edges and fields in :class:`Flavour`; messages name it as its
users do ("Threads", "Instagram"), from the session's ``graph.Product``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from providers.meta.graph import Session
from socialgit.errors import (
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)

# Seconds to wait before each status check: quick for text and images, about two minutes in
# all for videos (Meta suggests checking once a minute for up to five; a cron run should not
# sit that long, and an unfinished container is simply waited for again next run).
POLL_WAITS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 10.0, 15.0, 15.0, 20.0, 30.0)
MAX_PAGES = 10
# Container states after which nothing of it is public and it cannot be published: a rerun
# makes a new one.
DEAD = frozenset({"ERROR", "EXPIRED"})


@dataclass(frozen=True)
class Flavour:
    """How one product names the container flow's edges and fields."""

    create: str  # POST /{user}/<create>: make a container ("threads", "media")
    publish: str  # POST /{user}/<publish>: publish one ("threads_publish", "media_publish")
    publish_op: str  # how a person calls that step ("Threads publish")
    status: str  # the container's state field ("status", "status_code")
    said: str  # the container's field explaining an ERROR ("error_message", "status")
    quota: str  # GET /{user}/<quota>: the publishing limit edge


# A product's way to tell the media id of a container found PUBLISHED; ``doubt`` says what
# went unanswered. It raises OutcomeUnknown when it cannot tell.
Find = Callable[[str], str]


def publish_part(
    session: Session, flavour: Flavour, pending: str, on_pending: Callable[[str], None],
    make: Callable[[], str], find: Find,
) -> str:  # fmt: skip
    """One part out through its container; its media id. ``pending``: the container an
    earlier attempt recorded for this part; ``make`` makes a new one when there is none or it
    died; ``find`` tells the media id of a container that is found published."""
    container = ""
    if pending:
        status = resume(session, flavour, pending)
        if status == "PUBLISHED":
            return find(f"{session.title} had published container {pending} earlier")
        if status not in DEAD:
            container = pending
    if not container:
        container = make()
        on_pending(container)  # recorded before anything can publish it
    wait(session, flavour, container)
    return publish(session, flavour, container, find)


def resume(session: Session, flavour: Flavour, container: str) -> str:
    """The state of a container an earlier attempt recorded. Raises ``Transient`` when Meta
    cannot be asked now, ``OutcomeUnknown`` when it no longer knows the container (whether it
    went out is then for a person)."""
    op = f"{session.title} container status"
    try:
        found = session.get(container, op, fields=flavour.status)
    except Rejected as exc:
        gone = str(exc)
    else:
        status = found.get(flavour.status)
        if not isinstance(status, str) or not status:
            raise Transient(f"{op}: no state in the answer; will retry")
        return status
    # Outside the handler: nothing chains back to the request.
    raise OutcomeUnknown(
        f"{gone}; the container {container} recorded for this part cannot be asked whether "
        "it went out"
    )


def wait(session: Session, flavour: Flavour, container: str) -> None:
    """Until Meta has processed the container (FINISHED, or already PUBLISHED)."""
    title = session.title
    said = ""
    for pause in POLL_WAITS:
        if pause:
            session.sleep(pause)
        answer = session.get(
            container, f"{title} container status", fields=f"{flavour.status},{flavour.said}"
        )
        status = answer.get(flavour.status)
        said = str(answer.get(flavour.said) or "")
        if status in {"FINISHED", "PUBLISHED"}:
            return
        if status == "ERROR":
            raise Rejected(
                f"{title} could not take this part ({said or 'ERROR'}): check that its media "
                f"is publicly reachable at its URL and of a kind {title} accepts"
            )
        if status == "EXPIRED":
            raise Transient(f"{title} let the container expire before publishing; will retry")
        if status != "IN_PROGRESS":
            raise Transient(f"{title} container status {status!r}; will retry")
    waited = int(sum(POLL_WAITS))
    raise Transient(f"{title} was still processing the media after {waited} s; will retry")


def publish(session: Session, flavour: Flavour, container: str, find: Find) -> str:
    """Publish a processed container once; its media id (see the module's docstring)."""
    op = flavour.publish_op
    title = session.title
    path = f"{session.user}/{flavour.publish}"
    doubt = ""
    for attempt in (1, 2):
        refused: ProviderError | None = None
        try:
            answer = session.post(path, op, sent=True, creation_id=container)
        except (OutcomeUnknown, Transient) as exc:
            doubt = str(exc)
        except (RateLimited, Rejected) as exc:
            refused, doubt = exc, str(exc)  # Meta has said "limit" after publishing
        else:
            media = answer.get("id")
            if isinstance(media, str | int) and str(media):
                return str(media)
            doubt = f"{op}: no media id came back"
        status = state(session, flavour, container)
        if status == "PUBLISHED":
            return find(doubt)
        if refused is not None:
            if isinstance(refused, RateLimited):
                raise _quota_error(session, flavour, refused)
            raise refused
        if status == "FINISHED" and attempt == 1:
            continue  # not out: a container goes out at most once, so trying again is safe
        if status in {"FINISHED", "ERROR", "EXPIRED"}:
            raise Transient(f"{doubt}; {title} says it did not go out ({status}); will retry")
        raise OutcomeUnknown(f"{doubt}; it may have gone out")
    raise AssertionError("unreachable: the second attempt always returns or raises")


def state(session: Session, flavour: Flavour, container: str) -> str | None:
    """The container's state, asked twice at most; None: cannot tell."""
    field = flavour.status
    for pause in (0.0, 2.0):
        if pause:
            session.sleep(pause)
        try:
            found = session.get(container, f"{session.title} container status", fields=field)
        except (Transient, OutcomeUnknown, RateLimited):
            continue
        except ProviderError:  # refused, or the token expired: still in doubt, not "not out"
            return None
        status = found.get(field)
        return status if isinstance(status, str) else None
    return None


# -- the daily publishing quota --------------------------------------------------------


def check_quota(session: Session, flavour: Flavour) -> None:
    """Refuse before making anything when the day's publishing quota is used up (Meta asks
    apps to enforce it themselves). A check that cannot be made is left to the publish."""
    try:
        quota = read_quota(session, flavour)
    except (Transient, OutcomeUnknown, Rejected):
        return
    if quota is not None and quota[0] >= quota[1]:
        raise RateLimited(quota_words(session, quota))


def read_quota(session: Session, flavour: Flavour) -> tuple[int, int] | None:
    """(posts published in the last 24 hours, the most allowed), as Meta counts them."""
    answer = session.get(
        f"{session.user}/{flavour.quota}",
        f"{session.title} publishing limit",
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


def _quota_error(session: Session, flavour: Flavour, limited: RateLimited) -> RateLimited:
    try:
        quota = read_quota(session, flavour)
    except (Transient, OutcomeUnknown, Rejected, RateLimited):
        quota = None
    if quota is not None and quota[0] >= quota[1]:
        return RateLimited(quota_words(session, quota), until=limited.until)
    return limited


def quota_words(session: Session, quota: tuple[int, int]) -> str:
    return (
        f"{session.title} publishing quota used up: {quota[0]} of {quota[1]} posts in the last "
        "24 hours; the post waits until older ones leave the 24-hour window"
    )


# -- helpers ---------------------------------------------------------------------------


def make(session: Session, flavour: Flavour, op: str, **fields: str) -> str:
    """A new container (or carousel item); its id."""
    answer = session.post(f"{session.user}/{flavour.create}", op, sent=False, **fields)
    return ident(answer, f"{session.title} made a container")


def ident(answer: dict[str, Any], what: str) -> str:
    """The ``id`` of what ``what`` says was made (a container, an unpublished photo)."""
    found = answer.get("id")
    if not isinstance(found, str | int) or not str(found):
        raise Transient(f"{what} but gave no id; will retry")
    return str(found)
