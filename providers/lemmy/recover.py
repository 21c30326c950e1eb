"""Who the Lemmy account is, and finding a delivery in doubt among its posts and comments.

``GET /api/v3/user?username=…&community_id=…&sort=New`` lists the person's own posts and
comments in the community, newest first, 50 of each a page. The post is part 1 when its
title is the post's ``title:``, its body the first part's text; each comment is the next
part when it answers the part before (a comment's ``path`` is ``0.<parent>.<id>``; a
top-level one answers the post). Image lines (``![alt](url)``) are left out of the texts and
counted as attachments, with a post whose URL is an image on the instance's pict-rs: an
upload gets a new name every time, so its address proves nothing. The rules of evidence
are ``providers._scan``'s: exactly what was sent, at or after the occurrence, alone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from providers import _scan
from providers.lemmy import api
from socialgit.errors import AuthExpired, OutcomeUnknown

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials, Outgoing, Receipt
    from socialgit.model import Account

PAGE = 50  # Lemmy's largest page
MAX_PAGES = 4
_IMAGE = re.compile(r"^[ \t]*!\[(?:[^\]\\]|\\.)*\]\([^)\s]+\)[ \t]*$", re.M)


def me(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, Any]:
    """The logged-in person (``GET /api/v3/site``'s ``my_user``)."""
    op = "Lemmy site"
    answer = api.body(
        api.call(client, account, credentials, "GET", "/api/v3/site", op=op, sent=False),
        op,
        sent=False,
    )
    mine = answer.get("my_user")
    view = mine.get("local_user_view") if isinstance(mine, dict) else None
    person = view.get("person") if isinstance(view, dict) else None
    if not isinstance(person, dict) or not person.get("name"):
        raise AuthExpired(f"{op}: {api.host(account)} does not take the login token")
    return person


def find(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    person = me(client, account, credentials)
    community = api.community(client, account, credentials)
    seen, complete = _history(
        client, account, credentials, str(person["name"]), community, outgoing
    )
    title = outgoing.keys.get("title")
    where = f"@{person['name']}@{api.host(account)} in {account.settings.get('community')}"
    found = _scan.chain(
        seen,
        outgoing,
        where=where,
        complete=complete,
        tag=title.strip() if isinstance(title, str) else "",
    )
    return _scan.receipt(found)


def _history(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    name: str,
    community: int,
    outgoing: Outgoing,
) -> tuple[list[_scan.Seen], bool]:
    op = "Lemmy look-up"
    since = _scan.since(outgoing)
    base = api.base(account)
    seen: list[_scan.Seen] = []
    for page in range(1, MAX_PAGES + 1):
        params: dict[str, str | int] = {
            "username": name, "community_id": community, "sort": "New", "limit": PAGE,
            "page": page,
        }  # fmt: skip
        answer = api.body(
            api.call(
                client, account, credentials, "GET", "/api/v3/user", op=op, sent=False,
                params=params,
            ),
            op, sent=False,
        )  # fmt: skip
        posts, comments = answer.get("posts"), answer.get("comments")
        if not isinstance(posts, list) or not isinstance(comments, list):
            raise OutcomeUnknown(f"{op}: unreadable list of posts and comments")
        items = [_post(v, community, base) for v in posts] + [_comment(v) for v in comments]
        found = [item for item in items if item is not None]
        seen.extend(item for item in found if item.created >= since)
        full = len(posts) >= PAGE or len(comments) >= PAGE
        if not full or all(item.created < since for item in found):
            return seen, True
    return seen, False


def _post(view: object, community: int, base: str) -> _scan.Seen | None:
    post = view.get("post") if isinstance(view, dict) else None
    if not isinstance(post, dict) or not isinstance(post.get("id"), int):
        return None
    if post.get("community_id") not in (None, community):
        return None
    text, images = _split(post.get("body"))
    url = post.get("url")
    hosted = isinstance(url, str) and url.startswith(f"{base}/pictrs/image/")
    return _scan.Seen(
        id=str(post["id"]),
        text=text,
        parent=None,
        created=_time(post.get("published")),
        media=images + (1 if hosted else 0),
        url=f"{base}/post/{post['id']}",
        tag=str(post.get("name") or "").strip(),
    )


def _comment(view: object) -> _scan.Seen | None:
    comment = view.get("comment") if isinstance(view, dict) else None
    if not isinstance(comment, dict) or not isinstance(comment.get("id"), int):
        return None
    path = str(comment.get("path") or "").split(".")
    parent = path[-2] if len(path) > 2 else str(comment.get("post_id"))
    text, images = _split(comment.get("content"))
    link = comment.get("ap_id")
    return _scan.Seen(
        id=str(comment["id"]),
        text=text,
        parent=parent,
        created=_time(comment.get("published")),
        media=images,
        url=link if isinstance(link, str) else None,
    )


def _split(text: object) -> tuple[str, int]:
    """The text without its image lines, and how many there were."""
    value = text if isinstance(text, str) else ""
    return _IMAGE.sub("", value), len(_IMAGE.findall(value))


def _time(value: object) -> datetime:
    return _scan.when(value) or datetime.max.replace(tzinfo=UTC)  # unreadable: a candidate
