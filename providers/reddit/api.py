"""Reddit's OAuth API: one way in, every request with the User-Agent Reddit's rules ask for,
and Reddit's answers classified the same way everywhere.

Reddit refuses most things with HTTP 200: the reason is in the body, ``{"json": {"errors":
[[CODE, message, field], …]}}`` (PRAW ``Objector.parse_error``; the codes and words are
r2's ``errors.py``). ``RATELIMIT`` says how long in words ("you are doing that too much.
try again in 9 minutes."); the per-client limit (100 requests a minute) comes as
``X-Ratelimit-Remaining`` and ``X-Ratelimit-Reset`` (seconds) on every answer, and 429
when spent. An access token Reddit no longer takes is 401 with ``www-authenticate: Bearer
realm="reddit", error="invalid_token"``; one without a scope, 403 ``insufficient_scope``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from providers._counts import pick, without_own
from socialgit import __version__
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    Duplicate,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Counts, Credentials, Published
    from socialgit.model import Account

API = "https://oauth.reddit.com"
WAIT = re.compile(r"(\d+)\s+(millisecond|second|minute|hour)s?", re.IGNORECASE)
_UNITS = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}
# Codes that mean "not now" rather than "not this", with how long when Reddit does not say.
_LATER = {
    "RATELIMIT": timedelta(minutes=10),
    "QUOTA_FILLED": timedelta(hours=1),  # "You've submitted too many links recently."
    "SUBREDDIT_RATELIMIT": timedelta(minutes=10),  # "try again later." (how long: UNCONFIRMED)
}


def root(account: Account) -> str:
    return _http.root(account, API)


def user_agent(account: Account) -> str:
    """``<platform>:<app>:<version> (by /u/<user>)``, as Reddit's API rules ask: a generic
    one (httpx's own) is throttled or blocked."""
    username = account.settings.get("username") or "unknown"
    return f"python:socialgit:{__version__} (by /u/{username})"


def access_token(account: Account, credentials: Credentials) -> str:
    token = credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account.name}: no Reddit access token is stored; "
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
    budget: bool = False,
    **request: Any,
) -> dict[str, Any]:
    """One request with the access token and the User-Agent; the JSON object Reddit answered,
    or a classified error (from the status, or from ``json.errors`` in a 200).

    ``sent``: the request publishes something, so a lost answer or a 5xx is
    ``OutcomeUnknown``. ``budget``: a read before publishing; when Reddit says this client
    has no request left in its window, stop here (``RateLimited``) rather than have the
    publishing request refused."""
    response = _send(client, account, credentials, method, path, op=op, sent=sent, **request)
    body = _http.json_object(response, op, sent=sent)
    refused = errors(body)
    if refused:
        raise judge(refused, body, response, op, account)
    if budget:
        remaining = _http.header_seconds(response, "x-ratelimit-remaining")
        if remaining is not None and remaining < 1:
            raise rate_limited(response, op, "no request left in this window")
    return body


def get_list(
    client: httpx.Client, account: Account, credentials: Credentials, path: str, *, op: str
) -> list[Any]:
    """A GET whose answer is a JSON list (a subreddit's flairs)."""
    response = _send(client, account, credentials, "GET", path, op=op, sent=False)
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, list):
        raise Transient(f"{op}: unreadable answer (HTTP {response.status_code}); will retry")
    return body


def counts(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """A post's score (as likes: upvotes less downvotes, as Reddit shows it), its comments
    and crossposts, from ``GET /api/info`` (scope ``read``). ``num_comments`` counts the
    whole discussion, so the thread's own later parts are taken off."""
    op = f"Reddit counts of {item.post or item.id}"
    listing = call(
        client, account, credentials, "GET", "/api/info", op=op,
        params={"id": item.id, "raw_json": "1"},
    )  # fmt: skip
    data = listing.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    found = children[0].get("data") if isinstance(children, list) and children else None
    if not isinstance(found, dict):
        raise Rejected(f"{op}: Reddit has no such post (deleted, or never there)")
    counts = pick(found, _COUNTS)
    return without_own(counts, len(item.parts) - 1)


_COUNTS = {"likes": "score", "replies": "num_comments", "reposts": "num_crossposts"}


def _send(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    method: str,
    path: str,
    *,
    op: str,
    sent: bool,
    **request: Any,
) -> httpx.Response:
    token = access_token(account, credentials)
    headers = {
        "Authorization": f"Bearer {token}",
        "User-Agent": user_agent(account),
        **request.pop("headers", {}),
    }
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
    if not response.is_success:
        raise error(response, op, account, sent=sent)
    return response


def errors(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``json.errors`` of an answer as (code, message, field)."""
    found = body.get("json")
    listed = found.get("errors") if isinstance(found, dict) else None
    out: list[tuple[str, str, str]] = []
    for item in listed if isinstance(listed, list) else ():
        if isinstance(item, list) and item:
            code, message, field = ([*map(str, item), "", ""])[:3]
            out.append((code, message, field))
    return out


def judge(
    refused: list[tuple[str, str, str]],
    body: dict[str, Any],
    response: httpx.Response,
    op: str,
    account: Account,
) -> ProviderError:
    """The class of Reddit's refusal inside a 200 answer."""
    code, message, _ = refused[0]
    words = "; ".join(f"{c}: {m}" + (f" ({f})" if f else "") for c, m, f in refused)[:400]
    if code in _LATER:
        return _later(code, message, body, response, op, words)
    if code == "ALREADY_SUB":
        return Duplicate(f"{op}: Reddit says this link is already posted there ({words})")
    if code in {"USER_REQUIRED", "EXPIRED"}:
        return AuthRevoked(
            f"{op}: Reddit did not take this as a user's request ({words}); "
            f"run `socialgit connect {account.name}`"
        )
    return Rejected(f"{op}: Reddit refused: {words}")


def _later(
    code: str, message: str, body: dict[str, Any], response: httpx.Response, op: str, words: str
) -> RateLimited:
    seconds: float | None = None
    found = WAIT.search(message)
    if found:
        seconds = int(found[1]) * _UNITS[found[2].lower()]
    told = body.get("json", {}).get("ratelimit")  # seconds, on some answers (UNCONFIRMED)
    if isinstance(told, int | float) and told > 0:
        seconds = max(seconds or 0.0, float(told))
    if seconds is None:
        seconds = _LATER[code].total_seconds()
    return _http.rate_limited(response, op, seconds, why=words)


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    status = response.status_code
    words = said(response)
    challenge = response.headers.get("www-authenticate", "")
    if status == 429:
        return rate_limited(response, op, words)
    if status == 401:
        # Expired or revoked: the runner refreshes once and retries once.
        return AuthExpired(f"{op}: Reddit refused the access token (HTTP 401)")
    if status == 403 and "insufficient_scope" in challenge:
        return AuthRevoked(
            f"{op}: the Reddit token lacks a scope this needs; "
            f"run `socialgit connect {account.name}`"
        )
    if status == 403:
        return Rejected(
            f"{op}: Reddit refused (HTTP 403){f': {words}' if words else ''}: the account "
            "may be banned or suspended there, or the app not approved for API access "
            "(docs/networks/reddit.md)"
        )
    if status in {400, 404, 409, 413, 415, 422}:
        return Rejected(f"{op}: Reddit refused (HTTP {status}){f': {words}' if words else ''}")
    if sent and status >= 500:
        return OutcomeUnknown(
            f"{op}: Reddit failed (HTTP {status}) after the request; it may be out"
        )
    return _http.status_error(response, op, sent=sent, message=words)


def said(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    message = body.get("message") or body.get("explanation") or body.get("reason")
    return message[:200] if isinstance(message, str) else ""


def rate_limited(response: httpx.Response, op: str, words: str = "") -> RateLimited:
    """Until ``X-Ratelimit-Reset`` (seconds to the end of the window), else ``Retry-After``."""
    return _http.rate_limited(
        response, op, _http.header_seconds(response, "x-ratelimit-reset"), why=words
    )
