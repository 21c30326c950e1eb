"""Mastodon's REST API as the provider uses it: where an account's instance is, one request
helper that classifies every answer the same way, and the instance's own limits.

Classification (shared/docs/providers.md §3): Mastodon's errors are ``{"error": "…"}``;
401 means the token is no longer accepted — Mastodon's tokens do not expire, so that is a
revocation (``socialgit connect``) unless the entry carries an expiry or refresh token (forks
such as Pleroma issue those); 403 is a token without the scope or a disabled login; 422 is
validation ("Text character limit of 500 exceeded"); 429 carries ``X-RateLimit-Reset`` as an
ISO 8601 time (GoToSocial sends epoch seconds; both are read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from providers import _http
from providers._counts import pick, without_own
from socialgit import redact
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Counts, Credentials, Published
    from socialgit.model import Account

_MB = 1024 * 1024


base = _http.instance  # the instance's origin (``base_url`` overrides ``instance``)
host = _http.instance_host


def title(account: Account) -> str:
    """The network's name for messages: this module serves Mastodon and Pixelfed."""
    return "Pixelfed" if account.provider == "pixelfed" else "Mastodon"


def token(account: Account, credentials: Credentials) -> str:
    found = credentials.get("access_token")
    if not isinstance(found, str) or not found:
        raise AuthRevoked(
            f"{account.name}: no {title(account)} access token is stored; run "
            f"`socialgit connect {account.name}`"
        )
    return found


def call(
    client: httpx.Client,
    account: Account,
    credentials: Credentials | None,
    method: str,
    path: str,
    *,
    op: str,
    sent: bool,
    headers: dict[str, str] | None = None,
    allow: tuple[int, ...] = (),
    **request: Any,
) -> httpx.Response:
    """One request to the account's instance; a 2xx comes back, anything else is raised as a
    ``ProviderError``. ``credentials`` None: an unauthenticated call (app registration).
    ``sent``: the request can publish something, so an answer lost on the way is
    ``OutcomeUnknown`` rather than ``Transient``. ``allow``: statuses the caller reads itself."""
    wanted = dict(headers or {})
    secrets: tuple[str, ...] = ()
    if credentials is not None:
        bearer = token(account, credentials)
        wanted["Authorization"] = f"Bearer {bearer}"
        secrets = (bearer,)
    response = _http.send(
        client,
        method,
        f"{base(account)}{path}",
        op=op,
        secrets=secrets,
        idempotent=not sent,
        headers=wanted,
        **request,
    )
    if response.is_success or response.status_code in allow:
        return response
    raise error(response, op, account, credentials or {}, sent=sent)


def body(response: httpx.Response, op: str, *, sent: bool) -> dict[str, Any]:
    return _http.json_object(response, op, sent=sent)


def said(response: httpx.Response) -> str:
    """The server's own words (Mastodon's ``{"error": …}``, Laravel's ``{"message": …}``),
    one line, without any registered secret."""
    try:
        found = response.json()
    except ValueError:
        found = None
    text = ""
    if isinstance(found, dict):
        for key in ("error", "error_description", "message"):  # message: Pixelfed (Laravel)
            if isinstance(found.get(key), str) and found[key] not in text:
                text = f"{text}: {found[key]}" if text else found[key]
    return redact.scrub(" ".join(text.split())[:300])


def error(
    response: httpx.Response, op: str, account: Account, credentials: Credentials, *, sent: bool
) -> ProviderError:
    status = response.status_code
    words = said(response)
    because = f" ({words})" if words else ""
    if status == 429:
        return rate_limited(response, op, words)
    if status == 401:
        if credentials.get("refresh_token") or credentials.get("expires_at"):
            return AuthExpired(f"{op}: the access token was refused (HTTP 401){because}")
        # Mastodon's tokens never expire: a refused one was revoked (or the app deleted).
        return AuthRevoked(
            f"{op}: {host(account)} no longer accepts the access token{because}; run "
            f"`socialgit connect {account.name}`"
        )
    if status == 403:
        return AuthRevoked(
            f"{op}: {host(account)} does not allow this (HTTP 403){because}; run "
            f"`socialgit connect {account.name}` to grant it again"
        )
    if status == 422:
        return Rejected(f"{op}: {host(account)} refused it: {words or 'validation failed'}")
    if status == 413:
        return Rejected(f"{op}: {host(account)} refused it as too large (HTTP 413)")
    if sent and status >= 500:
        # A 5xx after the request reached Mastodon may hide a created status (an error after
        # the insert, a proxy giving up on a slow answer): the look-up decides.
        return OutcomeUnknown(
            f"{op}: {host(account)} failed (HTTP {status}){because}; it may have gone out"
        )
    return _http.status_error(response, op, sent=sent, message=words)


def rate_limited(response: httpx.Response, op: str, words: str = "") -> RateLimited:
    """429 → ``RateLimited`` until the later of ``X-RateLimit-Reset`` and ``Retry-After``."""
    found = [when for when in (reset_at(response), _http.retry_after(response)) if when]
    until = max(found) if found else None
    when = f"until {until.isoformat(timespec='seconds')}" if until else "for a while"
    return RateLimited(f"{op}: rate limited {when}{f' ({words})' if words else ''}", until=until)


def reset_at(response: httpx.Response) -> datetime | None:
    value = (response.headers.get("X-RateLimit-Reset") or "").strip()
    if not value:
        return None
    if value.replace(".", "", 1).isdigit():  # GoToSocial: Unix seconds
        return datetime.fromtimestamp(float(value), UTC)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Limits:
    """What the instance takes (``configuration`` of ``/api/v2/instance``); the defaults are
    upstream Mastodon's, for servers that do not say."""

    max_characters: int = 500
    url_length: int = 23
    max_media: int = 4
    image_bytes: int = 16 * _MB
    video_bytes: int = 99 * _MB
    description_limit: int = 1500
    mime_types: frozenset[str] = frozenset()  # empty: the server did not say


def limits(client: httpx.Client, account: Account, credentials: Credentials) -> Limits:
    configured = account.settings.get("max_characters")
    fallback = Limits(max_characters=configured if isinstance(configured, int) else 500)
    op = f"{title(account)} instance"
    for path in ("/api/v2/instance", "/api/v1/instance"):
        try:
            response = call(client, account, credentials, "GET", path, op=op, sent=False)
        except Rejected:
            continue  # 404 on servers before 4.0: try v1, then keep the defaults
        return _read_limits(body(response, op, sent=False), fallback)
    return fallback


def _read_limits(instance: dict[str, Any], fallback: Limits) -> Limits:
    config = _dict(instance.get("configuration"))
    statuses = _dict(config.get("statuses"))
    media = _dict(config.get("media_attachments"))
    legacy = instance.get("max_toot_chars")  # Pleroma, glitch-soc before configuration
    types = media.get("supported_mime_types")
    return Limits(
        max_characters=_int(statuses.get("max_characters"), _int(legacy, fallback.max_characters)),
        url_length=_int(statuses.get("characters_reserved_per_url"), fallback.url_length),
        max_media=_int(statuses.get("max_media_attachments"), fallback.max_media),
        image_bytes=_int(media.get("image_size_limit"), fallback.image_bytes),
        video_bytes=_int(media.get("video_size_limit"), fallback.video_bytes),
        description_limit=_int(media.get("description_limit"), fallback.description_limit),
        mime_types=frozenset(t for t in types if isinstance(t, str))
        if isinstance(types, list)
        else frozenset(),
    )


def counts(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """A status's counts (``GET /api/v1/statuses/:id``): favourites, boosts, replies, and
    quotes where the server has them (Mastodon 4.5 and later). Replies leave out the
    thread's own second part, which replies to the first."""
    op = f"{title(account)} counts of {item.post or item.id}"
    path = f"/api/v1/statuses/{quote(item.id, safe='')}"
    answer = call(client, account, credentials, "GET", path, op=op, sent=False)
    status = body(answer, op, sent=False)
    return without_own(pick(status, _COUNTS), min(len(item.parts) - 1, 1))


_COUNTS = {
    "likes": "favourites_count",
    "reposts": "reblogs_count",
    "replies": "replies_count",
    "quotes": "quotes_count",
}


def status_id(status: dict[str, Any]) -> str:
    ident = status.get("id")
    if not isinstance(ident, str | int) or not str(ident):
        raise OutcomeUnknown("the answer carried no status id; it may have gone out")
    return str(ident)


def status_link(status: dict[str, Any]) -> str | None:
    for key in ("url", "uri"):  # ``url`` is the page; ``uri`` the ActivityPub id
        value = status.get(key)
        if isinstance(value, str) and value.startswith("https://"):
            return value
    return None


def link_of(
    client: httpx.Client, account: Account, credentials: Credentials, ident: str
) -> str | None:
    """A status's link, read back (a rerun with every part out); None once it is deleted."""
    op = f"{title(account)} status"
    response = call(
        client, account, credentials, "GET", f"/api/v1/statuses/{ident}", op=op, sent=False,
        allow=(404,),
    )  # fmt: skip
    if response.status_code == 404:
        return None
    return status_link(body(response, op, sent=False))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: object, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
    )
