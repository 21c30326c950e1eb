"""A fake PDS on ``httpx.MockTransport``, written from the XRPC lexicons and the reference
server's answers (shared/docs/providers.md, Bluesky).

It checks requests the way the network does (bearer token, JSON body shape, blob
Content-Type, strong refs of replies pointing at records it holds) and keeps records by
key, so idempotency is observable. The real reference server is exercised in
test_bluesky_pds.py.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from providers.atproto import xrpc as _atproto
from socialgit.model import Account
from tests.providers._support import account

BASE = "https://pds.example"
DID = "did:plc:abcdefghijklmnopqrstuvwx"
HANDLE = "news.example.com"
PASSWORD = "app-pass-word-1234"


def jwt(exp: int, tag: str) -> str:
    def b64(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'HS256', 'typ': 'at+jwt'})}.{b64({'exp': exp, 'sub': DID, 't': tag})}.sig"


ACCESS = jwt(1_900_000_000, "access-1")
REFRESH = jwt(1_990_000_000, "refresh-1")
SESSION = {
    "password": PASSWORD,
    "accessJwt": ACCESS,
    "refreshJwt": REFRESH,
    "did": DID,
    "pds": BASE,
}


class FakePds:
    """Enough of com.atproto.* to publish, with answers shaped like the reference server's."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.handles = {"alice.test": "did:plc:alice"}
        self.access = ACCESS
        self.refresh = REFRESH
        self.fail: dict[str, Callable[[httpx.Request], httpx.Response]] = {}
        self.sessions_created = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "pds.example"
        nsid = request.url.path.removeprefix("/xrpc/")
        self.calls.append(nsid)
        if nsid in self.fail:
            return self.fail[nsid](request)
        endpoint: Callable[[httpx.Request], httpx.Response] = getattr(self, nsid.rsplit(".")[-1])
        return endpoint(request)

    # -- helpers
    def _bearer(self, request: httpx.Request, token: str) -> httpx.Response | None:
        if request.headers.get("Authorization") != f"Bearer {token}":
            return error(400, "InvalidToken", "Bad token")
        return None

    def _session_answer(self) -> httpx.Response:
        doc = {
            "id": DID,
            "service": [
                {
                    "id": "#atproto_pds",
                    "type": "AtprotoPersonalDataServer",
                    "serviceEndpoint": BASE + "/",
                }
            ],
        }
        return httpx.Response(
            200,
            json={
                "accessJwt": self.access,
                "refreshJwt": self.refresh,
                "did": DID,
                "handle": HANDLE,
                "didDoc": doc,
            },
        )

    # -- endpoints
    def createSession(self, request: httpx.Request) -> httpx.Response:
        assert "Authorization" not in request.headers
        body = json.loads(request.content)
        assert set(body) == {"identifier", "password"}
        if body != {"identifier": HANDLE, "password": PASSWORD}:
            return error(401, "AuthenticationRequired", "Invalid identifier or password")
        self.sessions_created += 1
        self.access, self.refresh = jwt(1_900_000_100, "access-new"), jwt(1_990_000_100, "r-new")
        return self._session_answer()

    def refreshSession(self, request: httpx.Request) -> httpx.Response:
        if bad := self._bearer(request, self.refresh):
            return bad
        self.access, self.refresh = jwt(1_900_000_200, "access-2"), jwt(1_990_000_200, "r-2")
        return self._session_answer()

    def getSession(self, request: httpx.Request) -> httpx.Response:
        if bad := self._bearer(request, self.access):
            return bad
        return httpx.Response(200, json={"did": DID, "handle": HANDLE})

    def resolveHandle(self, request: httpx.Request) -> httpx.Response:
        did = self.handles.get(request.url.params["handle"])
        if did is None:
            return error(400, "InvalidRequest", "Unable to resolve handle")
        return httpx.Response(200, json={"did": did})

    def uploadBlob(self, request: httpx.Request) -> httpx.Response:
        if bad := self._bearer(request, self.access):
            return bad
        assert request.headers["Content-Type"] == "image/png"
        link = "bafkrei" + hashlib.sha256(request.content).hexdigest()[:20]
        blob = {
            "$type": "blob",
            "ref": {"$link": link},
            "mimeType": "image/png",
            "size": len(request.content),
        }
        return httpx.Response(200, json={"blob": blob})

    def putRecord(self, request: httpx.Request) -> httpx.Response:
        if bad := self._bearer(request, self.access):
            return bad
        body = json.loads(request.content)
        assert set(body) == {"repo", "collection", "rkey", "record"}
        assert body["repo"] == DID and body["collection"] == "app.bsky.feed.post"
        assert _atproto.TID_RE.match(body["rkey"])
        record = body["record"]
        assert record["$type"] == "app.bsky.feed.post"
        assert isinstance(record["text"], str) and record["createdAt"].endswith("Z")
        for parent in ("root", "parent"):
            if "reply" in record:
                ref = record["reply"][parent]
                assert self.records[ref["uri"]]["cid"] == ref["cid"]
        uri = f"at://{DID}/app.bsky.feed.post/{body['rkey']}"
        cid = "bafyrei" + hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
        self.records[uri] = {"uri": uri, "cid": cid, "value": record}
        return httpx.Response(200, json={"uri": uri, "cid": cid, "validationStatus": "valid"})

    def getRecord(self, request: httpx.Request) -> httpx.Response:
        assert "Authorization" not in request.headers
        p = request.url.params
        uri = f"at://{p['repo']}/{p['collection']}/{p['rkey']}"
        if uri not in self.records:
            return error(400, "RecordNotFound", f"Could not locate record: {uri}")
        return httpx.Response(200, json=self.records[uri])


def error(status: int, name: str, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"error": name, "message": message}, headers=headers)


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    with httpx.Client(transport=httpx.MockTransport(FakePds())) as client:
        yield account("bluesky", handle=HANDLE, base_url=BASE), {"password": PASSWORD}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"bluesky": _contract_env}
