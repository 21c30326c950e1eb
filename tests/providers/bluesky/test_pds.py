"""The Bluesky provider against the reference PDS from npm (@atproto/pds), on loopback.

What the server stores is read back with com.atproto.repo.getRecord/listRecords, so these
tests check the records as Bluesky would see them, not what we meant to send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import bluesky
from providers.atproto import xrpc as _atproto
from providers.base import Outgoing, OutgoingMedia, OutgoingPart
from socialgit.errors import AuthExpired, AuthRevoked
from socialgit.model import Account
from tests.providers.bluesky.pds_server import PdsAccount, PdsServer

pytestmark = pytest.mark.slow
WHEN = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as c:
        yield c


def connect(pds: PdsServer, client: httpx.Client, who: PdsAccount) -> tuple[Account, Any]:
    account = Account("sky", "bluesky", {"handle": who.handle, "base_url": pds.url}, line=1)
    creds = bluesky.authenticate(client, account, "", "", "", {"password": who.app_password})
    return account, creds


def png(path: Path) -> Path:
    """A real 2x2 PNG (the PDS sniffs what it stores)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\0" + b"\xff\x00\x00" * 2 for _ in range(2))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


def outgoing(key: str, *parts: OutgoingPart) -> Outgoing:
    return Outgoing(key=key, post="content/launch.md", occurrence=WHEN, parts=parts, account="sky")


def span(text: str, piece: str) -> dict[str, int]:
    start = text.encode().index(piece.encode())
    return {"byteStart": start, "byteEnd": start + len(piece.encode())}


def test_server_listens_on_this_machine_only(pds: PdsServer) -> None:
    # How long it takes to start is not asserted: a timed test fails on a busy machine.
    assert pds.url.startswith("http://localhost:")


def test_thread_with_image_and_facets(pds: PdsServer, client: httpx.Client, tmp_path: Path) -> None:
    friend = pds.create_account("friend")
    me = pds.create_account("poster")
    account, creds = connect(pds, client, me)
    assert creds["did"] == me.did and creds["pds"] == pds.url
    first = f"Launch day 🚀 read https://example.com/launch?x=1 with @{friend.handle} #socialgit"
    image = png(tmp_path / "chart.png")
    parts = (
        OutgoingPart(first, (OutgoingMedia("img/chart.png", image, "image/png", "A red square"),)),
        OutgoingPart("Part two: the details."),
        OutgoingPart("Part three, thanks @nobody-here.test"),
    )
    seen: list[str] = []
    receipt = bluesky.post(client, account, creds, outgoing("launch-1", *parts), (), seen.append)

    assert receipt.parts == tuple(seen) and len(seen) == 3
    rkey = _atproto.record_key("launch-1", 0)
    assert receipt.id == f"at://{me.did}/app.bsky.feed.post/{rkey}"
    assert receipt.url == f"https://bsky.app/profile/{me.handle}/post/{rkey}"
    records = [pds.get_record(uri) for uri in seen]
    root = records[0]["value"]
    assert root["text"] == first
    assert root["createdAt"] == "2026-05-04T12:00:00.000Z"
    facets = {f["features"][0]["$type"].rsplit("#")[-1]: f for f in root["facets"]}
    assert facets["link"]["index"] == span(first, "https://example.com/launch?x=1")
    assert facets["link"]["features"][0]["uri"] == "https://example.com/launch?x=1"
    assert facets["mention"]["index"] == span(first, f"@{friend.handle}")
    assert facets["mention"]["features"][0]["did"] == friend.did
    assert facets["tag"]["index"] == span(first, "#socialgit")
    assert facets["tag"]["features"][0]["tag"] == "socialgit"
    embed = root["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert embed["images"][0]["alt"] == "A red square"
    assert embed["images"][0]["image"]["mimeType"] == "image/png"
    assert embed["images"][0]["image"]["size"] == image.stat().st_size
    strong = [{"uri": r["uri"], "cid": r["cid"]} for r in records]
    assert records[1]["value"]["reply"] == {"root": strong[0], "parent": strong[0]}
    assert records[2]["value"]["reply"] == {"root": strong[0], "parent": strong[1]}
    assert "facets" not in records[2]["value"]  # the unknown handle lost its facet
    assert len(pds.list_records(me.did)) == 3
    assert bluesky.whoami(client, account, creds) == {"id": me.did, "name": me.handle}


class Killed(Exception):
    """Stands in for the runner being killed right after it recorded a part."""


def test_killed_mid_thread_then_resumed_is_exactly_once(
    pds: PdsServer, client: httpx.Client, tmp_path: Path
) -> None:
    me = pds.create_account("resume")
    account, creds = connect(pds, client, me)
    image = png(tmp_path / "a.png")
    out = outgoing(
        "resume-1",
        OutgoingPart("one", (OutgoingMedia("img/a.png", image, "image/png", ""),)),
        OutgoingPart("two"),
        OutgoingPart("three"),
    )
    recorded: list[str] = []

    def record_then_die(uri: str) -> None:
        recorded.append(uri)
        raise Killed

    with pytest.raises(Killed):
        bluesky.post(client, account, creds, out, (), record_then_die)
    assert len(pds.list_records(me.did)) == 1
    assert bluesky.lookup(client, account, creds, out) is None  # incomplete: send the rest

    # Killed again, this time after part two arrived but before the runner recorded it.
    def die_unrecorded(uri: str) -> None:
        raise Killed

    with pytest.raises(Killed):
        bluesky.post(client, account, creds, out, tuple(recorded), die_unrecorded)
    assert len(pds.list_records(me.did)) == 2 and len(recorded) == 1

    receipt = bluesky.post(client, account, creds, out, tuple(recorded), recorded.append)
    assert receipt.parts == tuple(recorded) and len(recorded) == 3
    listed = pds.list_records(me.did)
    assert sorted(r["uri"] for r in listed) == sorted(recorded)
    assert bluesky.lookup(client, account, creds, out) == receipt

    # A full resend (as after a lost answer) writes the same records under the same keys:
    # nothing new, not even a commit.
    head = pds.xrpc("GET", "com.atproto.sync.getLatestCommit", params={"did": me.did})
    again = bluesky.post(client, account, creds, out, (), lambda uri: None)
    assert again == receipt
    assert pds.list_records(me.did) == listed
    assert pds.xrpc("GET", "com.atproto.sync.getLatestCommit", params={"did": me.did}) == head


def test_lookup_of_a_delivery_that_never_went_out(pds: PdsServer, client: httpx.Client) -> None:
    me = pds.create_account("nothing")
    account, creds = connect(pds, client, me)
    assert bluesky.lookup(client, account, creds, outgoing("never", OutgoingPart("x"))) is None
    # Without a session (a fresh vault entry) the handle is resolved first.
    no_session = {"password": me.app_password}
    assert bluesky.lookup(client, account, no_session, outgoing("never", OutgoingPart("x"))) is None


def expired_copy(token: str, secret: str) -> str:
    """The same access token, signed by the server's key, but already expired."""
    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["iat"], claims["exp"] = int(time.time()) - 7200, int(time.time()) - 60
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    signed = f"{header}.{body}".encode()
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return f"{header}.{body}." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def test_session_expiry_refresh_and_fallback(pds: PdsServer, client: httpx.Client) -> None:
    me = pds.create_account("session")
    account, creds = connect(pds, client, me)
    expiry = bluesky.expires_at(creds)
    assert expiry is not None and 0 < (expiry - datetime.now(UTC)).total_seconds() <= 2 * 3600 + 5

    # The server's own answer to an expired access token: 400 ExpiredToken.
    stale = {**creds, "accessJwt": expired_copy(creds["accessJwt"], pds.jwt_secret)}
    with pytest.raises(AuthExpired, match="ExpiredToken"):
        bluesky.post(client, account, stale, outgoing("s-1", OutgoingPart("hi")), (), print)

    # Refresh rotates the refresh token (the access token may match the first one to the
    # byte when both are minted in the same second); the new session works.
    fresh = bluesky.refresh_token(client, account, stale)
    assert fresh["refreshJwt"] != creds["refreshJwt"]
    assert fresh["accessJwt"] != stale["accessJwt"]
    assert fresh["password"] == me.app_password
    receipt = bluesky.post(client, account, fresh, outgoing("s-1", OutgoingPart("hi")), (), print)
    assert len(receipt.parts) == 1

    # A revoked session: refresh falls back to logging in with the app password.
    pds.xrpc("POST", "com.atproto.server.deleteSession", token=fresh["refreshJwt"])
    again = bluesky.refresh_token(client, account, fresh)
    assert again["refreshJwt"] != fresh["refreshJwt"]
    assert bluesky.whoami(client, account, again)["id"] == me.did

    # A revoked app password: only a person can fix that.
    pds.xrpc(
        "POST",
        "com.atproto.server.revokeAppPassword",
        token=me.access_jwt,
        json={"name": "socialgit"},
    )
    with pytest.raises(AuthRevoked, match="socialgit connect sky") as err:
        bluesky.refresh_token(client, account, {**again, "refreshJwt": fresh["refreshJwt"]})
    assert me.app_password not in str(err.value)
