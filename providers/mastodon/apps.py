"""Signing in to a Mastodon-compatible server (Mastodon, Pixelfed): socialgit registers
itself with the account's instance (``POST /api/v1/apps``, a confidential client), then runs
the authorization code flow with PKCE S256; and the account the token belongs to.

Each network passes the scopes it needs (Mastodon takes granular ``write:statuses``;
Pixelfed's Laravel Passport checks the plain ``write``). Where the registration is kept and
why it is not reused across connects: ``providers.mastodon``'s docstring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers.mastodon import api
from socialgit import redact
from socialgit.errors import Rejected, UsageError

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

CLIENT_NAME = "socialgit"
WEBSITE = "https://github.com/socialgit/socialgit"

# (instance, redirect URI) → the client registered for it in this process.
REGISTERED: dict[tuple[str, str], Credentials] = {}


def scope(account: Account, default: str) -> str:
    found = account.settings.get("scope")
    return found if isinstance(found, str) and found else default


def register_client(
    client: httpx.Client, account: Account, redirect_uri: str, scopes: str
) -> Credentials:
    """Register socialgit with the account's instance; {} when the account names an app
    registered by hand (``client_id:``)."""
    if account.settings.get("client_id"):
        return {}
    cached = REGISTERED.get((api.base(account), redirect_uri))
    if cached:
        return dict(cached)
    op = f"{api.title(account)} app registration on {api.host(account)}"
    form = {
        "client_name": CLIENT_NAME,
        "redirect_uris": redirect_uri,  # a string: arrays are Mastodon 4.3+ only
        "scopes": scope(account, scopes),
        "website": WEBSITE,
    }
    response = api.call(client, account, None, "POST", "/api/v1/apps", op=op, sent=False, json=form)
    found = api.body(response, op, sent=False)
    ident, secret = found.get("client_id"), found.get("client_secret")
    if not isinstance(ident, str | int) or not str(ident):
        raise Rejected(f"{op}: the answer carried no client_id and client_secret")
    if not isinstance(secret, str) or not secret:
        raise Rejected(f"{op}: the answer carried no client_id and client_secret")
    redact.register(secret)
    registered: Credentials = {"client_id": str(ident), "client_secret": secret}
    REGISTERED[(api.base(account), redirect_uri)] = registered
    return dict(registered)


def auth_url(
    account: Account, redirect_uri: str, state: str, code_challenge: str, scopes: str
) -> str:
    from socialgit.credentials import oauth  # deferred: it imports httpx

    ident = account.settings.get("client_id") or REGISTERED.get(
        (api.base(account), redirect_uri), {}
    ).get("client_id")
    if not isinstance(ident, str) or not ident:
        raise UsageError(
            f"{account.name}: socialgit is not registered with {api.host(account)} for this "
            f"callback; run `socialgit connect {account.name}`"
        )
    return oauth.authorize_url(
        oauth.endpoint(account, "authorize_url", f"{api.base(account)}/oauth/authorize"),
        client_id=ident,
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=code_challenge,
        scope=scope(account, scopes),
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    from socialgit.credentials import oauth

    # Mastodon's docs name client_secret_post (client_id and client_secret in the form).
    return oauth.authenticate(
        client,
        account,
        code,
        code_verifier,
        redirect_uri,
        {**_client_of(account, credentials), **credentials},
        default_token_url=f"{api.base(account)}/oauth/token",
        auth="post",
    )


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """A standard refresh where the server issued a refresh token (Pixelfed, Pleroma);
    the entry as it is where it did not (Mastodon: its tokens never expire)."""
    if not credentials.get("refresh_token"):
        return dict(credentials)
    from socialgit.credentials import oauth

    return oauth.refresh(
        client,
        account,
        {**_client_of(account, credentials), **credentials},
        default_token_url=f"{api.base(account)}/oauth/token",
        auth="post",
    )


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    op = f"{api.title(account)} verify_credentials"
    response = api.call(
        client, account, credentials, "GET", "/api/v1/accounts/verify_credentials",
        op=op, sent=False,
    )  # fmt: skip
    me = api.body(response, op, sent=False)
    found = {
        "id": me.get("id"),
        "name": me.get("display_name") or me.get("username"),
        "handle": f"@{me['username']}@{api.host(account)}" if me.get("username") else None,
    }
    return {key: str(value) for key, value in found.items() if value}


def _client_of(account: Account, credentials: Credentials) -> Credentials:
    ident = credentials.get("client_id") or account.settings.get("client_id")
    return {"client_id": ident} if isinstance(ident, str) and ident else {}
