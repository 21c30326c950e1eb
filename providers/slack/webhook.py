"""Slack through an incoming webhook: the URL is the credential, ``ok`` the only answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from providers import _http
from providers.base import Credentials, OnPart, Outgoing, Receipt
from providers.slack.common import escape, reconnect
from socialgit.errors import AuthRevoked, OutcomeUnknown, ProviderError, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account

_OP = "Slack webhook"
_ERRORS = {
    "invalid_payload": "Slack could not read the message",
    "user_not_found": "the webhook's user no longer exists",
    "action_prohibited": "a workspace admin restricted posting to this channel",
    "channel_is_archived": "the webhook's channel is archived: unarchive it",
    "invalid_token": "the webhook was revoked",
    "no_service": "the webhook was revoked or its app removed",
    "no_active_hooks": "the webhook was turned off",
    "channel_not_found": "the webhook's channel was deleted",
    "no_text": "the message is empty",
}


def _address(account: Account, credentials: Credentials) -> tuple[str, tuple[str, ...]]:
    import httpx  # deferred: plan and validate never need it

    url = credentials.get("webhook_url")
    if not isinstance(url, str) or not url:
        raise AuthRevoked(f"no Slack webhook URL or bot token is stored: {reconnect(account)}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in {"https", "http"} or len(parsed.path) < 2:
        # Never repeated: the path is the credential.
        raise AuthRevoked(f"the stored Slack webhook URL is not a URL: {reconnect(account)}")
    return url, (url, parsed.path)


def _error(response: httpx.Response, account: Account) -> ProviderError:
    status = response.status_code
    code = response.text.strip()[:80] if len(response.content) < 200 else ""
    said = _ERRORS.get(code, code or f"HTTP {status}")
    if status == 429:
        return _http.rate_limited(response, _OP)
    if status == 404 or code in {"invalid_token", "no_service", "no_active_hooks"}:
        # The webhook can never post again; a new one is needed.
        return AuthRevoked(f"{_OP}: {said}: {reconnect(account)}")
    if status in {400, 403, 410, 413}:
        return Rejected(f"{_OP}: {said} ({code or status})")
    return _http.status_error(response, _OP, sent=True, message=code)


def _post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    body: dict[str, Any],
    *,
    probe: bool = False,
) -> httpx.Response:
    url, secrets = _address(account, credentials)
    # A probe (an empty payload) cannot post anything, so it may simply be sent again.
    return _http.send(client, "POST", url, op=_OP, secrets=secrets, json=body, idempotent=probe)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    # Slack offers no way to read an incoming webhook. An empty payload is refused without
    # posting anything (400 no_text / invalid_payload) by a live webhook, while a revoked
    # one answers 403/404: that tells the two apart.
    import httpx  # deferred: plan and validate never need it

    response = _post(client, account, credentials, {}, probe=True)
    if response.status_code != 400:
        if response.is_success:  # it should not have accepted an empty message
            raise Rejected(f"{_OP}: the address answered like no Slack webhook does")
        raise _error(response, account)
    segments = httpx.URL(credentials["webhook_url"]).path.strip("/").split("/")
    # /services/T…/B…/secret: the workspace and integration ids are not the secret part.
    ident = "/".join(segments[1:3]) if len(segments) >= 4 else "webhook"
    return {"id": ident, "name": "incoming webhook"}


def deliver(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    # A webhook returns no ids and cannot thread: each part is its own message, and the
    # delivery's key stands in for the ids (the first part's is the key itself).
    ids = list(done)
    for number, part in enumerate(outgoing.parts, 1):
        if number <= len(done):
            continue
        response = _post(client, account, credentials, {"text": escape(part.text)})
        if not response.is_success:
            raise _error(response, account)
        if response.text.strip() != "ok":
            raise OutcomeUnknown(f"{_OP}: an unexpected answer; the message may be out")
        ids.append(outgoing.key if number == 1 else f"{outgoing.key}#{number}")
        on_part(ids[-1])
    return Receipt(id=ids[0], url=None, parts=tuple(ids))
