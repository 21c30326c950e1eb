"""WordPress (self-hosted, or a WordPress.com site with plugins), through its REST API with an
application password.

A post is an article (``long_form``: HTML): the runner renders the body and uploads its images
(``upload_image``: the media library, alt text included) before ``post`` creates it with its
title, slug, tags (made when missing), categories (which must exist), excerpt and featured
image, ``status: publish``. WordPress has no idempotency key and makes ``slug-2`` out of a
second create, so the post carries its delivery key in an HTML comment, and ``post`` and
``lookup`` look the slug (and the key) up first (providers/wordpress/find.py): a rerun finds
the post it made instead of making another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers.base import (
    IMAGE_TYPES,
    AuthKind,
    BodyFormat,
    Credentials,
    KeyRule,
    MediaRules,
    Note,
    OnPart,
    Outgoing,
    OutgoingMedia,
    Receipt,
    Setting,
    ThreadStyle,
    Uploaded,
)
from providers.wordpress import find, terms
from providers.wordpress.api import Session, error
from socialgit.errors import ProviderError, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "wordpress"
TITLE = "WordPress"
THREADS: ThreadStyle = "single"  # an article: the body is one document
# WordPress itself sets no size: the host's upload_max_filesize does (often 2 to 128 MB); a
# file over it is refused at publish time with WordPress's message. WebP since WordPress 5.8.
MEDIA = MediaRules(
    max_count=100,
    max_bytes={kind: 50 * 1024 * 1024 for kind in IMAGE_TYPES},
    alt_max=1000,  # no limit in WordPress (post meta); a sanity bound, not the site's
)
SETTINGS: Mapping[str, Setting] = {
    "site": Setting(str, required=True, help="the site's address, e.g. https://blog.example.com"),
    "username": Setting(
        str, required=True, help="the WordPress user the application password belongs to"
    ),
}
SECRETS: tuple[str, ...] = ("app_password",)
PROMPTS: Mapping[str, str] = {
    "app_password": "Application password (Users > Profile > Application Passwords)"
}
KEYS: Mapping[str, KeyRule] = {
    "title": KeyRule(required=True),
    # The post's address, and how a rerun finds it (WordPress would make slug-2).
    "slug": KeyRule(required=True, max_length=200),
    "tags": KeyRule(),
    "categories": KeyRule(),
    "excerpt": KeyRule(),
    "cover": KeyRule(),
    "cover_alt": KeyRule(),
}
RESEND_IN_DOUBT = False
AUTH: AuthKind = "app_password"
MAX_CHARACTERS = 1_000_000  # no limit in WordPress; a post file holds at most 1 MiB


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
    """The application password, checked with the site."""
    stored = {"app_password": str(credentials.get("app_password") or "").strip()}
    whoami(client, account, stored)
    return stored


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    me = _me(Session(client, account, credentials))
    return {
        "id": str(me.get("id")),
        "name": str(me.get("name") or ""),
        "handle": str(me.get("slug") or ""),
    }


def diagnose(client: httpx.Client, account: Account, credentials: Credentials) -> list[Note]:
    """What the user's role lacks for publishing articles."""
    can = _me(Session(client, account, credentials)).get("capabilities")
    if not isinstance(can, dict):
        return []
    found: list[Note] = []
    if not can.get("publish_posts"):
        found.append(("error", "the WordPress user may not publish posts (its role is too low)"))
    if not can.get("upload_files"):
        found.append(
            ("warning", "the WordPress user may not upload files: articles with images fail")
        )
    if not can.get("manage_categories"):
        found.append(("warning", "the WordPress user may not make tags that do not exist yet"))
    return found


def _me(session: Session) -> dict[str, Any]:
    me = session.read("users/me", "who am I", context="edit")
    if not isinstance(me, dict) or "id" not in me:
        raise Rejected(f"WordPress ({session.account.name}): users/me answered no user")
    return me


# -- publishing ----------------------------------------------------------------------------


def upload_image(
    client: httpx.Client, account: Account, credentials: Credentials, image: OutgoingMedia
) -> Uploaded:
    """Into the media library, with its alt text. A lost answer is Transient: uploading again
    leaves at most an unused copy."""
    session = Session(client, account, credentials)
    try:
        data = image.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"{image.path}: cannot be read ({exc.strerror})") from None
    name = image.file.name.replace('"', "")
    response = session.call(
        "POST",
        "media",
        f"upload {image.path}",
        idempotent=True,
        params={"alt_text": image.alt} if image.alt else None,
        content=data,
        headers={
            "Content-Type": image.mime,
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )
    body = _object(response)
    if response.status_code != 201 or not isinstance(body.get("id"), int):
        raise error(response, f"WordPress upload {image.path} ({account.name})", sent=False)
    url = body.get("source_url")
    if not isinstance(url, str) or not url:
        raise Rejected(f"WordPress upload {image.path} ({account.name}): no source_url")
    return Uploaded(url, str(body["id"]))


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    session = Session(client, account, credentials)
    if done:
        return _published(session, done[0])
    title, slug = _text(outgoing, "title"), _text(outgoing, "slug")
    if not title or not slug:
        raise Rejected(f"WordPress ({account.name}) needs `title:` and `slug:`")
    categories = terms.category_ids(session, _list(outgoing, "categories"))
    # A rerun (after a lost answer, a kill) finds the post it made instead of making slug-2.
    mine, other = find.by_slug(session, slug, outgoing.key)
    if mine is None:
        mine = find.by_key(session, outgoing.key)
    if mine is not None:
        on_part(mine.id)
        return mine
    if other is not None:
        raise Rejected(
            f"WordPress ({account.name}) has a post with the slug {slug!r} already "
            f"({other.get('link') or other.get('id')}); this one would go out as {slug}-2: "
            "change `slug:`, or delete or rename that post"
        )
    fields: dict[str, Any] = {
        "title": title,
        "content": f"{outgoing.body.rstrip()}\n{find.marker(outgoing.key)}\n",
        "status": "publish",
        "slug": slug,
    }
    excerpt = _text(outgoing, "excerpt")
    if excerpt:
        fields["excerpt"] = excerpt
    tags = terms.tag_ids(session, _list(outgoing, "tags"))
    if tags:
        fields["tags"] = tags
    if categories:
        fields["categories"] = categories
    cover = outgoing.images.get(outgoing.cover.path) if outgoing.cover is not None else None
    if cover is not None and cover.id.isdigit():
        fields["featured_media"] = int(cover.id)
    response = session.call("POST", "posts", "create post", json=fields)
    if response.status_code != 201:
        raise error(response, f"WordPress create post ({account.name})", sent=True)
    made = _object(response, sent=True)
    if not isinstance(made.get("id"), int):
        raise error(response, f"WordPress create post ({account.name})", sent=True)
    receipt = find.receipt(made)
    on_part(receipt.id)
    return receipt


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """The post carrying this delivery's key, under its slug or any other; None when the site
    has none (its search reads every post's content, drafts and scheduled ones too)."""
    session = Session(client, account, credentials)
    slug = _text(outgoing, "slug")
    if slug:
        mine, _ = find.by_slug(session, slug, outgoing.key)
        if mine is not None:
            return mine
    return find.by_key(session, outgoing.key)


def _published(session: Session, ident: str) -> Receipt:
    """The post already out: its link, read (or none, if that fails)."""
    try:
        made = session.read(f"posts/{ident}", "read post", context="edit")
    except ProviderError:  # a link is nice to have; the post is out either way
        made = None
    return (
        find.receipt(made)
        if isinstance(made, dict) and "id" in made
        else Receipt(ident, None, (ident,))
    )


def _text(outgoing: Outgoing, name: str) -> str:
    value = outgoing.keys.get(name)
    return value if isinstance(value, str) else ""


def _list(outgoing: Outgoing, name: str) -> tuple[str, ...]:
    value = outgoing.keys.get(name)
    return value if isinstance(value, tuple) else ()


def _object(response: Any, sent: bool = False) -> dict[str, Any]:
    from providers import _http

    return _http.json_object(response, "WordPress", sent=sent) if response.is_success else {}
