"""A local Slack, written from the fact sheet (shared/docs/providers.md §9).

``FakeSlack`` is an ``httpx.MockTransport`` handler serving both ways in:

* the incoming webhook (``hooks.slack.com/services/T…/B…/secret``): JSON in, ``ok`` or a
  plain error string out, with 400/403/404/410/429 as Slack uses them;
* the Web API (``slack.com/api/<method>``): ``Authorization: Bearer``, HTTP 200 with
  ``ok``/``error`` for everything but rate limits (429 + ``Retry-After``), the channel
  rules (``not_in_channel``, ``is_archived``, ``channel_not_found``), threads by
  ``thread_ts``, message metadata, paged history, permalinks and token rotation.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

from socialgit.model import Account
from tests.providers._support import account


@dataclass
class Channel:
    id: str
    name: str
    member: bool = True
    archived: bool = False


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    thread_ts: str | None
    metadata: dict[str, Any] | None
    bot_id: str = "B0BOT"
    user: str = "U0BOT"
    reactions: dict[str, int] = field(default_factory=dict)  # emoji name → count

    def as_json(self, with_metadata: bool) -> dict[str, Any]:
        found: dict[str, Any] = {
            "type": "message",
            "ts": self.ts,
            "text": self.text,
            "bot_id": self.bot_id,
            "user": self.user,
        }
        if self.thread_ts:
            found["thread_ts"] = self.thread_ts
        if with_metadata and self.metadata:
            found["metadata"] = self.metadata
        return found


@dataclass
class FakeSlack:
    bot_token: str = "xoxb-1111-2222-SECRETbotTOKEN"
    hook_secret: str = "hookSECRETabcdef123456"
    client_id: str = "1111.2222"
    client_secret: str = "client-SECRET-xyz"
    refresh: str | None = None  # the live refresh token, with rotation on
    scopes: set[str] = field(default_factory=lambda: {"chat:write", "channels:history"})
    revoked: bool = False
    expired: bool = False
    hook_state: str = "live"  # live, no_service, channel_is_archived, action_prohibited
    page_size: int = 100
    channels: dict[str, Channel] = field(
        default_factory=lambda: {"C0GENERAL1": Channel("C0GENERAL1", "general")}
    )
    queue: list[httpx.Response] = field(default_factory=list)  # answers served first
    messages: list[Message] = field(default_factory=list)
    hook_messages: list[dict[str, Any]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    _clock: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def webhook_url(self) -> str:
        return f"https://hooks.slack.com/services/T0TEAM/B0HOOK/{self.hook_secret}"

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.queue:
            return self.queue.pop(0)
        if request.url.host == "hooks.slack.com":
            return self._hook(request)
        if request.url.host == "slack.com" and request.url.path.startswith("/api/"):
            return self._api(request, request.url.path.removeprefix("/api/"))
        return httpx.Response(404, text="not found")

    # -- incoming webhook --------------------------------------------------------------
    def _hook(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return httpx.Response(405, text="invalid_method")
        if request.url.path != f"/services/T0TEAM/B0HOOK/{self.hook_secret}":
            return httpx.Response(403, text="invalid_token")
        states = {"no_service": 404, "channel_is_archived": 410, "action_prohibited": 403}
        if self.hook_state in states:
            return httpx.Response(states[self.hook_state], text=self.hook_state)
        try:
            body = json.loads(request.content)
        except ValueError:
            return httpx.Response(400, text="invalid_payload")
        if not isinstance(body, dict):
            return httpx.Response(400, text="invalid_payload")
        if not body.get("text") and not body.get("blocks"):
            return httpx.Response(400, text="no_text")
        self.hook_messages.append(body)
        return httpx.Response(200, text="ok", headers={"content-type": "text/html"})

    # -- Web API -------------------------------------------------------------------------
    def _api(self, request: httpx.Request, method: str) -> httpx.Response:
        if method == "oauth.v2.access":
            return self._oauth(request)
        args = self._args(request)
        if isinstance(args, httpx.Response):
            return args
        auth = request.headers.get("authorization", "")
        if not auth:
            return _fail("not_authed")
        if auth != f"Bearer {self.bot_token}":
            return _fail("invalid_auth")
        if self.revoked:
            return _fail("token_revoked")
        if self.expired:
            return _fail("token_expired")
        routes = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.getPermalink": self._permalink,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "reactions.get": self._reactions,
        }
        if method not in routes:
            return _fail("unknown_method")
        return routes[method](args)

    def _args(self, request: httpx.Request) -> dict[str, Any] | httpx.Response:
        if request.method == "GET":
            return dict(request.url.params)
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/json"):
            if "charset=utf-8" not in ctype:
                self.warnings.append("missing_charset")
            try:
                body = json.loads(request.content)
            except ValueError:
                return _fail("invalid_json")
            return body if isinstance(body, dict) else _fail("invalid_json")
        if ctype.startswith("application/x-www-form-urlencoded"):
            return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        return _fail("invalid_form_data")

    def _channel(self, name: Any) -> Channel | httpx.Response:
        for channel in self.channels.values():
            if name in {channel.id, channel.name, f"#{channel.name}"}:
                return channel
        return _fail("channel_not_found")

    def _auth_test(self, args: dict[str, Any]) -> httpx.Response:
        return _ok(
            url="https://example.slack.com/",
            team="Example",
            user="socialgit",
            team_id="T0TEAM",
            user_id="U0BOT",
            bot_id="B0BOT",
        )

    def _post_message(self, args: dict[str, Any]) -> httpx.Response:
        channel = self._channel(args.get("channel"))
        if isinstance(channel, httpx.Response):
            return channel
        text = args.get("text") or ""
        if not text and not args.get("blocks"):
            return _fail("no_text")
        if len(text) > 40000:
            return _fail("msg_too_long")
        if channel.archived:
            return _fail("is_archived")
        if not channel.member and "chat:write.public" not in self.scopes:
            return _fail("not_in_channel")
        thread_ts = args.get("thread_ts")
        if thread_ts and not any(
            m.ts == thread_ts and m.channel == channel.id for m in self.messages
        ):
            return _fail("thread_not_found")
        metadata = args.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict) and isinstance(metadata.get("event_type"), str)
        ):
            return _fail("invalid_metadata_format")
        message = Message(channel.id, self._ts(), text, thread_ts, metadata)
        self.messages.append(message)
        return _ok(channel=channel.id, ts=message.ts, message=message.as_json(True))

    def _permalink(self, args: dict[str, Any]) -> httpx.Response:
        channel = self._channel(args.get("channel"))
        if isinstance(channel, httpx.Response):
            return channel
        ts = args.get("message_ts", "")
        if not any(m.ts == ts for m in self.messages):
            return _fail("message_not_found")
        link = f"https://example.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
        return _ok(channel=channel.id, permalink=link)

    def _history(self, args: dict[str, Any]) -> httpx.Response:
        if "channels:history" not in self.scopes:
            return _fail("missing_scope", needed="channels:history", provided="chat:write")
        channel = self._by_id(args.get("channel"))
        if isinstance(channel, httpx.Response):
            return channel
        oldest = float(args.get("oldest") or 0)
        found = [
            m
            for m in self.messages
            if m.channel == channel.id
            and float(m.ts) > oldest
            and (m.thread_ts is None or m.thread_ts == m.ts)
        ]
        return self._page(list(reversed(found)), args)  # newest first

    def _replies(self, args: dict[str, Any]) -> httpx.Response:
        if "channels:history" not in self.scopes:
            return _fail("missing_scope", needed="channels:history", provided="chat:write")
        channel = self._by_id(args.get("channel"))
        if isinstance(channel, httpx.Response):
            return channel
        ts = args.get("ts")
        found = [m for m in self.messages if m.channel == channel.id and ts in {m.ts, m.thread_ts}]
        if not found:
            return _fail("thread_not_found")
        return self._page(found, args)  # parent first, then replies oldest first

    def react(self, ts: str, **emoji: int) -> None:
        """People add reactions to a message (``thumbsup=3, tada=1``)."""
        next(m for m in self.messages if m.ts == ts).reactions.update(emoji)

    def _reactions(self, args: dict[str, Any]) -> httpx.Response:
        if "reactions:read" not in self.scopes:
            return _fail("missing_scope", needed="reactions:read", provided="chat:write")
        channel = self._by_id(args.get("channel"))
        if isinstance(channel, httpx.Response):
            return channel
        ts = args.get("timestamp")
        found = next((m for m in self.messages if m.channel == channel.id and m.ts == ts), None)
        if found is None:
            return _fail("message_not_found")
        message = found.as_json(False)
        if found.reactions:
            message["reactions"] = [
                {"name": name, "count": count, "users": [f"U{i:07d}" for i in range(count)]}
                for name, count in found.reactions.items()
            ]
        replies = [m for m in self.messages if m.thread_ts == ts and m.ts != ts]
        if replies:
            message["reply_count"] = len(replies)
        return _ok(type="message", channel=channel.id, message=message)

    def _by_id(self, ident: Any) -> Channel | httpx.Response:
        # History methods take ids only, unlike chat.postMessage.
        channel = self.channels.get(ident) if isinstance(ident, str) else None
        return channel if channel is not None else _fail("channel_not_found")

    def _page(self, messages: list[Message], args: dict[str, Any]) -> httpx.Response:
        size = min(int(args.get("limit") or 100), self.page_size)
        start = int(args.get("cursor") or 0)
        chunk = messages[start : start + size]
        more = start + size < len(messages)
        metadata = args.get("include_all_metadata") == "true"
        return _ok(
            messages=[m.as_json(metadata) for m in chunk],
            has_more=more,
            response_metadata={"next_cursor": str(start + size) if more else ""},
        )

    def _oauth(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return _fail("invalid_client_id")
        if form.get("grant_type") != "refresh_token":
            return _fail("invalid_grant_type")
        if self.refresh is None or form.get("refresh_token") != self.refresh:
            return httpx.Response(400, json={"ok": False, "error": "invalid_grant"})
        serial = next(self._clock)
        self.bot_token = f"xoxe.xoxb-1-ROTATED{serial}"
        self.refresh = f"xoxe-1-REFRESH{serial}"
        self.expired = False
        return _ok(
            access_token=self.bot_token,
            refresh_token=self.refresh,
            expires_in=43200,
            token_type="bot",
            scope="chat:write,channels:history",
            bot_user_id="U0BOT",
            team={"id": "T0TEAM", "name": "Example"},
        )

    def _ts(self) -> str:
        serial = next(self._clock)
        return f"{1714554000 + 10 * serial}.{serial:06d}"

    @staticmethod
    def rate_limit(seconds: int) -> httpx.Response:
        return httpx.Response(
            429, json={"ok": False, "error": "ratelimited"}, headers={"Retry-After": str(seconds)}
        )


def _ok(**body: Any) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, **body})


def _fail(error: str, **extra: Any) -> httpx.Response:
    # The Web API says no with HTTP 200 (rate limits aside).
    return httpx.Response(200, json={"ok": False, "error": error, **extra})


@contextlib.contextmanager
def _bot_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeSlack()
    with fake.client() as client:
        yield account("slack", channel="C0GENERAL1"), {"bot_token": fake.bot_token}, client


@contextlib.contextmanager
def _webhook_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeSlack()
    with fake.client() as client:
        yield account("slack"), {"webhook_url": fake.webhook_url}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"slack:bot": _bot_env, "slack:webhook": _webhook_env}
