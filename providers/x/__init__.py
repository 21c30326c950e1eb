"""X (formerly Twitter), API v2 with OAuth 2.0 and PKCE.

Auth: the authorization code flow with PKCE S256 at ``x.com/i/oauth2/authorize`` and
``api.x.com/2/oauth2/token``; confidential apps authenticate with HTTP Basic, public ones
send ``client_id``. Scopes: ``tweet.read tweet.write users.read`` to post and read back,
``media.write`` for the v2 media upload, ``offline.access`` for a refresh token. Access tokens
last two hours; each refresh answers a new refresh token and spends the old one, so the
refreshed credentials come back whole (client secret included) for the runner to save at once.

Posting: ``POST /2/tweets`` with ``text``, ``media.media_ids`` and, for every part after the
first, ``reply.in_reply_to_tweet_id`` (media in providers/x/media.py).

``RESEND_IN_DOUBT`` is False: X takes no idempotency key, so a post sent again after a lost
answer would be a second post whenever X's duplicate check does not catch it (its window and
rules are not documented). Nothing we send can carry our delivery key either, so the account's
own recent posts (providers/x/recover.py) are the only evidence, and text can be matched but
not a key. Hence two answers:

- ``lookup`` (a delivery in doubt): no part of it among the posts since it was due means it
  did not go out (None: the runner sends it); a matching post is shown to a person with its
  link (``OutcomeUnknown``), since a post with the same text is not proof that this delivery
  sent it, and recording a delivery that did not happen is as wrong as sending one twice;
- X's 403 "duplicate content" while posting: X itself says the text is already out, so the
  matching post (after the due time, replying to our previous part, same media count) is
  taken as the part; without one, ``Duplicate`` with what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from providers._counts import pick, without_own
from providers.base import (
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
from providers.x import api as _x_api
from providers.x import media as _x_media
from providers.x import recover as _x_lookup
from providers.x.text import weighted_length
from socialgit.credentials import oauth
from socialgit.errors import AuthRevoked, Duplicate, OutcomeUnknown, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "x"
TITLE = "X"
THREADS: ThreadStyle = "replies"
EXACT_REDIRECT = True  # the app's registered redirect URI must match, port included
_MB = 1024 * 1024
# X media upload: images (JPEG, PNG, WebP) at most 5 MB, GIF 15 MB, video (MP4) 512 MB, 4
# per post (docs.x.com, media best practices; shared/docs/providers.md §X).
MEDIA = MediaRules(
    max_count=4,
    max_bytes={
        "image/png": 5 * _MB,
        "image/jpeg": 5 * _MB,
        "image/webp": 5 * _MB,
        "image/gif": 15 * _MB,
        "video/mp4": 512 * _MB,
    },
    alt_max=1000,
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the app's OAuth 2.0 client id"),
    "max_length": Setting(int, help="weighted limit for accounts allowed longer posts"),
    "metrics": Setting(bool, help="read public metrics (X charges per post read; off by default)"),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")


def length(text: str) -> int:
    return weighted_length(text)


def limit(account: Account, part: Part) -> int:
    configured = account.settings.get("max_length")
    return configured if isinstance(configured, int) else 280


# -- runtime ---------------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
RESEND_IN_DOUBT = False  # see the module's docstring

AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
TOKEN_URL = "https://api.x.com/2/oauth2/token"
SCOPES = "tweet.read tweet.write users.read media.write offline.access"


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    return oauth.auth_url(
        account,
        redirect_uri,
        state,
        code_challenge,
        default_authorize_url=AUTHORIZE_URL,
        scope=SCOPES,
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
        auth="basic",
    )
    if not stored.get("refresh_token"):
        # Without offline.access the grant dies with its two-hour access token, and a
        # scheduler that runs unattended would fail from then on.
        raise AuthRevoked(
            f"{account.name}: X gave no refresh token (the offline.access scope was not "
            f"granted); run `socialgit connect {account.name}` and allow offline access"
        )
    return stored


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    # A spent refresh token comes back as 400 invalid_request, not invalid_grant; the
    # generic helper already takes any 4xx on a refresh as "connect again".
    return oauth.refresh(client, account, credentials, default_token_url=TOKEN_URL, auth="basic")


def expires_at(credentials: Credentials) -> datetime | None:
    return oauth.expires_at(credentials)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    answer = _x_api.call(
        client,
        account,
        credentials,
        "GET",
        "/2/users/me",
        op="X whoami",
    )
    data = answer.get("data")
    data = data if isinstance(data, dict) else {}
    found = {"id": data.get("id"), "handle": data.get("username"), "name": data.get("name")}
    return {key: str(value) for key, value in found.items() if value}


def link(username: str, post_id: str) -> str:
    return f"https://x.com/{username}/status/{post_id}"


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    # Who we are first: it checks the token before anything goes out, and names the link.
    me = _x_lookup.me(client, account, credentials)
    ids = list(done)
    for number, part in enumerate(outgoing.parts, 1):
        if number <= len(done):
            continue
        parent = ids[-1] if ids else None
        body: dict[str, Any] = {"text": part.text}
        if part.media:
            media_ids = [_x_media.upload(client, account, credentials, m) for m in part.media]
            body["media"] = {"media_ids": media_ids}
        if parent is not None:
            body["reply"] = {"in_reply_to_tweet_id": parent}
        try:
            ident = _create(client, account, credentials, body)
        except Duplicate:
            ident = None
        if ident is None:
            ident = _already_there(client, account, credentials, me, outgoing, number, parent)
        ids.append(ident)
        on_part(ident)
    return Receipt(id=ids[0], url=link(me.username, ids[0]), parts=tuple(ids))


def _create(
    client: httpx.Client, account: Account, credentials: Credentials, body: dict[str, Any]
) -> str:
    answer = _x_api.call(
        client, account, credentials, "POST", "/2/tweets", op="X create post", sent=True, json=body
    )
    data = answer.get("data")
    ident = data.get("id") if isinstance(data, dict) else None
    if not isinstance(ident, str | int) or not str(ident):
        raise OutcomeUnknown("X create post: no post id came back; it may be out")
    return str(ident)


def _already_there(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    me: _x_lookup.Me,
    outgoing: Outgoing,
    number: int,
    parent: str | None,
) -> str:
    """X refused part ``number`` as a repeat: the matching post of this delivery, if it is
    on the account (an earlier attempt whose answer was lost); else a person's decision."""
    part: OutgoingPart = outgoing.parts[number - 1]
    since = outgoing.occurrence - _x_lookup.MARGIN
    recent = _x_lookup.timeline(client, account, credentials, me, since)
    found = _x_lookup.find_part(recent.posts, part, parent, f"part {number} of {outgoing.post}")
    if found is not None:
        return found
    if not recent.complete:
        raise OutcomeUnknown(
            f"X refused part {number} of {outgoing.post} as a repeated text, and @{me.username} "
            "has posted too much since it was due to check whether this delivery is among it"
        )
    raise Duplicate(
        f"X refused part {number} of {outgoing.post} as a repeat of an earlier post, and no "
        f"post of this delivery is on @{me.username}: change the text (X refuses repeating a "
        "recent post), then delete this results entry to retry"
    )


def metrics_off(account: Account) -> str:
    if account.settings.get("metrics") is True:
        return ""
    return "X charges for every post read: set `metrics: true` on the account to read them"


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """The post's ``public_metrics`` (``GET /2/tweets/:id``): one read, billed by X."""
    op = f"X metrics of {item.post or item.id}"
    path = f"/2/tweets/{quote(item.id, safe='')}"
    answer = _x_api.call(
        client, account, credentials, "GET", path, op=op, params={"tweet.fields": "public_metrics"}
    )
    data = answer.get("data")
    found = data.get("public_metrics") if isinstance(data, dict) else None
    if not isinstance(found, dict):
        # A deleted or hidden post: 200 with only ``errors`` (Not Found Error).
        raise Rejected(f"{op}: X has no such post ({_x_api.said_body(answer) or 'not found'})")
    return without_own(pick(found, _METRICS), min(len(item.parts) - 1, 1))


_METRICS = {
    "likes": "like_count",
    "reposts": "retweet_count",
    "replies": "reply_count",
    "quotes": "quote_count",
    "views": "impression_count",
    "bookmarks": "bookmark_count",
}


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """None when the account's posts since the delivery was due hold none of its parts;
    otherwise a person decides (see the module's docstring): matching text is evidence that
    this content went out, not that this delivery (this key) sent it."""
    me = _x_lookup.me(client, account, credentials)
    since = outgoing.occurrence - _x_lookup.MARGIN
    recent = _x_lookup.timeline(client, account, credentials, me, since)
    ids = _x_lookup.find_thread(recent.posts, outgoing.parts, outgoing.post)
    total = len(outgoing.parts)
    if ids:
        raise OutcomeUnknown(
            f"{len(ids)} of {total} parts of {outgoing.post} match posts on @{me.username} "
            f"({link(me.username, ids[0])}); if that is this delivery, set its status to "
            "published (with the rest of the thread posted by hand if parts are missing)"
        )
    if not recent.complete:
        raise OutcomeUnknown(
            f"@{me.username} has posted too much since {outgoing.post} was due to tell "
            "whether it went out"
        )
    return None
