"""A local Discord webhook, written from the fact sheet (shared/docs/providers.md §8).

``FakeDiscord`` is an ``httpx.MockTransport`` handler: it checks requests the way Discord
does (token in the path, ``wait=true``, JSON or ``multipart/form-data`` with ``files[n]`` +
``payload_json``, the 2000/1024 limits) and answers as Discord answers (the message object,
204 without ``wait``, 429 with ``retry_after`` and ``Retry-After``, 10015, 50035).

The helpers the fakes and tests of this folder share (multipart parsing, secret checks, a
tiny PNG, ``account``, ``thread``) live in ``tests/providers/_support.py``; they are
re-exported here, where the first fakes found them.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from socialgit.model import Account
from tests.providers._support import PNG as PNG
from tests.providers._support import account as account
from tests.providers._support import assert_secret_free as assert_secret_free
from tests.providers._support import parse_multipart as parse_multipart
from tests.providers._support import thread as thread

_PATH = re.compile(r"^/api(?:/v\d+)?/webhooks/(?P<id>\d+)/(?P<token>[^/]+)$")
_MIB = 1024 * 1024


@dataclass
class Sent:
    id: str
    content: str
    username: str | None
    attachments: list[dict[str, Any]]
    allowed_mentions: Any


@dataclass
class FakeDiscord:
    webhook_id: str = "1234567890123456789"
    token: str = "wh-TOKEN-s3cr3t-0123456789abcdef"
    guild_id: str = "81384788765712384"
    channel_id: str = "41771983423143937"
    host: str = "https://discord.com"
    deleted: bool = False
    content_max: int = 2000
    bucket_size: int = 5  # messages per window before Remaining reaches 0
    queue: list[httpx.Response] = field(default_factory=list)  # answers served first
    messages: list[Sent] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    pinged: list[str] = field(default_factory=list)  # what a careless body would ping
    _used: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1100000000000000001))

    @property
    def url(self) -> str:
        return f"{self.host}/api/webhooks/{self.webhook_id}/{self.token}"

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def reset_bucket(self) -> None:
        self._used = 0

    # -- the routes -------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        found = _PATH.match(request.url.path)
        if request.url.host != httpx.URL(self.host).host or found is None:
            return _json(404, {"message": "404: Not Found", "code": 0})
        if found["id"] != self.webhook_id or found["token"] != self.token:
            if found["id"] == self.webhook_id:
                return _json(401, {"message": "Invalid Webhook Token", "code": 50027})
            return _json(404, {"message": "Unknown Webhook", "code": 10015})
        if self.deleted:
            return _json(404, {"message": "Unknown Webhook", "code": 10015})
        if self.queue:
            return self.queue.pop(0)
        if request.method == "GET":
            return _json(200, self._webhook())
        if request.method == "POST":
            return self._execute(request)
        return _json(405, {"message": "405: Method Not Allowed", "code": 0})

    def _webhook(self) -> dict[str, Any]:
        # GET with the token: no ``user`` field (Discord omits it for token requests).
        return {
            "type": 1,
            "id": self.webhook_id,
            "name": "announcements-hook",
            "avatar": None,
            "channel_id": self.channel_id,
            "guild_id": self.guild_id,
            "application_id": None,
            "token": self.token,
        }

    def _execute(self, request: httpx.Request) -> httpx.Response:
        ctype = request.headers.get("content-type", "")
        files: dict[str, tuple[str | None, str | None, bytes]] = {}
        if ctype.startswith("application/json"):
            payload = json.loads(request.content)
        elif ctype.startswith("multipart/form-data"):
            fields = parse_multipart(request)
            if "payload_json" not in fields:
                return _form_error("payload_json", "This field is required")
            payload = json.loads(fields.pop("payload_json")[2])
            files = fields
        else:
            return _json(400, {"message": "Cannot send an empty message", "code": 50006})
        content = payload.get("content") or ""
        if len(content) > self.content_max:
            return _form_error("content", f"Must be {self.content_max} or fewer in length.")
        if not content and not files:
            return _json(400, {"message": "Cannot send an empty message", "code": 50006})
        attachments = payload.get("attachments") or []
        for index, attachment in enumerate(attachments):
            if len(attachment.get("description") or "") > 1024:
                return _form_error(
                    f"attachments.{index}.description", "Must be 1024 or fewer in length."
                )
            if f"files[{attachment['id']}]" not in files:
                return _form_error(f"attachments.{index}.id", "Unknown attachment")
        if len(files) > 10:
            return _form_error("files", "Must be 10 or fewer in length.")
        for name, (_filename, _mime, data) in files.items():
            if not re.fullmatch(r"files\[\d+\]", name):
                return _form_error(name, "Unknown field")
            if len(data) > 10 * _MIB:
                return _json(413, {"message": "Request entity too large", "code": 40005})
        if self._used >= self.bucket_size:
            return self.rate_limit(0.5)
        self._used += 1
        mentions = payload.get("allowed_mentions")
        parse = mentions.get("parse") if isinstance(mentions, dict) else None
        if "@everyone" in content and (parse is None or "everyone" in parse):
            self.pinged.append("@everyone")
        sent = Sent(
            id=str(next(self._ids)),
            content=content,
            username=payload.get("username"),
            attachments=[{**a, "content_type": files[f"files[{a['id']}]"][1]} for a in attachments],
            allowed_mentions=mentions,
        )
        self.messages.append(sent)
        if request.url.params.get("wait") != "true":
            return httpx.Response(204)  # Discord accepts and validates later: silent
        headers = {
            "X-RateLimit-Limit": str(self.bucket_size),
            "X-RateLimit-Remaining": str(self.bucket_size - self._used),
            "X-RateLimit-Reset-After": "1.5",
            "X-RateLimit-Bucket": "abcd1234",
        }
        message = {
            "id": sent.id,
            "type": 0,
            "content": content,
            "channel_id": self.channel_id,
            "author": {"id": self.webhook_id, "username": sent.username or "Captain Hook"},
            "attachments": sent.attachments,
            "webhook_id": self.webhook_id,
            "timestamp": datetime.now(UTC).isoformat(),
        }
        return _json(200, message, headers)

    @staticmethod
    def rate_limit(
        retry_after: float, *, header: bool = True, body: bool = True, is_global: bool = False
    ) -> httpx.Response:
        headers = {"X-RateLimit-Scope": "user", "X-RateLimit-Remaining": "0"}
        if header:
            headers["Retry-After"] = str(max(1, round(retry_after)))
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        content: dict[str, Any] = {"message": "You are being rate limited.", "global": is_global}
        if body:
            content["retry_after"] = retry_after
        return _json(429, content, headers)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _form_error(path: str, message: str) -> httpx.Response:
    tree: dict[str, Any] = {"_errors": [{"code": "BASE_TYPE_BAD", "message": message}]}
    for key in reversed(path.split(".")):
        tree = {key: tree}
    return _json(400, {"code": 50035, "errors": tree, "message": "Invalid Form Body"})


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeDiscord()
    with fake.client() as client:
        yield account("discord", username="socialgit"), {"webhook_url": fake.url}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"discord": _contract_env}
