"""Requests to a Ghost site's Admin API, each with a token of its own, and Ghost's answers
classified the same way everywhere.

Ghost answers errors as ``{"errors": [{"message", "type", "code", "context", …}]}`` with the
HTTP status saying the kind (Ghost's ``@tryghost/errors``). What matters here:

- 401 ``INVALID_JWT`` "jwt expired" / "maxAge exceeded": the token was older than five
  minutes when Ghost read it. A token is minted per request, so this is a clock (this
  machine's or the site's) off by minutes: a refresh cannot fix it, a person must;
- 401 ``INVALID_JWT`` "invalid signature", ``UNKNOWN_ADMIN_API_KEY``,
  ``INVALID_API_KEY_TYPE``: the key was regenerated, or its integration deleted;
- 403 ``NoPermissionError``: the request carried no token Ghost took, or the integration may
  not do this (a Ghost(Pro) plan without custom integrations refuses them too);
- 422 ``ValidationError``, 413, 415: the content (a title over 255 characters, an image too
  big or of a type Ghost does not take);
- 429 and 5xx as for every network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.ghost import admin_key
from socialgit.errors import (
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    Rejected,
    UsageError,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

ADMIN = "/ghost/api/admin"
VERSION = "v5.0"  # Accept-Version: the Admin API this client was written against


def site(account: Account) -> str:
    """The site's address: ``base_url`` (a test server) or ``site``, without a trailing
    slash; plain http only on this machine."""
    value = account.settings.get("base_url") or account.settings.get("site")
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{account.name}: set `site:` (https://your.ghost.site) in socialgit.yml")
    value = value.strip().rstrip("/")
    scheme, _, rest = value.partition("://")
    host = rest.split("/", 1)[0].rsplit(":", 1)[0]
    if scheme != "https" and not (scheme == "http" and _http.on_this_machine(host)):
        raise UsageError(f"{account.name}: `site:` must be an https:// address ({value})")
    return value


@dataclass(frozen=True, slots=True)
class Session:
    """One account's way into its site: every request signed with a fresh token."""

    client: httpx.Client
    account: Account
    key: admin_key.AdminKey
    secret: str  # the key as stored, for scrubbing

    @classmethod
    def of(cls, client: httpx.Client, account: Account, credentials: Credentials) -> Session:
        stored = credentials.get("admin_api_key")
        return cls(client, account, admin_key.parse(stored, account.name), str(stored or ""))

    def url(self, path: str) -> str:
        return f"{site(self.account)}{ADMIN}/{path.lstrip('/')}"

    def call(
        self,
        method: str,
        path: str,
        op: str,
        *,
        sent: bool = False,
        ok: tuple[int, ...] = (),
        **request: Any,
    ) -> httpx.Response:
        """One request; a success (or a status in ``ok``) comes back, anything else raises.
        ``sent``: the request publishes something, so a lost answer or a 5xx is
        ``OutcomeUnknown``."""
        what = f"Ghost {op} ({self.account.name})"
        jwt = admin_key.token(self.key)
        headers = {
            "Authorization": f"Ghost {jwt}",
            "Accept-Version": VERSION,
            **request.pop("headers", {}),
        }
        response = _http.send(
            self.client,
            method,
            self.url(path),
            op=what,
            secrets=(self.secret, self.key.secret.hex(), jwt),
            idempotent=not sent,
            headers=headers,
            **request,
        )
        if response.is_success or response.status_code in ok:
            return response
        raise error(response, what, self.account.name, sent=sent)

    def read(self, path: str, op: str, **params: Any) -> dict[str, Any]:
        response = self.call("GET", path, op, params=params or None)
        return _http.json_object(response, f"Ghost {op}", sent=False)


def said(response: httpx.Response) -> tuple[str, str, str]:
    """Ghost's first error: (type, code, message with its context)."""
    try:
        body = response.json()
    except ValueError:
        return "", "", ""
    errors = body.get("errors") if isinstance(body, dict) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    if not isinstance(first, dict):
        return "", "", ""
    message = str(first.get("message") or "")
    context = first.get("context")
    if isinstance(context, str) and context and context not in message:
        message = f"{message} {context}"
    return str(first.get("type") or ""), str(first.get("code") or ""), message[:300]


def error(response: httpx.Response, op: str, account: str, *, sent: bool) -> ProviderError:
    status = response.status_code
    kind, _code, message = said(response)
    words = message or kind or f"HTTP {status}"
    if status == 401 and ("expired" in message or "maxAge" in message):
        return Rejected(
            f"{op}: Ghost refused the token as too old ({words}); a token is signed for each "
            "request, so this machine's clock and the site's differ by more than 5 minutes"
        )
    if status == 401:
        return AuthRevoked(
            f"{op}: Ghost refused the Admin API key ({words}); it was regenerated or its "
            f"integration deleted: run `socialgit connect {account}`"
        )
    if status == 403:
        return Rejected(
            f"{op}: Ghost refused (HTTP 403: {words}); check that the key is a custom "
            "integration's Admin API key and that the site's plan allows integrations"
        )
    if status == 429:
        return _http.rate_limited(response, op, why=words)
    if sent and status >= 500:
        return OutcomeUnknown(
            f"{op}: Ghost failed (HTTP {status}) after the request; it may be out"
        )
    if status in (400, 404, 409, 413, 415, 422):
        return Rejected(f"{op}: Ghost refused (HTTP {status}): {words}")
    return _http.status_error(response, op, sent=sent, message=words)
