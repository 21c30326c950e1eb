"""Ghost, through its Admin API with a custom integration's Admin API key.

A post is an article (``long_form``: HTML): the runner renders the body and uploads its images
(``upload_image``: ``POST /images/upload/``) before ``post`` creates it with
``POST /posts/?source=html`` (Ghost turns the HTML into its editor's format): title, slug,
tags by name (Ghost makes the ones it lacks), the cover as ``feature_image`` with its alt
text, ``custom_excerpt``, ``canonical_url``, ``status: published``. Publishing through the API
sends no newsletter: Ghost emails members only when a request names one.

Auth: every request carries a token signed with the key, valid five minutes
(providers/ghost/admin_key.py); the key itself never leaves the machine.

Exactly once: Ghost has no idempotency key and makes ``slug-2`` of a second create. The post
carries its delivery key in its footer code injection (providers/ghost/recover.py), ``post``
reads the slug first (this delivery's post is taken, anyone else's is an error before
anything is sent), and ``lookup`` finds the key among the posts made since the occurrence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers import _articles, _http, _scan
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
from providers.ghost import recover
from providers.ghost.api import Session
from socialgit.errors import OutcomeUnknown, ProviderError, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "ghost"
TITLE = "Ghost"
THREADS: ThreadStyle = "single"  # an article: the body is one document
_MB = 1024 * 1024
# Ghost takes these (and SVG, ICO) as images; the size is the site's web server's (Ghost-CLI's
# nginx allows 50 MB: UNCONFIRMED for Ghost(Pro)). Inline alt text has no limit in Ghost's
# editor format; the cover's is a column of 191 characters (``cover_alt`` below).
MEDIA = MediaRules(
    max_count=100,
    max_bytes={t: 50 * _MB for t in ("image/png", "image/jpeg", "image/gif", "image/webp")},
    alt_max=1000,
)
SETTINGS: Mapping[str, Setting] = {
    "site": Setting(str, required=True, help="the site's address, e.g. https://blog.example.com"),
}
SECRETS: tuple[str, ...] = ("admin_api_key",)
PROMPTS = {"admin_api_key": "Admin API key (Settings > Integrations > your integration)"}
# Column sizes of Ghost's schema (core/server/data/schema/schema.js).
KEYS: Mapping[str, KeyRule] = {
    "title": KeyRule(required=True, max_length=255),
    # The post's address, and where a rerun looks first (Ghost would make slug-2).
    "slug": KeyRule(
        required=True,
        max_length=191,
        pattern=_articles.SLUG,
        pattern_help="lowercase letters, digits and single hyphens (Ghost would rewrite others)",
    ),
    "tags": KeyRule(max_length=191),
    "excerpt": KeyRule(max_length=300),
    "canonical_url": KeyRule(max_length=2000),
    "cover": KeyRule(),
    "cover_alt": KeyRule(max_length=191),
}
MAX_CHARACTERS = 1_000_000  # Ghost sets none; a post file holds at most 1 MiB
AUTH: AuthKind = "token"
RESEND_IN_DOUBT = False  # see the module's docstring


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    return MAX_CHARACTERS


def long_form(account: Account) -> BodyFormat | None:
    return "html"


# -- credentials ---------------------------------------------------------------------------
def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """The Admin API key, checked with the site."""
    stored = {"admin_api_key": str(credentials.get("admin_api_key") or "").strip().lower()}
    whoami(client, account, stored)
    return stored


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    """The site (its title and address) and the key's id; listing a post proves the key."""
    session = Session.of(client, account, credentials)
    session.read("posts/", "check the key", limit=1, fields="id")
    about = session.read("site/", "read the site").get("site")
    about = about if isinstance(about, dict) else {}
    url = str(about.get("url") or "")
    found = {"id": session.key.id, "name": about.get("title"), "handle": url.split("://")[-1]}
    return {key: str(value).strip("/") for key, value in found.items() if value}


# -- publishing ----------------------------------------------------------------------------
def upload_image(
    client: httpx.Client, account: Account, credentials: Credentials, image: OutgoingMedia
) -> Uploaded:
    """Into the site's content folder. A lost answer is Transient: uploading again leaves at
    most an unused file."""
    session = Session.of(client, account, credentials)
    try:
        data = image.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"{image.path}: cannot be read ({exc.strerror})") from None
    response = session.call(
        "POST",
        "images/upload/",
        f"upload {image.path}",
        files={"file": (image.file.name, data, image.mime)},
        data={"purpose": "image", "ref": image.path},
    )
    body = _http.json_object(response, f"Ghost upload {image.path}", sent=False)
    images = body.get("images")
    url = images[0].get("url") if isinstance(images, list) and images else None
    if not isinstance(url, str) or not url:
        raise Rejected(f"Ghost upload {image.path} ({account.name}): no URL came back")
    return Uploaded(url)


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
        return _published(session, done[0])
    fields = _fields(outgoing)
    # A rerun takes the post it made; anyone else's post under the slug stops us here, as
    # Ghost would publish this one as slug-2.
    held = recover.by_slug(session, fields["slug"])
    if held is not None and recover.ours(held, outgoing.key):
        made = recover.receipt(held)
        on_part(made.id)
        return made
    if held is not None:
        raise Rejected(
            f"Ghost ({account.name}) has a post with the slug {fields['slug']!r} already "
            f"({held.get('url') or held.get('id')}); this one would go out as "
            f"{fields['slug']}-2: change `slug:`, or delete or rename that post"
        )
    response = session.call(
        "POST", "posts/", "create post", sent=True, params={"source": "html"},
        json={"posts": [fields]},
    )  # fmt: skip
    body = _http.json_object(response, f"Ghost create post ({account.name})", sent=True)
    posts = body.get("posts")
    made_post = posts[0] if isinstance(posts, list) and posts else None
    if not isinstance(made_post, dict) or not made_post.get("id"):
        raise OutcomeUnknown(f"Ghost create post ({account.name}): no post id came back")
    made = recover.receipt(made_post)
    on_part(made.id)
    return made


def _fields(outgoing: Outgoing) -> dict[str, Any]:
    """The post as Ghost takes it, everything checked before the first request."""
    title = _articles.title(outgoing, TITLE, 255)
    slug = _articles.text(outgoing, "slug")
    if not slug:
        raise Rejected(f"{outgoing.post}: Ghost needs a `slug:` (the post's address)")
    fields: dict[str, Any] = {
        "title": title,
        "slug": slug,
        "html": outgoing.body,
        "status": "published",
        "codeinjection_foot": _articles.marker(outgoing.key),
    }
    tags = _articles.items(outgoing, "tags")
    if tags:
        fields["tags"] = [{"name": tag} for tag in tags]
    for key, field in (("excerpt", "custom_excerpt"), ("canonical_url", "canonical_url")):
        value = _articles.text(outgoing, key)
        if value:
            fields[field] = value
    cover = _articles.cover(outgoing)
    if cover is not None and outgoing.cover is not None:
        fields["feature_image"] = cover.url
        if outgoing.cover.alt:
            fields["feature_image_alt"] = outgoing.cover.alt
    return fields


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """The post carrying this delivery's key among those made since the occurrence; None
    when there is none (see providers/ghost/recover.py)."""
    session = Session.of(client, account, credentials)
    if outgoing.done:
        return _published(session, outgoing.done[0])
    found = recover.find(session, outgoing.key, _scan.since(outgoing))
    return recover.receipt(found) if found is not None else None


def _published(session: Session, ident: str) -> Receipt:
    """The post already out: its link, read (or none, if that fails)."""
    try:
        found = recover.by_id(session, ident)
    except ProviderError:  # a link is nice to have; the post is out either way
        found = None
    return recover.receipt(found) if found is not None else _articles.receipt(ident, None)
