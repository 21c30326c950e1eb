"""LinkedIn through the real runner (git repo, claims, results): a lost answer never becomes
a second post. LinkedIn keeps no delivery key, so a post in doubt is looked up on the
author's feed: found, it is left to a person with its link; absent, it goes out once. A
thread's comment that fails on the way resumes after the post. The runner's HTTP client is
pointed at the fake LinkedIn; nothing else is replaced."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import linkedin
from socialgit.runner import RunReport
from socialgit.runner.deliver import CHECK_BY_HAND
from tests.conftest import Repo
from tests.providers.linkedin.fake import FakeLinkedIn
from tests.providers.runner_site import DUE, Handler, make_site, pushed, run_at
from tests.providers.runner_site import entry as entry_of

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout: the claim in doubt is looked at again
ORGANIZATION = "2414183"
TEXT = "Launch day (at last): the beta is open to everyone"  # "(" is escaped in little text
PARTS = (TEXT, "Second part: what changed since the alpha")


def site_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, page: bool) -> Repo:
    settings = {"provider": "linkedin", "client_id": FakeLinkedIn().client_id}
    if page:
        settings["organization"] = ORGANIZATION
    return make_site(tmp_path, monkeypatch, "li", settings, body)


@pytest.fixture
def fake() -> FakeLinkedIn:
    return FakeLinkedIn()


def credentials_for(fake: FakeLinkedIn, page: bool) -> dict[str, Any]:
    if page:
        return {"access_token": fake.grant(linkedin.PAGE_SCOPE)}
    return {"access_token": fake.grant(linkedin.MEMBER_SCOPE), "person": fake.person}


def deliver(
    site: Repo,
    fake: FakeLinkedIn,
    at: datetime,
    credentials: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    handler: Handler | None = None,
) -> RunReport:
    fake.clock = at.timestamp()
    return run_at(site, at, handler or fake, credentials, monkeypatch)


def entry(site: Repo) -> dict[str, Any]:
    return entry_of(site, "li")


def creates(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path == "/rest/posts"


def losing_answer_after_create(fake: FakeLinkedIn) -> Handler:
    """LinkedIn creates the first post it is sent, and that answer never arrives."""
    lost: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        answer = fake(request)
        if creates(request) and answer.status_code == 201 and not lost:
            lost.append(answer.headers["x-restli-id"])
            raise httpx.ReadTimeout("timed out", request=request)
        return answer

    return handler


@pytest.mark.parametrize("page", [True, False], ids=["organization", "member"])
def test_answer_lost_after_linkedin_posted_is_left_to_a_person_never_resent(
    tmp_path: Path, fake: FakeLinkedIn, monkeypatch: pytest.MonkeyPatch, page: bool
) -> None:
    site = site_for(tmp_path, monkeypatch, TEXT, page)
    credentials = credentials_for(fake, page)
    first = deliver(site, fake, FIRST, credentials, monkeypatch, losing_answer_after_create(fake))
    assert [o.state for o in first.outcomes] == ["doubt"]
    assert entry(site)["status"] == "publishing" and len(fake.posts) == 1
    (post,) = fake.posts

    second = deliver(site, fake, LATER, credentials, monkeypatch)
    (outcome,) = second.outcomes
    assert outcome.state == "error"
    assert len(fake.posts) == 1  # looked up, never sent again
    assert sum(creates(r) for r in fake.requests) == 1
    written = entry(site)
    assert written["status"] == "error" and "retry_at" not in written
    assert str(written["error"]).startswith(CHECK_BY_HAND.format(network="LinkedIn"))
    if page:  # the page's posts can be read: the one found is named for the person
        assert linkedin.link(post["id"]) in str(written["error"])
    else:  # members' posts need r_member_social: the person is told to look
        assert "r_member_social" in str(written["error"])

    third = deliver(site, fake, LATER + timedelta(hours=1), credentials, monkeypatch)
    assert third.outcomes == [] and len(fake.posts) == 1


def test_answer_lost_before_linkedin_saw_it_then_rerun_posts_once(
    tmp_path: Path, fake: FakeLinkedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_for(tmp_path, monkeypatch, TEXT, page=True)
    credentials = credentials_for(fake, page=True)
    lost: list[str] = []

    def drop_first_post(request: httpx.Request) -> httpx.Response:
        if creates(request) and not lost:
            lost.append("x")
            raise httpx.ReadTimeout("timed out", request=request)  # LinkedIn never saw it
        return fake(request)

    first = deliver(site, fake, FIRST, credentials, monkeypatch, drop_first_post)
    assert [o.state for o in first.outcomes] == ["doubt"] and fake.posts == []

    second = deliver(site, fake, LATER, credentials, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    (post,) = fake.posts
    assert post["author"] == f"urn:li:organization:{ORGANIZATION}"
    assert post["rendered"] == TEXT  # escaped on the way, shown whole
    written = entry(site)
    assert written["status"] == "published"
    assert written["id"] == post["id"] and written["url"] == linkedin.link(post["id"])
    assert written["parts"] == [post["id"]] and pushed(site)


def test_thread_whose_comment_fails_transiently_resumes_with_one_comment(
    tmp_path: Path, fake: FakeLinkedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_for(tmp_path, monkeypatch, "\n---\n".join(PARTS), page=True)
    credentials = credentials_for(fake, page=True)
    failed: list[str] = []

    def unavailable_once(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/comments") and not failed:
            failed.append("x")
            return httpx.Response(
                503,
                json={"status": 503, "serviceErrorCode": 0, "message": "Service Unavailable"},
            )
        return fake(request)

    first = deliver(site, fake, FIRST, credentials, monkeypatch, unavailable_once)
    assert [o.state for o in first.outcomes] == ["retry"]
    (post,) = fake.posts
    assert fake.comments == []
    written = entry(site)
    assert written["status"] == "error" and written["parts"] == [post["id"]]
    assert "retry_at" in written and written["attempts"] == 1

    early = deliver(site, fake, FIRST + timedelta(minutes=2), credentials, monkeypatch)
    assert early.outcomes == [] and fake.comments == []  # waits for retry_at

    second = deliver(site, fake, FIRST + timedelta(minutes=10), credentials, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    assert len(fake.posts) == 1 and sum(creates(r) for r in fake.requests) == 1
    (comment,) = fake.comments
    assert comment["object"] == post["id"] and comment["message"]["text"] == PARTS[1]
    written = entry(site)
    assert written["status"] == "published" and written["id"] == post["id"]
    assert written["url"] == linkedin.link(post["id"])
    assert written["parts"] == [post["id"], comment["$URN"]]
    assert written["attempts"] == 2


def test_half_sent_thread_past_missed_after_is_finished_not_missed(
    tmp_path: Path, fake: FakeLinkedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_for(tmp_path, monkeypatch, "\n---\n".join(PARTS), page=True)
    credentials = credentials_for(fake, page=True)

    def comments_unavailable(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/comments"):
            return httpx.Response(503, json={"status": 503, "message": "Service Unavailable"})
        return fake(request)

    first = deliver(site, fake, FIRST, credentials, monkeypatch, comments_unavailable)
    assert [o.state for o in first.outcomes] == ["retry"]
    (post,) = fake.posts
    assert entry(site)["parts"] == [post["id"]]

    # The next run comes after missed_after (6h). Part 1 is public, so the thread is
    # finished rather than marked missed: a missed entry would drop the record of part 1,
    # and deleting it to retry (as docs/publishing.md tells a person) would post part 1 again.
    deliver(site, fake, DUE + timedelta(hours=7), credentials, monkeypatch)
    assert len(fake.posts) == 1 and len(fake.comments) == 1
    written = entry(site)
    assert written["status"] == "published", written
    assert written["parts"][0] == post["id"] and len(written["parts"]) == 2
