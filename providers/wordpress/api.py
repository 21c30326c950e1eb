"""Talking to a WordPress site's REST API (``/wp/v2``) with an application password.

Every request goes through ``_http.send`` with the password (and the Basic credentials made
from it) as secrets. WordPress answers errors as ``{"code", "message", "data": {"status"}}``;
``error`` turns them into socialgit's error classes, by status and code, with WordPress's own
words. A host or firewall in front of the site may answer in HTML: the status decides then.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from providers import _http
from socialgit.errors import AuthRevoked, OutcomeUnknown, ProviderError, Rejected

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

# What a 403 answers when the user's role lacks a capability (rest_cannot_create, …).
_FORBIDDEN = ("rest_cannot_", "rest_forbidden", "rest_upload_user_quota_exceeded")


def site(account: Account) -> str:
    """The site's address, without a trailing slash; https, or http on this machine only:
    the application password travels with every request."""
    address = str(account.settings.get("site") or "").rstrip("/")
    parts = urlsplit(address)
    if parts.scheme == "https" or (
        parts.scheme == "http" and _http.on_this_machine(parts.hostname or "")
    ):
        return address
    raise Rejected(
        f"{account.name}: `site:` must be the site's https:// address (WordPress sends no "
        "application password over plain http)"
    )


def root(account: Account) -> str:
    """The REST API's root: ``base_url`` when set (a site without pretty permalinks:
    ``https://blog.example/?rest_route=``), else the site's ``/wp-json``."""
    return _http.root(account, f"{site(account)}/wp-json")


class Session:
    """Requests to one site as one user."""

    def __init__(self, client: httpx.Client, account: Account, credentials: Credentials) -> None:
        password = str(credentials.get("app_password") or "")
        if not password:
            raise AuthRevoked(
                f"{account.name}: no WordPress application password is stored; run "
                f"`socialgit connect {account.name}`"
            )
        user = str(account.settings.get("username") or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.client = client
        self.account = account
        self.root = root(account)
        self.headers = {"Authorization": f"Basic {token}"}
        # WordPress ignores the spaces it shows the password with; both spellings are secret.
        self.secrets = (password, password.replace(" ", ""), token)

    def call(
        self,
        method: str,
        path: str,
        op: str,
        *,
        idempotent: bool | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return _http.send(
            self.client,
            method,
            f"{self.root}/wp/v2/{path}",
            op=f"WordPress {op} ({self.account.name})",
            secrets=self.secrets,
            idempotent=idempotent,
            headers={**self.headers, **(headers or {})},
            **kwargs,
        )

    def read(self, path: str, op: str, **params: Any) -> Any:
        """A GET whose answer is JSON; errors classified."""
        response = self.call("GET", path, op, params=params)
        if not response.is_success:
            raise error(response, f"WordPress {op} ({self.account.name})", sent=False)
        try:
            return response.json()
        except ValueError:
            raise _http.status_error(response, op, sent=False, message="not JSON") from None


def error(response: httpx.Response, op: str, *, sent: bool) -> ProviderError:
    """WordPress's error answer as socialgit's class: ``sent`` when the request may have
    published something (a create), so that a server error hides no duplicate."""
    try:
        body = response.json()
    except ValueError:
        body = None
    code = str(body.get("code") or "") if isinstance(body, dict) else ""
    message = str(body.get("message") or "")[:300] if isinstance(body, dict) else ""
    said = f"{message} ({code})" if code else message
    status = response.status_code
    if status == 401:
        return AuthRevoked(
            f"{op}: WordPress refused the application password: {said or 'HTTP 401'}; check "
            "`username:` and the password (`socialgit connect`), and that the host passes the "
            "Authorization header on"
        )
    if status == 403 and code.startswith(_FORBIDDEN):
        return AuthRevoked(f"{op}: the WordPress user may not do this: {said}")
    if sent and status >= 500:
        # PHP may fail after the post was saved: never resend blind.
        return OutcomeUnknown(f"{op}: the site failed (HTTP {status}) {said}; it may exist")
    if status in (404, 405) and not code:
        return Rejected(
            f"{op}: no WordPress REST API answers there (HTTP {status}); if the site has no "
            "pretty permalinks, set `base_url: https://SITE/?rest_route=` for the account"
        )
    return _http.status_error(response, op, sent=sent, message=said)
