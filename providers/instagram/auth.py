"""Signing in to Instagram, two ways (``login:`` in socialgit.yml):

- ``facebook`` (Instagram API with Facebook Login): the account is an Instagram professional
  account linked to a Facebook Page. Facebook Login's code flow, as for Facebook Pages
  (``providers/facebook/auth.py``): the code for a user token, swapped at once for a
  long-lived one (about 60 days) that publishes on ``graph.facebook.com``. Meta cannot
  renew it without the person: ``socialgit connect`` again before it ends (doctor warns).
- ``instagram`` (Instagram API with Instagram Login, no Page needed): the code is exchanged
  the standard way at ``api.instagram.com/oauth/access_token`` for an hour's token, swapped
  at once (``ig_exchange_token``) for a 60-day one that publishes on
  ``graph.instagram.com``. It is refreshed with itself (``ig_refresh_token``) once it is 24
  hours old and before it expires; each refresh gives a new token, which is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from providers import _http
from providers.facebook import auth as facebook_auth
from providers.meta import graph, tokens
from socialgit.credentials import oauth
from socialgit.errors import AuthRevoked, Unsupported, UsageError

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

VERSION = "v25.0"
VIA_FACEBOOK = graph.Product("Instagram", "https://graph.facebook.com", VERSION)
VIA_INSTAGRAM = graph.Product("Instagram", "https://graph.instagram.com", VERSION)
LOGINS = ("facebook", "instagram")
SCOPES = {
    # To publish, comment and read the account's media back; the Page's, to reach the account.
    "facebook": "instagram_basic,instagram_content_publish,instagram_manage_comments,"
    "pages_show_list,pages_read_engagement",
    "instagram": "instagram_business_basic,instagram_business_content_publish,"
    "instagram_business_manage_comments",
}
AUTHORIZE_INSTAGRAM = "https://www.instagram.com/oauth/authorize"
TOKEN_INSTAGRAM = "https://api.instagram.com/oauth/access_token"


def login(account: Account) -> str:
    chosen = str(account.settings.get("login") or "facebook")
    if chosen not in LOGINS:
        raise UsageError(f"{account.name}: `login:` is `facebook` or `instagram`, not {chosen!r}")
    return chosen


def product(account: Account) -> graph.Product:
    return VIA_INSTAGRAM if login(account) == "instagram" else VIA_FACEBOOK


def scopes(account: Account) -> list[str]:
    given = str(account.settings.get("scope") or SCOPES[login(account)])
    return [s.strip() for s in given.split(",") if s.strip()]


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    if login(account) == "facebook":
        version = account.settings.get("version") or VERSION
        authorize = facebook_auth.AUTHORIZE.format(version=version)
    else:
        authorize = AUTHORIZE_INSTAGRAM
    return oauth.auth_url(
        account,
        redirect_uri,
        state,
        code_challenge,
        default_authorize_url=authorize,
        scope=",".join(scopes(account)),
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    secret = facebook_auth.app_secret(account, credentials)
    via = product(account)
    if login(account) == "facebook":
        short = facebook_auth.code_exchange(
            client, account, via, code, code_verifier, redirect_uri, secret
        )
        stored = facebook_auth.long_lived_user_token(client, account, via, short, secret)
    else:
        base = account.settings.get("base_url")
        answer = oauth.authenticate(
            client,
            account,
            code,
            code_verifier,
            redirect_uri,
            credentials,
            default_token_url=f"{base}/oauth/access_token" if base else TOKEN_INSTAGRAM,
            auth="post",
        )
        short = str(answer["access_token"])
        stored = tokens.exchange(
            client,
            account,
            via,
            f"{graph.root(account, via)}/access_token",
            token=short,
            params={"grant_type": "ig_exchange_token", "client_secret": secret},
            secret=secret,
        )
    stored["client_secret"] = secret
    return stored


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    if login(account) == "instagram":
        return tokens.refresh_itself(
            client,
            account,
            VIA_INSTAGRAM,
            credentials,
            url=f"{graph.root(account, VIA_INSTAGRAM)}/refresh_access_token",
            grant_type="ig_refresh_token",
        )
    connect = f"run `socialgit connect {account.name}`"
    expiry = tokens.expires_at(credentials)
    if expiry is not None and _http.now() >= expiry:
        raise AuthRevoked(
            f"{account.name}: the Facebook login for Instagram expired at {tokens.iso(expiry)} "
            f"and Meta renews such a login only when you sign in again; {connect}"
        )
    until = f"; it stays valid until {tokens.iso(expiry)}" if expiry else ""
    raise Unsupported(
        f"{account.name}: a Facebook login for Instagram cannot be renewed without you: "
        f"{connect} before it ends{until}"
    )


expires_at = tokens.expires_at
