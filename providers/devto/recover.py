"""Finding this delivery's article on Dev.to.

Dev.to keeps nothing of the delivery key, but allows one article per title and body per
user. The account's articles (``/articles/me/all``, drafts first, then newest published
first) read back to the occurrence, less a margin for clocks: the one with exactly this title
and body published since is this delivery; none there proves that nothing went out. What no
look-up can tell apart: the same title and body published by hand after the occurrence.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from providers import _articles, _http, _scan
from providers.base import Receipt
from socialgit.errors import OutcomeUnknown, ProviderError

if TYPE_CHECKING:
    import httpx

    from providers.devto.api import Session

PAGE = 100
PAGES = 10  # articles read at most: 1,000


def _made(article: dict[str, Any]) -> Receipt | None:
    ident = article.get("id")
    if not isinstance(ident, int | str) or isinstance(ident, bool) or not str(ident):
        return None
    return _articles.receipt(ident, article.get("url"))


def receipt(response: httpx.Response) -> Receipt | None:
    """The created article's receipt; None when the answer names no article."""
    return _made(_http.json_object(response, "Dev.to create article", sent=True))


def link(session: Session, ident: str) -> str | None:
    """An article's public link (published ones only), or None when it cannot be read."""
    try:
        found = session.read(f"articles/{ident}", "read article")
    except ProviderError:  # a link is nice to have; the article is out either way
        return None
    made = _made(found) if isinstance(found, dict) else None
    return made.url if made is not None else None


def _same(text: object, sent: str) -> bool:
    return isinstance(text, str) and text.replace("\r\n", "\n").strip() == sent.strip()


def find(session: Session, fields: dict[str, Any], since: datetime) -> Receipt | None:
    """The article with ``fields``' title and body published since ``since``; None when
    the account's articles since hold none; ``OutcomeUnknown`` past what is read."""
    for page in range(1, PAGES + 1):
        articles = session.read("articles/me/all", "list articles", per_page=PAGE, page=page)
        articles = (
            [a for a in articles if isinstance(a, dict)] if isinstance(articles, list) else []
        )
        for article in articles:
            when = _scan.when(article.get("published_at"))
            if when is not None and when < since:
                return None  # published before the occurrence: this and everything after
            if (
                when is not None
                and _same(article.get("title"), fields["title"])
                and _same(article.get("body_markdown"), fields["body_markdown"])
            ):
                return _made(article)
        if len(articles) < PAGE:
            return None
    raise OutcomeUnknown(
        f"Dev.to ({session.account.name}) has more than {PAGE * PAGES} articles since this "
        "delivery was due; cannot tell whether it went out"
    )
