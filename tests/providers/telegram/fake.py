"""A local Telegram Bot API, written from the fact sheet (shared/docs/providers.md §10).

``FakeTelegram`` is an ``httpx.MockTransport`` handler: the token is in the path
(``/bot<token>/<method>``); arguments come as JSON, a form or ``multipart/form-data``
(objects such as ``reply_parameters`` and ``media`` as JSON text inside it); answers are
``{"ok": true, "result": …}`` or ``{"ok": false, "error_code", "description",
"parameters"}`` with the matching HTTP status (401 bad token, 403 bot kicked, 400 with
Telegram's description, 429 with ``retry_after``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

from providers._text import utf16_units
from socialgit.model import Account
from tests.providers.discord.fake import account, parse_multipart

_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>\w+)$")
_MB = 1024 * 1024


@dataclass
class Chat:
    id: int
    type: str = "channel"
    title: str = "Release notes"
    username: str | None = "releasenotes"
    kicked: bool = False
    migrated_to: int | None = None


@dataclass
class FakeTelegram:
    token: str = "123456789:AAH-SECRET-bot-token_abcdefghijklmn"
    chats: list[Chat] = field(default_factory=lambda: [Chat(-1001234567890)])
    queue: list[httpx.Response] = field(default_factory=list)  # answers served first
    messages: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[tuple[str, str | None, bytes]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(101))
    _groups: itertools.count[int] = field(default_factory=lambda: itertools.count(9001))

    base: str = "https://api.telegram.org"

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        found = _PATH.match(request.url.path)
        if request.url.host != httpx.URL(self.base).host or found is None:
            return _fail(404, "Not Found")
        if found["token"] != self.token:
            return _fail(401, "Unauthorized")
        if self.queue:
            return self.queue.pop(0)
        args = _args(request)
        if isinstance(args, httpx.Response):
            return args
        routes = {
            "getMe": self._get_me,
            "getChat": self._get_chat,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_file,
            "sendVideo": self._send_file,
            "sendAnimation": self._send_file,
            "sendMediaGroup": self._send_media_group,
        }
        if found["method"] not in routes:
            return _fail(404, "Not Found: method not found")
        return routes[found["method"]](found["method"], args)

    # -- methods -------------------------------------------------------------------------
    def _get_me(self, method: str, args: dict[str, Any]) -> httpx.Response:
        return _ok(
            {"id": 123456789, "is_bot": True, "first_name": "Notes", "username": "notes_bot"}
        )

    def _get_chat(self, method: str, args: dict[str, Any]) -> httpx.Response:
        chat = self._chat(args)
        if isinstance(chat, httpx.Response):
            return chat
        return _ok(self._chat_json(chat))

    def _send_message(self, method: str, args: dict[str, Any]) -> httpx.Response:
        chat = self._postable(args)
        if isinstance(chat, httpx.Response):
            return chat
        text = args.get("text") or ""
        if not text.strip():
            return _fail(400, "Bad Request: message text is empty")
        if utf16_units(text) > 4096:
            return _fail(400, "Bad Request: message is too long")
        reply = self._reply(chat, args)
        if isinstance(reply, httpx.Response):
            return reply
        return _ok(self._store(chat, {"text": text}, reply))

    def _send_file(self, method: str, args: dict[str, Any]) -> httpx.Response:
        chat = self._postable(args)
        if isinstance(chat, httpx.Response):
            return chat
        key = {"sendPhoto": "photo", "sendVideo": "video", "sendAnimation": "animation"}[method]
        upload = args.get(key)
        if not isinstance(upload, tuple):
            return _fail(400, f"Bad Request: there is no {key} in the request")
        caption = args.get("caption") or ""
        if utf16_units(caption) > 1024:
            return _fail(400, "Bad Request: message caption is too long")
        too_big = {"photo": 10 * _MB}.get(key, 50 * _MB)
        if len(upload[2]) > too_big:
            return _fail(400, "Bad Request: file is too big")
        reply = self._reply(chat, args)
        if isinstance(reply, httpx.Response):
            return reply
        self.uploads.append(upload)
        content: dict[str, Any] = {key: {"file_id": f"F{len(self.uploads)}"}}
        if caption:
            content["caption"] = caption
        return _ok(self._store(chat, content, reply))

    def _send_media_group(self, method: str, args: dict[str, Any]) -> httpx.Response:
        chat = self._postable(args)
        if isinstance(chat, httpx.Response):
            return chat
        try:
            media = json.loads(args.get("media") or "null")
        except ValueError:
            return _fail(400, "Bad Request: can't parse media JSON object")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            return _fail(400, "Bad Request: wrong number of media in the album: must be 2-10")
        reply = self._reply(chat, args)
        if isinstance(reply, httpx.Response):
            return reply
        group = str(next(self._groups))
        sent = []
        for item in media:
            if item.get("type") not in {"photo", "video"}:
                return _fail(400, "Bad Request: wrong media type in the album")
            name = str(item.get("media", "")).removeprefix("attach://")
            upload = args.get(name)
            if not isinstance(upload, tuple):
                return _fail(400, "Bad Request: wrong file identifier/HTTP URL specified")
            if utf16_units(item.get("caption") or "") > 1024:
                return _fail(400, "Bad Request: message caption is too long")
            self.uploads.append(upload)
            content: dict[str, Any] = {item["type"]: {"file_id": f"F{len(self.uploads)}"}}
            content["media_group_id"] = group
            if item.get("caption"):
                content["caption"] = item["caption"]
            sent.append(self._store(chat, content, reply))
        return _ok(sent)

    # -- rules ---------------------------------------------------------------------------
    def _chat(self, args: dict[str, Any]) -> Chat | httpx.Response:
        wanted = str(args.get("chat_id", ""))
        for chat in self.chats:
            if wanted in {str(chat.id), f"@{chat.username}"}:
                return chat
        return _fail(400, "Bad Request: chat not found")

    def _postable(self, args: dict[str, Any]) -> Chat | httpx.Response:
        chat = self._chat(args)
        if isinstance(chat, httpx.Response):
            return chat
        if chat.kicked:
            return _fail(403, "Forbidden: bot was kicked from the channel chat")
        if chat.migrated_to is not None:
            return _fail(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        return chat

    def _reply(self, chat: Chat, args: dict[str, Any]) -> dict[str, Any] | httpx.Response | None:
        raw = args.get("reply_parameters")
        if raw is None:
            return None
        reply = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            return _fail(400, "Bad Request: can't parse reply parameters JSON object")
        target = next(
            (
                m
                for m in self.messages
                if m["message_id"] == reply["message_id"] and m["chat"]["id"] == chat.id
            ),
            None,
        )
        if target is None and not reply.get("allow_sending_without_reply"):
            return _fail(400, "Bad Request: message to be replied not found")
        return target

    def _store(
        self, chat: Chat, content: dict[str, Any], reply: dict[str, Any] | None
    ) -> dict[str, Any]:
        message = {
            "message_id": next(self._ids),
            "date": 1714554000,
            "chat": self._chat_json(chat),
            **content,
        }
        if reply is not None:
            message["reply_to_message"] = {k: v for k, v in reply.items() if k != "chat"}
        self.messages.append(message)
        return message

    @staticmethod
    def _chat_json(chat: Chat) -> dict[str, Any]:
        found: dict[str, Any] = {"id": chat.id, "type": chat.type, "title": chat.title}
        if chat.username:
            found["username"] = chat.username
        return found

    @staticmethod
    def rate_limit(seconds: int) -> httpx.Response:
        return _fail(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})


def _args(request: httpx.Request) -> dict[str, Any] | httpx.Response:
    ctype = request.headers.get("content-type", "")
    if not request.content:
        return {}
    if ctype.startswith("application/json"):
        body = json.loads(request.content)
        return body if isinstance(body, dict) else _fail(400, "Bad Request: invalid JSON")
    if ctype.startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
    if ctype.startswith("multipart/form-data"):
        found: dict[str, Any] = {}
        for name, (filename, mime, data) in parse_multipart(request).items():
            # A field with a filename is an upload; the rest are text arguments.
            found[name] = (filename or name, mime, data) if filename else data.decode()
        return found
    return _fail(400, "Bad Request: unsupported content type")


def _ok(result: Any) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": result})


def _fail(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return httpx.Response(status, json=body)


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeTelegram()
    with fake.client() as client:
        yield account("telegram", chat="@releasenotes"), {"bot_token": fake.token}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"telegram": _contract_env}
