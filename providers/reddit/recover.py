"""Finding a Reddit post in doubt among the account's own: ``/user/{name}/submitted`` and
``/user/{name}/comments`` (scope ``history``), newest first (``sort=new``), 100 a page.

Reddit keeps no idempotency key, so the evidence is the listing, read through
``providers/_scan.py``: the post is this delivery's when it is in this subreddit with
exactly this title, link and text, as many images, created at or after the occurrence,
and alone; a comment when it answers the part before with exactly this text. Texts are
read with ``raw_json=1`` (without it Reddit answers ``&``, ``<`` and ``>`` escaped).

A post found by title and time that does not match in the rest (a link or text Reddit
rewrote, a flair moderators changed the title with) is never taken for absence: it goes to
a person, with its link. Comments are read only when the post is found; a thread whose
comments run past what is read stays a doubt rather than have parts sent twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from providers import _scan
from providers.reddit import api
from providers.reddit import media as _media
from socialgit.errors import OutcomeUnknown

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Outgoing
    from socialgit.model import Account

PAGE = 100  # the most a Reddit listing gives at once
PAGES = 5


def post_link(subreddit: str, fullname: str) -> str:
    return f"https://www.reddit.com/r/{subreddit}/comments/{fullname.removeprefix('t3_')}/"


def tag(subreddit: str, title: object, link: object) -> str:
    """What must match on the post besides its text: where, the title, the link."""
    words = [value if isinstance(value, str) else "" for value in (title, link)]
    return "\n".join([subreddit.lower(), *words])


def listing(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    where: str,
    since: datetime,
) -> tuple[list[dict[str, Any]], bool]:
    """The account's items of ``where`` (``submitted``, ``comments``) back to ``since``,
    and whether the list was read that far."""
    username = account.settings.get("username")
    found: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(PAGES):
        params = {"sort": "new", "limit": str(PAGE), "raw_json": "1"}
        if after:
            params["after"] = after
        answer = api.call(
            client,
            account,
            credentials,
            "GET",
            f"/user/{username}/{where}",
            op=f"Reddit look-up ({where})",
            params=params,
        )
        data = answer.get("data")
        children = data.get("children") if isinstance(data, dict) else None
        if not isinstance(children, list):
            # An unreadable page is not an empty listing: taking it for one would resend.
            raise OutcomeUnknown(f"Reddit look-up ({where}): unreadable answer; cannot tell")
        items = [
            c["data"] for c in children if isinstance(c, dict) and isinstance(c.get("data"), dict)
        ]
        found.extend(items)
        following = data.get("after") if isinstance(data, dict) else None
        if not items or not isinstance(following, str) or not following:
            return found, True
        if _created(items[-1]) < since:
            return found, True
        after = following
    return found, False


def _created(item: dict[str, Any]) -> datetime:
    stamp = item.get("created_utc")
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(stamp, UTC)
    return datetime.now(UTC)  # no readable time: taken as recent, so it may be ours


def submission(item: dict[str, Any], subreddit: str) -> _scan.Seen:
    name = str(item.get("name") or f"t3_{item.get('id')}")
    kind_link = not item.get("is_self") and not _media.images(item)
    text = item.get("selftext")
    return _scan.Seen(
        id=name,
        text=text if isinstance(text, str) else "",
        parent=None,
        created=_created(item),
        media=_media.images(item),
        url=post_link(str(item.get("subreddit") or subreddit), name),
        tag=tag(
            str(item.get("subreddit") or ""),
            item.get("title"),
            item.get("url") if kind_link else "",
        ),
    )


def comment(item: dict[str, Any]) -> _scan.Seen:
    permalink = item.get("permalink")
    body = item.get("body")
    return _scan.Seen(
        id=str(item.get("name") or f"t1_{item.get('id')}"),
        text=body if isinstance(body, str) else "",
        parent=str(item.get("parent_id") or "") or None,
        created=_created(item),
        url=f"https://www.reddit.com{permalink}" if isinstance(permalink, str) else None,
    )


def find(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> list[_scan.Seen]:
    """The leading parts of ``outgoing`` on the account ([] when none is), or
    ``OutcomeUnknown`` when the listings cannot tell."""
    subreddit = str(account.settings.get("subreddit") or "")
    username = account.settings.get("username")
    where = f"u/{username}'s posts in r/{subreddit}"
    since = _scan.since(outgoing)
    posts, complete = listing(client, account, credentials, "submitted", since)
    seen = [
        submission(p, subreddit)
        for p in posts
        if str(p.get("subreddit", "")).lower() == subreddit.lower()
    ]
    expected = tag(subreddit, outgoing.keys.get("title"), outgoing.keys.get("link"))
    head = _scan.chain(seen, _first(outgoing), where=where, complete=complete, tag=expected)
    if not head:
        _nothing_alike(seen, outgoing, where)
        return []
    if len(outgoing.parts) == 1:
        return head
    replies, read_all = listing(client, account, credentials, "comments", since)
    found = _scan.chain(
        [*seen, *(comment(c) for c in replies)], outgoing, where=where, complete=True, tag=expected
    )
    if len(found) < len(outgoing.parts) and not read_all:
        raise OutcomeUnknown(
            f"{outgoing.post}: its post is on Reddit ({head[0].url}) and u/{username} has "
            "commented more since than socialgit reads back; cannot tell which parts are out"
        )
    return found


def _first(outgoing: Outgoing) -> Outgoing:
    from dataclasses import replace

    return replace(outgoing, parts=outgoing.parts[:1], done=outgoing.done[:1])


def _nothing_alike(seen: list[_scan.Seen], outgoing: Outgoing, where: str) -> None:
    """Found by title and time, not matching in the rest: a person decides."""
    title = outgoing.keys.get("title")
    alike = [
        item
        for item in seen
        if item.created >= _scan.since(outgoing) and item.tag.split("\n")[1] == title
    ]
    if alike:
        raise OutcomeUnknown(
            f"{outgoing.post}: a post with this title in {where.split(' in ')[-1]} since it was "
            f"due ({alike[0].url}) does not match it exactly; cannot tell whether it is this "
            "delivery"
        )
