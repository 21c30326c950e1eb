"""Signing in to Threads: authorization code → short-lived token → 60-day token; refresh.

- The authorization code is exchanged at ``graph.threads.net/oauth/access_token`` the
  standard way (client_secret_post) for a token valid one hour; that token is then swapped
  for a long-lived one (``GET /access_token?grant_type=th_exchange_token``), valid 60 days.
- Meta documents no PKCE for Threads. ``socialgit connect`` still sends ``code_challenge``
  and ``code_verifier``: RFC 6749 §3.1 and §3.2 have servers ignore parameters they do not
  know, and the tests run the standard part of the flow against a strict PKCE server.
- There is no refresh token. A long-lived token is refreshed with itself
  (``GET /refresh_access_token?grant_type=th_refresh_token``), and only while it is at
  least 24 hours old and not expired; so we store when it was issued (``issued_at``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.meta import graph as _threads_graph
from socialgit.credentials import oauth
from socialgit.errors import AuthExpired, AuthRevoked, Transient, Unsupported, UsageError
from socialgit.redact import register

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

AUTHORIZE = "https://threads.net/oauth/authorize"
SCOPE = "threads_basic,threads_content_publish,threads_manage_replies,threads_read_replies"
LIFETIME = timedelta(days=60)
REFRESHABLE_AFTER = timedelta(hours=24)


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    return oauth.auth_url(
        account,
        redirect_uri,
        state,
        code_challenge,
        default_authorize_url=AUTHORIZE,
        scope=str(account.settings.get("scope") or SCOPE),
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    secret = credentials.get("client_secret")
    if not isinstance(secret, str) or not secret:
        raise UsageError(
            f"{account.name}: Threads needs the app secret (App Dashboard > App settings > "
            "Basic > Threads App secret); run `socialgit connect` again and give it"
        )
    short = oauth.authenticate(
        client,
        account,
        code,
        code_verifier,
        redirect_uri,
        credentials,
        default_token_url=f"{_threads_graph.root(account)}/oauth/access_token",
        auth="post",
    )
    now = _http.now()
    answer = _threads_graph.call(
        client,
        account,
        "GET",
        f"{_threads_graph.root(account)}/access_token",
        token=str(short["access_token"]),
        op="Threads long-lived token exchange",
        params={"grant_type": "th_exchange_token", "client_secret": secret},
        secrets=(secret,),
    )
    stored = _token(account, answer, now, "long-lived token exchange")
    stored["client_secret"] = secret
    return stored


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    token = credentials.get("access_token")
    connect = f"run `socialgit connect {account.name}`"
    if not isinstance(token, str) or not token:
        raise AuthRevoked(f"{account.name}: no Threads access token is stored; {connect}")
    now = _http.now()
    expiry = expires_at(credentials)
    if expiry is not None and now >= expiry:
        raise AuthRevoked(
            f"{account.name}: the Threads token expired at {_iso(expiry)} and Threads cannot "
            f"refresh an expired token; {connect}"
        )
    issued = issued_at(credentials)
    if issued is not None and now < issued + REFRESHABLE_AFTER:
        until = f"; it stays valid until {_iso(expiry)}" if expiry else ""
        raise Unsupported(
            f"{account.name}: the Threads token cannot be refreshed yet: Threads refreshes a "
            f"token only once it is 24 hours old, from {_iso(issued + REFRESHABLE_AFTER)}"
            f"{until}"
        )
    try:
        answer = _threads_graph.call(
            client,
            account,
            "GET",
            f"{_threads_graph.root(account)}/refresh_access_token",
            token=token,
            op="Threads token refresh",
            params={"grant_type": "th_refresh_token"},
        )
    except AuthExpired as exc:
        message = str(exc)
    else:
        return {**credentials, **_token(account, answer, now, "token refresh")}
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


def _token(account: Account, answer: dict[str, Any], now: datetime, op: str) -> Credentials:
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise Transient(f"{account.name}: Threads {op}: the answer has no access_token")
    register(token)
    out: Credentials = {"access_token": token, "issued_at": _iso(now)}
    seconds = answer.get("expires_in")
    if isinstance(seconds, int | float | str) and str(seconds).isdigit():
        out["expires_at"] = _iso(now + timedelta(seconds=int(seconds)))
    else:
        out["expires_at"] = _iso(now + LIFETIME)
    return out


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")
