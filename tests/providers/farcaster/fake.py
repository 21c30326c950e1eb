"""A local Neynar API for Farcaster, written from the fact sheet
(shared/docs/providers-wave2-open.md §3): Neynar's v2 REST shapes and Farcaster's cast
validation.

``FakeNeynar`` is an ``httpx.MockTransport`` handler. Every request needs a known
``x-api-key`` (401); a cast needs a signer made with that key (403 otherwise) and approved
(403 while ``pending_approval`` or ``revoked``). Casts are checked as Farcaster checks them:
text at most 320 UTF-8 bytes (1,024 for an account with long casts), at most 2 embeds, each
URL 1 to 256 bytes, not empty, a ``parent`` that exists (400 with ``{"code", "message",
"property"}``). ``idem``: a repeat with the same key answers the first cast (what Neynar
does is undocumented; ``idem_conflict`` makes it 409 instead). The user's casts come newest
first with a ``next.cursor``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialgit.model import Account
from tests.providers._support import account

API_KEY = "NEYNAR-TEST-KEY-8c1f"
SIGNER = "9a6c2e1f-0d5b-4c7e-8f3a-1b2c3d4e5f60"
FID = 4242
MEDIA_BASE_URL = "https://media.example.com/site"


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def _error(status: int, message: str, code: str = "", prop: str = "") -> httpx.Response:
    body = {"message": message, **({"code": code} if code else {}),
            **({"property": prop} if prop else {})}  # fmt: skip
    return _json(status, body)


@dataclass
class FakeNeynar:
    base: str = "https://neynar.example"
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    keys: set[str] = field(default_factory=lambda: {API_KEY})
    signers: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {SIGNER: {"status": "approved", "fid": FID, "key": API_KEY}}
    )
    long_casts: bool = False
    idem_conflict: bool = False
    casts: list[dict[str, Any]] = field(default_factory=list)  # newest last
    idems: dict[str, str] = field(default_factory=dict)  # idem → hash
    lose_answers: int = 0
    requests: list[httpx.Request] = field(default_factory=list)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host != httpx.URL(self.base).host:
            return _error(404, "Not found")
        key = request.headers.get("x-api-key", "")
        if key not in self.keys:
            return _error(401, "Unauthorized: invalid API key", "Unauthorized")
        path, method = request.url.path, request.method
        if (path, method) == ("/v2/farcaster/signer", "GET"):
            return self._signer(request.url.params.get("signer_uuid", ""), key)
        if (path, method) == ("/v2/farcaster/user/bulk", "GET"):
            fids = request.url.params.get("fids", "")
            users = [{"fid": FID, "username": "alice", "display_name": "Alice"}]
            return _json(200, {"users": users if str(FID) in fids.split(",") else []})
        if (path, method) == ("/v2/farcaster/cast", "POST"):
            return self._cast(request, key)
        if (path, method) == ("/v2/farcaster/feed/user/casts", "GET"):
            return self._feed(request)
        return _error(404, "Not found")

    def _signer(self, uuid: str, key: str) -> httpx.Response:
        found = self.signers.get(uuid)
        if found is None or found["key"] != key:
            return _error(404, "Signer not found", "NotFound", "signer_uuid")
        return _json(200, {"signer_uuid": uuid, "public_key": "0x" + "ab" * 32,
                           "status": found["status"], "fid": found["fid"]})  # fmt: skip

    def _cast(self, request: httpx.Request, key: str) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        signer = self.signers.get(str(body.get("signer_uuid")))
        if signer is None or signer["key"] != key:
            return _error(403, "Signer is not paired with this API key", "Forbidden")
        if signer["status"] != "approved":
            return _error(403, f"Signer is {signer['status']}", "SignerNotApproved")
        idem = body.get("idem")
        if isinstance(idem, str) and idem in self.idems:
            if self.idem_conflict:
                return _error(409, "Duplicate request", "Conflict", "idem")
            first = next(c for c in self.casts if c["hash"] == self.idems[idem])
            return _json(200, {"success": True, "cast": _public(first)})
        text = body.get("text") or ""
        embeds = body.get("embeds") or []
        most = 1024 if self.long_casts else 320
        if len(text.encode()) > most:
            return _error(400, f"Text is over {most} bytes", "InvalidField", "text")
        if not isinstance(embeds, list) or len(embeds) > 2:
            return _error(400, "At most 2 embeds", "InvalidField", "embeds")
        urls = [e.get("url") for e in embeds if isinstance(e, dict)]
        if any(not isinstance(u, str) or not 1 <= len(u.encode()) <= 256 for u in urls):
            return _error(400, "Invalid embed URL", "InvalidField", "embeds")
        if not text and not embeds:
            return _error(400, "A cast needs text or embeds", "InvalidField", "text")
        parent = body.get("parent")
        if parent is not None and not any(c["hash"] == parent for c in self.casts):
            return _error(400, "Parent cast not found", "InvalidField", "parent")
        self.now += timedelta(seconds=1)
        digest = hashlib.sha1(f"{len(self.casts)}:{text}".encode()).hexdigest()
        cast = {
            "object": "cast", "hash": f"0x{digest}", "parent_hash": parent, "text": text,
            "timestamp": self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "author": {"object": "user", "fid": signer["fid"], "username": "alice"},
            "embeds": [{"url": u} for u in urls], "channel": body.get("channel_id"),
        }  # fmt: skip
        self.casts.append(cast)
        if isinstance(idem, str):
            self.idems[idem] = cast["hash"]
        if self.lose_answers:
            self.lose_answers -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return _json(200, {"success": True, "cast": _public(cast)})

    def _feed(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        fid = int(q.get("fid", "0"))
        limit = min(int(q.get("limit", "25")), 150)
        start = int(q.get("cursor", "0"))
        mine = [c for c in reversed(self.casts) if c["author"]["fid"] == fid]
        if q.get("include_replies") != "true":
            mine = [c for c in mine if c["parent_hash"] is None]
        page = mine[start : start + limit]
        more = start + limit < len(mine)
        return _json(200, {"casts": [_public(c) for c in page],
                           "next": {"cursor": str(start + limit) if more else None}})  # fmt: skip


def _public(cast: dict[str, Any]) -> dict[str, Any]:
    return dict(cast)


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeNeynar()
    with fake.client() as client:
        acct = account("farcaster", base_url=fake.base)
        yield acct, {"api_key": API_KEY, "signer_uuid": SIGNER}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"farcaster": _contract_env}
