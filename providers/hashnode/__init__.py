"""Hashnode, through its GraphQL API with a personal access token.

A post is an article (``long_form``: Markdown) published with ``publishPost`` to one
publication (``publication:``, its id or its host): title, the Markdown body as written with
its images at their ``media_base_url`` addresses, ``slug``, tags (by slug, named as
written), the excerpt as ``subtitle``, ``canonical_url`` as ``originalArticleURL``, the cover
as ``coverImage``. Hashnode takes API writes only for a publication with an active Pro plan
(since 2026): ``doctor`` says so, and a post to another is refused with that reason.

Exactly once: Hashnode has no idempotency key. The post's address is its slug, required
here: before creating, ``post`` reads the slug (this delivery's post there is recorded;
anyone else's is an error before anything is sent), and ``lookup`` reads it too: the post
there with exactly this title and body, published since the occurrence, is this delivery;
none there, nor among the publication's latest posts, proves nothing went out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers import _articles, _scan
from providers.base import (
    AuthKind,
    BodyFormat,
    Credentials,
    KeyRule,
    MediaRules,
    Note,
    OnPart,
    Outgoing,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.hashnode.api import Session
from socialgit.errors import OutcomeUnknown, ProviderError, Rejected, UsageError

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "hashnode"
TITLE = "Hashnode"
THREADS: ThreadStyle = "single"  # an article: the body is one document
_MB = 1024 * 1024
# Images are shown from their public address (``media_base_url``); Hashnode's own uploads
# take images up to 8 MB, no SVG.
MEDIA = MediaRules(
    max_count=100,
    max_bytes={t: 8 * _MB for t in ("image/png", "image/jpeg", "image/gif", "image/webp")},
    alt_max=1000,
    needs_public_url=True,
)
SETTINGS: Mapping[str, Setting] = {
    "publication": Setting(
        str,
        required=True,
        help="the publication's id, or its address (blog.example.com, you.hashnode.dev)",
    ),
}
SECRETS: tuple[str, ...] = ("token",)
PROMPTS = {"token": "Personal access token (Account Settings > Developer)"}
KEYS: Mapping[str, KeyRule] = {
    # Hashnode states no length for either: a title it refuses is its BAD_USER_INPUT.
    "title": KeyRule(required=True),
    # The post's address, and where a rerun looks for it.
    "slug": KeyRule(
        required=True,
        pattern=_articles.SLUG,
        pattern_help="lowercase letters, digits and single hyphens",
    ),
    "tags": KeyRule(max_items=15),
    "excerpt": KeyRule(),
    "canonical_url": KeyRule(),
    "cover": KeyRule(),
    "cover_alt": KeyRule(),
}
# A request body is at most 100 KB: the Markdown, in UTF-8 bytes, with room for the rest.
MAX_BYTES = 90 * 1024
AUTH: AuthKind = "token"
RESEND_IN_DOUBT = False  # see the module's docstring

_ID = re.compile(r"^[0-9a-f]{24}$")
_POST = "id slug url title publishedAt content { markdown }"
LATEST = 50  # the publication's posts a look-up reads beyond the slug


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
    """The token, checked with Hashnode."""
    stored = {"token": str(credentials.get("token") or "").strip()}
    whoami(client, account, stored)
    return stored


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    data = Session.of(client, account, credentials).ask(
        "query { me { id username name } }", {}, "read the account"
    )
    me = data.get("me") if isinstance(data.get("me"), dict) else {}
    found = {"id": me.get("id"), "name": me.get("name"), "handle": me.get("username")}
    return {key: str(value) for key, value in found.items() if value}


def diagnose(client: httpx.Client, account: Account, credentials: Credentials) -> list[Note]:
    """The publication: there, and on a Pro plan (the API publishes nowhere else)."""
    try:
        found = _publication(Session.of(client, account, credentials), "id title url")
    except UsageError as exc:
        return [("error", str(exc))]
    except Rejected as exc:
        return [("error", f"cannot publish to the publication: {exc}")]
    return [("ok", f"publication {found.get('title') or '?'} ({found.get('url') or '?'})")]


# -- publishing ----------------------------------------------------------------------------
def _publication(session: Session, fields: str, **more: Any) -> dict[str, Any]:
    """The account's publication with ``fields`` (by id or by host)."""
    given = session.account.settings.get("publication")
    if not isinstance(given, str) or not given.strip():
        raise UsageError(f"{session.account.name}: set `publication:` in socialgit.yml")
    given = given.strip().removeprefix("https://").removeprefix("http://").strip("/")
    by = "id: $which" if _ID.match(given) else "host: $which"
    kind = "ObjectId" if _ID.match(given) else "String"
    params = "".join(f", ${name}: String!" for name in more)
    query = f"query ($which: {kind}!{params}) {{ publication({by}) {{ {fields} }} }}"
    data = session.ask(query, {"which": given, **more}, "read the publication")
    found = data.get("publication")
    if not isinstance(found, dict):
        raise Rejected(f"Hashnode ({session.account.name}) has no publication {given!r}")
    return found


def _at_slug(session: Session, slug: str) -> tuple[str, dict[str, Any] | None]:
    """The publication's id and the post at ``slug`` (None: there is none)."""
    found = _publication(session, f"id post(slug: $slug) {{ {_POST} }}", slug=slug)
    held = found.get("post")
    return str(found["id"]), held if isinstance(held, dict) and held.get("id") else None


def _receipt(post: dict[str, Any]) -> Receipt:
    return _articles.receipt(post["id"], post.get("url"))


def _ours(post: dict[str, Any], fields: dict[str, Any], outgoing: Outgoing) -> bool:
    """Exactly this title and body, published since the occurrence."""
    content = post.get("content")
    markdown = content.get("markdown") if isinstance(content, dict) else None
    when = _scan.when(post.get("publishedAt"))
    return (
        post.get("title") == fields["title"]
        and isinstance(markdown, str)
        and markdown.strip() == fields["contentMarkdown"].strip()
        and when is not None
        and when >= _scan.since(outgoing)
    )


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
    fields = _fields(outgoing)
    publication, held = _at_slug(session, fields["slug"])
    if held is not None and _ours(held, fields, outgoing):
        made = _receipt(held)
        on_part(made.id)
        return made
    if held is not None:
        raise Rejected(
            f"Hashnode ({account.name}) has a post at the slug {fields['slug']!r} already "
            f"({held.get('url') or held.get('id')}): change `slug:`, or remove that post"
        )
    mutation = (
        "mutation ($input: PublishPostInput!) "
        "{ publishPost(input: $input) { post { id slug url } } }"
    )
    data = session.ask(
        mutation, {"input": {"publicationId": publication, **fields}}, "publish post", sent=True
    )
    published = data.get("publishPost")
    made_post = published.get("post") if isinstance(published, dict) else None
    if not isinstance(made_post, dict) or not made_post.get("id"):
        raise OutcomeUnknown(f"Hashnode publish post ({account.name}): no post id came back")
    made = _receipt(made_post)
    on_part(made.id)
    return made


def _fields(outgoing: Outgoing) -> dict[str, Any]:
    """The post as ``PublishPostInput`` takes it, everything checked before a request."""
    body = _articles.body(outgoing, "markdown")
    if len(body.encode()) > MAX_BYTES:
        raise Rejected(f"{outgoing.post}: the article is over the 90 KB Hashnode takes")
    slug = _articles.text(outgoing, "slug")
    if not slug:
        raise Rejected(f"{outgoing.post}: Hashnode needs a `slug:` (the post's address)")
    fields: dict[str, Any] = {
        "title": _articles.title(outgoing, TITLE),
        "contentMarkdown": body,
        "slug": slug,
    }
    tags = _articles.items(outgoing, "tags")
    if tags:
        fields["tags"] = [{"slug": _tag_slug(tag), "name": tag} for tag in tags]
    for key, field in (("excerpt", "subtitle"), ("canonical_url", "originalArticleURL")):
        value = _articles.text(outgoing, key)
        if value:
            fields[field] = value
    cover = _articles.cover(outgoing)
    if cover is not None:
        fields["coverImage"] = cover.url
    return fields


def _tag_slug(name: str) -> str:
    """A tag's slug from its name as written ("Web Dev" → "web-dev")."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "tag"


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """The post at this delivery's slug, when it is this delivery's; None when the slug
    holds none; ``OutcomeUnknown`` when it holds another post."""
    session = Session.of(client, account, credentials)
    if outgoing.done:
        ident = outgoing.done[0]
        return _articles.receipt(ident, _link(session, ident))
    fields = _fields(outgoing)
    _, held = _at_slug(session, fields["slug"])
    if held is None:
        # Should Hashnode have given the post another address than the slug asked for, it
        # is among the publication's latest posts (newest first).
        latest = _publication(
            session, f"posts(first: {LATEST}) {{ edges {{ node {{ {_POST} }} }} }}"
        )
        edges = (latest.get("posts") or {}).get("edges") or ()
        nodes = [e.get("node") for e in edges if isinstance(e, dict)]
        found = [
            n for n in nodes if isinstance(n, dict) and n.get("id") and _ours(n, fields, outgoing)
        ]
        return _receipt(found[0]) if found else None
    if _ours(held, fields, outgoing):
        return _receipt(held)
    raise OutcomeUnknown(
        f"Hashnode ({account.name}) has another post at the slug {fields['slug']!r} "
        f"({held.get('url') or held.get('id')})"
    )


def _link(session: Session, ident: str) -> str | None:
    try:
        data = session.ask("query ($id: ID!) { post(id: $id) { id url } }", {"id": ident},
                           "read post")  # fmt: skip
    except ProviderError:  # a link is nice to have; the post is out either way
        return None
    found = data.get("post")
    return _receipt(found).url if isinstance(found, dict) and found.get("id") else None
