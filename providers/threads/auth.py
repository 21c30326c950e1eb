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

from typing import TYPE_CHECKING

from providers.meta import graph, tokens
from socialgit.credentials import oauth
from socialgit.errors import UsageError

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

AUTHORIZE = "https://threads.net/oauth/authorize"
SCOPE = (
    "threads_basic,threads_content_publish,threads_manage_replies,threads_read_replies,"
    "threads_manage_insights"  # socialgit metrics
)
THREADS = graph.Product("Threads", "https://graph.threads.net", "v1.0")
LIFETIME = tokens.LIFETIME
REFRESHABLE_AFTER = tokens.REFRESHABLE_AFTER


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
        default_token_url=f"{graph.root(account, THREADS)}/oauth/access_token",
        auth="post",
    )
    stored = tokens.exchange(
        client,
        account,
        THREADS,
        f"{graph.root(account, THREADS)}/access_token",
        token=str(short["access_token"]),
        params={"grant_type": "th_exchange_token", "client_secret": secret},
        secret=secret,
    )
    stored["client_secret"] = secret
    return stored


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    return tokens.refresh_itself(
        client,
        account,
        THREADS,
        credentials,
        url=f"{graph.root(account, THREADS)}/refresh_access_token",
        grant_type="th_refresh_token",
    )


expires_at = tokens.expires_at
issued_at = tokens.issued_at
