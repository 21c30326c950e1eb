"""YouTube against the local fake: its rules at validation, sign-in and refresh, the upload
session (sealed, probed, resumed), errors and quotas, the look-up and what doctor tells."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from providers import youtube
from providers.base import Outgoing
from providers.youtube import api, upload
from socialgit.content import load_content
from socialgit.credentials import oauth
from socialgit.credentials.doctor import doctor
from socialgit.credentials.vault import Vault, new_key
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Transient,
)
from tests.conftest import Repo, png
from tests.providers._support import assert_secret_free, mp4, thread
from tests.providers.youtube.fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT,
    FakeYouTube,
    credentials,
    youtube_account,
)

ACCOUNT = youtube_account()


@pytest.fixture
def fake() -> FakeYouTube:
    return FakeYouTube()


def video_post(tmp_path: Path, text: str = "A description", title: str = "A title") -> Outgoing:
    outgoing = thread(tmp_path, text, mime="video/mp4")
    return replace(outgoing, keys={"title": title})


# -- rules at validation ---------------------------------------------------------------------
CONFIG = f"""\
timezone: UTC
accounts:
  yt:
    provider: youtube
    client_id: {CLIENT_ID}
"""


def problems(repo: Repo, front: str, body: str, config: str = CONFIG) -> list[str]:
    repo.write("socialgit.yml", config)
    repo.write("media/clip.mp4", mp4())
    repo.write("media/dot.png", png())
    repo.write(
        "content/a.md", f"---\npublish_at: 2026-12-01 09:00\ntargets: [yt]\n{front}---\n{body}\n"
    )
    content = load_content(repo.root)
    found = [p.message for p in content.problems if p.severity == "error"]
    return found + [p.message for p in content.config_problems if p.severity == "error"]


VIDEO = "\n\n![A clip](../media/clip.mp4)"


def test_a_titled_video_with_a_description_is_valid(repo: Repo) -> None:
    assert problems(repo, "title: Launch day\n", "What changed." + VIDEO) == []


@pytest.mark.parametrize(
    ("front", "body", "fragment"),
    [
        ("", "Text" + VIDEO, "needs `title:`"),
        ("title: " + "t" * 101 + "\n", "Text" + VIDEO, "title is 101 characters"),
        ("title: a <b> title\n", "Text" + VIDEO, "may not contain < or >"),
        ("title: T\n", "Text <b>" + VIDEO, "may not contain < or >"),
        ("title: T\n", "é" * 2501 + VIDEO, "5002 characters as youtube counts them"),
        ("title: T\n", "Text", "needs a video on the first part"),
        ("title: T\n", "Text\n\n![A dot](../media/dot.png)", "does not take image/png"),
        ("title: T\n", "One" + VIDEO + "\n---\nTwo", "takes one part, not a thread"),
    ],
)
def test_what_youtube_refuses_is_an_error_at_validation(
    repo: Repo, front: str, body: str, fragment: str
) -> None:
    found = problems(repo, front, body)
    assert any(fragment in message for message in found), found


def test_a_privacy_outside_its_choices_is_an_error_naming_them(repo: Repo) -> None:
    config = CONFIG + "    privacy: secret\n"
    found = problems(repo, "title: T\n", "Text" + VIDEO, config)
    assert any("privacy must be one of public, unlisted, private" in m for m in found), found


def test_the_description_counts_bytes() -> None:
    assert youtube.length("héllo 🚀") == 11  # é is 2 bytes, the rocket 4


# -- sign-in and refresh ---------------------------------------------------------------------
def test_sign_in_asks_offline_access_and_stores_the_refresh_token(fake: FakeYouTube) -> None:
    verifier = oauth.new_verifier()
    url = youtube.generate_auth_url(ACCOUNT, REDIRECT, "st4te", oauth.challenge(verifier))
    query = httpx.URL(url).params
    assert (query["access_type"], query["prompt"]) == ("offline", "consent")
    assert "youtube.upload" in query["scope"] and query["client_id"] == CLIENT_ID
    with fake.client() as client:
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        stored = youtube.authenticate(
            client, ACCOUNT, code, verifier, REDIRECT, {"client_secret": CLIENT_SECRET}
        )
        refreshed = youtube.refresh_token(client, ACCOUNT, stored)
    assert stored["refresh_token"] and stored["client_secret"] == CLIENT_SECRET
    # Google does not rotate: the answer has no refresh token, the stored one stays.
    assert refreshed["refresh_token"] == stored["refresh_token"]
    assert refreshed["access_token"] != stored["access_token"]
    assert youtube.expires_at(refreshed) is not None


def test_a_revoked_refresh_token_says_connect_again(fake: FakeYouTube) -> None:
    with fake.client() as client, pytest.raises(AuthRevoked, match="socialgit connect team-yt"):
        youtube.refresh_token(
            client, ACCOUNT, {"refresh_token": "1//gone", "client_secret": CLIENT_SECRET}
        )


# -- the upload session --------------------------------------------------------------------
def test_a_session_address_is_sealed_under_the_client_secret_and_the_delivery_key() -> None:
    session = "https://www.googleapis.com/upload/youtube/v3/videos?upload_id=AbC123secret"
    sealed = upload.seal(session, CLIENT_SECRET, "key-1")
    assert "AbC123secret" not in sealed and sealed.startswith("v1:")
    assert upload.unseal(sealed, CLIENT_SECRET, "key-1") == session
    assert upload.unseal(sealed, "another-secret", "key-1") is None
    assert upload.unseal(sealed, CLIENT_SECRET, "key-2") is None
    assert upload.unseal("not sealed", CLIENT_SECRET, "key-1") is None


def test_post_names_the_session_before_any_byte_and_the_video_is_the_receipt(
    fake: FakeYouTube, tmp_path: Path
) -> None:
    named: list[tuple[str, int]] = []
    outgoing = video_post(tmp_path)
    outgoing = replace(outgoing, on_pending=lambda p: named.append((p, len(fake.requests))))
    parts: list[str] = []
    with fake.client() as client:
        receipt = youtube.post(client, ACCOUNT, credentials(fake), outgoing, (), parts.append)
    (video,) = fake.videos
    assert receipt.id == video.id and parts == [video.id]
    ((sealed, seen),) = named
    assert seen == 1  # named right after the session opened, before the first PUT
    (session,) = fake.sessions.values()
    assert session.id not in sealed


def test_a_rerun_with_the_session_resumes_where_it_stopped(
    fake: FakeYouTube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload, "CHUNK", upload.QUANTUM)
    clip = tmp_path / "big.mp4"
    clip.write_bytes(mp4(size=2 * upload.QUANTUM + 10))
    outgoing = video_post(tmp_path)
    media = replace(outgoing.parts[0].media[0], file=clip)
    outgoing = replace(outgoing, parts=(replace(outgoing.parts[0], media=(media,)),))
    named: list[str] = []

    def one_chunk_only(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and any(r.method == "PUT" for r in fake.requests):
            raise httpx.ConnectError("gone", request=request)
        return fake(request)

    broken = httpx.Client(transport=httpx.MockTransport(one_chunk_only))
    with broken as client, pytest.raises(Transient, match="resumes where it stopped"):
        youtube.post(
            client,
            ACCOUNT,
            credentials(fake),
            replace(outgoing, on_pending=named.append),
            (),
            lambda i: None,
        )
    assert fake.videos == [] and named
    with fake.client() as client:
        again = replace(outgoing, pending=named[-1])
        assert youtube.lookup(client, ACCOUNT, credentials(fake), again) is None  # not done
        receipt = youtube.post(client, ACCOUNT, credentials(fake), again, (), lambda i: None)
        assert youtube.lookup(client, ACCOUNT, credentials(fake), again) == receipt
    assert fake.uploads_started() == 1 and fake.videos[0].size == 2 * upload.QUANTUM + 10


def test_a_session_sealed_under_another_secret_is_a_person_s_call(
    fake: FakeYouTube, tmp_path: Path
) -> None:
    outgoing = replace(
        video_post(tmp_path), pending=upload.seal("https://x/?upload_id=1", "old", "k")
    )
    with fake.client() as client, pytest.raises(OutcomeUnknown, match="client secret changed"):
        youtube.lookup(client, ACCOUNT, credentials(fake), outgoing)
    assert fake.uploads_started() == 0


def test_without_a_recorded_session_nothing_was_sent(fake: FakeYouTube, tmp_path: Path) -> None:
    with fake.client() as client:
        assert youtube.lookup(client, ACCOUNT, credentials(fake), video_post(tmp_path)) is None
    assert fake.requests == []


# -- errors and quotas -----------------------------------------------------------------------
def test_the_quota_resets_at_midnight_pacific_across_daylight_saving() -> None:
    # 07:30 UTC on 8 March 2026 is 23:30 PST on 7 March: the day ends 08:00 UTC.
    assert api.next_quota_day(datetime(2026, 3, 8, 7, 30, tzinfo=UTC)) == datetime(
        2026, 3, 8, 8, 0, tzinfo=UTC
    )
    # 10:00 UTC on 8 March is 03:00 PDT (clocks went forward): the day ends 07:00 UTC.
    assert api.next_quota_day(datetime(2026, 3, 8, 10, 0, tzinfo=UTC)) == datetime(
        2026, 3, 9, 7, 0, tzinfo=UTC
    )


def test_quota_used_up_is_rate_limited_until_the_quota_day_ends(
    fake: FakeYouTube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("providers._http.now", lambda: datetime(2026, 1, 1, 9, 0, tzinfo=UTC))
    fake.insert_quota = 0
    with fake.client() as client, pytest.raises(RateLimited) as caught:
        youtube.post(client, ACCOUNT, credentials(fake), video_post(tmp_path), (), lambda i: None)
    assert caught.value.until == datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def test_the_channel_cap_is_rate_limited_for_a_day(fake: FakeYouTube, tmp_path: Path) -> None:
    fake.channel_cap = 0
    with fake.client() as client, pytest.raises(RateLimited, match="24-hour upload limit"):
        youtube.post(client, ACCOUNT, credentials(fake), video_post(tmp_path), (), lambda i: None)


def test_an_expired_token_is_auth_expired_and_a_bad_title_is_rejected(
    fake: FakeYouTube, tmp_path: Path
) -> None:
    with fake.client() as client:
        with pytest.raises(Rejected, match="invalidTitle"):
            youtube.post(
                client,
                ACCOUNT,
                credentials(fake),
                video_post(tmp_path, title="x" * 101),
                (),
                lambda i: None,
            )
        fake.expire()
        with pytest.raises(AuthExpired):
            youtube.post(
                client, ACCOUNT, credentials(fake), video_post(tmp_path), (), lambda i: None
            )


def test_no_error_carries_the_token_or_the_session(fake: FakeYouTube, tmp_path: Path) -> None:
    named: list[str] = []

    def lose_every_put(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            raise httpx.ReadTimeout(f"timed out on {request.url}", request=request)
        return fake(request)

    outgoing = replace(video_post(tmp_path), on_pending=named.append)
    lossy = httpx.Client(transport=httpx.MockTransport(lose_every_put))
    with lossy as client, pytest.raises(OutcomeUnknown) as caught:
        youtube.post(client, ACCOUNT, credentials(fake), outgoing, (), lambda i: None)
    (session,) = fake.sessions.values()
    assert_secret_free(caught.value, fake.token, session.id, CLIENT_SECRET)


# -- who, and what doctor says ---------------------------------------------------------------
def test_whoami_names_the_channel_and_diagnose_tells_an_unaudited_project(
    fake: FakeYouTube, tmp_path: Path
) -> None:
    with fake.client() as client:
        assert youtube.whoami(client, ACCOUNT, credentials(fake)) == {
            "id": fake.channel,
            "name": fake.title,
            "handle": fake.handle,
        }
        assert youtube.diagnose(client, ACCOUNT, credentials(fake)) == []
        fake.audited = False
        fake.long_uploads = "eligible"
        youtube.post(client, ACCOUNT, credentials(fake), video_post(tmp_path), (), lambda i: None)
        notes = youtube.diagnose(client, ACCOUNT, credentials(fake))
        private = youtube.diagnose(client, youtube_account(privacy="private"), credentials(fake))
    assert [severity for severity, _ in notes] == ["warning", "warning"]
    assert "longUploadsStatus eligible" in notes[0][1]
    assert "is private although this account posts public" in notes[1][1]
    assert [message for _, message in private] == [notes[0][1]]  # private by choice: no lock


def test_doctor_reports_the_warning(
    fake: FakeYouTube, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    repo.write("socialgit.yml", CONFIG)
    vault = Vault.open(repo.root)
    vault.put("yt", {**credentials(fake), "refresh_token": fake.issue_refresh()})
    vault.save()
    fake.audited = False
    with fake.client() as client:
        youtube.post(
            client,
            youtube_account("yt"),
            credentials(fake),
            video_post(tmp_path),
            (),
            lambda i: None,
        )
    found = doctor(repo.root, lambda account: fake.client(), datetime.now(UTC))
    mine = [(f.severity, f.message) for f in found if f.subject == "yt"]
    assert ("ok", "youtube: signed in as @sgtest") in mine
    assert any(s == "warning" and "locked private" in m for s, m in mine), mine


def test_google_s_error_body_is_read_for_its_reason() -> None:
    body = {"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded"}]}}
    assert api.reason(httpx.Response(403, content=json.dumps(body))) == ("quotaExceeded", "quota")
    assert api.reason(httpx.Response(500, text="<html>")) == ("", "")
