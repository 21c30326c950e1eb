"""YouTube Data API v3 requests: one way in, and Google's answers classified the same way.

Google answers errors as ``{"error": {"code", "message", "errors": [{"domain", "reason",
"message"}], "status"}}``; the ``reason`` decides:

- ``quotaExceeded`` (403, domain ``youtube.quota``): the project's daily quota (100
  ``videos.insert`` calls, 10,000 units for the rest) is spent until it resets at midnight
  Pacific time: ``RateLimited`` until then;
- ``uploadLimitExceeded`` (400): the channel's own 24-hour upload cap: ``RateLimited`` for a
  day; ``rateLimitExceeded`` / ``userRateLimitExceeded`` (403): a short limit;
- 401 (``authError``): ``AuthExpired``, refreshed once by the runner; ``insufficientPermissions``
  (403): the grant lacks a scope: connect again;
- ``invalidTitle``, ``invalidDescription``, ``invalidCategoryId``, … (400): ``Rejected``.

The access token goes in the Authorization header only; messages name the operation, never a
URL (an upload session's address is a credential of sorts: see providers/youtube/upload.py).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

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

    from providers.base import Counts, Credentials, Published
    from socialgit.model import Account

API = "https://www.googleapis.com"
PACIFIC = ZoneInfo("America/Los_Angeles")  # where YouTube's quota day begins and ends
_SHORT_LIMITS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})


def root(account: Account) -> str:
    return _http.root(account, API)


def access_token(account: Account, credentials: Credentials) -> str:
    return _http.access_token(account, credentials, "YouTube")


def call(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    method: str,
    path: str,
    *,
    op: str,
    **request: Any,
) -> dict[str, Any]:
    """One read of the Data API (``/youtube/v3/...``); the JSON object or a classified error."""
    token = access_token(account, credentials)
    headers = {"Authorization": f"Bearer {token}", **request.pop("headers", {})}
    response = _http.send(
        client,
        method,
        f"{root(account)}{path}",
        op=op,
        secrets=(token,),
        headers=headers,
        **request,
    )
    if response.is_success:
        return _http.json_object(response, op, sent=False)
    raise error(response, op, account, sent=False)


def counts(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """A video's statistics (``videos.list``, ``part=statistics``: 1 quota unit, scope
    ``youtube.readonly``): views, likes and comments. Google sends them as strings, and
    leaves ``likeCount`` out where the channel hides it; dislikes are private."""
    op = f"YouTube counts of {item.post or item.id}"
    params = {"part": "statistics", "id": item.id}
    answer = call(client, account, credentials, "GET", "/youtube/v3/videos", op=op, params=params)
    items = answer.get("items")
    found = items[0] if isinstance(items, list) and items else None
    stats = found.get("statistics") if isinstance(found, dict) else None
    if not isinstance(stats, dict):
        raise Rejected(f"{op}: YouTube has no such video (deleted, or private to others)")
    return {
        ours: int(value)
        for ours, theirs in _COUNTS.items()
        if isinstance(value := stats.get(theirs), str | int) and str(value).isdigit()
    }


_COUNTS = {"views": "viewCount", "likes": "likeCount", "replies": "commentCount"}


def reason(response: httpx.Response) -> tuple[str, str]:
    """(the first ``errors[].reason``, Google's message) of an error answer."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    problem = body.get("error") if isinstance(body, dict) else None
    if not isinstance(problem, dict):
        return "", ""
    message = problem.get("message")
    words = message[:300] if isinstance(message, str) else ""
    errors = problem.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    why = first.get("reason") if isinstance(first, dict) else None
    return (why if isinstance(why, str) else ""), words


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    """``sent``: the request may have created the video (the last bytes of an upload)."""
    status = response.status_code
    why, words = reason(response)
    said = f": {words}" if words else ""
    if why == "quotaExceeded":
        until = next_quota_day(_http.now())
        return RateLimited(
            f"{op}: the project's daily YouTube quota is used up until "
            f"{until.isoformat(timespec='seconds')} (midnight Pacific time); more quota needs "
            "YouTube's audit form (docs/networks/youtube.md)",
            until=until,
        )
    if why == "uploadLimitExceeded":
        until = _http.now() + timedelta(days=1)
        return RateLimited(
            f"{op}: the channel's 24-hour upload limit is reached{said}", until=until
        )
    if status == 429 or why in _SHORT_LIMITS:
        return _http.rate_limited(response, op, why=words)
    if status == 401:
        return AuthExpired(f"{op}: YouTube refused the access token (HTTP 401)")
    if why in {"insufficientPermissions", "forbidden"} and status == 403:
        return AuthRevoked(
            f"{op}: YouTube refused (HTTP 403, {why}){said}; run `socialgit connect "
            f"{account.name}` and allow uploading to the channel"
        )
    if 400 <= status < 500:
        detail = f" ({why})" if why else ""
        return Rejected(f"{op}: YouTube refused (HTTP {status}{detail}){said}")
    if sent and status >= 500:
        return OutcomeUnknown(
            f"{op}: YouTube failed (HTTP {status}) after the upload; it may be out"
        )
    return _http.status_error(response, op, sent=sent, message=words)


def next_quota_day(now: datetime) -> datetime:
    """The next midnight in Pacific time (daylight saving included), as an aware datetime."""
    tomorrow = now.astimezone(PACIFIC).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(), tzinfo=PACIFIC)
