"""TikTok against the local fake: its rules at validation, sign-in with rotating refresh
tokens, creator info before init, the chunk plan, the publish's status, errors in HTTP 200
bodies, big post ids, and what doctor tells of an unaudited app."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from providers import tiktok
from providers.base import Outgoing, Receipt
from providers.tiktok import publish, video
from socialgit.content import load_content
from socialgit.credentials import oauth
from socialgit.credentials.doctor import doctor
from socialgit.credentials.vault import Vault, new_key
from socialgit.errors import AuthExpired, AuthRevoked, RateLimited, Rejected, Transient
from socialgit.model import Account
from tests.conftest import Repo
from tests.providers._support import assert_secret_free, mp4, thread
from tests.providers.tiktok.fake import (
    BIG,
    CLIENT_KEY,
    CLIENT_SECRET,
    MB,
    REDIRECT,
    FakeTikTok,
    _chunk_plan,
    credentials,
    tiktok_account,
)

ACCOUNT = tiktok_account()


@pytest.fixture
def fake() -> FakeTikTok:
    return FakeTikTok(processing_polls=0)


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish, "POLL", 0.001)


def clip_post(tmp_path: Path, text: str = "Launch #release") -> Outgoing:
    return thread(tmp_path, text, mime="video/mp4")


def post(fake: FakeTikTok, outgoing: Outgoing, account: Account = ACCOUNT) -> Receipt:
    with fake.client() as client:
        return tiktok.post(client, account, credentials(fake), outgoing, (), lambda i: None)


# -- rules at validation ---------------------------------------------------------------------
CONFIG = f"""\
timezone: UTC
accounts:
  tt:
    provider: tiktok
    client_key: {CLIENT_KEY}
    privacy: public
"""


def problems(repo: Repo, body: str, config: str = CONFIG) -> list[str]:
    repo.write("socialgit.yml", config)
    repo.write("media/clip.mp4", mp4())
    repo.write("content/a.md", f"---\npublish_at: 2026-12-01 09:00\ntargets: [tt]\n---\n{body}\n")
    content = load_content(repo.root)
    found = [p.message for p in content.problems if p.severity == "error"]
    return found + [p.message for p in content.config_problems if p.severity == "error"]


CLIP = "\n\n![A clip](../media/clip.mp4)"


def test_a_caption_with_a_video_is_valid_and_counted_in_utf16(repo: Repo) -> None:
    assert problems(repo, "Launch 🚀" + CLIP) == []
    assert tiktok.length("Launch 🚀") == 9  # the rocket is two UTF-16 units
    found = problems(repo, "🚀" * 1101 + CLIP)
    assert any("2202 characters as tiktok counts them" in m for m in found), found


@pytest.mark.parametrize(
    ("body", "config", "fragment"),
    [
        ("Text", CONFIG, "needs a video on the first part"),
        ("One" + CLIP + "\n---\nTwo", CONFIG, "not a thread"),
        ("Text" + CLIP, CONFIG + "    mode: drafts\n", "mode must be one of direct, inbox"),
        ("Text" + CLIP, CONFIG.replace("public", "everyone"), "privacy must be one of public"),
    ],
)
def test_what_tiktok_refuses_is_an_error_at_validation(
    repo: Repo, body: str, config: str, fragment: str
) -> None:
    found = problems(repo, body, config)
    assert any(fragment in message for message in found), found


# -- sign-in and rotating refresh tokens -----------------------------------------------------
def test_sign_in_sends_the_client_key_and_a_hex_challenge(fake: FakeTikTok) -> None:
    verifier = oauth.new_verifier()
    url = tiktok.generate_auth_url(ACCOUNT, REDIRECT, "st4te", oauth.challenge(verifier))
    query = httpx.URL(url).params
    assert query["client_key"] == CLIENT_KEY and "client_id" not in query
    assert query["code_challenge"] == hashlib.sha256(verifier.encode()).hexdigest()
    assert query["scope"] == "user.info.basic,video.publish"
    inbox = tiktok.generate_auth_url(
        tiktok_account(mode="inbox", pkce="base64url"), REDIRECT, "s", oauth.challenge(verifier)
    )
    assert httpx.URL(inbox).params["scope"] == "user.info.basic,video.upload"
    assert httpx.URL(inbox).params["code_challenge"] == oauth.challenge(verifier)
    with fake.client() as client:
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        stored = tiktok.authenticate(
            client, ACCOUNT, code, verifier, REDIRECT, {"client_secret": CLIENT_SECRET}
        )
    assert stored["refresh_token"] and stored["client_secret"] == CLIENT_SECRET
    assert stored["refresh_expires_at"] > stored["expires_at"]  # 180 days against 2 hours


def test_each_refresh_rotates_and_the_spent_token_says_connect_again(fake: FakeTikTok) -> None:
    first = credentials(fake)
    with fake.client() as client:
        second = tiktok.refresh_token(client, ACCOUNT, first)
        assert second["refresh_token"] != first["refresh_token"]
        assert second["client_secret"] == CLIENT_SECRET  # the whole entry comes back
        with pytest.raises(AuthRevoked, match="socialgit connect team-tt"):
            tiktok.refresh_token(client, ACCOUNT, first)  # spent by the rotation
        third = tiktok.refresh_token(client, ACCOUNT, second)
    assert third["access_token"] in fake.grants


def test_a_refused_refresh_in_an_http_200_is_still_a_refusal() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        body = {"error": "invalid_grant", "error_description": "Refresh token is invalid."}
        return httpx.Response(200, json=body)

    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(AuthRevoked, match="invalid_grant"),
    ):
        tiktok.refresh_token(client, ACCOUNT, {"refresh_token": "rft.x", "client_secret": "s"})


# -- posting ----------------------------------------------------------------------------------
def test_creator_info_comes_first_and_the_post_follows_the_creator_s_switches(
    fake: FakeTikTok, tmp_path: Path
) -> None:
    receipt = post(fake, clip_post(tmp_path))
    paths = [r.url.path for r in fake.requests]
    assert paths[0] == "/v2/post/publish/creator_info/query/"
    assert paths[1] == "/v2/post/publish/video/init/"
    (published,) = fake.posted()
    assert published.post_info["disable_duet"] is True  # the creator switched duets off
    assert published.post_info["disable_comment"] is False
    assert published.post_id is not None and published.post_id > 2**53
    assert receipt.id == str(published.post_id)


def test_the_post_id_is_read_from_the_json_digit_for_digit() -> None:
    raw = b'{"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [7493148529416723457]}'
    assert publish.post_ids(json.loads(raw)) == ["7493148529416723457"]
    assert publish.post_ids({"publicaly_available_post_id": "x"}) == []
    assert BIG > 2**53


def test_a_video_longer_than_the_creator_may_post_is_refused_before_init(
    fake: FakeTikTok, tmp_path: Path
) -> None:
    fake.max_duration = 3
    with pytest.raises(Rejected, match="lasts 5 seconds; TikTok lets this creator post 3"):
        post(fake, clip_post(tmp_path))
    assert fake.publishes == {}


def test_without_privacy_the_offered_levels_are_named_and_nothing_starts(
    fake: FakeTikTok, tmp_path: Path
) -> None:
    account = tiktok_account()
    account = replace(account, settings={"client_key": CLIENT_KEY})
    with pytest.raises(Rejected, match=r"set `privacy:` .*public, friends, followers, private"):
        post(fake, clip_post(tmp_path), account)
    assert fake.publishes == {}


def test_an_unaudited_app_posting_privately_goes_out_without_a_public_id(
    fake: FakeTikTok, tmp_path: Path
) -> None:
    fake.audited = False
    receipt = post(fake, clip_post(tmp_path), tiktok_account(privacy="private"))
    (published,) = fake.posted()
    assert published.post_info["privacy_level"] == "SELF_ONLY"
    assert receipt.id == published.id
    assert receipt.url == "https://www.tiktok.com/@sgtester"


def test_the_daily_cap_in_an_http_200_is_a_rate_limit(fake: FakeTikTok, tmp_path: Path) -> None:
    fake.daily_posts = 0
    with pytest.raises(RateLimited, match="spam_risk_too_many_posts"):
        post(fake, clip_post(tmp_path))


def test_an_expired_token_is_auth_expired(fake: FakeTikTok, tmp_path: Path) -> None:
    fake.expire()
    with pytest.raises(AuthExpired):
        post(fake, clip_post(tmp_path))


def test_a_missing_scope_says_connect_again(fake: FakeTikTok, tmp_path: Path) -> None:
    fake.grants[fake.token].scopes = frozenset({"user.info.basic"})
    with pytest.raises(AuthRevoked, match="scope_not_authorized"):
        post(fake, clip_post(tmp_path))


@pytest.mark.parametrize(
    "size", [1, 5 * MB - 1, 5 * MB, 10 * MB, 10 * MB + 1, 25 * MB, 64 * MB + 7, 200 * MB]
)
def test_the_chunk_plan_is_one_tiktok_takes(size: int) -> None:
    chunk, count = publish.chunks(size)
    plan = {"video_size": size, "chunk_size": chunk, "total_chunk_count": count}
    assert _chunk_plan(plan) is None, (size, chunk, count)


def test_every_chunk_goes_in_order_and_the_last_takes_the_rest(
    fake: FakeTikTok, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.mp4"
    big.write_bytes(mp4(size=23 * MB))
    outgoing = clip_post(tmp_path)
    media = replace(outgoing.parts[0].media[0], file=big)
    post(fake, replace(outgoing, parts=(replace(outgoing.parts[0], media=(media,)),)))
    ranges = [r.headers["content-range"] for r in fake.requests if r.method == "PUT"]
    assert ranges == [
        f"bytes 0-{10 * MB - 1}/{23 * MB}",
        f"bytes {10 * MB}-{23 * MB - 1}/{23 * MB}",
    ]


def test_an_upload_that_keeps_failing_is_transient_and_hides_its_url(
    fake: FakeTikTok, tmp_path: Path
) -> None:
    def drop_puts(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            raise httpx.ReadTimeout(f"timed out on {request.url}", request=request)
        return fake(request)

    named: list[str] = []
    outgoing = replace(clip_post(tmp_path), on_pending=named.append)
    lossy = httpx.Client(transport=httpx.MockTransport(drop_puts))
    with lossy as client, pytest.raises(Transient) as caught:
        tiktok.post(client, ACCOUNT, credentials(fake), outgoing, (), lambda i: None)
    (started,) = fake.publishes.values()
    assert named == [started.id]  # named before the first byte
    assert_secret_free(caught.value, started.upload_token, fake.token)


# -- the look-up --------------------------------------------------------------------------------
def test_the_look_up_reads_the_recorded_publish_and_never_invents_one(
    fake: FakeTikTok, tmp_path: Path
) -> None:
    named: list[str] = []
    outgoing = replace(clip_post(tmp_path), on_pending=named.append)
    with fake.client() as client:
        assert tiktok.lookup(client, ACCOUNT, credentials(fake), outgoing) is None
        receipt = tiktok.post(client, ACCOUNT, credentials(fake), outgoing, (), lambda i: None)
        found = tiktok.lookup(
            client, ACCOUNT, credentials(fake), replace(outgoing, pending=named[0])
        )
    assert found == receipt


def test_a_publish_that_got_no_bytes_is_started_again_once(
    fake: FakeTikTok, tmp_path: Path
) -> None:
    with fake.client() as client:
        session = publish.Session(client, ACCOUNT, credentials(fake))
        dead, _url = publish.init(
            session, False, {"title": "x", "privacy_level": "SELF_ONLY", "disable_duet": True}, 1000
        )
    outgoing = replace(clip_post(tmp_path), pending=dead)
    with fake.client() as client:
        assert tiktok.lookup(client, ACCOUNT, credentials(fake), outgoing) is None
    post(fake, outgoing)
    assert len(fake.publishes) == 2 and len(fake.posted()) == 1


# -- who, and what doctor says ---------------------------------------------------------------
def test_doctor_warns_that_an_unaudited_app_may_post_only_privately(
    fake: FakeTikTok, repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    repo.write("socialgit.yml", CONFIG)
    vault = Vault.open(repo.root)
    vault.put("tt", credentials(fake))
    vault.save()
    with fake.client() as client:
        assert tiktok.whoami(client, tiktok_account("tt"), credentials(fake)) == {
            "id": fake.open_id,
            "name": "Socialgit Test",
            "handle": "sgtester",
        }
    fake.audited = False
    found = doctor(repo.root, lambda account: fake.client(), datetime.now(UTC))
    mine = [(f.severity, f.message) for f in found if f.subject == "tt"]
    assert ("ok", "tiktok: signed in as sgtester") in mine
    assert any(s == "warning" and "only privately" in m for s, m in mine), mine
    with fake.client() as client:
        inbox = tiktok_account("tt", mode="inbox")
        assert tiktok.diagnose(client, inbox, credentials(fake)) == []  # no privacy to pick


def test_the_duration_is_read_from_the_movie_header(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    clip.write_bytes(mp4(seconds=61.5, size=4000))
    assert video.duration(clip) == 61.5
    clip.write_bytes(b"\x00\x00\x00\x08free" + bytes(100))
    assert video.duration(clip) is None
