"""Generic OAuth 2.0 (RFC 6749) with PKCE (RFC 7636) for the network modules to call.

Network modules build their ``generate_auth_url``, ``authenticate`` and ``refresh_token``
from :func:`auth_url`, :func:`authenticate` and :func:`refresh` (or the lower
:func:`authorize_url` and :func:`token_request`), so that every network classifies a
token endpoint's answer the same way:

- ``invalid_grant`` (and ``invalid_client``, ``unauthorized_client``), and on a refresh any
  other 4xx but 408/429 (X and LinkedIn say ``invalid_request`` for a dead refresh token):
  a person must log in again: :class:`AuthRevoked` saying ``socialgit connect ACCOUNT``;
- 429: :class:`RateLimited`; timeouts, refused connections, 5xx and anything unreadable:
  :class:`Transient`. A passing failure is never taken for a revocation;
- an ``error`` in an HTTP 200 answer (Reddit) is judged as an error all the same;
- a success without ``refresh_token`` keeps the refresh token we had (many servers only
  send one when it rotates); an empty one never replaces a stored one.

Errors are raised outside ``except`` blocks, so they do not chain to httpx exceptions
(which hold the request, its body and its headers), and messages never carry a token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from socialgit.errors import AuthRevoked, ProviderError, RateLimited, Transient, UsageError
from socialgit.redact import register, scrub

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account

Credentials = dict[str, Any]
# Errors of RFC 6749 §5.2 that mean "these credentials will not work again".
REVOKED = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})
# Errors of RFC 6749 §4.1.2.1 that blame the server, not the grant.
PASSING = frozenset({"server_error", "temporarily_unavailable"})


# -- PKCE and state ------------------------------------------------------------------------
def new_verifier() -> str:
    """A PKCE code verifier: 64 URL-safe characters (RFC 7636 §4.1 allows 43–128)."""
    return secrets.token_urlsafe(48)


def challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    return secrets.token_urlsafe(24)


# -- authorization URL ---------------------------------------------------------------------
def authorize_url(
    base: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    scope: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> str:
    """``base`` with the query of an authorization code request with PKCE S256."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    if scope:
        query["scope"] = scope
    query.update(extra or {})
    return f"{base}{'&' if urlsplit(base).query else '?'}{urlencode(query)}"


def endpoint(account: Account, key: str, default: str | None) -> str:
    """``authorize_url`` / ``token_url`` / ``base_url`` of an account, or the network's."""
    value = account.settings.get(key) or default
    if not isinstance(value, str) or not value:
        raise UsageError(f"{account.name}: set `{key}:` for this account in socialgit.yml")
    return value


def client_id(account: Account, credentials: Mapping[str, Any] | None = None) -> str:
    found = (credentials or {}).get("client_id") or account.settings.get("client_id")
    if not isinstance(found, str) or not found:
        raise UsageError(f"{account.name}: set `client_id:` for this account in socialgit.yml")
    return found


# -- token endpoint ------------------------------------------------------------------------
def token_request(
    client: httpx.Client,
    url: str,
    form: Mapping[str, str],
    *,
    account: str,
    op: str,
    client_id: str,
    client_secret: str | None = None,
    auth: str = "basic",
    now: datetime | None = None,
    headers: Mapping[str, str] | None = None,
    client_field: str = "client_id",
) -> Credentials:
    """POST a token request and classify the answer (see the module's docstring).

    ``auth``: ``basic`` (client_secret_basic, RFC 6749 §2.3.1) or ``post`` (the secret in
    the form); a public client (no secret) sends ``client_id`` in the form either way, under
    the name ``client_field`` (TikTok calls it ``client_key``), except with ``basic-always``:
    HTTP Basic with an empty password (Reddit's installed apps). ``headers``: more request
    headers (Reddit wants its User-Agent everywhere).
    """
    import httpx  # here, not at the top: `plan` and `validate` never need it

    data = dict(form)
    basic: httpx.BasicAuth | None = None
    if (client_secret and auth == "basic") or auth == "basic-always":
        basic = httpx.BasicAuth(client_id, client_secret or "")
    else:
        data[client_field] = client_id
        if client_secret:
            data["client_secret"] = client_secret
    register(client_secret, *(form.get(k) for k in ("refresh_token", "code", "code_verifier")))
    failure: ProviderError
    try:
        response = client.post(
            url,
            data=data,
            auth=basic or httpx.USE_CLIENT_DEFAULT,
            headers={"Accept": "application/json", **(headers or {})},
        )
    except httpx.TimeoutException:
        failure = Transient(
            f"{account}: {op}: the token endpoint did not answer in time; will retry "
            "(the stored refresh token is kept)"
        )
    except httpx.HTTPError as exc:
        failure = Transient(
            f"{account}: {op}: cannot reach the token endpoint ({type(exc).__name__}); will "
            "retry (the stored refresh token is kept)"
        )
    else:
        return _token_answer(response, account=account, op=op, now=now)
    raise failure


def _token_answer(
    response: httpx.Response, *, account: str, op: str, now: datetime | None
) -> Credentials:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    data = body.get("data")
    if "access_token" not in body and isinstance(data, list) and data and isinstance(data[0], dict):
        body = data[0]  # Instagram's login answers {"data": [{"access_token": …}]}
    code = body.get("error") if isinstance(body.get("error"), str) else None
    # Reddit answers a refused grant with HTTP 200 and {"error": "invalid_grant"}: an error
    # in the body is judged as one, whatever the status.
    if response.is_success and code is None:
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise Transient(f"{account}: {op}: the token endpoint's answer has no access_token")
        return _credentials(body, now or datetime.now(UTC))
    said = _said(code, body.get("error_description"))
    # On a refresh, any other 4xx is final too: X and LinkedIn answer a spent or revoked
    # refresh token with 400 invalid_request, and retrying the same token cannot succeed;
    # so is an error in a 200 body, unless it says the server is the problem.
    refused = op == "token refresh" and (
        (400 <= status < 500 and status not in (408, 429))
        or (response.is_success and code not in PASSING)
    )
    if code in REVOKED or (code is None and status == 401) or refused:
        raise AuthRevoked(
            f"{account}: {op} refused{said}: the grant is revoked, expired or already used; "
            f"run `socialgit connect {account}`"
        )
    if status == 429:
        raise RateLimited(f"{account}: {op}: rate limited by the token endpoint (HTTP 429)")
    if status >= 500 or status == 408:
        raise Transient(
            f"{account}: {op}: the token endpoint failed (HTTP {status}){said}; will retry "
            "(the stored refresh token is kept)"
        )
    raise Transient(f"{account}: {op}: the token endpoint answered HTTP {status}{said}")


def _said(code: str | None, description: object) -> str:
    text = code or ""
    if isinstance(description, str) and description:
        text += f": {description[:200]}"
    return f" ({scrub(text)})" if text else ""


def _credentials(body: Mapping[str, Any], now: datetime) -> Credentials:
    out: Credentials = {"access_token": body["access_token"]}
    refresh_token = body.get("refresh_token")
    if isinstance(refresh_token, str) and refresh_token:
        out["refresh_token"] = refresh_token
    expires_in = body.get("expires_in")
    if isinstance(expires_in, int | float | str) and str(expires_in).isdigit():
        out["expires_at"] = (now + timedelta(seconds=int(expires_in))).isoformat()
    # The refresh token's own lifetime: LinkedIn's 365-day cap, TikTok's 180 days.
    refresh_in = body.get("refresh_token_expires_in", body.get("refresh_expires_in"))
    if isinstance(refresh_in, int | float | str) and str(refresh_in).isdigit():
        out["refresh_expires_at"] = (now + timedelta(seconds=int(refresh_in))).isoformat()
    for key in ("token_type", "scope"):
        if isinstance(body.get(key), str):
            out[key] = body[key]
    register(out)
    return out


def keep_refresh_token(old: Mapping[str, Any], new: Mapping[str, Any]) -> Credentials:
    """``old`` updated with ``new``; a missing or empty value in ``new`` never replaces a
    stored one (a refresh answer without ``refresh_token`` keeps the one we had)."""
    merged = dict(old)
    for key, value in new.items():
        if value is None or value == "":
            continue
        merged[key] = value
    return merged


# -- the Protocol functions, generic -------------------------------------------------------
def auth_url(
    account: Account,
    redirect_uri: str,
    state: str,
    code_challenge: str,
    *,
    default_authorize_url: str | None = None,
    scope: str | None = None,
) -> str:
    """``generate_auth_url`` for a standard OAuth2 network."""
    return authorize_url(
        endpoint(account, "authorize_url", default_authorize_url),
        client_id=client_id(account),
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=code_challenge,
        scope=scope or account.settings.get("scope"),
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Mapping[str, Any],
    *,
    default_token_url: str | None = None,
    auth: str = "basic",
) -> Credentials:
    """``authenticate`` for a standard OAuth2 network: the code for tokens; the given
    ``client_secret`` (a confidential app) is kept in the result."""
    secret = credentials.get("client_secret") or None
    tokens = token_request(
        client,
        endpoint(account, "token_url", default_token_url),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        },
        account=account.name,
        op="code exchange",
        client_id=client_id(account, credentials),
        client_secret=secret,
        auth=auth,
    )
    return keep_refresh_token(dict(credentials), tokens)


def refresh(
    client: httpx.Client,
    account: Account,
    credentials: Mapping[str, Any],
    *,
    default_token_url: str | None = None,
    auth: str = "basic",
    now: datetime | None = None,
) -> Credentials:
    """``refresh_token`` for a standard OAuth2 network (rotating or not)."""
    token = credentials.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account.name}: no refresh token is stored; run `socialgit connect {account.name}`"
        )
    tokens = token_request(
        client,
        endpoint(account, "token_url", default_token_url),
        {"grant_type": "refresh_token", "refresh_token": token},
        account=account.name,
        op="token refresh",
        client_id=client_id(account, credentials),
        client_secret=credentials.get("client_secret") or None,
        auth=auth,
        now=now,
    )
    return keep_refresh_token(credentials, tokens)


def expires_at(credentials: Mapping[str, Any]) -> datetime | None:
    value = credentials.get("expires_at")
    if not isinstance(value, str) or not value:
        return None
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def bearer_get(
    client: httpx.Client, url: str, credentials: Mapping[str, Any], *, account: str, op: str
) -> dict[str, Any]:
    """GET a JSON resource with the access token (``whoami`` of a standard network).

    401 is :class:`AuthExpired` (refresh once, retry once); 5xx and timeouts Transient."""
    import httpx

    from socialgit.errors import AuthExpired

    token = credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account}: no access token is stored; run `socialgit connect {account}`"
        )
    failure: ProviderError
    try:
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        failure = Transient(f"{account}: {op}: no answer ({type(exc).__name__}); will retry")
    else:
        if response.status_code == 401:
            raise AuthExpired(f"{account}: {op}: the access token was refused (HTTP 401)")
        if response.status_code >= 500:
            raise Transient(f"{account}: {op}: the network failed (HTTP {response.status_code})")
        if not response.is_success:
            raise AuthRevoked(
                f"{account}: {op}: refused (HTTP {response.status_code}); run "
                f"`socialgit connect {account}`"
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return body
        failure = Transient(f"{account}: {op}: unreadable answer")
    raise failure
