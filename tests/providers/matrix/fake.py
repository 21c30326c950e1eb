"""A small Matrix homeserver as an ``httpx.MockTransport`` handler, for the contract row and
for what a real Synapse will not do on demand (rate limits). test_synapse.py runs the
provider against the real thing; this fake answers as Synapse answered there (shapes and
error bodies from shared/docs/providers-wave2-open.md §13, TESTED-HERE): login, whoami,
join, alias look-up, media upload, ``PUT …/send/m.room.message/{txnId}`` (a repeated txnId
from the same device returns the first event), ``/messages`` with ``unsigned.transaction_id``
for the sender's device only, ``M_UNKNOWN_TOKEN`` 401 and ``M_LIMIT_EXCEEDED`` 429."""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

from socialgit.model import Account

BASE = "https://matrix.example"
ROOM = "!abcdefg:matrix.example"
ALIAS = "#news:matrix.example"
USER, PASSWORD = "@bot:matrix.example", "correct horse battery"


@dataclass
class FakeHomeserver:
    tokens: dict[str, str] = field(default_factory=dict)  # access token → device
    events: list[dict[str, Any]] = field(default_factory=list)
    txns: dict[tuple[str, str], str] = field(default_factory=dict)  # (device, txnId) → event
    queue: list[httpx.Response] = field(default_factory=list)  # answers served first
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.raw_path.decode().split("?")[0])
        if path == "/_matrix/client/v3/login" and request.method == "POST":
            return self._login(json.loads(request.content))
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        device = self.tokens.get(bearer)
        if device is None:
            code = "M_UNKNOWN_TOKEN" if bearer else "M_MISSING_TOKEN"
            return _err(401, code, "Invalid access token passed.", soft_logout=False)
        if self.queue:
            return self.queue.pop(0)
        if path == "/_matrix/client/v3/account/whoami":
            return httpx.Response(200, json={"user_id": USER, "device_id": device})
        if path in (f"/_matrix/client/v3/join/{ALIAS}", f"/_matrix/client/v3/join/{ROOM}"):
            return httpx.Response(200, json={"room_id": ROOM})
        if path == f"/_matrix/client/v3/directory/room/{ALIAS}":
            return httpx.Response(200, json={"room_id": ROOM, "servers": ["matrix.example"]})
        if path == "/_matrix/media/v3/upload" and request.method == "POST":
            return httpx.Response(
                200, json={"content_uri": f"mxc://matrix.example/m{next(self._ids)}"}
            )
        prefix = f"/_matrix/client/v3/rooms/{ROOM}/send/m.room.message/"
        if path.startswith(prefix) and request.method == "PUT":
            return self._send(device, path.removeprefix(prefix), json.loads(request.content))
        if path == f"/_matrix/client/v3/rooms/{ROOM}/messages":
            return self._messages(device)
        return _err(404, "M_UNRECOGNIZED", "Unrecognized request")

    def _login(self, body: dict[str, Any]) -> httpx.Response:
        ident = body.get("identifier", {})
        if ident.get("user") not in (USER, "bot") or body.get("password") != PASSWORD:
            return _err(403, "M_FORBIDDEN", "Invalid username or password")
        device = body.get("device_id") or f"DEV{next(self._ids)}"
        token = f"syt_token_{next(self._ids)}"
        self.tokens[token] = device
        made = {"user_id": USER, "access_token": token, "device_id": device}
        return httpx.Response(200, json={**made, "home_server": "matrix.example"})

    def _send(self, device: str, txn: str, content: dict[str, Any]) -> httpx.Response:
        known = self.txns.get((device, txn))
        if known is None:
            known = f"$event{next(self._ids)}"
            self.txns[(device, txn)] = known
            self.events.append({"event_id": known, "type": "m.room.message", "sender": USER,
                                "content": content, "origin_server_ts": int(time.time() * 1000),
                                "device": device, "txn": txn})  # fmt: skip
        return httpx.Response(200, json={"event_id": known})

    def _messages(self, device: str) -> httpx.Response:
        chunk = []
        for event in reversed(self.events):
            shown = {k: v for k, v in event.items() if k not in ("device", "txn")}
            if event["device"] == device:
                shown["unsigned"] = {"transaction_id": event["txn"]}
            chunk.append(shown)
        return httpx.Response(200, json={"chunk": chunk, "start": "s1"})


def _err(status: int, code: str, error: str, **more: Any) -> httpx.Response:
    return httpx.Response(status, json={"errcode": code, "error": error, **more})


def matrix_account(**settings: Any) -> Account:
    base = {"homeserver": BASE, "room": ALIAS, "user": USER}
    return Account("team-matrix", "matrix", {**base, **settings}, 1)


@contextlib.contextmanager
def _contract() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeHomeserver()
    with fake.client() as client:
        yield matrix_account(), {"password": PASSWORD}, client


CONTRACT = {"matrix": _contract}
