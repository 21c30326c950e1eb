"""Misskey's API as the provider uses it: every endpoint is ``POST /api/<name>`` with a JSON
body carrying the token as ``i`` (the way every Misskey version takes it), and every error
is ``{"error": {"message", "code", "id", "kind"?, "info"?}}`` (shared/docs/providers-wave2-open.md
§9): 401 a token refused, 403 a missing permission, 429 ``RATE_LIMIT_EXCEEDED``, 400 the
request itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from providers import _http
from providers._counts import without_own
from socialgit import redact
from socialgit.errors import AuthRevoked, OutcomeUnknown, ProviderError, Rejected, Transient

if TYPE_CHECKING:
    import httpx

    from providers.base import Counts, Credentials, Published
    from socialgit.model import Account

base = _http.instance  # the instance's origin (``base_url`` overrides ``instance``)
host = _http.instance_host

__all__ = ["base", "call", "error", "host", "token"]


def token(account: Account, credentials: Credentials) -> str:
    found = credentials.get("access_token")
    if not isinstance(found, str) or not found:
        raise AuthRevoked(
            f"{account.name}: no Misskey token is stored; run `socialgit connect {account.name}`"
        )
    return found


def call(
    client: httpx.Client,
    account: Account,
    credentials: Credentials | None,
    endpoint: str,
    *,
    op: str,
    sent: bool,
    json: dict[str, Any] | None = None,
    files: dict[str, Any] | None = None,
) -> Any:
    """``POST /api/<endpoint>``; the answer's JSON (``None`` for 204), or a ``ProviderError``.
    ``credentials`` None: without a token. ``files``: a multipart upload (the token then
    goes as a form field)."""
    secrets: tuple[str, ...] = ()
    request: dict[str, Any] = {}
    payload = dict(json or {})
    if credentials is not None:
        secret = token(account, credentials)
        secrets = (secret,)
        payload["i"] = secret
    if files is not None:
        request = {"files": files, "data": {k: str(v) for k, v in payload.items()}}
    else:
        request = {"json": payload}
    response = _http.send(
        client, "POST", f"{base(account)}/api/{endpoint}", op=op, secrets=secrets,
        idempotent=not sent, **request,
    )  # fmt: skip
    if not response.is_success:
        raise error(response, op, account, sent=sent)
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        if sent:
            raise OutcomeUnknown(f"{op}: unreadable answer; it may have gone out") from None
        raise Transient(f"{op}: unreadable answer; will retry") from None


def counts(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """A note's reactions (every emoji, summed as likes), renotes and direct replies, from
    ``notes/show``; replies leave out the thread's own second part."""
    op = f"Misskey counts of {item.post or item.id}"
    note = call(client, account, credentials, "notes/show", op=op, sent=False,
                json={"noteId": item.id})  # fmt: skip
    if not isinstance(note, dict):
        raise Transient(f"{op}: unreadable answer; will retry")
    found: dict[str, int] = {}
    reactions = note.get("reactions")
    if isinstance(reactions, dict):
        found["likes"] = sum(n for n in reactions.values() if isinstance(n, int))
    for ours, theirs in (("reposts", "renoteCount"), ("replies", "repliesCount")):
        if isinstance(value := note.get(theirs), int) and not isinstance(value, bool):
            found[ours] = value
    return without_own(found, min(len(item.parts) - 1, 1))


def said(response: httpx.Response) -> tuple[str, str]:
    """Misskey's error code and message, without any registered secret."""
    try:
        found = response.json()
    except ValueError:
        found = None
    inner = found.get("error") if isinstance(found, dict) else None
    if not isinstance(inner, dict):
        return "", ""
    code, message = inner.get("code"), inner.get("message")
    return (
        redact.scrub(str(code))[:80] if isinstance(code, str) else "",
        redact.scrub(" ".join(str(message).split()))[:200] if isinstance(message, str) else "",
    )


def error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    code, message = said(response)
    status = response.status_code
    words = f" ({code}{f': {message}' if message else ''})" if code else ""
    where = host(account)
    if status == 429 or code == "RATE_LIMIT_EXCEEDED":
        return _http.rate_limited(response, op, why=code or "HTTP 429")
    if status == 401 or code in {"CREDENTIAL_REQUIRED", "AUTHENTICATION_FAILED"}:
        # Misskey's tokens do not expire: a refused one was revoked.
        return AuthRevoked(
            f"{op}: {where} no longer accepts the token{words}; run "
            f"`socialgit connect {account.name}`"
        )
    if status == 403 and code == "PERMISSION_DENIED":
        return AuthRevoked(
            f"{op}: the token lacks a permission{words}; run `socialgit connect {account.name}`"
        )
    if status >= 500:
        if sent:
            return OutcomeUnknown(
                f"{op}: {where} failed (HTTP {status}){words}; it may have gone out"
            )
        return Transient(f"{op}: {where} failed (HTTP {status}){words}; will retry")
    if status in (400, 403, 413, 422):
        return Rejected(f"{op}: {where} refused it{words or f' (HTTP {status})'}")
    return _http.status_error(response, op, sent=sent, message=code)
