"""Pinterest API v5 requests: one way in, and Pinterest's answers classified the same way
everywhere.

Pinterest answers errors as ``{"code": <int>, "message": "…"}`` (``Pinterest.Lib.Error`` in
its OpenAPI description) with the HTTP status saying the kind: 401 for a token it refuses,
403 for what the app or account may not do, 400/404 for content and ids, 429 for limits.
One 403 matters above the others: code 29, "Apps with Trial access may not create Pins in
production" (gitroomhq/postiz-app#1084): an app without Standard access can only publish
to the API sandbox, and the message says what to do about it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from providers import _http
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

    from providers.base import Credentials
    from socialgit.model import Account

API = "https://api.pinterest.com/v5"
SANDBOX_HOST = "api-sandbox.pinterest.com"
TRIAL = 29  # "Apps with Trial access may not create Pins in production"


def root(account: Account) -> str:
    return _http.root(account, API)


def access_token(account: Account, credentials: Credentials) -> str:
    token = credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account.name}: no Pinterest access token is stored; "
            f"run `socialgit connect {account.name}`"
        )
    return token


def call(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    method: str,
    path: str,
    *,
    op: str,
    sent: bool = False,
    **request: Any,
) -> dict[str, Any]:
    """One request with the access token; the JSON object Pinterest answered, or a
    classified error. ``sent``: the request creates something, so a lost or unreadable
    answer (or a 5xx) is ``OutcomeUnknown``, never a blind retry."""
    token = access_token(account, credentials)
    headers = {"Authorization": f"Bearer {token}", **request.pop("headers", {})}
    response = _http.send(
        client,
        method,
        f"{root(account)}{path}",
        op=op,
        secrets=(token,),
        idempotent=not sent,
        headers=headers,
        **request,
    )
    if response.is_success:
        return _http.json_object(response, op, sent=sent)
    raise error(response, op, account, sent=sent)


def said(response: httpx.Response) -> tuple[int | None, str]:
    """Pinterest's error code and message, when the body has them."""
    try:
        body = response.json()
    except ValueError:
        return None, ""
    if not isinstance(body, dict):
        return None, ""
    code = body.get("code")
    message = body.get("message")
    return (
        code if isinstance(code, int) else None,
        message[:300] if isinstance(message, str) else "",
    )


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    status = response.status_code
    code, message = said(response)
    words = f"{message} (code {code})" if code is not None else message
    if status == 429:
        return rate_limited(response, op, words)
    if status == 401:
        # Expired or revoked: the runner refreshes once and tries once more.
        return AuthExpired(f"{op}: Pinterest refused the access token (HTTP 401)")
    if code == TRIAL:
        return Rejected(
            f"{op}: Pinterest refused: {words}. The app has Trial access: its pins can go to "
            "the API sandbox only (`base_url: https://api-sandbox.pinterest.com/v5`, visible "
            "to you alone) until Pinterest grants Standard access (docs/networks/pinterest.md)"
        )
    if status == 403:
        return Rejected(
            f"{op}: Pinterest refused (HTTP 403): {words or 'no reason given'}; check that the "
            f"board is this account's and the app's scopes, then `socialgit connect "
            f"{account.name}`"
        )
    if status in {400, 404, 409, 413, 415, 422}:
        return Rejected(f"{op}: Pinterest refused (HTTP {status}): {words or 'no reason given'}")
    if sent and status >= 500:
        return OutcomeUnknown(
            f"{op}: Pinterest failed (HTTP {status}) after the request; the pin may be out"
        )
    return _http.status_error(response, op, sent=sent, message=words)


def rate_limited(response: httpx.Response, op: str, words: str = "") -> RateLimited:
    """``Retry-After`` when Pinterest sends one, else ``X-RateLimit-Reset`` read as seconds
    (the header's name and unit are not documented for v5: UNCONFIRMED), else a minute."""
    return _http.rate_limited(
        response, op, _http.header_seconds(response, "x-ratelimit-reset"), why=words
    )
