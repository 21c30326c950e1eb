"""Finding this delivery's post on a Ghost site.

Ghost takes no idempotency key, and a second create with a slug in use silently becomes
``slug-2``. Every post socialgit makes therefore carries the delivery key in its footer code
injection (``codeinjection_foot``: an HTML comment, ``<!-- socialgit:KEY -->``, which Ghost
stores as given and prints into the page's source only). A post carrying it is this
delivery, whatever its slug or status became since; no other post is.

The Admin API lists every post, drafts and scheduled ones included, newest first by
``created_at``: the posts made since the occurrence (less a margin for clocks) read to their
end, none carrying the key, prove that nothing went out.
"""

from __future__ import annotations

from typing import Any

from providers import _articles, _scan
from providers.base import Receipt
from providers.ghost.api import Session
from socialgit.errors import OutcomeUnknown

PAGE = 50
PAGES = 20  # posts made since the occurrence read at most: 1,000


def receipt(post: dict[str, Any]) -> Receipt:
    return _articles.receipt(post["id"], post.get("url"))


def ours(post: dict[str, Any], key: str) -> bool:
    foot = post.get("codeinjection_foot")
    return isinstance(foot, str) and _articles.marker(key) in foot


def by_slug(session: Session, slug: str) -> dict[str, Any] | None:
    """The post that holds ``slug`` (any status), or None."""
    response = session.call("GET", f"posts/slug/{slug}/", "read post by slug", ok=(404,))
    if response.status_code == 404:
        return None
    return _first(session, response)


def by_id(session: Session, ident: str) -> dict[str, Any] | None:
    response = session.call("GET", f"posts/{ident}/", "read post", ok=(404,))
    return None if response.status_code == 404 else _first(session, response)


def _first(session: Session, response: Any) -> dict[str, Any] | None:
    from providers import _http

    body = _http.json_object(response, f"Ghost read post ({session.account.name})", sent=False)
    posts = body.get("posts")
    post = posts[0] if isinstance(posts, list) and posts else None
    return post if isinstance(post, dict) and "id" in post else None


def find(session: Session, key: str, since: Any) -> dict[str, Any] | None:
    """The post carrying ``key`` among those made since ``since``; None when the site has
    none (every post since read); ``OutcomeUnknown`` when there were more than are read."""
    for page in range(1, PAGES + 1):
        body = session.read("posts/", "list posts", order="created_at desc", limit=PAGE, page=page)
        posts = [p for p in body.get("posts") or () if isinstance(p, dict) and "id" in p]
        for post in posts:
            if ours(post, key):
                return post
        made = [_scan.when(p.get("created_at")) for p in posts]
        older = any(when is not None and when < since for when in made)
        pagination = (body.get("meta") or {}).get("pagination") or {}
        if older or not posts or not pagination.get("next"):
            return None
    raise OutcomeUnknown(
        f"Ghost ({session.account.name}) has made more than {PAGE * PAGES} posts since this "
        "delivery was due; cannot tell whether it went out"
    )
