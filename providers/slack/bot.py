"""Slack through a bot token and the Web API: threads, links and a look-up by key."""

from __future__ import annotations

import json
import re
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from providers._counts import pick, without_own
from providers.base import Credentials, OnPart, Outgoing, Receipt
from providers.slack.common import escape, reconnect
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    Rejected,
    Transient,
)

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account

_API = "https://slack.com/api"
# Every bot message carries this metadata, so ``lookup`` can find a delivery by its key.
_EVENT = "socialgit_delivery"
_HISTORY_PAGES = 20  # 200 messages each: beyond that, say "cannot tell" rather than "absent"
_LOOKBACK = timedelta(hours=1)  # clock skew between the runner and Slack
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def bot_token(credentials: Credentials) -> str | None:
    """The bot token, when one is stored (it wins over a webhook URL)."""
    found = credentials.get("bot_token")
    return found if isinstance(found, str) and found else None


def _root(account: Account) -> str:
    return _http.root(account, _API)


def _channel(account: Account) -> str:
    channel = account.settings.get("channel")
    if not isinstance(channel, str) or not channel:
        raise Rejected(
            f"account {account.name} posts with a Slack bot token but has no `channel:` "
            "in socialgit.yml (the channel id, e.g. C0123ABCD)"
        )
    return channel


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


def _error(
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
        return AuthRevoked(f"{op}: {_REVOKED[code]} ({code}): {reconnect(account)}")
    if code == "missing_scope":
        needed = body.get("needed") or "a scope"
        if reading:
            return OutcomeUnknown(
                f"{op}: the bot lacks {needed}, which socialgit needs to look a delivery up "
                "(channels:history, or groups:history for a private channel)"
            )
        return AuthRevoked(
            f"{op}: the bot lacks {needed}: add it to the Slack app, reinstall, "
            f"then {reconnect(account)}"
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


def call(
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
        raise _error(answer, response, op, account, sent=sent, reading=reading)
    return answer


def _permalink(
    client: httpx.Client, account: Account, token: str, channel: str, ts: str
) -> str | None:
    # Asked after the parts are out: a failure here must not fail (and resend) them.
    try:
        query = {"channel": channel, "message_ts": ts}
        found = call(client, account, token, "chat.getPermalink", query=query)
    except ProviderError:
        return None
    link = found.get("permalink")
    return link if isinstance(link, str) else None


def deliver(
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
            "text": escape(part.text),
            "metadata": {
                "event_type": _EVENT,
                "event_payload": {"key": outgoing.key, "part": number},
            },
        }
        if ids:
            body["thread_ts"] = ids[0]  # Slack threads are flat: every reply names the parent
        answer = call(client, account, token, "chat.postMessage", body=body, sent=True)
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
        answer = call(client, account, token, method, query=page, reading=True)
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


def reactions(
    client: httpx.Client, account: Account, token: str, ts: str, parts: int
) -> dict[str, int]:
    query = {"channel": _channel(account), "timestamp": ts}
    message = call(client, account, token, "reactions.get", query=query).get("message")
    if not isinstance(message, dict):
        raise Rejected(f"Slack reactions.get: no message {ts} in channel {query['channel']}")
    found = message.get("reactions")
    likes = sum(
        r["count"] for r in found or () if isinstance(r, dict) and isinstance(r.get("count"), int)
    )
    counts = {"likes": likes, **pick(message, {"replies": "reply_count"})}
    return without_own(counts, parts - 1)  # the thread's own parts are replies too


def lookup(
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


def whoami(client: httpx.Client, account: Account, token: str) -> dict[str, str]:
    answer = call(client, account, token, "auth.test", body={})
    found = {
        "id": answer.get("user_id"),
        "name": answer.get("user"),
        "team": answer.get("team"),
        "team_id": answer.get("team_id"),
    }
    return {key: str(value) for key, value in found.items() if value}


def rotate(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """With token rotation on, trade the single-use refresh token for a new pair; without
    it (the default) bot tokens and webhooks do not expire and nothing changes."""
    refresh = credentials.get("refresh_token")
    if not refresh or not bot_token(credentials):
        return dict(credentials)
    client_id, secret = credentials.get("client_id"), credentials.get("client_secret")
    if not client_id or not secret:
        raise AuthRevoked(
            "a rotating Slack token needs client_id and client_secret in the vault to "
            f"refresh: {reconnect(account)}"
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
        raise AuthRevoked(f"{op}: the refresh token is no longer valid: {reconnect(account)}")
    if not response.is_success:
        raise _http.status_error(response, op, sent=False)
    answer = _http.json_object(response, op, sent=True)
    if answer.get("ok") is not True:
        raise _error(answer, response, op, account, sent=False)
    access, new_refresh = answer.get("access_token"), answer.get("refresh_token")
    if not isinstance(access, str) or not isinstance(new_refresh, str):
        raise OutcomeUnknown(f"{op}: no token pair in the answer; the old one may be spent")
    fresh = {**credentials, "bot_token": access, "refresh_token": new_refresh}
    lifetime = answer.get("expires_in")
    if isinstance(lifetime, int | float):
        expiry = _http.now() + timedelta(seconds=lifetime)
        fresh["expires_at"] = expiry.isoformat(timespec="seconds")
    return fresh
