"""Requests to Dev.to's API (Forem API v1) and its answers classified the same way
everywhere.

Forem answers an error as ``{"error": "<sentence>", "status": N}``
(``app/controllers/api/v1/api_controller.rb``): 401 for a key it does not take (revoked, or
its user suspended), 422 for an article it refuses, with the validation errors as one
sentence; "Body markdown has already been taken" (the same title and body from the same
user: Forem allows it once) and "Canonical url has already been taken" are duplicates,
which a look-up then decides. Rack::Attack allows one write a second per key and address
and answers more with 429 and ``Retry-After``: writes are spaced here (``pace``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from providers import _http
from socialgit.errors import (
    AuthRevoked,
    Duplicate,
    OutcomeUnknown,
    ProviderError,
    Rejected,
    Transient,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

ROOT = "https://dev.to"
ACCEPT = "application/vnd.forem.api-v1+json"  # API v1; without it Forem answers as v0
WRITE_EVERY = 1.0  # seconds between two writes with one key (Rack::Attack)
# When each key last wrote, in this process (time.monotonic): several Dev.to deliveries in one
# run go out a second apart rather than into a 429.
_written: dict[str, float] = {}


def pace(key: str) -> None:
    """Wait until a write with ``key`` keeps to one a second, and count this one."""
    wait = _written.get(key, -WRITE_EVERY) + WRITE_EVERY - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    _written[key] = time.monotonic()


@dataclass(frozen=True, slots=True)
class Session:
    client: httpx.Client
    account: Account
    key: str

    @classmethod
    def of(cls, client: httpx.Client, account: Account, credentials: Credentials) -> Session:
        key = credentials.get("api_key")
        if not isinstance(key, str) or not key.strip():
            raise AuthRevoked(
                f"{account.name}: no Dev.to API key stored; run `socialgit connect {account.name}`"
            )
        return cls(client, account, key.strip())

    def call(self, method: str, path: str, op: str, **request: Any) -> httpx.Response:
        """One request; a success comes back, anything else raises. A ``POST`` creates an
        article: it is paced, and a lost answer or a 5xx is ``OutcomeUnknown``."""
        what = f"Dev.to {op} ({self.account.name})"
        sent = method == "POST"
        if sent:
            pace(self.key)
        response = _http.send(
            self.client,
            method,
            f"{_http.root(self.account, ROOT)}/api/{path.lstrip('/')}",
            op=what,
            secrets=(self.key,),
            headers={"api-key": self.key, "Accept": ACCEPT},
            **request,
        )
        if response.is_success:
            return response
        raise error(response, what, self.account.name, sent=sent)

    def read(self, path: str, op: str, **params: Any) -> Any:
        response = self.call("GET", path, op, params=params or None)
        try:
            return response.json()
        except ValueError:
            pass
        raise Transient(f"Dev.to {op} ({self.account.name}): the answer could not be read")


def said(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    found = body.get("error") if isinstance(body, dict) else None
    return str(found)[:300] if found else ""


def error(response: httpx.Response, op: str, account: str, *, sent: bool) -> ProviderError:
    status = response.status_code
    words = said(response) or f"HTTP {status}"
    if status == 401:
        return AuthRevoked(
            f"{op}: Dev.to refused the API key ({words}); it was revoked, or the account "
            f"suspended: make a new key and run `socialgit connect {account}`"
        )
    if status == 429:
        return _http.rate_limited(response, op, why=words)
    if status == 422 and "has already been taken" in words:
        return Duplicate(f"{op}: Dev.to has this article already ({words})")
    if sent and status >= 500:
        return OutcomeUnknown(f"{op}: Dev.to failed (HTTP {status}) after the create")
    if status in (400, 403, 404, 413, 422):
        return Rejected(f"{op}: Dev.to refused (HTTP {status}): {words}")
    return _http.status_error(response, op, sent=sent, message=words)
