"""LinkedIn Posts API, for a member or an organization page.

Sign-in is LinkedIn's standard 3-legged OAuth2 flow for web apps: ``client_id`` and
``client_secret`` go in the token request's form. That flow does not do PKCE: LinkedIn
answers ``invalid_client`` when the token request carries a ``code_verifier``, so the
verifier is sent only when ``pkce: true`` (a native app LinkedIn enabled PKCE for); the
``code_challenge`` in the sign-in link is harmless either way.

Access tokens last 60 days. Apps approved for programmatic refresh also get a refresh token
that ends 365 days after the first sign-in, however often it is used (it does not rotate):
both ends are stored (``expires_at``, ``refresh_expires_at``) so ``doctor`` can warn.

Threads go out as the first part's post, then each later part as a comment on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from providers._counts import pick, without_own
from providers._text import utf16_units
from providers.base import (
    IMAGE_TYPES,
    AuthKind,
    Counts,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    OutgoingPart,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.linkedin import api as api
from providers.linkedin.media import post_content, upload
from providers.linkedin.text import escape
from socialgit.credentials import oauth
from socialgit.errors import (
    AuthRevoked,
    Duplicate,
    OutcomeUnknown,
    Rejected,
    Transient,
    Unsupported,
)

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "linkedin"
TITLE = "LinkedIn"
THREADS: ThreadStyle = "comments"
EXACT_REDIRECT = True  # the app's registered redirect URI must match, port included
# Images API: JPG, PNG and GIF (at most 250 frames), "a total pixel count (width x height)
# less than 36,152,320"; LinkedIn documents no byte limit (learn.microsoft.com, linkedin/
# marketing/community-management/shares/images-api). The pixel count is not checked here
# (that needs the image decoded); the byte cap below is ours, not LinkedIn's (UNCONFIRMED).
# A multi-image post takes 2 to 20 images.
MEDIA = MediaRules(
    max_count=20,
    max_bytes={t: 36 * 1024 * 1024 for t in IMAGE_TYPES - {"image/webp"}},
    alt_max=4086,
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the app's client id"),
    "organization": Setting(str, help="organization id to post as a page (urn:li:organization:ID)"),
    "version": Setting(str, help=f"LinkedIn-Version header, YYYYMM (default {api.VERSION})"),
    "scope": Setting(str, help="OAuth scopes, space-separated (default: by member or page)"),
    "pkce": Setting(bool, help="send the PKCE verifier (only native apps LinkedIn enabled)"),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")
# Beyond the token answer: the member's URN (``urn:li:person:…``), learnt at sign-in.
REFRESH_FIELDS: tuple[str, ...] = ("person",)


def length(text: str) -> int:
    # How LinkedIn counts is not published; its backend is Java, so UTF-16 units is the
    # conservative reading (never below the code point count).
    return utf16_units(text)


def limit(account: Account, part: Part) -> int:
    return 3000


# -- runtime ---------------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
# LinkedIn keeps no idempotency key: a post in doubt is looked up, never resent blind.
RESEND_IN_DOUBT = False

MEMBER_SCOPE = "openid profile w_member_social"
PAGE_SCOPE = "r_organization_social w_organization_social rw_organization_admin"
_SLACK = timedelta(hours=1)  # how far before the due time a look-up searches, for clock skew


def _organization(account: Account) -> str | None:
    value = account.settings.get("organization")
    if value is None or value == "":
        return None
    text = str(value).strip()
    ident = text.removeprefix("urn:li:organization:")
    if not ident.isdigit():
        raise Rejected(
            f"{account.name}: `organization:` must be a number or urn:li:organization:ID"
        )
    return f"urn:li:organization:{ident}"


def _scope(account: Account) -> str:
    given = account.settings.get("scope")
    if isinstance(given, str) and given.strip():
        return given.strip()
    return PAGE_SCOPE if _organization(account) else MEMBER_SCOPE


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    return oauth.authorize_url(
        oauth.endpoint(account, "authorize_url", api.AUTHORIZE),
        client_id=oauth.client_id(account),
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=code_challenge,
        scope=_scope(account),
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    secret = credentials.get("client_secret") or None
    pkce = account.settings.get("pkce") is True
    if secret is None and not pkce:
        raise AuthRevoked(
            f"{account.name}: LinkedIn's sign-in needs the app's client secret (Developer "
            f"Portal → Auth); run `socialgit connect {account.name}` and give it"
        )
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    if pkce:
        form["code_verifier"] = code_verifier
    tokens = oauth.token_request(
        client,
        oauth.endpoint(account, "token_url", api.TOKEN),
        form,
        account=account.name,
        op="code exchange",
        client_id=oauth.client_id(account, credentials),
        client_secret=secret,
        auth="post",  # LinkedIn reads client_id and client_secret from the form only
    )
    stored = oauth.keep_refresh_token(dict(credentials), tokens)
    if _organization(account) is None:
        stored["person"] = _userinfo(client, account, stored)["id"]
    return stored


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    name = account.name
    now = datetime.now(UTC)
    capped = _when(credentials.get("refresh_expires_at"))
    if capped is not None and capped <= now:
        raise AuthRevoked(
            f"{name}: LinkedIn's refresh token ended on {capped:%Y-%m-%d} (it lasts 365 days "
            f"from the first sign-in, however often it is used); run `socialgit connect {name}`"
        )
    if not credentials.get("refresh_token"):
        ends = expires_at(credentials)
        when = f"on {ends:%Y-%m-%d}" if ends else "60 days after sign-in"
        tense = "ended" if ends is not None and ends <= now else "ends"
        raise AuthRevoked(
            f"{name}: LinkedIn gave this app no refresh token (only apps approved for "
            f"programmatic refresh get one), so its access token {tense} {when}; run "
            f"`socialgit connect {name}` before then to sign in again"
        )
    fresh = oauth.refresh(client, account, credentials, default_token_url=api.TOKEN, auth="post")
    return fresh


def expires_at(credentials: Credentials) -> datetime | None:
    return oauth.expires_at(credentials)


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _userinfo(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    # OpenID Connect userinfo (scopes openid profile): ``sub`` is the member's person id.
    found = oauth.bearer_get(
        client,
        f"{api.root(account)}/v2/userinfo",
        credentials,
        account=account.name,
        op="LinkedIn userinfo",
    )
    sub = found.get("sub")
    if not isinstance(sub, str) or not sub:
        raise AuthRevoked(
            f"{account.name}: LinkedIn's userinfo has no member id; the app needs the scopes "
            f"`openid profile`: run `socialgit connect {account.name}`"
        )
    who = {"id": f"urn:li:person:{sub}"}
    if isinstance(found.get("name"), str) and found["name"]:
        who["name"] = found["name"]
    return who


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    organization = _organization(account)
    if organization is None:
        return _userinfo(client, account, credentials)
    number = organization.rsplit(":", 1)[1]
    found = api.body(
        api.call(
            client,
            account,
            credentials,
            "GET",
            f"/rest/organizations/{number}",
            op="LinkedIn organizations get",
            sent=False,
        )
    )
    who = {"id": organization}
    for key, field in (("name", "localizedName"), ("handle", "vanityName")):
        if isinstance(found.get(field), str) and found[field]:
            who[key] = found[field]
    return who


def _author(client: httpx.Client, account: Account, credentials: Credentials) -> str:
    organization = _organization(account)
    if organization is not None:
        return organization
    person = credentials.get("person")
    if isinstance(person, str) and person.startswith("urn:li:person:"):
        return person
    return _userinfo(client, account, credentials)["id"]


def link(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    author = _author(client, account, credentials)
    ids = list(done)
    for number, part in enumerate(outgoing.parts, 1):
        if number <= len(done):
            continue
        if number == 1:
            ident = _create(client, account, credentials, author, part, outgoing)
        else:
            ident = _comment(client, account, credentials, author, ids[0], part, number)
        ids.append(ident)
        on_part(ident)
    return Receipt(id=ids[0], url=link(ids[0]), parts=tuple(ids))


def _body(author: str, commentary: str, content: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "author": author,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    if content:
        body["content"] = content
    return body


def _create(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    author: str,
    part: OutgoingPart,
    outgoing: Outgoing,
) -> str:
    images = [(upload(client, account, credentials, author, m), m.alt) for m in part.media]
    commentary = escape(part.text)
    op = "LinkedIn posts create"
    response = api.request(
        client,
        account,
        credentials,
        "POST",
        "/rest/posts",
        op=op,
        sent=True,
        json=_body(author, commentary, post_content(images) if images else None),
    )
    if not response.is_success:
        named = api.duplicate_of(response)
        if named is None:
            raise api.error(response, op, account, sent=True)
        return _duplicate(client, account, credentials, author, named, commentary, outgoing)
    urn = unquote(response.headers.get("x-restli-id", ""))
    if not urn.startswith("urn:li:"):
        raise OutcomeUnknown(f"{op}: LinkedIn accepted the post but named no id; it may be out")
    return urn


def _duplicate(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    author: str,
    named: str,
    commentary: str,
    outgoing: Outgoing,
) -> str:
    """LinkedIn refused the post as a copy of ``named``: that post is this delivery's first
    part when reading it back shows this author, this exact text, published since the post
    was due (an attempt whose answer was lost). Otherwise a person decides."""
    if not named:
        raise Duplicate(
            f"{outgoing.post}: LinkedIn refuses this text as a duplicate of an earlier post by "
            f"{author}; change the text, or set the status to published if it is this post"
        )
    response = api.request(
        client,
        account,
        credentials,
        "GET",
        f"/rest/posts/{api.encoded(named)}",
        op="LinkedIn posts get",
        sent=False,
    )
    if response.status_code == 404:
        raise Duplicate(
            f"{outgoing.post}: LinkedIn refuses this text as a duplicate of {named}, which does "
            "not exist (LinkedIn remembers deleted posts for a day or two); change the text "
            "or delete this entry to retry later"
        )
    found = api.body(response) if response.is_success else {}
    created = found.get("createdAt") or found.get("publishedAt")
    since = (outgoing.occurrence - _SLACK).timestamp() * 1000
    if (
        found.get("author") == author
        and found.get("commentary") == commentary
        and found.get("lifecycleState") == "PUBLISHED"
        and isinstance(created, int)
        and created >= since
    ):
        return named
    raise Duplicate(
        f"{outgoing.post}: LinkedIn refuses this text as a duplicate of {link(named)}; if that "
        "is this post, set its status to published, otherwise change the text"
    )


def _comment(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    author: str,
    root: str,
    part: OutgoingPart,
    number: int,
) -> str:
    if len(part.media) > 1:
        raise Unsupported(
            f"part {number} has {len(part.media)} images; a LinkedIn comment takes one"
        )
    # Comments take plain text with attributes, not the posts' little format: no escaping.
    body: dict[str, Any] = {"actor": author, "object": root, "message": {"text": part.text}}
    if part.media:
        image = upload(client, account, credentials, author, part.media[0])
        body["content"] = [{"entity": {"image": image}}]
    op = "LinkedIn comments create"
    response = api.call(
        client,
        account,
        credentials,
        "POST",
        f"/rest/socialActions/{api.encoded(root)}/comments",
        op=op,
        sent=True,
        json=body,
    )
    found = api.body(response)
    urn = (
        found.get("$URN")
        or found.get("commentUrn")
        or unquote(response.headers.get("x-restli-id", ""))
    )
    if not isinstance(urn, str) or not urn:
        raise OutcomeUnknown(
            f"{op}: LinkedIn accepted part {number} but named no id; it may be out"
        )
    return urn


def metrics_off(account: Account) -> str:
    if _organization(account):
        return ""
    return (
        "LinkedIn gives a member's post counts only to apps granted r_member_postAnalytics, "
        "which most apps lack; organization pages (`organization:`) give them"
    )


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """An organization post's lifetime statistics (``organizationalEntityShareStatistics``,
    scope rw_organization_admin). Replies are its comments, less the thread's own."""
    org = _organization(account)
    if org is None:
        raise Unsupported(metrics_off(account))
    op = f"LinkedIn statistics of {item.post or item.id}"
    kind = "ugcPosts" if item.id.startswith("urn:li:ugcPost:") else "shares"
    # Rest.li 2.0: URNs percent-encoded inside List(...), written out rather than left to
    # a query encoder that would encode the parentheses too.
    query = (
        f"q=organizationalEntity&organizationalEntity={api.encoded(org)}"
        f"&{kind}=List({api.encoded(item.id)})"
    )
    response = api.call(
        client,
        account,
        credentials,
        "GET",
        f"/rest/organizationalEntityShareStatistics?{query}",
        op=op,
        sent=False,
    )
    elements = api.body(response).get("elements")
    found = elements[0].get("totalShareStatistics") if elements else None
    if not isinstance(found, dict):
        raise Transient(f"{op}: LinkedIn has no statistics for it yet")
    return without_own(pick(found, _STATISTICS), len(item.parts) - 1)


_STATISTICS = {
    "likes": "likeCount",
    "reposts": "shareCount",
    "replies": "commentCount",
    "views": "impressionCount",
    "clicks": "clickCount",
}


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """None when none of the author's posts since the due time carries this text; a post
    that does is reported for a person (LinkedIn keeps no delivery key to tell a copy from
    this delivery). Members' posts can be read only with the restricted r_member_social."""
    author = _author(client, account, credentials)
    commentary = escape(outgoing.parts[0].text)
    since = (outgoing.occurrence - _SLACK).timestamp() * 1000
    op = "LinkedIn posts find by author"
    count, pages = 50, 4
    for page in range(pages):
        response = api.request(
            client,
            account,
            credentials,
            "GET",
            f"/rest/posts?q=author&author={api.encoded(author)}&count={count}"
            f"&start={page * count}&sortBy=CREATED",
            op=op,
            sent=False,
        )
        if response.status_code == 403:
            raise OutcomeUnknown(
                f"LinkedIn does not let this app read {author}'s posts (members' posts need "
                "the restricted r_member_social scope); look at the profile's activity"
            )
        if not response.is_success:
            raise api.error(response, op, account, sent=False)
        elements = api.body(response).get("elements")
        elements = (
            [e for e in elements if isinstance(e, dict)] if isinstance(elements, list) else []
        )
        older = False
        for element in elements:
            created = element.get("createdAt") or element.get("publishedAt")
            if isinstance(created, int) and created < since:
                older = True
                break
            if element.get("commentary") == commentary and isinstance(element.get("id"), str):
                raise OutcomeUnknown(
                    f"a LinkedIn post with exactly this text is out: {link(element['id'])}; "
                    "LinkedIn keeps no delivery key, so socialgit cannot tell whether it is "
                    "this delivery"
                )
        if older or len(elements) < count:
            return None
    raise OutcomeUnknown(
        f"{author} posted more than {count * pages} times since {outgoing.post} was due; "
        "socialgit stops looking there"
    )
