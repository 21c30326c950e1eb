"""``socialgit connect ACCOUNT``: log an account in, check it, store it in the vault.

OAuth2 networks (``AUTH == "oauth2"``) go through the authorization code flow with PKCE
S256 and a one-shot loopback callback on 127.0.0.1; browser sign-ins that are not OAuth2
(``AUTH == "browser"``: Misskey's MiAuth) use the same callback, with the state as their
session id; the others ask for what they use (an app password, a bot token, a webhook URL:
the provider's ``SECRETS``, labelled by a module's optional ``PROMPTS``). Either way the
result is checked with the provider's ``whoami`` before it is stored, and who it is goes
into the entry's clear metadata.

Networks that register a client per server (Mastodon) define
``register_client(client, account, redirect_uri) -> Credentials`` in their module; it is
called before the authorization URL is built and its result (``client_id``,
``client_secret``) is kept in the vault entry. That is the place for dynamic client
registration; the networks issue fills it in.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from providers import PROVIDERS
from providers.base import Provider
from socialgit.credentials import oauth
from socialgit.credentials.loopback import PATH, Loopback
from socialgit.credentials.vault import Vault, iso
from socialgit.errors import AuthRevoked, UsageError
from socialgit.model import Account
from socialgit.redact import register

# What a person is asked for, per vault field (the prompt is hidden).
PROMPTS = {
    "password": "App password",
    "bot_token": "Bot token",
    "webhook_url": "Webhook URL",
    "url": "Webhook URL (with its token)",
    "client_secret": "Client secret (empty for a public client)",
    "access_token": "Access token",
    "client_id": "Client id",
}
# Fields a token exchange produces: never asked for in a prompt.
ISSUED = frozenset({"access_token", "refresh_token", "expires_at"})

Ask = Callable[[str, bool], str]  # (prompt, optional) -> what the person typed
Show = Callable[[str], None]  # open the URL in a browser, or print it


def provider_of(account: Account) -> Provider:
    return PROVIDERS[account.provider]


def connect(
    vault: Vault,
    account: Account,
    client: httpx.Client,
    *,
    ask: Ask,
    show: Show,
    port: int = 0,
    timeout: float = 300.0,
    now: datetime | None = None,
) -> dict[str, str]:
    """Log ``account`` in, check it with ``whoami``, store it; returns the clear metadata."""
    provider = provider_of(account)
    if provider.AUTH == "none" and not provider.SECRETS:
        raise UsageError(f"{account.name}: a {account.provider} account needs no credentials")
    vault.require_key(account.name)  # fail on a missing or wrong key before anyone logs in
    vault.get(account.name)
    if provider.AUTH in ("oauth2", "browser"):
        if provider.EXACT_REDIRECT and not port:
            raise UsageError(
                f"{account.name}: {provider.TITLE} accepts only the redirect URI registered "
                f"with its app: register http://127.0.0.1:PORT{PATH} there, then run "
                f"`socialgit connect {account.name} --port PORT`"
            )
        # A network that registers its own client per connect (Mastodon) issues the secret
        # itself, unless the account names an app registered by hand (client_id:).
        registers = callable(getattr(provider, "register_client", None))
        own_app = not registers or bool(account.settings.get("client_id"))
        given = _ask(provider, account, ask, ("client_secret",) if own_app else ())
        credentials = _oauth(provider, account, client, given, show, port, timeout)
    else:
        wanted = tuple(f for f in provider.SECRETS if f not in ISSUED and f != "expires_at")
        given = _ask(provider, account, ask, wanted)
        if not any(given.values()):
            raise UsageError(f"{account.name}: nothing given; connect needs {' or '.join(wanted)}")
        credentials = provider.authenticate(client, account, "", "", "", given)
    register(credentials)
    who = provider.whoami(client, account, credentials)
    meta = describe(account, who, credentials, now or datetime.now(UTC))
    vault.put(account.name, credentials, meta)
    vault.save()
    return meta


def describe(
    account: Account, who: Mapping[str, str], credentials: Mapping[str, Any], now: datetime
) -> dict[str, str]:
    """The clear metadata of an entry: provider, who it is, when it was connected."""
    meta = {"provider": account.provider, "connected": iso(now)}
    for key in ("id", "name", "handle"):
        value = who.get(key)
        if isinstance(value, str) and value:
            meta[key] = value
    capped = credentials.get("refresh_expires_at")
    if isinstance(capped, str) and capped:
        meta["refresh_expires_at"] = capped  # LinkedIn: refresh tokens end after 365 days
    return meta


def _ask(provider: Provider, account: Account, ask: Ask, fields: tuple[str, ...]) -> dict[str, Any]:
    wanted = [f for f in fields if f in provider.SECRETS]
    optional = len(wanted) > 1 or wanted == ["client_secret"]
    given: dict[str, Any] = {}
    for field in wanted:
        label = getattr(provider, "PROMPTS", {}).get(field) or PROMPTS.get(field, field)
        value = ask(f"{account.name}: {label}", optional).strip()
        if value:
            given[field] = value
    register(given)
    return given


def _oauth(
    provider: Provider,
    account: Account,
    client: httpx.Client,
    given: dict[str, Any],
    show: Show,
    port: int,
    timeout: float,
) -> dict[str, Any]:
    verifier = oauth.new_verifier()
    state = oauth.new_state()
    carrier = "session" if provider.AUTH == "browser" else "state"  # MiAuth: see below
    with Loopback(port, state=state, carrier=carrier) as loop:
        register_client = getattr(provider, "register_client", None)
        if callable(register_client):  # dynamic client registration (Mastodon)
            given = {**given, **register_client(client, account, loop.redirect_uri)}
            register(given)
        url = provider.generate_auth_url(
            account, loop.redirect_uri, state, oauth.challenge(verifier)
        )
        show(url)
        answer = loop.wait(timeout)
    # MiAuth (``AUTH == "browser"``) calls back with ``?session=`` alone: the session id is
    # the state the sign-in URL was built with, and the code its check exchanges.
    session = answer.get("session", "") if provider.AUTH == "browser" else ""
    if not hmac.compare_digest(answer.get("state", session), state):
        raise UsageError(
            f"{account.name}: the callback's state does not match this sign-in (a stale or "
            "forged link); run `socialgit connect` again"
        )
    if "error" in answer:
        why = answer["error"] + (
            f": {answer['error_description'][:200]}" if answer.get("error_description") else ""
        )
        raise AuthRevoked(f"{account.name}: access was not granted ({why})")
    code = answer.get("code", session)
    if not code:
        raise UsageError(f"{account.name}: the callback carried no authorization code")
    register(code)
    return provider.authenticate(client, account, code, verifier, loop.redirect_uri, given)
