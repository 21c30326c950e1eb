"""Slack, through an incoming webhook or a bot token with ``chat.postMessage``."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.base import (
    AuthKind,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    Receipt,
    Setting,
    ThreadStyle,
)
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    Rejected,
    Transient,
    Unsupported,
)

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "slack"
TITLE = "Slack"
THREADS: ThreadStyle = "replies"
# Incoming webhooks cannot attach files; bot uploads are not built yet.
MEDIA = MediaRules(max_count=0)
SETTINGS: Mapping[str, Setting] = {
    "channel": Setting(str, help="channel id for a bot token (webhooks carry their own)"),
}
SECRETS: tuple[str, ...] = ("webhook_url", "bot_token")


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    # Slack truncates at 40,000 but advises 4,000 for readable messages.
    return 4000


def text_problems(text: str) -> list[str]:
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return []


# -- runtime ---------------------------------------------------------------------------
#
# Both ways in are a secret a person pastes (an incoming-webhook URL or a bot token);
# neither is a sign-in flow socialgit runs, so the module's kind is "token" and the
# credentials decide the mode: a bot token wins when both are stored, because only the
# bot gets message ids, threads, links and a look-up.
AUTH: AuthKind = "token"
# Slack keeps no idempotency key: a delivery in doubt is looked up (bot) or checked by
# a person (webhook), never simply resent.
RESEND_IN_DOUBT = False

_API = "https://slack.com/api"
# Every bot message carries this metadata, so ``lookup`` can find a delivery by its key.
_EVENT = "socialgit_delivery"
_HISTORY_PAGES = 20  # 200 messages each: beyond that, say "cannot tell" rather than "absent"
_LOOKBACK = timedelta(hours=1)  # clock skew between the runner and Slack
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def _reconnect(account: Account) -> str:
    return f"socialgit connect {account.name}"


def _escape(text: str) -> str:
    # Slack reads <…> as links and mentions (<!channel> pings everyone): escaping the
    # three control characters makes the text appear as written and unable to ping.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _root(account: Account) -> str:
    base = account.settings.get("base_url")
    return (base if isinstance(base, str) and base else _API).rstrip("/")


def _bot_token(credentials: Credentials) -> str | None:
    token = credentials.get("bot_token")
    return token if isinstance(token, str) and token else None


def _webhook(account: Account, credentials: Credentials) -> tuple[str, tuple[str, ...]]:
    import httpx  # deferred: plan and validate never need it

    url = credentials.get("webhook_url")
    if not isinstance(url, str) or not url:
        raise AuthRevoked(f"no Slack webhook URL or bot token is stored: {_reconnect(account)}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in {"https", "http"} or len(parsed.path) < 2:
        # Never repeated: the path is the credential.
        raise AuthRevoked(f"the stored Slack webhook URL is not a URL: {_reconnect(account)}")
    return url, (url, parsed.path)


def _channel(account: Account) -> str:
    channel = account.settings.get("channel")
    if not isinstance(channel, str) or not channel:
        raise Rejected(
            f"account {account.name} posts with a Slack bot token but has no `channel:` "
            "in socialgit.yml (the channel id, e.g. C0123ABCD)"
        )
    return channel


# -- incoming webhook ------------------------------------------------------------------

_WEBHOOK_ERRORS = {
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


def _webhook_error(response: httpx.Response, op: str, account: Account) -> ProviderError:
    status = response.status_code
    code = response.text.strip()[:80] if len(response.content) < 200 else ""
    said = _WEBHOOK_ERRORS.get(code, code or f"HTTP {status}")
    if status == 429:
        return _http.rate_limited(response, op)
    if status == 404 or code in {"invalid_token", "no_service", "no_active_hooks"}:
        # The webhook can never post again; a new one is needed.
        return AuthRevoked(f"{op}: {said}: {_reconnect(account)}")
    if status in {400, 403, 410, 413}:
        return Rejected(f"{op}: {said} ({code or status})")
    return _http.status_error(response, op, sent=True, message=code)


def _webhook_post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    body: dict[str, Any],
    *,
    probe: bool = False,
) -> httpx.Response:
    url, secrets = _webhook(account, credentials)
    # A probe (an empty payload) cannot post anything, so it may simply be sent again.
    return _http.send(
        client, "POST", url, op="Slack webhook", secrets=secrets, json=body, idempotent=probe
    )


def _webhook_whoami(
    client: httpx.Client, account: Account, credentials: Credentials
) -> dict[str, str]:
    # Slack offers no way to read an incoming webhook. An empty payload is refused without
    # posting anything (400 no_text / invalid_payload) by a live webhook, while a revoked
    # one answers 403/404: that tells the two apart.
    import httpx  # deferred: plan and validate never need it

    response = _webhook_post(client, account, credentials, {}, probe=True)
    if response.status_code != 400:
        if response.is_success:  # it should not have accepted an empty message
            raise Rejected("Slack webhook: the address answered like no Slack webhook does")
        raise _webhook_error(response, "Slack webhook", account)
    segments = httpx.URL(credentials["webhook_url"]).path.strip("/").split("/")
    # /services/T…/B…/secret: the workspace and integration ids are not the secret part.
    ident = "/".join(segments[1:3]) if len(segments) >= 4 else "webhook"
    return {"id": ident, "name": "incoming webhook"}


def _webhook_deliver(
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
        response = _webhook_post(client, account, credentials, {"text": _escape(part.text)})
        if not response.is_success:
            raise _webhook_error(response, "Slack webhook", account)
        if response.text.strip() != "ok":
            raise OutcomeUnknown("Slack webhook: an unexpected answer; the message may be out")
        ids.append(outgoing.key if number == 1 else f"{outgoing.key}#{number}")
        on_part(ids[-1])
    return Receipt(id=ids[0], url=None, parts=tuple(ids))


# -- bot token (Web API) -----------------------------------------------------------------

_REVOKED = {
    "invalid_auth": "Slack no longer accepts the bot token",
    "not_authed": "no bot token was sent",
    "token_revoked": "the bot token was revoked",
    "account_inactive": "the bot's user or workspace was deactivated",
    "no_permission": "the bot token lacks the permission",
    "ekm_access_denied": "the workspace's key management denied access",
    "team_access_not_granted": "the app is not granted this workspace",
}
_SERVER_TROUBLE = {"service_unavailable", "request_timeout", "ratelimited"}
# "It's possible some aspect of the operation succeeded" (Slack's words for these two).
_MAYBE_DONE = {"internal_error", "fatal_error"}


def _bot_error(
    body: dict[str, Any],
    response: httpx.Response,
    op: str,
    account: Account,
    *,
    sent: bool,
    reading: bool = False,
) -> ProviderError:
    """Slack's ``error`` code classified. ``reading``: a look-up, for which a missing
    scope means "cannot tell" rather than "reconnect"."""
    code = str(body.get("error") or "unknown_error")
    channel = account.settings.get("channel", "")
    if code == "ratelimited" or response.status_code == 429:
        return _http.rate_limited(response, op, why=code)
    if code in _REVOKED:
        return AuthRevoked(f"{op}: {_REVOKED[code]} ({code}): {_reconnect(account)}")
    if code == "missing_scope":
        needed = body.get("needed") or "a scope"
        if reading:
            return OutcomeUnknown(
                f"{op}: the bot lacks {needed}, which socialgit needs to look a delivery up "
                "(channels:history, or groups:history for a private channel)"
            )
        return AuthRevoked(
            f"{op}: the bot lacks {needed}: add it to the Slack app, reinstall, "
            f"then {_reconnect(account)}"
        )
    if code == "token_expired":
        return AuthExpired(f"{op}: the bot token expired")
    if code == "not_in_channel":
        return Rejected(
            f"{op}: the bot is not in channel {channel}: invite the bot to the channel "
            "(/invite @your-bot) or give the app the chat:write.public scope"
        )
    if code == "channel_not_found":
        return Rejected(
            f"{op}: no channel {channel} that the bot can see: set `channel:` to the "
            "channel id (C…) and, for a private channel, invite the bot"
        )
    if code == "is_archived":
        return Rejected(f"{op}: channel {channel} is archived: unarchive it or change `channel:`")
    if code == "msg_too_long":
        return Rejected(f"{op}: the message is too long for Slack (keep it under 4000)")
    if code in _MAYBE_DONE and sent:
        return OutcomeUnknown(f"{op}: Slack failed part-way ({code}); the message may be out")
    if code in _SERVER_TROUBLE | _MAYBE_DONE:
        return Transient(f"{op}: Slack could not do it now ({code}); will retry")
    return Rejected(f"{op}: Slack refused ({code})")


def _call(
    client: httpx.Client,
    account: Account,
    token: str,
    method: str,
    *,
    body: dict[str, Any] | None = None,
    query: dict[str, str] | None = None,
    sent: bool = False,
    reading: bool = False,
) -> dict[str, Any]:
    """One Web API method: JSON POST when there is a body, else GET. Slack answers 200
    whether or not it worked: ``ok`` says which, ``error`` why not."""
    op = f"Slack {method}"
    url = f"{_root(account)}/{method}"
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json; charset=utf-8"
        content = json.dumps(body).encode()
        response = _http.send(
            client,
            "POST",
            url,
            op=op,
            secrets=(token,),
            headers=headers,
            content=content,
            idempotent=not sent,  # auth.test and the like may simply be asked again
        )
    else:
        response = _http.send(
            client, "GET", url, op=op, secrets=(token,), headers=headers, params=query or {}
        )
    if response.status_code == 429:
        raise _http.rate_limited(response, op, why="ratelimited")
    if not response.is_success:
        raise _http.status_error(response, op, sent=sent)
    answer = _http.json_object(response, op, sent=sent)
    if answer.get("ok") is not True:
        raise _bot_error(answer, response, op, account, sent=sent, reading=reading)
    return answer


def _permalink(
    client: httpx.Client, account: Account, token: str, channel: str, ts: str
) -> str | None:
    # Asked after the parts are out: a failure here must not fail (and resend) them.
    try:
        query = {"channel": channel, "message_ts": ts}
        found = _call(client, account, token, "chat.getPermalink", query=query)
    except ProviderError:
        return None
    link = found.get("permalink")
    return link if isinstance(link, str) else None


def _bot_deliver(
    client: httpx.Client,
    account: Account,
    token: str,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    channel = _channel(account)
    ids = list(done)
    for number, part in enumerate(outgoing.parts, 1):
        if number <= len(done):
            continue
        body: dict[str, Any] = {
            "channel": channel,
            "text": _escape(part.text),
            "metadata": {
                "event_type": _EVENT,
                "event_payload": {"key": outgoing.key, "part": number},
            },
        }
        if ids:
            body["thread_ts"] = ids[0]  # Slack threads are flat: every reply names the parent
        answer = _call(client, account, token, "chat.postMessage", body=body, sent=True)
        ts = answer.get("ts")
        if not isinstance(ts, str) or not ts:
            raise OutcomeUnknown("Slack chat.postMessage: no ts in the answer; it may be out")
        if isinstance(answer.get("channel"), str):
            channel = answer["channel"]  # the id, where the setting may be a name
        ids.append(ts)
        on_part(ts)
    return Receipt(
        id=ids[0], url=_permalink(client, account, token, channel, ids[0]), parts=tuple(ids)
    )


def _history(
    client: httpx.Client, account: Account, token: str, method: str, query: dict[str, str]
) -> list[dict[str, Any]] | None:
    """Every message a paged history method returns; None when there were too many."""
    found: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(_HISTORY_PAGES):
        page = {**query, "limit": "200", "include_all_metadata": "true"}
        if cursor:
            page["cursor"] = cursor
        answer = _call(client, account, token, method, query=page, reading=True)
        found += [m for m in answer.get("messages") or [] if isinstance(m, dict)]
        meta = answer.get("response_metadata")
        cursor = meta.get("next_cursor", "") if isinstance(meta, dict) else ""
        if not answer.get("has_more") or not cursor:
            return found
    return None


def _ours(message: dict[str, Any], key: str) -> int | None:
    """The part number of one of this delivery's messages; None for anything else."""
    meta = message.get("metadata")
    if not isinstance(meta, dict) or meta.get("event_type") != _EVENT:
        return None
    payload = meta.get("event_payload")
    if not isinstance(payload, dict) or payload.get("key") != key:
        return None
    part = payload.get("part")
    return part if isinstance(part, int) else None


def _bot_lookup(
    client: httpx.Client, account: Account, token: str, outgoing: Outgoing
) -> Receipt | None:
    """Find the delivery by the key in its messages' metadata (sound, unlike matching
    text: a repeating post says the same thing every time). All of it: a Receipt; none of
    it: None; part of it: ``OutcomeUnknown``."""
    try:
        channel = _channel(account)
    except Rejected as exc:
        raise OutcomeUnknown(str(exc)) from None
    if not _CHANNEL_ID.match(channel):
        raise OutcomeUnknown(
            f"Slack can look up a delivery only by channel id: set `channel:` of account "
            f"{account.name} to the id (C…) rather than {channel}"
        )
    oldest = (outgoing.occurrence - _LOOKBACK).astimezone(UTC).timestamp()
    query = {"channel": channel, "oldest": f"{oldest:.6f}"}
    history = _history(client, account, token, "conversations.history", query)
    firsts = [m for m in history or [] if _ours(m, outgoing.key) == 1]
    if not firsts:
        if history is None:
            raise OutcomeUnknown("Slack: too many messages since the delivery to be sure")
        return None  # the whole history since then was read: nothing arrived
    parent = str(firsts[-1]["ts"])  # newest first: the oldest, should a duplicate exist
    query = {"channel": channel, "ts": parent}
    thread = _history(client, account, token, "conversations.replies", query)
    by_part: dict[int, str] = {1: parent}
    for message in thread or []:
        number = _ours(message, outgoing.key)
        if number is not None and number > 1:
            by_part.setdefault(number, str(message.get("ts")))
    ids: list[str] = []
    while len(ids) + 1 in by_part:  # the parts went out in order: take the unbroken run
        ids.append(by_part[len(ids) + 1])
    if len(ids) < len(outgoing.parts):
        # The runner records any Receipt as published, and None would resend from the
        # parts it recorded, which may be fewer than arrived (Slack would then show a part
        # twice). Only a person can finish this thread.
        raise OutcomeUnknown(
            f"only {len(ids)} of the {len(outgoing.parts)} parts of {outgoing.post} are in "
            f"the channel (thread {parent}); post the rest by hand or delete the thread"
        )
    url = _permalink(client, account, token, channel, parent)
    return Receipt(id=parent, url=url, parts=tuple(ids))


# -- the Provider operations ---------------------------------------------------------------


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported(
        "Slack accounts connect with an incoming-webhook URL or a bot token (xoxb-…) from "
        "the Slack app's settings, not a sign-in link"
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """Check what the person gave with Slack; keep only the fields this module reads."""
    whoami(client, account, credentials)
    kept = ("bot_token", "refresh_token", "expires_at", "client_id", "client_secret")
    if _bot_token(credentials):
        return {k: credentials[k] for k in kept if credentials.get(k)}
    return {"webhook_url": credentials["webhook_url"]}


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """With token rotation on, trade the single-use refresh token for a new pair; without
    it (the default) bot tokens and webhooks do not expire and nothing changes."""
    refresh = credentials.get("refresh_token")
    if not refresh or not _bot_token(credentials):
        return dict(credentials)
    client_id, secret = credentials.get("client_id"), credentials.get("client_secret")
    if not client_id or not secret:
        raise AuthRevoked(
            "a rotating Slack token needs client_id and client_secret in the vault to "
            f"refresh: {_reconnect(account)}"
        )
    op = "Slack oauth.v2.access"
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": client_id,
        "client_secret": secret,
    }
    response = _http.send(
        client,
        "POST",
        f"{_root(account)}/oauth.v2.access",
        op=op,
        secrets=(refresh, secret),
        data=form,
        idempotent=False,
    )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict) and answer.get("error") == "invalid_grant":
        # Slack's answer to a refresh token already spent (rotation) or revoked.
        raise AuthRevoked(f"{op}: the refresh token is no longer valid: {_reconnect(account)}")
    if not response.is_success:
        raise _http.status_error(response, op, sent=False)
    answer = _http.json_object(response, op, sent=True)
    if answer.get("ok") is not True:
        raise _bot_error(answer, response, op, account, sent=False)
    token, new_refresh = answer.get("access_token"), answer.get("refresh_token")
    if not isinstance(token, str) or not isinstance(new_refresh, str):
        raise OutcomeUnknown(f"{op}: no token pair in the answer; the old one may be spent")
    fresh = {**credentials, "bot_token": token, "refresh_token": new_refresh}
    lifetime = answer.get("expires_in")
    if isinstance(lifetime, int | float):
        expiry = _http.now() + timedelta(seconds=lifetime)
        fresh["expires_at"] = expiry.isoformat(timespec="seconds")
    return fresh


def expires_at(credentials: Credentials) -> datetime | None:
    value = credentials.get("expires_at")
    if not isinstance(value, str) or not value or not credentials.get("refresh_token"):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    token = _bot_token(credentials)
    if token is None:
        return _webhook_whoami(client, account, credentials)
    answer = _call(client, account, token, "auth.test", body={})
    found = {
        "id": answer.get("user_id"),
        "name": answer.get("user"),
        "team": answer.get("team"),
        "team_id": answer.get("team_id"),
    }
    return {key: str(value) for key, value in found.items() if value}


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    if any(part.media for part in outgoing.parts):
        raise Unsupported("Slack accounts take no images or videos in this version of socialgit")
    token = _bot_token(credentials)
    if token is None:
        return _webhook_deliver(client, account, credentials, outgoing, done, on_part)
    return _bot_deliver(client, account, token, outgoing, done, on_part)


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    token = _bot_token(credentials)
    if token is None:
        raise OutcomeUnknown(
            f"a Slack incoming webhook cannot tell whether {outgoing.post} arrived; look in "
            "the channel and record the outcome by hand"
        )
    return _bot_lookup(client, account, token, outgoing)
