"""LinkedIn's REST API plumbing: where requests go, the headers every call needs, and how
its answers are classified (``socialgit.errors``)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from providers import _http
from providers.base import Credentials
from socialgit.errors import AuthExpired, AuthRevoked, ProviderError, Rejected, Unsupported

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account

API = "https://api.linkedin.com"
AUTHORIZE = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN = "https://www.linkedin.com/oauth/v2/accessToken"
# LinkedIn keeps each monthly version for about a year; 202601 is what working clients send
# (Postiz) and is listed in the Microsoft Learn version picker. `version:` overrides it.
VERSION = "202601"
_VERSION = re.compile(r"^\d{6}$")
_DUPLICATE = re.compile(r"duplicate of (urn:li:(?:share|ugcPost):\d+)")


def root(account: Account) -> str:
    return _http.root(account, API)


def version(account: Account) -> str:
    value = str(account.settings.get("version") or VERSION)
    if not _VERSION.match(value):
        raise Rejected(f"{account.name}: `version:` must be YYYYMM (e.g. {VERSION}), not {value!r}")
    return value


def access_token(account: Account, credentials: Credentials) -> str:
    token = credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account.name}: no LinkedIn access token is stored; run "
            f"`socialgit connect {account.name}`"
        )
    return token


def headers(account: Account, token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "LinkedIn-Version": version(account),
        "X-Restli-Protocol-Version": "2.0.0",
    }


def encoded(urn: str) -> str:
    """A URN as one path segment: every ``:``, ``(``, ``,`` percent-encoded (Rest.li 2.0)."""
    return quote(urn, safe="")


def request(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    method: str,
    path: str,
    *,
    op: str,
    sent: bool,
    **kwargs: Any,
) -> httpx.Response:
    """One versioned REST call, its answer as it came. ``sent``: the call may publish, so a
    lost answer is ``OutcomeUnknown`` rather than ``Transient``."""
    token = access_token(account, credentials)
    return _http.send(
        client,
        method,
        f"{root(account)}{path}",
        op=op,
        secrets=(token,),
        idempotent=not sent,
        headers=headers(account, token),
        **kwargs,
    )


def call(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    method: str,
    path: str,
    *,
    op: str,
    sent: bool,
    **kwargs: Any,
) -> httpx.Response:
    """:func:`request`; answers other than 2xx raise, classified."""
    response = request(client, account, credentials, method, path, op=op, sent=sent, **kwargs)
    if not response.is_success:
        raise error(response, op, account, sent=sent)
    return response


def body(response: httpx.Response) -> dict[str, Any]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def duplicate_of(response: httpx.Response) -> str | None:
    """The post a 422 ``DUPLICATE_POST`` names, if it is one."""
    if response.status_code != 422:
        return None
    found = body(response)
    details = found.get("errorDetails")
    inputs = details.get("inputErrors") if isinstance(details, dict) else None
    codes = {e.get("code") for e in inputs or [] if isinstance(e, dict)}
    message = str(found.get("message") or "")
    match = _DUPLICATE.search(message)
    if "DUPLICATE_POST" not in codes and match is None:
        return None
    return match.group(1) if match else ""


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    """LinkedIn's ``{"status", "serviceErrorCode", "code", "message"}`` classified."""
    found = body(response)
    code = str(found.get("code") or "")
    said = str(found.get("message") or "")[:300]
    status = response.status_code
    name = account.name
    if status == 401:
        if code == "REVOKED_ACCESS_TOKEN":
            return AuthRevoked(
                f"{op}: LinkedIn says the member revoked this app's access; run "
                f"`socialgit connect {name}`"
            )
        return AuthExpired(f"{op}: LinkedIn refused the access token ({code or 'HTTP 401'})")
    if status == 403:
        return AuthRevoked(
            f"{op}: LinkedIn refused ({said or code or 'HTTP 403'}): the token lacks a scope or "
            f"the member lacks a page role; fix the app or the role, then run "
            f"`socialgit connect {name}`"
        )
    if status == 426:
        return Rejected(
            f"{op}: LinkedIn does not serve API version {version(account)} ({said}); set "
            "`version:` to a current YYYYMM"
        )
    if status == 429:
        # LinkedIn sends no Retry-After: its quotas are per day and reset at midnight UTC.
        until = _http.retry_after(response) or next_midnight()
        return _http.rate_limited(response, op, (until - _http.now()).total_seconds(), said)
    if status == 501:
        return Unsupported(f"{op}: LinkedIn does not support this ({said})")
    if status in {400, 404, 409, 422} and said:
        return Rejected(f"{op}: LinkedIn refused: {said}")
    return _http.status_error(response, op, sent=sent, message=said)


def next_midnight() -> datetime:
    now = _http.now()
    return datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=now.tzinfo)
