"""Meta's Graph API: one way to call it, one way its errors are classified, whichever
product answers (Threads, Facebook Pages, Instagram: ``Product`` names it in every message).

Meta answers errors as ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}`` (usually HTTP 400 whatever the cause), so classification goes by ``code``
and ``error_subcode``, not by HTTP status:

- 190 (and 102, an expired session): the token no longer works. Subcodes that say why and
  mean "log in again" (458 app removed, 459 checkpoint, 460 password changed, 464
  unconfirmed user, 467 invalidated, 492 session) are ``AuthRevoked``; 463 (expired) and no
  subcode are ``AuthExpired``, so the runner refreshes once — ``refresh_token`` then says
  whether that is still possible;
- 10 and 200–299: a permission is missing: ``AuthRevoked`` (connect again to grant it);
- 4, 17, 32, 613, 80000–80014 (Business Use Case limits), and the subcodes for posting too
  fast or Instagram's daily limit: throttled: ``RateLimited``;
- 1, 2 and 5xx: Meta failed: ``Transient`` (``OutcomeUnknown`` after a send that may have
  published);
- anything else: ``Rejected`` with Meta's own words.

Tokens travel as the ``access_token`` parameter, as Meta documents (query for GET, form
body for POST). They are registered with the shared redaction, so httpx's log lines and
any error text are scrubbed of them; messages name the operation, never the URL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    Rejected,
    Transient,
)
from socialgit.redact import scrub

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account

# 4 app, 17 user, 32 Page, 613 calls: throttled; 80000-80014: a Business Use Case's limit
# (80001 Pages, 80002 Instagram), which Meta lifts in time.
RATE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
# Subcodes that mean "too much, too fast" under other codes: posting too fast (1390008),
# Instagram's daily publishing limit reached (2207042).
RATE_SUBCODES = frozenset({1390008, 2207042})
# What a person must do, for refusals whose words alone do not say it.
HINTS = {
    1404078: "the Page needs Page Publishing Authorization: complete it in the Page's settings",
    4854002: "Meta wants the Page's admin to confirm their identity first",
    1609008: "Facebook does not take links to facebook.com here",
}
AUTH_CODES = frozenset({102, 190})
# Subcodes of 190 after which only a new sign-in helps (Graph API error handling guide).
REVOKED_SUBCODES = frozenset({458, 459, 460, 464, 467, 492})
SERVICE_CODES = frozenset({1, 2})


@dataclass(frozen=True)
class Product:
    """A Meta product that speaks Graph: its name as people say it (every message names
    it), its host, and the API version its paths start with."""

    title: str
    host: str
    version: str


@dataclass(frozen=True)
class Session:
    """One account's Graph calls with one token; ``user`` is the node it publishes under
    (a Threads or Instagram user, a Facebook Page)."""

    client: httpx.Client
    account: Account
    product: Product
    token: str
    user: str
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    @property
    def title(self) -> str:
        return self.product.title

    def get(self, path: str, op: str, **params: str) -> dict[str, Any]:
        return call(
            self.client,
            self.account,
            "GET",
            api(self.account, self.product, path),
            product=self.product,
            token=self.token,
            op=op,
            params=params,
        )

    def post(self, path: str, op: str, *, sent: bool, **data: str) -> dict[str, Any]:
        """``sent``: the request may publish something (no answer is then OutcomeUnknown)."""
        return self.upload(path, op, sent=sent, data=data)

    def upload(
        self,
        path: str,
        op: str,
        *,
        sent: bool,
        data: dict[str, str],
        files: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A POST with ``data`` fields, and ``files`` as a multipart body when given."""
        return call(
            self.client,
            self.account,
            "POST",
            api(self.account, self.product, path),
            product=self.product,
            token=self.token,
            op=op,
            sent=sent,
            data=data,
            files=files,
        )


def root(account: Account, product: Product) -> str:
    """The Graph host (``base_url`` in socialgit.yml points it at a test server)."""
    return _http.root(account, product.host)


def api(account: Account, product: Product, path: str) -> str:
    version = account.settings.get("version") or product.version
    return f"{root(account, product)}/{version}/{path.lstrip('/')}"


def call(
    client: httpx.Client,
    account: Account,
    method: str,
    url: str,
    *,
    product: Product,
    token: str,
    op: str,
    sent: bool = False,
    params: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
    files: dict[str, Any] | None = None,
    secrets: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One Graph request carrying ``token`` (none when ""); the answer's JSON object, or a
    classified error.

    ``sent``: the request may publish something, so no answer is ``OutcomeUnknown``."""
    request: dict[str, Any] = {}
    carried = {"access_token": token} if token else {}
    if method == "GET":
        request["params"] = {**(params or {}), **carried}
    else:
        request["params"] = params or {}
        request["data"] = {**(data or {}), **carried}
        if files:
            request["files"] = files  # multipart: an upload's bytes beside the fields
    hidden = (token, *secrets)
    response = _http.send(
        client, method, url, op=op, secrets=hidden, idempotent=not sent, **request
    )
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if response.is_success and isinstance(body, dict) and "error" not in body:
        return body
    if response.is_success and not isinstance(body, dict):
        return _http.json_object(response, op, sent=sent)  # raises: unreadable
    raise classify(body, response, op, account, product=product.title, sent=sent, hidden=hidden)


def classify(
    body: Any,
    response: httpx.Response,
    op: str,
    account: Account,
    *,
    product: str,
    sent: bool,
    hidden: tuple[str, ...] = (),
) -> ProviderError:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        if sent and response.status_code >= 500:  # a gateway's page: Meta may have acted
            return OutcomeUnknown(
                f"{op}: {product} failed (HTTP {response.status_code}); it may have gone out"
            )
        return _http.status_error(response, op, sent=sent)
    code = error.get("code") if isinstance(error.get("code"), int) else None
    sub = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    said = error.get("error_user_msg") or error.get("message") or f"HTTP {response.status_code}"
    said = scrub(str(said), hidden)[:300]
    connect = f"run `socialgit connect {account.name}`"
    if code in RATE_CODES or sub in RATE_SUBCODES or response.status_code == 429:
        return _http.rate_limited(response, op, _regain(response), why=said)
    if code in AUTH_CODES:
        if sub in REVOKED_SUBCODES:
            return AuthRevoked(f"{op}: {product} revoked the access ({said}); {connect}")
        return AuthExpired(f"{op}: {product} refused the access token ({said})")
    if code == 10 or (code is not None and 200 <= code <= 299):
        return AuthRevoked(
            f"{op}: the app lacks a {product} permission ({said}); {connect} and grant it"
        )
    if code in SERVICE_CODES or response.status_code >= 500:
        if sent:
            return OutcomeUnknown(f"{op}: {product} failed ({said}); it may have gone out")
        return Transient(f"{op}: {product} failed ({said}); will retry")
    hint = HINTS.get(sub) if sub is not None else None
    return Rejected(f"{op}: {product} refused: {said}{f' ({hint})' if hint else ''}")


def _regain(response: httpx.Response) -> float | None:
    """Seconds until Meta lets calls through again, from its usage headers when present
    (``estimated_time_to_regain_access`` is in minutes); None: they do not say."""
    waits: list[float] = []
    for name in ("X-Business-Use-Case-Usage", "X-App-Usage"):
        raw = response.headers.get(name)
        if not raw:
            continue
        try:
            usage = json.loads(raw)
        except ValueError:
            continue
        entries = usage.values() if isinstance(usage, dict) else []
        for entry in entries:
            for item in entry if isinstance(entry, list) else [entry]:
                minutes = (
                    item.get("estimated_time_to_regain_access") if isinstance(item, dict) else None
                )
                if isinstance(minutes, int | float) and minutes > 0:
                    waits.append(timedelta(minutes=minutes).total_seconds())
    return max(waits) if waits else None
