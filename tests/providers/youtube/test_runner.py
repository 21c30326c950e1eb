"""YouTube through the real runner (a git repository with a bare remote, claims, results): the
upload session is on the remote before a byte goes, so a run that dies anywhere is finished
by the next one, on a fresh clone, with exactly one video. The runner's HTTP client is
pointed at the fake YouTube; nothing else is replaced."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers import youtube
from providers.base import Credentials
from providers.youtube import upload
from socialgit.model import Account
from socialgit.runner import Hooks, Options, RunReport, publish, run
from tests.conftest import Repo
from tests.providers._support import mp4
from tests.providers.runner_site import DUE, Handler, Killed, fresh_clone, run_at
from tests.providers.runner_site import entry as entry_of
from tests.providers.video_site import remote_post, video_site
from tests.providers.youtube.fake import CLIENT_ID, FakeYouTube, credentials, youtube_account

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout: the claim in doubt is looked at again


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    return video_site(
        tmp_path,
        monkeypatch,
        "team-yt",
        {"provider": "youtube", "client_id": CLIENT_ID, "privacy": "unlisted"},
        "What is new in the launch.",
        title="Launch day",
        clip=mp4(size=3 * upload.QUANTUM + 1000),
    )


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(upload, "CHUNK", upload.QUANTUM)  # four requests for the clip


def deliver(
    site: Repo,
    fake: FakeYouTube,
    at: datetime,
    monkeypatch: pytest.MonkeyPatch,
    handler: Handler | None = None,
) -> RunReport:
    fake.clock = lambda: at
    return run_at(site, at, handler or fake, credentials(fake), monkeypatch)


def entry(site: Repo) -> dict[str, object]:
    return entry_of(site, "team-yt")


def puts(fake: FakeYouTube) -> list[str]:
    """The Content-Range of each request to an upload session, in order."""
    return [r.headers["content-range"] for r in fake.requests if r.method == "PUT"]


def test_a_video_goes_out_once_with_its_title_and_link(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube()
    report = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes[0].message
    (video,) = fake.videos
    assert (video.title, video.description) == ("Launch day", "What is new in the launch.")
    assert video.privacy == "unlisted" and video.size == 3 * upload.QUANTUM + 1000
    assert entry(site)["url"] == f"https://www.youtube.com/watch?v={video.id}"
    assert "pending" not in entry(site)  # out: nothing left to resume
    assert puts(fake)[0] == f"bytes 0-{upload.QUANTUM - 1}/{video.size}"


def test_killed_once_the_upload_made_the_video_a_fresh_clone_records_that_video(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube(kill_after_upload=Killed())
    with pytest.raises(Killed):
        deliver(site, fake, FIRST, monkeypatch)
    (video,) = fake.videos
    # The session went to the remote before the first byte, sealed: its address is not there.
    text = remote_post(site)
    assert "status: publishing" in text and "pending: v1:" in text
    (session,) = fake.sessions.values()
    assert session.id not in text and "upload_id" not in text

    fresh = fresh_clone(site)
    again = deliver(fresh, fake, LATER, monkeypatch)
    assert [o.state for o in again.outcomes] == ["published"], again.outcomes[0].message
    assert len(fake.videos) == 1 and fake.uploads_started() == 1
    assert entry(fresh)["url"] == f"https://www.youtube.com/watch?v={video.id}"
    assert "pending" not in entry(fresh)
    assert deliver(fresh, fake, LATER + timedelta(hours=1), monkeypatch).outcomes == []


def test_killed_mid_upload_the_rerun_asks_the_session_and_sends_only_the_rest(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube()
    total = 3 * upload.QUANTUM + 1000

    def die_at_the_second_chunk(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and len(puts(fake)) == 1:
            fake.requests.append(request)
            raise Killed()
        return fake(request)

    with pytest.raises(Killed):
        deliver(site, fake, FIRST, monkeypatch, die_at_the_second_chunk)
    assert fake.videos == [] and "pending: v1:" in remote_post(site)

    fresh = fresh_clone(site)
    again = deliver(fresh, fake, LATER, monkeypatch)
    assert [o.state for o in again.outcomes] == ["published"], again.outcomes[0].message
    assert fake.uploads_started() == 1 and len(fake.videos) == 1
    # The rerun asked how far it got (its look-up, then its post), then went on from the
    # second chunk: the first was never sent again.
    rerun = puts(fake)[2:]
    assert rerun[:3] == [
        f"bytes */{total}",
        f"bytes */{total}",
        f"bytes {upload.QUANTUM}-524287/{total}",
    ]
    assert fake.videos[0].size == total


def test_killed_before_the_session_was_recorded_nothing_was_sent_so_it_uploads_once(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube()

    def die_once_the_session_is_open(request: httpx.Request) -> httpx.Response:
        answer = fake(request)
        if request.method == "POST" and fake.uploads_started() == 1:
            raise Killed()  # the session exists on YouTube; nobody knows its address
        return answer

    with pytest.raises(Killed):
        deliver(site, fake, FIRST, monkeypatch, die_once_the_session_is_open)
    assert "pending" not in remote_post(site)
    again = deliver(fresh_clone(site), fake, LATER, monkeypatch)
    assert [o.state for o in again.outcomes] == ["published"]
    assert fake.uploads_started() == 2 and len(fake.videos) == 1  # the first never got a byte


def test_the_last_chunks_answer_lost_is_asked_of_the_session_in_the_same_run(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube(lose_after_upload=httpx.ReadTimeout("timed out"))
    report = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes[0].message
    assert len(fake.videos) == 1 and puts(fake)[-1].startswith("bytes */")


def test_a_session_that_expired_after_the_video_is_a_person_s_call_with_the_link(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube(kill_after_upload=Killed())
    with pytest.raises(Killed):
        deliver(site, fake, FIRST, monkeypatch)
    for session in fake.sessions.values():
        session.gone = True
    fresh = fresh_clone(site)
    again = deliver(fresh, fake, LATER, monkeypatch)
    (outcome,) = again.outcomes
    assert outcome.state == "error" and "check by hand" in outcome.message
    assert f"https://www.youtube.com/watch?v={fake.videos[0].id}" in outcome.message
    assert len(fake.videos) == 1 and fake.uploads_started() == 1


def test_quota_used_up_waits_for_midnight_pacific_without_counting_an_attempt(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube(insert_quota=0)
    report = deliver(site, fake, FIRST, monkeypatch)
    (outcome,) = report.outcomes
    assert outcome.state == "deferred" and "midnight Pacific time" in outcome.message
    assert str(outcome.entry["retry_at"]) > "2026-01-01T09:01:00Z"
    assert outcome.entry["attempts"] == 0 and fake.videos == []
    assert "pending" not in entry(site)  # refused before a session opened


def test_a_token_that_expires_mid_upload_is_refreshed_once_and_the_upload_goes_on(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube()
    refresh = fake.issue_refresh()
    refreshed: list[str] = []

    def expire_after_the_first_chunk(request: httpx.Request) -> httpx.Response:
        answer = fake(request)
        if request.method == "PUT" and len(puts(fake)) == 1:
            fake.expire()
        return answer

    def renew(account: Account, used: Credentials) -> Credentials:
        with fake.client() as client:
            new = youtube.refresh_token(
                client, youtube_account(), {**used, "refresh_token": refresh}
            )
        refreshed.append(new["access_token"])
        return new

    transport = httpx.MockTransport(expire_after_the_first_chunk)
    monkeypatch.setattr(run, "_client", lambda: httpx.Client(transport=transport))
    fake.clock = lambda: FIRST
    hooks = Hooks(credentials=lambda account: credentials(fake), refresh=renew)
    report = publish(site.root, Options(at=FIRST), hooks)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes[0].message
    assert len(refreshed) == 1 and fake.uploads_started() == 1 and len(fake.videos) == 1
    # After the refresh: asked the session, then the second chunk, not the first again.
    assert puts(fake)[1:4] == [
        f"bytes {upload.QUANTUM}-524287/{3 * upload.QUANTUM + 1000}",
        f"bytes */{3 * upload.QUANTUM + 1000}",
        f"bytes {upload.QUANTUM}-524287/{3 * upload.QUANTUM + 1000}",
    ]
