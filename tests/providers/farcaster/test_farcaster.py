"""Farcaster through the local Neynar fake: casts, replies, embeds by public URL, the idem
key, the byte count, the signer, Neynar's errors, and the look-up."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from providers import farcaster
from providers.base import Outgoing
from socialgit.errors import AuthRevoked, Duplicate, OutcomeUnknown, RateLimited, Rejected
from tests.providers._support import account, assert_secret_free, raising, thread
from tests.providers.farcaster.fake import API_KEY, FID, MEDIA_BASE_URL, SIGNER, FakeNeynar

CREDS = {"api_key": API_KEY, "signer_uuid": SIGNER}


@pytest.fixture
def fake() -> FakeNeynar:
    return FakeNeynar()


def acct(fake: FakeNeynar, **settings: object) -> object:
    return account("farcaster", "team-fc", base_url=fake.base, **settings)


def with_urls(outgoing: Outgoing) -> Outgoing:
    parts = tuple(
        replace(p, media=tuple(replace(m, url=f"{MEDIA_BASE_URL}/{m.path}") for m in p.media))
        for p in outgoing.parts
    )
    return replace(outgoing, parts=parts)


def test_casts_reply_in_a_chain_with_embeds_and_a_stable_idem(
    fake: FakeNeynar, tmp_path: Path
) -> None:
    target = account("farcaster", "team-fc", base_url=fake.base, channel="dev")
    outgoing = with_urls(thread(tmp_path, "gm, the release is out", "details"))
    seen: list[str] = []
    with fake.client() as client:
        receipt = farcaster.post(client, target, CREDS, outgoing, (), seen.append)
    first, second = fake.casts
    assert first["embeds"] == [{"url": f"{MEDIA_BASE_URL}/media/dot.png"}]
    assert first["parent_hash"] is None and second["parent_hash"] == first["hash"]
    assert first["channel"] == "dev" and second["channel"] is None
    assert receipt.parts == (first["hash"], second["hash"]) == tuple(seen)
    assert receipt.url == f"https://farcaster.xyz/~/conversations/{first['hash']}"
    sent = [r for r in fake.requests if r.url.path == "/v2/farcaster/cast"]
    idems = [json.loads(r.content)["idem"] for r in sent]
    keys = [farcaster.idem(outgoing.key, 0), farcaster.idem(outgoing.key, 1)]
    assert idems == keys
    assert len(keys[0]) == 16 and keys[0] != keys[1] == farcaster.idem(outgoing.key, 1)


def test_text_is_counted_in_utf8_bytes(fake: FakeNeynar, tmp_path: Path) -> None:
    assert farcaster.length("é🚀") == 6
    assert farcaster.limit(acct(fake), None) == 320  # type: ignore[arg-type]
    assert farcaster.limit(acct(fake, long_casts=True), None) == 1024  # type: ignore[arg-type]
    text = "é" * 161  # 161 characters, 322 bytes
    with fake.client() as client, pytest.raises(Rejected, match="322 bytes; Farcaster takes 320"):
        farcaster.post(client, acct(fake), CREDS, thread(tmp_path, text, image_on=None), (), print)
    fake.long_casts = True
    with fake.client() as client:
        farcaster.post(
            client, acct(fake, long_casts=True), CREDS, thread(tmp_path, text, image_on=None),
            (), print,
        )  # fmt: skip
    assert [c["text"] for c in fake.casts] == [text]


def test_an_image_without_a_public_url_is_refused_before_sending(
    fake: FakeNeynar, tmp_path: Path
) -> None:
    with fake.client() as client, pytest.raises(Rejected, match="media_base_url"):
        farcaster.post(client, acct(fake), CREDS, thread(tmp_path, "pic"), (), print)
    assert fake.casts == []


def test_a_resend_with_the_same_idem_gets_the_first_cast(fake: FakeNeynar, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "once", image_on=None)
    fake.lose_answers = 1
    with fake.client() as client:
        with pytest.raises(OutcomeUnknown):
            farcaster.post(client, acct(fake), CREDS, outgoing, (), print)
        receipt = farcaster.post(client, acct(fake), CREDS, outgoing, (), print)
    assert len(fake.casts) == 1 and receipt.id == fake.casts[0]["hash"]


def test_a_409_on_a_repeated_idem_is_a_duplicate(fake: FakeNeynar, tmp_path: Path) -> None:
    fake.idem_conflict = True
    outgoing = thread(tmp_path, "once", image_on=None)
    with fake.client() as client:
        farcaster.post(client, acct(fake), CREDS, outgoing, (), print)
        with pytest.raises(Duplicate):
            farcaster.post(client, acct(fake), CREDS, outgoing, (), print)
        found = farcaster.lookup(client, acct(fake), CREDS, outgoing)
    assert found is not None and found.id == fake.casts[0]["hash"] and len(fake.casts) == 1


def test_the_signer_must_be_approved_and_paired(fake: FakeNeynar, tmp_path: Path) -> None:
    with fake.client() as client:
        stored = farcaster.authenticate(client, acct(fake), "", "", "", dict(CREDS))
        assert stored == CREDS
        assert farcaster.whoami(client, acct(fake), stored) == {
            "id": str(FID), "name": "Alice", "handle": "@alice",
        }  # fmt: skip
        fake.signers[SIGNER]["status"] = "pending_approval"
        with pytest.raises(AuthRevoked, match="pending_approval, not approved"):
            farcaster.authenticate(client, acct(fake), "", "", "", dict(CREDS))
        fake.signers[SIGNER]["status"] = "revoked"
        with pytest.raises(AuthRevoked, match="socialgit connect team-fc") as caught:
            farcaster.post(
                client, acct(fake), CREDS, thread(tmp_path, "x", image_on=None), (), print
            )
        with pytest.raises(AuthRevoked):
            farcaster.whoami(client, acct(fake), {**CREDS, "api_key": "wrong-key"})
    assert_secret_free(caught.value, API_KEY, SIGNER)


@pytest.mark.parametrize(
    ("status", "error"), [(429, RateLimited), (400, Rejected), (503, OutcomeUnknown)]
)
def test_neynar_errors_are_classified(
    fake: FakeNeynar, tmp_path: Path, status: int, error: type[Exception]
) -> None:
    answer = httpx.Response(status, json={"message": "no", "code": "X"})

    def handler(request: httpx.Request) -> httpx.Response:
        return answer if request.url.path == "/v2/farcaster/cast" else fake(request)

    plain = thread(tmp_path, "x", image_on=None)
    transport = httpx.MockTransport(handler)
    with httpx.Client(transport=transport) as client, pytest.raises(error) as caught:
        farcaster.post(client, acct(fake), CREDS, plain, (), print)
    assert_secret_free(caught.value, API_KEY, SIGNER)


def test_a_lost_answer_carries_no_secret(tmp_path: Path, fake: FakeNeynar) -> None:
    plain = thread(tmp_path, "x", image_on=None)
    transport = httpx.MockTransport(raising(httpx.ReadTimeout))
    with httpx.Client(transport=transport) as client, pytest.raises(OutcomeUnknown) as caught:
        farcaster.post(client, acct(fake), CREDS, plain, (), print)
    assert_secret_free(caught.value, API_KEY, SIGNER)


def test_lookup_finds_the_leading_casts_and_denies_what_is_not_there(
    fake: FakeNeynar, tmp_path: Path
) -> None:
    outgoing = with_urls(thread(tmp_path, "one", "two", "three"))
    with fake.client() as client:
        assert farcaster.lookup(client, acct(fake), CREDS, outgoing) is None
        two = farcaster.post(
            client, acct(fake), CREDS, replace(outgoing, parts=outgoing.parts[:2]), (), print
        )
        found = farcaster.lookup(client, acct(fake), CREDS, outgoing)
        assert found is not None and found.parts == two.parts
        later = replace(outgoing, occurrence=outgoing.occurrence + timedelta(days=7))
        assert farcaster.lookup(client, acct(fake), CREDS, later) is None
        farcaster.post(client, acct(fake), CREDS, replace(outgoing, key="other"), (), print)
        with pytest.raises(OutcomeUnknown, match="2 items"):
            farcaster.lookup(client, acct(fake), CREDS, outgoing)


def test_lookup_pages_through_the_feed(fake: FakeNeynar, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "needle", image_on=None)
    with fake.client() as client:
        sent = farcaster.post(client, acct(fake), CREDS, outgoing, (), print)
        for number in range(70):
            other = thread(tmp_path, f"hay {number}", image_on=None)
            farcaster.post(client, acct(fake), CREDS, replace(other, key=f"k{number}"), (), print)
        found = farcaster.lookup(client, acct(fake), CREDS, outgoing)
    assert found is not None and found.id == sent.id
    pages = [r for r in fake.requests if r.url.path.endswith("/feed/user/casts")]
    assert len(pages) == 2 and pages[1].url.params["cursor"] == "50"
