"""X through the real runner (git repo, claims, results): a lost answer never becomes a
second post. The runner's HTTP client is pointed at the fake X; nothing else is replaced."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from socialgit.runner import RunReport
from tests.conftest import Repo
from tests.providers.runner_site import DUE, Handler, make_site, run_at
from tests.providers.runner_site import entry as entry_of
from tests.providers.x.fake import FakeX

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout: the claim in doubt is looked at again


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    return make_site(
        tmp_path, monkeypatch, "team-x", {"provider": "x", "client_id": "sg-x-client"},
        "Hello & welcome <3",
    )  # fmt: skip


def deliver(
    site: Repo,
    fake: FakeX,
    at: datetime,
    monkeypatch: pytest.MonkeyPatch,
    handler: Handler | None = None,
) -> RunReport:
    fake.clock = lambda: at
    return run_at(site, at, handler or fake, {"access_token": fake.token}, monkeypatch)


def entry(site: Repo) -> dict[str, object]:
    return entry_of(site, "team-x")


def test_answer_lost_after_x_posted_then_rerun_ends_with_one_post(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeX()
    fake.fail_after_create = httpx.ReadTimeout("timed out")
    first = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"]
    assert entry(site)["status"] == "publishing"
    second = deliver(site, fake, LATER, monkeypatch)
    assert len(fake.tweets) == 1  # looked up, never sent again
    (outcome,) = second.outcomes
    assert outcome.state == "error"
    assert f"https://x.com/sgtester/status/{fake.tweets[0].id}" in outcome.message
    third = deliver(site, fake, LATER + timedelta(hours=1), monkeypatch)
    assert third.outcomes == [] and len(fake.tweets) == 1


def test_answer_lost_before_x_posted_then_rerun_posts_once(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeX()
    lost: list[str] = []

    def drop_first_post(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/2/tweets" and not lost:
            lost.append("x")
            raise httpx.ReadTimeout("timed out", request=request)  # X never saw it
        return fake(request)

    first = deliver(site, fake, FIRST, monkeypatch, drop_first_post)
    assert [o.state for o in first.outcomes] == ["doubt"] and fake.tweets == []
    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    assert len(fake.tweets) == 1 and fake.tweets[0].text == "Hello & welcome <3"
    assert entry(site)["status"] == "published"
    assert entry(site)["url"] == f"https://x.com/sgtester/status/{fake.tweets[0].id}"
