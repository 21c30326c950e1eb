"""Dev.to (and any Forem site), through its API v1 with a personal API key.

A post is an article (``long_form``: Markdown): Dev.to renders the Markdown itself, so the
body goes as written (``body_markdown``), its images at their ``media_base_url`` addresses:
the API takes no uploads. Title, up to four tags, ``canonical_url``, the excerpt as
``description``, the cover as ``main_image``, ``published: true``.

Exactly once: Dev.to has no idempotency key, but it allows one article per title and body
per user and refuses a second one with 422 "Body markdown has already been taken". A create
whose answer was lost is looked up among the account's own articles: the one with exactly
this title and body, published since the occurrence, is this delivery (providers/devto/
recover.py); a resend that still meets it is refused by Dev.to, never doubled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers import _articles, _scan
from providers._counts import pick
from providers.base import (
    AuthKind,
    BodyFormat,
    Counts,
    Credentials,
    KeyRule,
    MediaRules,
    OnPart,
    Outgoing,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.devto import recover
from providers.devto.api import Session
from socialgit.errors import OutcomeUnknown, Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "devto"
TITLE = "Dev.to"
THREADS: ThreadStyle = "single"  # an article: the body is one document
_MB = 1024 * 1024
# No upload endpoint: Dev.to shows images from their public address (``media_base_url``).
# Its own editor takes images up to 25 MB (UNCONFIRMED for linked ones); alt text is the
# Markdown's own, with no limit Forem states.
MEDIA = MediaRules(
    max_count=100,
    max_bytes={t: 25 * _MB for t in ("image/png", "image/jpeg", "image/gif", "image/webp")},
    alt_max=1000,
    needs_public_url=True,
)
SETTINGS: Mapping[str, Setting] = {}
SECRETS: tuple[str, ...] = ("api_key",)
PROMPTS = {"api_key": "API key (Settings > Extensions > DEV Community API Keys)"}
# Forem's Article model: a title of 128 characters, four tags of letters and digits.
KEYS: Mapping[str, KeyRule] = {
    "title": KeyRule(required=True, max_length=128),
    "tags": KeyRule(max_items=4, pattern=r"[A-Za-z0-9]+", pattern_help="letters and digits only"),
    "excerpt": KeyRule(),
    "canonical_url": KeyRule(max_length=2000),
    "cover": KeyRule(),
    "cover_alt": KeyRule(),
}
MAX_BYTES = 800 * 1024  # body_markdown, in UTF-8 bytes (Forem's Article model)
AUTH: AuthKind = "token"
RESEND_IN_DOUBT = False  # see the module's docstring


def length(text: str) -> int:
    return len(text.encode())


def limit(account: Account, part: Part) -> int:
    return MAX_BYTES


def long_form(account: Account) -> BodyFormat | None:
    return "markdown"


# -- credentials ---------------------------------------------------------------------------
def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """The API key, checked with Dev.to."""
    stored = {"api_key": str(credentials.get("api_key") or "").strip()}
    whoami(client, account, stored)
    return stored


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    me = Session.of(client, account, credentials).read("users/me", "read the account")
    me = me if isinstance(me, dict) else {}
    found = {"id": me.get("id"), "name": me.get("name"), "handle": me.get("username")}
    return {key: str(value) for key, value in found.items() if value not in (None, "")}


# -- publishing ----------------------------------------------------------------------------
def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    session = Session.of(client, account, credentials)
    if done:
        return _articles.receipt(done[0], recover.link(session, done[0]))
    fields = _fields(outgoing)
    response = session.call("POST", "articles", "create article", json={"article": fields})
    made = recover.receipt(response)
    if made is None:
        raise OutcomeUnknown(f"Dev.to create article ({account.name}): no article id came back")
    on_part(made.id)
    return made


def _fields(outgoing: Outgoing) -> dict[str, Any]:
    """The article as Dev.to takes it, everything checked before the request."""
    body = _articles.body(outgoing, "markdown")
    if len(body.encode()) > MAX_BYTES:
        raise Rejected(f"{outgoing.post}: the article is over Dev.to's 800 KB")
    fields: dict[str, Any] = {
        "title": _articles.title(outgoing, TITLE, 128),
        "body_markdown": body,
        "published": True,
    }
    tags = _articles.items(outgoing, "tags")
    if len(tags) > 4:
        raise Rejected(f"{outgoing.post}: Dev.to takes at most 4 tags, not {len(tags)}")
    if tags:
        fields["tags"] = list(tags)
    for key, field in (("excerpt", "description"), ("canonical_url", "canonical_url")):
        value = _articles.text(outgoing, key)
        if value:
            fields[field] = value
    cover = _articles.cover(outgoing)
    if cover is not None:
        fields["main_image"] = cover.url
    return fields


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """An article's reactions (every kind, as likes) and comments, from ``GET
    /api/articles/{id}``. Page views are shown to the author only, among their own
    articles: not read."""
    found = Session.of(client, account, credentials).read(f"articles/{item.id}", "read counts")
    if not isinstance(found, dict):
        raise Transient(f"Dev.to counts of {item.post or item.id}: the answer could not be read")
    return pick(found, {"likes": "public_reactions_count", "replies": "comments_count"})


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """The account's article with exactly this title and body published since the
    occurrence; None when the articles since hold none."""
    session = Session.of(client, account, credentials)
    if outgoing.done:
        ident = outgoing.done[0]
        return _articles.receipt(ident, recover.link(session, ident))
    return recover.find(session, _fields(outgoing), _scan.since(outgoing))
