"""Tumblr, through its API v2 with OAuth2 (rotating refresh tokens).

A post is an article (``long_form``: Markdown) turned into Neue Post Format content blocks
(providers/tumblr/npf.py): the title as a heading, the text with its formatting, each image
an image block with its alt text. Tumblr takes images only inside the request that creates
the post: ``upload_image`` sends nothing (the image keeps its repository path) and ``post``
attaches each file to the create (multipart, one part per block's identifier), so one
request makes the whole post or nothing. Tags, and ``slug:`` as the post's address.

Auth: OAuth2 with ``offline_access``; an access token lasts 42 minutes and every refresh
answers a new refresh token, which the runner saves and pushes before anything uses it.

Exactly once: Tumblr has no idempotency key. A delivery in doubt is looked up among the
blog's posts since the occurrence: the one post with exactly these blocks' words (and this
slug) is this delivery; none proves nothing went out; two, or one made just before the
occurrence, go to a person.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from providers import _articles, _scan
from providers.base import (
    AuthKind,
    BodyFormat,
    Credentials,
    KeyRule,
    MediaRules,
    OnPart,
    Outgoing,
    OutgoingMedia,
    Receipt,
    Setting,
    ThreadStyle,
    Uploaded,
)
from providers.tumblr import npf
from providers.tumblr.api import Session
from socialgit.credentials import oauth
from socialgit.errors import AuthRevoked, OutcomeUnknown, ProviderError, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "tumblr"
TITLE = "Tumblr"
THREADS: ThreadStyle = "single"  # an article: one post
_MB = 1024 * 1024
# Tumblr's photo limits (UNCONFIRMED beyond the fact sheet: 10 MB, GIFs 3 MB); alt text
# 4,096 characters; 30 image blocks a post.
MEDIA = MediaRules(
    max_count=npf.IMAGES_MAX,
    max_bytes={
        "image/png": 10 * _MB,
        "image/jpeg": 10 * _MB,
        "image/gif": 3 * _MB,
        "image/webp": 10 * _MB,
    },
    alt_max=4096,
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the app's OAuth consumer key"),
    "blog": Setting(str, required=True, help="the blog's name (or name.tumblr.com)"),
    "scope": Setting(str, help="OAuth scopes (default: basic write offline_access)"),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")
KEYS: Mapping[str, KeyRule] = {
    "title": KeyRule(required=True, max_length=npf.TEXT_MAX),
    "slug": KeyRule(
        pattern=_articles.SLUG,
        pattern_help="lowercase letters, digits and single hyphens",
    ),
    "tags": KeyRule(pattern=r"[^,]+", pattern_help="no commas (Tumblr separates tags by them)"),
}
MAX_CHARACTERS = 1_000_000  # a post is at most 1 MB stored; each text block is checked
AUTH: AuthKind = "oauth2"
RESEND_IN_DOUBT = False  # see the module's docstring
EXACT_REDIRECT = True  # the app's registered redirect URL must match (UNCONFIRMED)

AUTHORIZE_URL = "https://www.tumblr.com/oauth2/authorize"
TOKEN_URL = "https://api.tumblr.com/v2/oauth2/token"
SCOPES = "basic write offline_access"
PAGE = 20  # the posts endpoint's largest page
PAGES = 10


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    return MAX_CHARACTERS


def long_form(account: Account) -> BodyFormat | None:
    return "markdown"


# -- credentials ---------------------------------------------------------------------------
def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    scope = account.settings.get("scope")
    return oauth.auth_url(
        account,
        redirect_uri,
        state,
        code_challenge,
        default_authorize_url=AUTHORIZE_URL,
        scope=scope if isinstance(scope, str) and scope else SCOPES,
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    stored = oauth.authenticate(
        client,
        account,
        code,
        code_verifier,
        redirect_uri,
        credentials,
        default_token_url=TOKEN_URL,
        auth="post",
    )
    if not stored.get("refresh_token"):
        # Without offline_access the grant ends with its 42-minute access token.
        raise AuthRevoked(
            f"{account.name}: Tumblr gave no refresh token (offline_access was not granted); "
            f"run `socialgit connect {account.name}` and allow it"
        )
    return stored


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """The whole entry with Tumblr's new tokens: every refresh answers a new refresh token,
    which the runner stores and pushes before anything uses it."""
    return oauth.refresh(client, account, credentials, default_token_url=TOKEN_URL, auth="post")


def expires_at(credentials: Credentials) -> datetime | None:
    return oauth.expires_at(credentials)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    session = Session.of(client, account, credentials)
    user = session.call("GET", "user/info", "read the user").get("user") or {}
    blogs = [b for b in user.get("blogs") or () if isinstance(b, dict)]
    wanted = session.blog().removesuffix(".tumblr.com")
    mine = next((b for b in blogs if wanted in (b.get("name"), b.get("uuid"))), None)
    if mine is None and "." not in wanted:
        raise AuthRevoked(
            f"{account.name}: the Tumblr user {user.get('name')!r} has no blog {wanted!r}; "
            f"check `blog:` or run `socialgit connect {account.name}` as its owner"
        )
    found = {"id": user.get("name"), "name": (mine or {}).get("title"), "handle": wanted}
    return {key: str(value) for key, value in found.items() if value}


# -- publishing ----------------------------------------------------------------------------
def upload_image(
    client: httpx.Client, account: Account, credentials: Credentials, image: OutgoingMedia
) -> Uploaded:
    """Nothing ahead: Tumblr takes a post's images in the create itself (``post``)."""
    return Uploaded(image.path)


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
        return _articles.receipt(done[0], _link(session, done[0]))
    body, files = _request(outgoing)
    if files:
        parts = {"json": (None, json.dumps(body), "application/json"), **files}
        answer = session.call(
            "POST", f"blog/{session.blog()}/posts", "create post", sent=True, files=parts
        )
    else:
        answer = session.call(
            "POST", f"blog/{session.blog()}/posts", "create post", sent=True, json=body
        )
    ident = answer.get("id_string") or answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident):
        raise OutcomeUnknown(f"Tumblr create post ({account.name}): no post id came back")
    on_part(str(ident))
    return _articles.receipt(ident, _link(session, str(ident)))


def _content(outgoing: Outgoing) -> npf.Blocks:
    title = _articles.title(outgoing, TITLE, npf.TEXT_MAX)
    found = npf.blocks(title, _articles.body(outgoing, "markdown"))
    for block in found.content:
        if len(block.get("text", "")) > npf.TEXT_MAX:
            raise Rejected(
                f"{outgoing.post}: a paragraph of {len(block['text'])} characters; Tumblr "
                f"takes {npf.TEXT_MAX} in one"
            )
    if len(found.images) > npf.IMAGES_MAX:
        raise Rejected(f"{outgoing.post}: {len(found.images)} images; Tumblr takes 30")
    return found


def _request(outgoing: Outgoing) -> tuple[dict[str, Any], dict[str, Any]]:
    """The create's JSON and its files by identifier, everything read before a request."""
    found = _content(outgoing)
    media = {m.path: m for part in outgoing.parts for m in part.media}
    files: dict[str, Any] = {}
    for number, source in enumerate(found.images):
        image = media.get(source)
        block = next(
            b
            for b in found.content
            if b.get("media", [{}])[0].get("identifier") == f"image-{number}"
        )
        if image is None:  # an image by URL, not a file of the repository
            block["media"] = [{"url": source}]
            continue
        try:
            data = image.file.read_bytes()
        except OSError as exc:
            raise Rejected(f"{image.path}: cannot be read ({exc.strerror})") from None
        block["media"][0]["type"] = image.mime
        files[f"image-{number}"] = (image.file.name, data, image.mime)
    body: dict[str, Any] = {"content": found.content, "state": "published"}
    tags = _articles.items(outgoing, "tags")
    if tags:
        body["tags"] = ",".join(tags)
    slug = _articles.text(outgoing, "slug")
    if slug:
        body["slug"] = slug
    return body, files


def _words(content: object) -> list[str]:
    """What a look-up compares: each text block's words, and an image block as such."""
    blocks = content if isinstance(content, list) else []
    return [
        str(b.get("text") or "") if b.get("type") == "text" else str(b.get("type"))
        for b in blocks
        if isinstance(b, dict)
    ]


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    session = Session.of(client, account, credentials)
    if outgoing.done:
        ident = outgoing.done[0]
        return _articles.receipt(ident, _link(session, ident))
    body, _ = _request(outgoing)
    words, slug = _words(body["content"]), body.get("slug")
    since, matches = _scan.since(outgoing), []
    for page in range(PAGES):
        query = {"npf": "true", "limit": PAGE, "offset": page * PAGE}
        listed = session.call("GET", f"blog/{session.blog()}/posts", "list posts", params=query)
        posts = [p for p in listed.get("posts") or () if isinstance(p, dict)]
        for item in posts:
            stamp = item.get("timestamp")
            when = datetime.fromtimestamp(stamp, since.tzinfo) if isinstance(stamp, int) else None
            if when is None or when < since:
                continue
            if _words(item.get("content")) == words and (not slug or item.get("slug") == slug):
                matches.append((when, item))
        older = any(
            isinstance(p.get("timestamp"), int) and p["timestamp"] < since.timestamp()
            for p in posts
        )
        if older or len(posts) < PAGE:
            break
    else:
        raise OutcomeUnknown(
            f"Tumblr ({account.name}) has more than {PAGE * PAGES} posts since this delivery "
            "was due; cannot tell whether it went out"
        )
    if not matches:
        return None
    links = ", ".join(str(m.get("post_url") or m.get("id_string")) for _, m in matches)
    when, item = matches[0]
    if len(matches) > 1 or when < outgoing.occurrence:
        raise OutcomeUnknown(f"Tumblr ({account.name}) has posts with these words: {links}")
    return _articles.receipt(item.get("id_string") or item.get("id"), item.get("post_url"))


def _link(session: Session, ident: str) -> str | None:
    try:
        found = session.call("GET", f"blog/{session.blog()}/posts/{ident}", "read post")
    except ProviderError:  # a link is nice to have; the post is out either way
        return None
    url = found.get("post_url") if isinstance(found, dict) else None
    return url if isinstance(url, str) and url.startswith("https://") else None
