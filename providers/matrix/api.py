"""The Matrix client-server API as socialgit uses it: requests, and errors classified."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from providers import _http
from socialgit.errors import AuthRevoked, ProviderError, Rejected

if TYPE_CHECKING:
    import httpx

    from providers.base import Credentials
    from socialgit.model import Account

CLIENT = "/_matrix/client/v3"


def homeserver(account: Account) -> str:
    value = account.settings.get("homeserver")
    url = value.rstrip("/") if isinstance(value, str) else ""
    parts = urlsplit(url)
    local = _http.on_this_machine(parts.hostname or "")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise Rejected(
            f"account {account.name}: `homeserver:` must be an https:// URL "
            "(http:// only on this machine)"
        )
    return url


def token(account: Account, credentials: Credentials) -> str:
    found = credentials.get("access_token")
    if not isinstance(found, str) or not found:
        raise AuthRevoked(f"no Matrix access token is stored: socialgit connect {account.name}")
    return found


def call(
    client: httpx.Client,
    account: Account,
    method: str,
    path: str,
    op: str,
    access_token: str | None,
    *,
    idempotent: bool | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """One request to the homeserver; a non-2xx answer raised as its class."""
    headers = dict(kwargs.pop("headers", {}))
    secrets: tuple[str, ...] = ()
    if access_token:
        headers["Authorization"] = f"Bearer {access_token}"
        secrets = (access_token,)
    response = _http.send(
        client,
        method,
        homeserver(account) + path,
        op=op,
        secrets=secrets,
        idempotent=idempotent,
        headers=headers,
        **kwargs,
    )
    if not response.is_success:
        raise error(response, op, account, sent=method not in ("GET", "HEAD"))
    return _http.json_object(response, op, sent=method not in ("GET", "HEAD"))


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    code, said = str(body.get("errcode") or ""), str(body.get("error") or "")
    status = response.status_code
    detail = f"{code}: {said}" if code else said or f"HTTP {status}"
    if code == "M_LIMIT_EXCEEDED" or status == 429:
        wait = body.get("retry_after_ms")
        seconds = wait / 1000 if isinstance(wait, int | float) else None
        return _http.rate_limited(response, op, seconds, why=detail)
    if code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN") or status == 401:
        # Tokens socialgit stores do not expire (no refresh token was asked for): a refused
        # one was logged out or deactivated.
        return AuthRevoked(f"{op}: the homeserver refuses the token ({detail}): "
                           f"socialgit connect {account.name}")  # fmt: skip
    if code == "M_FORBIDDEN" and "password" in said.lower():
        return AuthRevoked(f"{op}: wrong user or password ({detail})")
    if code in ("M_FORBIDDEN", "M_NOT_FOUND", "M_TOO_LARGE", "M_BAD_JSON", "M_NOT_JSON") or (
        400 <= status < 500 and status != 408
    ):
        return Rejected(f"{op}: the homeserver refused it ({detail})")
    return _http.status_error(response, op, sent=sent, message=detail)


def room_id(client: httpx.Client, account: Account, access_token: str) -> str:
    """The room's id: ``room:`` itself, or what its alias (``#name:server``) points at."""
    room = account.settings.get("room")
    room = room.strip() if isinstance(room, str) else ""
    if room.startswith("!") and len(room) > 1:  # room version 12 ids have no :server
        return room
    if not (room.startswith("#") and ":" in room):
        raise Rejected(f"account {account.name}: `room:` must be !id:server or #alias:server")
    path = f"{CLIENT}/directory/room/{quote(room, safe='')}"
    found = call(client, account, "GET", path, "Matrix room alias", access_token)
    ident = found.get("room_id")
    if not isinstance(ident, str) or not ident.startswith("!"):
        raise Rejected(f"account {account.name}: the alias {room} names no room")
    return ident


def permalink(account: Account, room: str, event_id: str) -> str:
    """A matrix.to link (the spec's navigation appendix), the room as the account names it."""
    shown = str(account.settings.get("room") or room)
    # A server that knows the room: the alias's or the id's (room version 12 ids have none).
    via = next((name.split(":", 1)[1] for name in (shown, room) if ":" in name), "")
    link = f"https://matrix.to/#/{quote(str(shown), safe='')}/{quote(event_id, safe='')}"
    return f"{link}?via={quote(via, safe='')}" if via else link


SKEW = timedelta(minutes=10)
