"""Reddit through the real runner (git repository with a bare remote, claims, results): a run
killed right after Reddit took the post, rerun from a fresh clone, ends with one post (its
comments sent once) and the link written back, or an error for a person with the link;
never two. The runner's HTTP client goes to the fake; nothing else is replaced."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from providers import PROVIDERS
from tests.conftest import Repo
from tests.providers._support import PNG
from tests.providers.reddit.fake import BASE, FakeReddit
from tests.providers.runner_site import (
    DUE,
    Killed,
    entry,
    fresh_clone,
    killed_after,
    lost_after,
    make_site,
    pushed,
    run_at,
)

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout: the claim in doubt is looked at again
SETTINGS = {
    "provider": "reddit",
    "client_id": "sg-reddit-app",
    "username": "sgtester",
    "subreddit": "test",
    "base_url": BASE,
}
FRONT = "title: Release 2.0 is out\n"


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PROVIDERS["reddit"], "sleep", lambda seconds: None)


def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Repo:
    files = {"content/shot.png": PNG}
    return make_site(tmp_path, monkeypatch, "rd", SETTINGS, body, files, FRONT)


def _submits(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path == "/api/submit"


def test_killed_right_after_the_submit_a_fresh_clone_finds_the_post_and_sends_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeReddit(now=FIRST)
    site = _site(tmp_path, monkeypatch, "What changed & why\n---\nThe details\n---\nThanks")
    creds = {"access_token": fake.token}
    with pytest.raises(Killed):
        run_at(site, FIRST, killed_after(fake, _submits), creds, monkeypatch)
    assert len(fake.posts) == 1 and fake.comments == []
    rerun = fresh_clone(site)
    report = run_at(rerun, LATER, fake, creds, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"]
    (post,) = fake.posts
    assert [c.text for c in fake.comments] == ["The details", "Thanks"]  # each once
    result = entry(rerun, "rd")
    assert result["url"] == f"https://www.reddit.com/r/test/comments/{post.id}/"
    assert result["parts"] == [post.name, *(c.name for c in fake.comments)]
    assert pushed(rerun)
    assert run_at(fresh_clone(site, "third"), LATER, fake, creds, monkeypatch).outcomes == []


@pytest.mark.parametrize("lag", [5, 7])
def test_an_image_post_not_listed_yet_is_found_later_or_left_to_a_person(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lag: int
) -> None:
    """An image post's answer holds no id; the listing shows it only after processing
    (``lag`` looks). Once listed it is recorded; never listed, it goes to a person: the
    image post sent is on record (pending), so its absence is never taken for "not sent"."""
    fake = FakeReddit(now=FIRST, image_lag=lag)
    site = _site(tmp_path, monkeypatch, "The new screen\n\n![The new screen](shot.png)")
    creds = {"access_token": fake.token}
    first = run_at(site, FIRST, fake, creds, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"]  # out, its id not listed yet
    assert "a later run looks it up" in first.outcomes[0].message
    assert entry(site, "rd")["pending"].startswith("image:")
    (outcome,) = run_at(fresh_clone(site), LATER, fake, creds, monkeypatch).outcomes
    assert len(fake.posts) == 1
    if lag == 5:
        assert outcome.state == "published"
        assert outcome.url == f"https://www.reddit.com/r/test/comments/{fake.posts[0].id}/"
    else:
        assert outcome.state == "error" and "check by hand" in outcome.message
        assert "has not listed it since" in outcome.message


def test_a_post_reddit_changed_is_left_to_a_person_with_its_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeReddit(now=FIRST)
    site = _site(tmp_path, monkeypatch, "What changed")
    creds = {"access_token": fake.token}

    def edited(request: httpx.Request) -> httpx.Response:
        answer = fake(request)
        if _submits(request):
            fake.posts[-1].text = "What changed (edited by a moderator bot)"
            raise Killed("after the submit")
        return answer

    with pytest.raises(Killed):
        run_at(site, FIRST, edited, creds, monkeypatch)
    report = run_at(fresh_clone(site), LATER, fake, creds, monkeypatch)
    (outcome,) = report.outcomes
    assert outcome.state == "error" and "check by hand" in outcome.message
    assert f"https://www.reddit.com/r/test/comments/{fake.posts[0].id}/" in outcome.message
    assert len(fake.posts) == 1


def test_an_answer_lost_before_reddit_took_it_is_posted_once_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeReddit(now=FIRST)
    site = _site(tmp_path, monkeypatch, "What changed")
    creds = {"access_token": fake.token}

    def dropped(request: httpx.Request) -> httpx.Response:
        if _submits(request):
            raise httpx.ReadTimeout("timed out", request=request)  # Reddit never saw it
        return fake(request)

    first = run_at(site, FIRST, dropped, creds, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and fake.posts == []
    second = run_at(site, LATER, fake, creds, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"] and len(fake.posts) == 1


def test_an_answer_lost_after_reddit_took_the_post_is_found_and_only_the_comments_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeReddit(now=FIRST)
    site = _site(tmp_path, monkeypatch, "What changed\n---\nThe details")
    creds = {"access_token": fake.token}
    first = run_at(site, FIRST, lost_after(fake, _submits), creds, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"]
    assert len(fake.posts) == 1 and fake.comments == []
    second = run_at(fresh_clone(site), LATER, fake, creds, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    (post,) = fake.posts
    assert [c.text for c in fake.comments] == ["The details"]
    assert second.outcomes[0].url == f"https://www.reddit.com/r/test/comments/{post.id}/"


def test_ratelimit_in_a_200_body_defers_without_counting_an_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeReddit(now=FIRST)
    site = _site(tmp_path, monkeypatch, "What changed")
    creds = {"access_token": fake.token}
    fake.queue.append(
        httpx.Response(
            200,
            json={
                "json": {
                    "errors": [
                        [
                            "RATELIMIT",
                            "you are doing that too much. try again in 9 minutes.",
                            "ratelimit",
                        ]
                    ]
                }
            },
        )
    )
    first = run_at(site, FIRST, fake, creds, monkeypatch)
    assert [o.state for o in first.outcomes] == ["deferred"] and fake.posts == []
    assert entry(site, "rd").get("attempts", 0) == 0 and entry(site, "rd")["retry_at"]
    later = run_at(site, DUE + timedelta(minutes=30), fake, creds, monkeypatch)
    assert [o.state for o in later.outcomes] == ["published"] and len(fake.posts) == 1
