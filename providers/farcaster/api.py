"""Neynar's REST API as the Farcaster provider uses it: the API key on every request, the
signer, the user, and one classification of Neynar's errors (``{"code"?, "message",
"property"?}``, shared/docs/providers-wave2-open.md §3): 401/403 the key or signer refused,
409 a conflict (a repeated ``idem``, as far as the SDK's models tell), 429 the plan's rate
limit, other 4xx the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from providers import _http
from socialgit import redact
from socialgit.errors import (
    AuthRevoked,
    Duplicate,
    OutcomeUnknown,
    ProviderError,
    Rejected,
)

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

DEFAULT_BASE_URL = "https://api.neynar.com"
APP = "https://farcaster.xyz"


def link(cast_hash: str) -> str:
    """A cast's public page."""
    return f"{APP}/~/conversations/{cast_hash}"


def field(account: Account, credentials: Credentials, name: str) -> str:
    found = credentials.get(name)
    if not isinstance(found, str) or not found.strip():
        raise AuthRevoked(
            f"{account.name}: no Neynar {name} is stored; run `socialgit connect {account.name}`"
        )
    return found.strip()


def call(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    method: str,
    path: str,
    *,
    op: str,
    sent: bool,
    **request: Any,
) -> dict[str, Any]:
    key = field(account, credentials, "api_key")
    signer = credentials.get("signer_uuid")
    secrets = (key, signer) if isinstance(signer, str) else (key,)
    response = _http.send(
        client, method, f"{_http.root(account, DEFAULT_BASE_URL)}{path}", op=op,
        secrets=secrets, idempotent=not sent, headers={"x-api-key": key}, **request,
    )  # fmt: skip
    if not response.is_success:
        raise error(response, op, account, sent=sent)
    return _http.json_object(response, op, sent=sent)


def said(response: httpx.Response) -> str:
    try:
        found = response.json()
    except ValueError:
        found = None
    if not isinstance(found, dict):
        return ""
    parts = [str(found[k]) for k in ("code", "message", "property") if found.get(k)]
    return redact.scrub(" ".join(": ".join(parts).split()))[:200]


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    status = response.status_code
    words = said(response)
    because = f" ({words})" if words else ""
    if status == 429:
        return _http.rate_limited(response, op, why=words)
    if status in (401, 403):
        return AuthRevoked(
            f"{op}: Neynar refused the API key or signer{because}; run "
            f"`socialgit connect {account.name}`"
        )
    if status == 409:
        return Duplicate(f"{op}: Neynar says it has this already{because}")
    if 400 <= status < 500 and status != 408:
        return Rejected(f"{op}: Neynar refused it{because}")
    if sent and status >= 500:
        return OutcomeUnknown(f"{op}: Neynar failed (HTTP {status}){because}; it may have gone out")
    return _http.status_error(response, op, sent=sent, message=words)


def signer(client: httpx.Client, account: Account, credentials: Credentials) -> int:
    """The fid of the account whose approved signer this is; ``AuthRevoked`` otherwise."""
    uuid = field(account, credentials, "signer_uuid")
    op = "Neynar signer"
    found = call(client, account, credentials, "GET", "/v2/farcaster/signer", op=op,
                 sent=False, params={"signer_uuid": uuid})  # fmt: skip
    status, fid = found.get("status"), found.get("fid")
    if status != "approved" or not isinstance(fid, int):
        raise AuthRevoked(
            f"{account.name}: the signer is {status or 'unknown'}, not approved: approve it in "
            f"the Farcaster app (or make another), then run `socialgit connect {account.name}`"
        )
    return fid


def user(
    client: httpx.Client, account: Account, credentials: Credentials, fid: int
) -> dict[str, Any]:
    found = call(client, account, credentials, "GET", "/v2/farcaster/user/bulk",
                 op="Neynar user", sent=False, params={"fids": str(fid)})  # fmt: skip
    users = found.get("users")
    first = users[0] if isinstance(users, list) and users else None
    return first if isinstance(first, dict) else {}
