"""The Bluesky provider against the fake PDS of bluesky/fake.py (httpx.MockTransport).

The real reference server is exercised in test_bluesky_pds.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import bluesky
from providers.atproto import xrpc as _atproto
from providers.base import Outgoing, OutgoingMedia, OutgoingPart
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from socialgit.model import Account
from tests.providers._support import raising
from tests.providers.bluesky.fake import (
    ACCESS,
    BASE,
    DID,
    HANDLE,
    PASSWORD,
    REFRESH,
    SESSION,
    FakePds,
    error,
    jwt,
)

ACCOUNT = Account(
    name="sky", provider="bluesky", settings={"handle": HANDLE, "base_url": BASE}, line=1
)
WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def pds() -> FakePds:
    return FakePds()


@pytest.fixture
def client(pds: FakePds) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(pds)) as c:
        yield c


@pytest.fixture(autouse=True)
def fixed_facets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Facets as @atproto/api's detectFacets gives them, independent of the detector's state."""

    def detect(text: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for word, feature in (
            ("@alice.test", {"$type": "app.bsky.richtext.facet#mention", "did": "alice.test"}),
            ("@nobody.test", {"$type": "app.bsky.richtext.facet#mention", "did": "nobody.test"}),
            ("#tag", {"$type": "app.bsky.richtext.facet#tag", "tag": "tag"}),
        ):
            at = text.encode().find(word.encode())
            if at >= 0:
                index = {"byteStart": at, "byteEnd": at + len(word.encode())}
                out.append({"index": index, "features": [feature]})
        return out

    monkeypatch.setattr(bluesky, "detect_facets", detect)


def outgoing(*texts: str, media: tuple[OutgoingMedia, ...] = (), key: str = "k-1") -> Outgoing:
    parts = tuple(OutgoingPart(text, media if i == 0 else ()) for i, text in enumerate(texts))
    return Outgoing(key=key, post="content/a.md", occurrence=WHEN, parts=parts, account="sky")


def no_secret_in(err: BaseException) -> None:
    text = str(err)
    for secret in (PASSWORD, ACCESS, REFRESH):
        assert secret not in text


# -- record keys ----------------------------------------------------------------------------


def test_record_keys_are_valid_tids_and_deterministic() -> None:
    keys = [_atproto.record_key(f"delivery-{n}", i) for n in range(200) for i in range(3)]
    for key in keys:
        assert len(key) == 13
        assert _atproto.TID_RE.match(key), key
        assert key[0] in "234567abcdefghij"
    assert len(set(keys)) == len(keys)
    assert _atproto.record_key("delivery-7", 2) == _atproto.record_key("delivery-7", 2)
    thread = [_atproto.record_key("delivery-7", i) for i in range(5)]
    assert thread == sorted(thread)  # parts of a thread sort in order


def test_tid_layout_matches_the_spec() -> None:
    assert _atproto.tid(0, 0) == "2222222222222"
    assert _atproto.tid((1 << 53) - 1, 1023) == "bzzzzzzzzzzzz"  # the largest TID
    value = sum(_atproto.S32.index(c) << (5 * (12 - n)) for n, c in enumerate("3jzfcijpj2z2a"))
    assert _atproto.tid(value >> 10, value & 1023) == "3jzfcijpj2z2a"
    with pytest.raises(ValueError):
        _atproto.record_key("k", 1 << _atproto.PART_BITS)


# -- credentials ----------------------------------------------------------------------------


def test_authenticate_creates_a_session(client: httpx.Client, pds: FakePds) -> None:
    creds = bluesky.authenticate(client, ACCOUNT, "", "", "", {"password": PASSWORD})
    assert creds == {
        "password": PASSWORD,
        "accessJwt": pds.access,
        "refreshJwt": pds.refresh,
        "did": DID,
        "pds": BASE,
        "expires_at": "2030-03-17T17:48:20Z",  # the access JWT's exp, for the vault
    }
    assert pds.calls == ["com.atproto.server.createSession"]


def test_bad_app_password_is_revoked_with_the_connect_hint(client: httpx.Client) -> None:
    with pytest.raises(AuthRevoked, match="socialgit connect sky") as err:
        bluesky.authenticate(client, ACCOUNT, "", "", "", {"password": "wrong-pass-word"})
    no_secret_in(err.value)
    assert "wrong-pass-word" not in str(err.value)
    with pytest.raises(AuthRevoked, match="socialgit connect sky"):
        bluesky.refresh_token(client, ACCOUNT, {})


def test_refresh_rotates_without_logging_in(client: httpx.Client, pds: FakePds) -> None:
    creds = bluesky.refresh_token(client, ACCOUNT, dict(SESSION))
    assert creds["refreshJwt"] == pds.refresh != REFRESH
    assert creds["accessJwt"] == pds.access != ACCESS
    assert creds["password"] == PASSWORD
    assert pds.calls == ["com.atproto.server.refreshSession"]
    assert pds.sessions_created == 0


def test_refresh_logs_in_again_when_the_refresh_token_is_dead(
    client: httpx.Client, pds: FakePds
) -> None:
    pds.fail["com.atproto.server.refreshSession"] = lambda r: error(
        400, "ExpiredToken", "Token has expired"
    )
    creds = bluesky.refresh_token(client, ACCOUNT, dict(SESSION))
    assert pds.calls == ["com.atproto.server.refreshSession", "com.atproto.server.createSession"]
    assert creds["accessJwt"] == pds.access
    # No session at all: straight to createSession.
    pds.calls.clear()
    bluesky.refresh_token(client, ACCOUNT, {"password": PASSWORD})
    assert pds.calls == ["com.atproto.server.createSession"]


def test_refresh_that_is_rate_limited_does_not_log_in(client: httpx.Client, pds: FakePds) -> None:
    pds.fail["com.atproto.server.refreshSession"] = lambda r: error(
        429, "RateLimitExceeded", "Rate Limit Exceeded", **{"RateLimit-Reset": "1900000000"}
    )
    with pytest.raises(RateLimited):
        bluesky.refresh_token(client, ACCOUNT, dict(SESSION))
    assert pds.sessions_created == 0


def test_expires_at_reads_the_access_jwt() -> None:
    assert bluesky.expires_at(SESSION) == datetime.fromtimestamp(1_900_000_000, UTC)
    assert bluesky.expires_at({"password": PASSWORD}) == bluesky.NO_SESSION
    assert bluesky.expires_at({"accessJwt": "not-a-jwt"}) == bluesky.NO_SESSION


def test_no_auth_url() -> None:
    with pytest.raises(Unsupported, match="app password"):
        bluesky.generate_auth_url(ACCOUNT, "http://localhost/cb", "state", "challenge")


def test_whoami(client: httpx.Client) -> None:
    assert bluesky.whoami(client, ACCOUNT, SESSION) == {"id": DID, "name": HANDLE}


def test_no_session_means_refresh_first(client: httpx.Client, pds: FakePds) -> None:
    with pytest.raises(AuthExpired):
        bluesky.post(client, ACCOUNT, {"password": PASSWORD}, outgoing("hi"), (), lambda u: None)
    assert pds.calls == []


# -- publishing -----------------------------------------------------------------------------


def test_thread_with_image_mentions_and_tags(
    client: httpx.Client, pds: FakePds, tmp_path: Path
) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    media = (OutgoingMedia(path="img/a.png", file=image, mime="image/png", alt="A chart"),)
    out = outgoing("Hello @alice.test and @nobody.test #tag", "second", "third", media=media)
    seen: list[str] = []
    receipt = bluesky.post(client, ACCOUNT, SESSION, out, (), seen.append)

    assert receipt.parts == tuple(seen) and len(seen) == 3
    rkey0 = _atproto.record_key("k-1", 0)
    assert receipt.id == f"at://{DID}/app.bsky.feed.post/{rkey0}"
    assert receipt.url == f"https://bsky.app/profile/{HANDLE}/post/{rkey0}"
    first = pds.records[seen[0]]["value"]
    assert first["createdAt"] == "2026-03-01T09:30:00.000Z"
    assert first["embed"]["$type"] == "app.bsky.embed.images"
    assert first["embed"]["images"][0]["alt"] == "A chart"
    assert first["embed"]["images"][0]["image"]["size"] == 108
    features = [f["features"][0] for f in first["facets"]]
    assert features == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"},
        {"$type": "app.bsky.richtext.facet#tag", "tag": "tag"},
    ]  # the unresolvable mention lost its facet
    third = pds.records[seen[2]]["value"]
    assert third["reply"]["root"]["uri"] == seen[0]
    assert third["reply"]["parent"]["uri"] == seen[1]
    assert third["createdAt"] == "2026-03-01T09:30:00.002Z"


def test_resume_writes_only_the_missing_parts(client: httpx.Client, pds: FakePds) -> None:
    out = outgoing("one", "two", "three")
    seen: list[str] = []

    def killed_after_first(uri: str) -> None:
        seen.append(uri)
        raise KeyboardInterrupt  # stands in for the runner being killed

    with pytest.raises(KeyboardInterrupt):
        bluesky.post(client, ACCOUNT, SESSION, out, (), killed_after_first)
    pds.calls.clear()
    receipt = bluesky.post(client, ACCOUNT, SESSION, out, tuple(seen), seen.append)
    assert len(receipt.parts) == 3 and len(pds.records) == 3
    assert pds.calls.count("com.atproto.repo.putRecord") == 2
    assert pds.calls.count("com.atproto.repo.getRecord") == 1  # root == parent here
    pds.calls.clear()
    assert bluesky.post(client, ACCOUNT, SESSION, out, receipt.parts, seen.append) == receipt
    assert pds.calls == []  # all done: nothing to read or write


def test_full_resend_rewrites_the_same_keys(client: httpx.Client, pds: FakePds) -> None:
    out = outgoing("one", "two")
    first = bluesky.post(client, ACCOUNT, SESSION, out, (), lambda u: None)
    snapshot = json.dumps(pds.records, sort_keys=True)
    again = bluesky.post(client, ACCOUNT, SESSION, out, (), lambda u: None)
    assert again == first
    assert json.dumps(pds.records, sort_keys=True) == snapshot  # same records, same cids


def test_lookup_is_all_or_nothing(client: httpx.Client, pds: FakePds) -> None:
    out = outgoing("one", "two", "three")
    assert bluesky.lookup(client, ACCOUNT, SESSION, out) is None
    full = bluesky.post(client, ACCOUNT, SESSION, out, (), lambda u: None)
    assert bluesky.lookup(client, ACCOUNT, SESSION, out) == full
    # Partly there is not published: None, so the runner resends (done= what it recorded).
    del pds.records[full.parts[2]]
    assert bluesky.lookup(client, ACCOUNT, SESSION, out) is None


def test_lookup_without_a_session_resolves_the_handle(client: httpx.Client, pds: FakePds) -> None:
    pds.handles[HANDLE] = DID
    out = outgoing("one")
    full = bluesky.post(client, ACCOUNT, SESSION, out, (), lambda u: None)
    assert bluesky.lookup(client, ACCOUNT, {"password": PASSWORD}, out) == full


def test_a_resumed_part_that_was_deleted_is_not_replied_to(client: httpx.Client) -> None:
    gone = f"at://{DID}/app.bsky.feed.post/{_atproto.record_key('other', 0)}"
    with pytest.raises(Rejected, match="gone"):
        bluesky.post(client, ACCOUNT, SESSION, outgoing("one", "two"), (gone,), lambda u: None)


def test_too_large_image_is_refused_before_upload(
    client: httpx.Client, pds: FakePds, tmp_path: Path
) -> None:
    image = tmp_path / "big.png"
    image.write_bytes(b"\0" * 2_000_001)
    media = (OutgoingMedia(path="img/big.png", file=image, mime="image/png", alt=""),)
    with pytest.raises(Rejected, match="2000001 bytes"):
        bluesky.post(client, ACCOUNT, SESSION, outgoing("x", media=media), (), lambda u: None)
    assert "com.atproto.repo.uploadBlob" not in pds.calls


# -- errors ---------------------------------------------------------------------------------


def test_expired_token_is_400_and_means_refresh(client: httpx.Client, pds: FakePds) -> None:
    pds.fail["com.atproto.repo.putRecord"] = lambda r: error(
        400, "ExpiredToken", "Token has expired"
    )
    with pytest.raises(AuthExpired) as err:
        bluesky.post(client, ACCOUNT, SESSION, outgoing("hi"), (), lambda u: None)
    no_secret_in(err.value)


def test_invalid_token_means_refresh_and_a_refused_password_means_connect(
    client: httpx.Client, pds: FakePds
) -> None:
    stale = {**SESSION, "accessJwt": jwt(1_900_000_000, "someone-else")}
    with pytest.raises(AuthExpired) as err:
        bluesky.post(client, ACCOUNT, stale, outgoing("hi"), (), lambda u: None)
    assert stale["accessJwt"] not in str(err.value)
    dead = {**stale, "refreshJwt": jwt(1_990_000_000, "dead"), "password": "changed-pass"}
    with pytest.raises(AuthRevoked, match="socialgit connect sky") as revoked:
        bluesky.refresh_token(client, ACCOUNT, dead)
    assert pds.calls[-2:] == [
        "com.atproto.server.refreshSession",
        "com.atproto.server.createSession",
    ]
    assert "changed-pass" not in str(revoked.value)


def test_rate_limit_carries_the_reset_time(client: httpx.Client, pds: FakePds) -> None:
    pds.fail["com.atproto.repo.putRecord"] = lambda r: error(
        429, "RateLimitExceeded", "Rate Limit Exceeded", **{"RateLimit-Reset": "1900000123"}
    )
    with pytest.raises(RateLimited) as err:
        bluesky.post(client, ACCOUNT, SESSION, outgoing("hi"), (), lambda u: None)
    assert err.value.until == datetime.fromtimestamp(1_900_000_123, UTC)


def test_gateway_timeout_on_a_write_is_unknown(client: httpx.Client, pds: FakePds) -> None:
    pds.fail["com.atproto.repo.putRecord"] = lambda r: error(504, "", "")
    with pytest.raises(OutcomeUnknown):
        bluesky.post(client, ACCOUNT, SESSION, outgoing("hi"), (), lambda u: None)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(client: httpx.Client, pds: FakePds, status: int) -> None:
    pds.fail["com.atproto.repo.putRecord"] = lambda r: error(status, "InternalServerError", "")
    with pytest.raises(Transient):
        bluesky.post(client, ACCOUNT, SESSION, outgoing("hi"), (), lambda u: None)


def test_other_4xx_is_a_rejection(client: httpx.Client, pds: FakePds) -> None:
    pds.fail["com.atproto.repo.putRecord"] = lambda r: error(
        400, "InvalidRequest", "Invalid app.bsky.feed.post record"
    )
    with pytest.raises(Rejected, match="InvalidRequest"):
        bluesky.post(client, ACCOUNT, SESSION, outgoing("hi"), (), lambda u: None)


def test_connect_error_is_transient_and_timeout_after_sending_is_unknown(
    client: httpx.Client, pds: FakePds
) -> None:
    pds.fail["com.atproto.repo.putRecord"] = raising(httpx.ConnectError)
    with pytest.raises(Transient) as err:
        bluesky.post(client, ACCOUNT, SESSION, outgoing("hi"), (), lambda u: None)
    # Not chained to the httpx exception: its request carries the bearer token.
    assert err.value.__cause__ is None and err.value.__context__ is None
    pds.fail["com.atproto.repo.putRecord"] = raising(httpx.ReadTimeout)
    with pytest.raises(OutcomeUnknown) as unknown:
        bluesky.post(client, ACCOUNT, SESSION, outgoing("hi"), (), lambda u: None)
    no_secret_in(unknown.value)
    # Reads that time out changed nothing: try again later.
    pds.fail["com.atproto.repo.getRecord"] = raising(httpx.ReadTimeout)
    with pytest.raises(Transient):
        bluesky.lookup(client, ACCOUNT, SESSION, outgoing("hi"))


def test_resend_in_doubt_is_safe() -> None:
    assert bluesky.RESEND_IN_DOUBT is True
    assert bluesky.AUTH == "app_password"
