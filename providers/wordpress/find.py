"""Finding this delivery's post on the site: by its slug, and by the key it carries.

WordPress has no idempotency key, and a second create with a slug it has silently becomes
``slug-2``. So every post socialgit makes carries its delivery key in an HTML comment at the end
of its content (``<!-- socialgit:KEY -->``: no reader sees it, the editor keeps it, WordPress's
HTML filter keeps comments for every role). A post with the slug and that comment is this
delivery, proven; a post with the slug and no comment is someone else's, and publishing would
make ``slug-2``; a search for the key (WordPress searches the content, drafts and scheduled
posts included with ``status=any``) finds it under another slug.
"""

from __future__ import annotations

from typing import Any

from providers.base import Receipt
from providers.wordpress.api import Session


def marker(key: str) -> str:
    return f"<!-- socialgit:{key} -->"


def receipt(post: dict[str, Any]) -> Receipt:
    ident = str(post["id"])
    link = post.get("link")
    return Receipt(ident, link if isinstance(link, str) and link else None, (ident,))


def candidates(session: Session, **params: Any) -> list[dict[str, Any]]:
    found = session.read("posts", "look-up", status="any", context="edit", per_page=100, **params)
    return [p for p in found if isinstance(p, dict) and isinstance(p.get("id"), int)]


def ours(post: dict[str, Any], key: str) -> bool:
    content = post.get("content")
    raw = content.get("raw") if isinstance(content, dict) else None
    return isinstance(raw, str) and marker(key) in raw


def by_slug(session: Session, slug: str, key: str) -> tuple[Receipt | None, dict[str, Any] | None]:
    """This delivery's post under ``slug``; else the post of someone else that holds it."""
    other = None
    for post in candidates(session, slug=slug):
        if ours(post, key):
            return receipt(post), None
        other = post
    return None, other


def by_key(session: Session, key: str) -> Receipt | None:
    for post in candidates(session, search=f"socialgit:{key}"):
        if ours(post, key):
            return receipt(post)
    return None
