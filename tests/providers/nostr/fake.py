"""A Blossom media server (BUD-01/02) as an ``httpx.MockTransport`` handler, and the Nostr
``CONTRACT`` row, which runs against the real local relay (relay_server.py).

The Blossom fake checks what a server checks of ``PUT /upload``: an ``Authorization:
Nostr <base64 event>`` whose event is kind 24242, validly signed, with ``["t","upload"]``, an
``expiration`` in the future, ``created_at`` in the past and, when given, an ``x`` tag equal
to the body's sha256; it stores blobs by hash and answers a blob descriptor (201 new, 200
known), 401 with ``X-Reason`` otherwise.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from providers.nostr import event
from socialgit.model import Account
from tests.providers._support import account
from tests.providers.nostr.relay_server import LocalRelay

SECRET = "5b7ad7e8b4a0f0b0c6d6a0bd9e1a37b6b4cd7a2b1d6e9c0f8a7b6c5d4e3f2a10"
BLOSSOM = "https://blossom.example"


@dataclass
class FakeBlossom:
    blobs: dict[str, bytes] = field(default_factory=dict)
    uploads: list[dict[str, Any]] = field(default_factory=list)  # the auth events seen

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != httpx.URL(BLOSSOM).host:
            return httpx.Response(404)
        if request.method == "PUT" and request.url.path == "/upload":
            return self._upload(request)
        digest = request.url.path.strip("/").split(".")[0]
        if request.method == "GET" and digest in self.blobs:
            return httpx.Response(200, content=self.blobs[digest])
        return httpx.Response(404, headers={"X-Reason": "Blob not found"})

    def _upload(self, request: httpx.Request) -> httpx.Response:
        body = request.content
        digest = hashlib.sha256(body).hexdigest()
        problem = self._auth(request.headers.get("authorization", ""), digest)
        if problem:
            return httpx.Response(401, headers={"X-Reason": problem})
        known = digest in self.blobs
        self.blobs[digest] = body
        return httpx.Response(
            200 if known else 201,
            json={
                "url": f"{BLOSSOM}/{digest}.png",
                "sha256": digest,
                "size": len(body),
                "type": request.headers.get("content-type", "application/octet-stream"),
                "uploaded": int(time.time()),
            },
        )

    def _auth(self, header: str, digest: str) -> str | None:
        scheme, _, token = header.partition(" ")
        if scheme != "Nostr" or not token:
            return "Missing auth event"
        try:
            auth = json.loads(base64.b64decode(token + "=" * (-len(token) % 4)))
        except (binascii.Error, ValueError):
            return "Invalid auth event"
        if not isinstance(auth, dict) or not event.verify(auth) or auth.get("kind") != 24242:
            return "Invalid auth event"
        tags = {t[0]: t[1] for t in auth["tags"] if len(t) > 1}
        now = time.time()
        if tags.get("t") != "upload" or auth["created_at"] > now:
            return "Auth event is not for upload"
        if not tags.get("expiration") or int(tags["expiration"]) <= now:
            return "Auth event expired"
        if "x" in tags and tags["x"] != digest:
            return "Auth missing hash"
        self.uploads.append(auth)
        return None


def nostr_account(*relays: str, **settings: Any) -> Account:
    return account("nostr", relays=list(relays), **settings)


@contextlib.contextmanager
def _contract() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    relay = LocalRelay()
    try:
        with FakeBlossom().client() as client:
            yield nostr_account(relay.url, blossom=BLOSSOM), {"nsec": SECRET}, client
    finally:
        relay.close()


CONTRACT = {"nostr": _contract}
