"""Requests to Tumblr's API v2 with an OAuth2 access token, and its answers classified the
same way everywhere.

Tumblr answers ``{"meta": {"status", "msg"}, "response": …, "errors": [{"title", "code"}]}``
(the API's docs, "Errors and Error Subcodes"). What matters here: 401 (the access token
expired, or was revoked: the runner refreshes once, a refused refresh says connect);
403 with 8023 (the 250 posts a day) or 8004 (the 250 images a day): deferred, the limit
resets within the day; other 400 and 403 codes refuse the post (8001: bad NPF, 8005: bad
media); 429 for the API's call limits; 5xx after a create: in doubt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from socialgit.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

ROOT = "https://api.tumblr.com"
DAILY = {8023: "the blog's 250 posts a day", 8004: "the 250 images a day"}
DAILY_WAIT = timedelta(hours=1)  # Tumblr does not say when a day's limit resets


@dataclass(frozen=True, slots=True)
class Session:
    client: httpx.Client
    account: Account
    token: str

    @classmethod
    def of(cls, client: httpx.Client, account: Account, credentials: Credentials) -> Session:
        token = credentials.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthExpired(f"{account.name}: no Tumblr access token stored")
        return cls(client, account, token)

    def blog(self) -> str:
        """The blog as the API names it: ``name``, ``name.tumblr.com`` or its domain."""
        given = self.account.settings.get("blog")
        text = given.strip() if isinstance(given, str) else ""
        return text.removeprefix("https://").removeprefix("http://").strip("/")

    def call(self, method: str, path: str, op: str, *, sent: bool = False, **request: Any) -> Any:
        """The answer's ``response``. ``sent``: the request creates a post."""
        what = f"Tumblr {op} ({self.account.name})"
        response = _http.send(
            self.client,
            method,
            f"{_http.root(self.account, ROOT)}/v2/{path.lstrip('/')}",
            op=what,
            secrets=(self.token,),
            idempotent=not sent,
            headers={"Authorization": f"Bearer {self.token}"},
            **request,
        )
        if not response.is_success:
            raise error(response, what, self.account.name, sent=sent)
        body = _http.json_object(response, what, sent=sent)
        found = body.get("response")
        return found if found is not None else {}


def said(response: httpx.Response) -> tuple[int, str]:
    """Tumblr's first error: (subcode, words)."""
    try:
        body = response.json()
    except ValueError:
        return 0, ""
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    if isinstance(first, dict):
        code = first.get("code")
        words = str(first.get("detail") or first.get("title") or "")
        return (code if isinstance(code, int) else 0), words[:300]
    meta = body.get("meta") if isinstance(body, dict) else None
    return 0, str(meta.get("msg") or "")[:300] if isinstance(meta, dict) else ""


def error(response: httpx.Response, op: str, account: str, *, sent: bool) -> ProviderError:
    status = response.status_code
    code, words = said(response)
    words = words or f"HTTP {status}"
    if status == 401:
        return AuthExpired(f"{op}: Tumblr refused the access token ({words})")
    if status == 403 and code in DAILY:
        until = datetime.now(UTC) + DAILY_WAIT
        return RateLimited(f"{op}: Tumblr's limit of {DAILY[code]} is reached", until=until)
    if status == 429:
        return _http.rate_limited(response, op, why=words)
    if sent and status >= 500:
        return OutcomeUnknown(f"{op}: Tumblr failed (HTTP {status}) after the create")
    if status in (400, 403, 404, 413):
        return Rejected(
            f"{op}: Tumblr refused (HTTP {status}{f', {code}' if code else ''}): {words}"
        )
    return _http.status_error(response, op, sent=sent, message=words)
