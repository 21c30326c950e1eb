"""X API v2 requests: one way in, and X's answers classified the same way everywhere.

X answers errors as RFC 7807 problem documents (``{"title", "detail", "type", "status"}``,
sometimes with an ``errors`` list) and limits with ``x-rate-limit-*`` headers whose reset is
epoch seconds; the 24-hour caps on posting come as ``x-user-limit-24hour-*`` and
``x-app-limit-24hour-*``. The access token goes in the Authorization header only, and every
request names an operation ("X create post"), never a URL, in what a person reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from providers import _http
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    Duplicate,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

API = "https://api.x.com"
# The words of X's 403 for a repeated text ("You are not allowed to create a Tweet with
# duplicate content.").
DUPLICATE = "duplicate content"
_LIMITS = ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour")


def root(account: Account) -> str:
    return _http.root(account, API)


def access_token(account: Account, credentials: Credentials) -> str:
    token = credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account.name}: no X access token is stored; run `socialgit connect {account.name}`"
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
    """One request with the access token; the JSON object X answered, or a classified error.

    ``sent``: the request publishes something, so a lost answer (or a 5xx, which X has been
    seen to give for posts that went out) is ``OutcomeUnknown``, never a blind retry.
    """
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


def said(response: httpx.Response) -> str:
    """X's own words for a failure: ``detail``, the first ``errors`` message, or ``title``."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return said_body(body)


def said_body(body: object) -> str:
    """``said`` of a body already read (a 200 that carries only ``errors``)."""
    if not isinstance(body, dict):
        return ""
    words: list[str] = []
    detail = body.get("detail")
    if isinstance(detail, str) and detail:
        words.append(detail)
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0].get("message") or errors[0].get("detail")
        if isinstance(first, str) and first and first not in words:
            words.append(first)
    if not words and isinstance(body.get("title"), str):
        words.append(body["title"])
    return " ".join(words)[:300]


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    status = response.status_code
    words = said(response)
    if status == 429:
        return rate_limited(response, op, words)
    if status == 401:
        # Expired or revoked: the runner refreshes once and retries once.
        return AuthExpired(f"{op}: X refused the access token (HTTP 401)")
    if status == 403 and DUPLICATE in words.lower():
        return Duplicate(f"{op}: X refused a repeated text ({words})")
    if status in {400, 403, 404, 413, 422}:
        hint = ""
        if status == 403 and "permitted" in words.lower():
            hint = f"; check the app's permissions, then `socialgit connect {account.name}`"
        return Rejected(f"{op}: X refused (HTTP {status}): {words or 'no reason given'}{hint}")
    if sent and status >= 500:
        return OutcomeUnknown(f"{op}: X failed (HTTP {status}) after the request; it may be out")
    return _http.status_error(response, op, sent=sent, message=words)


def rate_limited(response: httpx.Response, op: str, words: str = "") -> RateLimited:
    """Until the latest reset among the limits that are spent (the 15-minute window always
    counts: a 429 means it, or a 24-hour cap, is what stopped us)."""
    resets: list[int] = []
    for prefix in _LIMITS:
        reset = response.headers.get(f"{prefix}-reset", "")
        remaining = response.headers.get(f"{prefix}-remaining")
        if reset.strip().isdigit() and (prefix == "x-rate-limit" or remaining == "0"):
            resets.append(int(reset.strip()))
    if not resets:
        return _http.rate_limited(response, op, why=words)
    until = datetime.fromtimestamp(max(resets), UTC)
    why = f" ({words})" if words else ""
    return RateLimited(
        f"{op}: rate limited by X until {until.isoformat(timespec='seconds')}{why}", until=until
    )
