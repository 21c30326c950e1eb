"""Meta's long-lived tokens, as Threads, Instagram and Facebook hand them out.

- A sign-in gives a short-lived token (an hour or two); it is swapped at once, server-side
  with the app secret, for a long-lived one of about 60 days (:func:`exchange`).
- Threads and Instagram (with Instagram Login) have no refresh token: a long-lived token is
  refreshed with itself, only once it is 24 hours old and before it expires
  (:func:`refresh_itself`); so we store when it was issued (``issued_at``). Facebook's
  long-lived user tokens cannot be refreshed at all: a person signs in again.
- An expired token can be neither swapped nor refreshed: only ``socialgit connect`` helps.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.meta import graph
from socialgit.credentials import oauth
from socialgit.errors import AuthExpired, AuthRevoked, Transient, Unsupported
from socialgit.redact import register

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

LIFETIME = timedelta(days=60)
REFRESHABLE_AFTER = timedelta(hours=24)


def exchange(
    client: httpx.Client,
    account: Account,
    product: graph.Product,
    url: str,
    *,
    token: str,
    params: dict[str, str],
    secret: str,
    hidden: tuple[str, ...] = (),
) -> Credentials:
    """A long-lived token for a short-lived one (``GET url`` with ``params``, carrying
    ``token`` unless ""); what to store. ``hidden``: more values never to show."""
    now = _http.now()
    answer = graph.call(
        client,
        account,
        "GET",
        url,
        product=product,
        token=token,
        op=f"{product.title} long-lived token exchange",
        params=params,
        secrets=(secret, token, *hidden),
    )
    return stored(account, product, answer, now, "long-lived token exchange")


def refresh_itself(
    client: httpx.Client,
    account: Account,
    product: graph.Product,
    credentials: Credentials,
    *,
    url: str,
    grant_type: str,
) -> Credentials:
    """The stored credentials with the long-lived token refreshed by itself."""
    title = product.title
    token = credentials.get("access_token")
    connect = f"run `socialgit connect {account.name}`"
    if not isinstance(token, str) or not token:
        raise AuthRevoked(f"{account.name}: no {title} access token is stored; {connect}")
    now = _http.now()
    expiry = expires_at(credentials)
    if expiry is not None and now >= expiry:
        raise AuthRevoked(
            f"{account.name}: the {title} token expired at {iso(expiry)} and {title} cannot "
            f"refresh an expired token; {connect}"
        )
    issued = issued_at(credentials)
    if issued is not None and now < issued + REFRESHABLE_AFTER:
        until = f"; it stays valid until {iso(expiry)}" if expiry else ""
        raise Unsupported(
            f"{account.name}: the {title} token cannot be refreshed yet: {title} refreshes a "
            f"token only once it is 24 hours old, from {iso(issued + REFRESHABLE_AFTER)}"
            f"{until}"
        )
    try:
        answer = graph.call(
            client,
            account,
            "GET",
            url,
            product=product,
            token=token,
            op=f"{title} token refresh",
            params={"grant_type": grant_type},
        )
    except AuthExpired as exc:
        message = str(exc)
    else:
        return {**credentials, **stored(account, product, answer, now, "token refresh")}
    # Outside the handler: a refused refresh means the token is dead for good.
    raise AuthRevoked(f"{account.name}: {message}; it can no longer be refreshed; {connect}")


def expires_at(credentials: Credentials) -> datetime | None:
    return oauth.expires_at(credentials)


def issued_at(credentials: Credentials) -> datetime | None:
    """When the long-lived token was issued: stored by connect and refresh; for a token put
    in by hand, 60 days before it expires (the lifetime Meta gives every long-lived token)."""
    value = credentials.get("issued_at")
    if isinstance(value, str) and value:
        return oauth.expires_at({"expires_at": value})
    expiry = expires_at(credentials)
    return expiry - LIFETIME if expiry is not None else None


def stored(
    account: Account, product: graph.Product, answer: dict[str, Any], now: datetime, op: str
) -> Credentials:
    """What the vault keeps of a token answer: the token, when it was issued, when it ends
    (``expires_in`` when Meta says; 60 days when it does not)."""
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise Transient(f"{account.name}: {product.title} {op}: the answer has no access_token")
    register(token)
    out: Credentials = {"access_token": token, "issued_at": iso(now)}
    seconds = answer.get("expires_in")
    if isinstance(seconds, int | float | str) and str(seconds).isdigit():
        out["expires_at"] = iso(now + timedelta(seconds=int(seconds)))
    else:
        out["expires_at"] = iso(now + LIFETIME)
    return out


def iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")
