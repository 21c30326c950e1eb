"""Lemmy through the real runner (git repo, claims, results): a lost answer never becomes a
second post or comment. Lemmy keeps no idempotency key, so the rerun finds what went out
among the account's posts and comments in the community and sends only the rest; a login
the server forgot is renewed with the stored password."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import lemmy
from providers.base import Credentials
from socialgit.model import Account
from socialgit.runner import Hooks, Options, RunReport, publish, run
from socialgit.runner.deliver import CHECK_BY_HAND
from tests.conftest import Repo
from tests.providers.lemmy.fake import FakeLemmy
from tests.providers.runner_site import DUE, Handler, make_site, pushed, run_at
from tests.providers.runner_site import entry as entry_of

FIRST = DUE + timedelta(minutes=1)
LATER = FIRST + timedelta(minutes=40)  # past claim_timeout: the claim in doubt is looked up
PARTS = ("We shipped 2.0: notes inside.", "What changed since the beta.")
TITLE = "Release 2.0"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    settings = {"provider": "lemmy", "instance": "https://lemmy.example", "community": "news"}
    body = "\n---\n".join(PARTS)
    return make_site(tmp_path, monkeypatch, "lem", settings, body, front=f"title: {TITLE}\n")


@pytest.fixture
def fake() -> FakeLemmy:
    return FakeLemmy(now=FIRST)


def deliver(
    site: Repo,
    fake: FakeLemmy,
    at: datetime,
    monkeypatch: pytest.MonkeyPatch,
    handler: Handler | None = None,
    token: str | None = None,
) -> RunReport:
    fake.now = max(fake.now, at)
    credentials = {"username": "alice", "password": "correct horse"}
    credentials["access_token"] = token or next(iter(fake.logins), None) or fake.login()
    return run_at(site, at, handler or fake, credentials, monkeypatch)


def entry(site: Repo) -> dict[str, Any]:
    return entry_of(site, "lem")


def writes(fake: FakeLemmy) -> int:
    return sum(
        1
        for r in fake.requests
        if r.method == "POST" and r.url.path in {"/api/v3/post", "/api/v3/comment"}
    )


def test_lost_answer_on_the_post_then_rerun_finds_it_and_sends_only_the_comment(
    site: Repo, fake: FakeLemmy, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.lose_answers = 1
    first = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.posts) == 1
    assert entry(site)["status"] == "publishing"

    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    (post,) = fake.posts
    (comment,) = fake.comments
    assert post["name"] == TITLE and post["body"] == PARTS[0] and comment["content"] == PARTS[1]
    written = entry(site)
    assert written["parts"] == [str(post["id"]), str(comment["id"])]
    assert written["url"] == f"https://lemmy.example/post/{post['id']}" and pushed(site)

    third = deliver(site, fake, LATER + timedelta(hours=2), monkeypatch)
    assert third.outcomes == [] and writes(fake) == 2


def test_lost_answer_on_the_comment_then_rerun_records_it_without_posting(
    site: Repo, fake: FakeLemmy, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lose_comment(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/comment":
            fake.lose_answers = 1
        return fake(request)

    deliver(site, fake, FIRST, monkeypatch, lose_comment)
    assert entry(site)["parts"] == [str(fake.posts[0]["id"])] and len(fake.comments) == 1

    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"] and writes(fake) == 2
    assert entry(site)["parts"] == [str(fake.posts[0]["id"]), str(fake.comments[0]["id"])]


def test_a_second_post_with_the_same_title_and_words_is_left_to_a_person(
    site: Repo, fake: FakeLemmy, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.lose_answers = 1
    deliver(site, fake, FIRST, monkeypatch)
    (ours,) = fake.posts
    fake.posts.append({**ours, "id": ours["id"] + 50})  # the same post, made by hand
    sent = writes(fake)

    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["error"] and writes(fake) == sent
    error = str(entry(site)["error"])
    assert error.startswith(CHECK_BY_HAND.format(network="Lemmy"))
    assert f"https://lemmy.example/post/{ours['id']}" in error


def test_a_forgotten_login_is_renewed_with_the_password_and_the_post_goes_out(
    site: Repo, fake: FakeLemmy, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = {"username": "alice", "password": "correct horse", "access_token": "eyJ.old.x"}
    monkeypatch.setattr(run, "_client", fake.client)
    renewed: list[str] = []

    def refresh(account: Account, credentials: Credentials) -> Credentials:
        with fake.client() as client:
            fresh = lemmy.refresh_token(client, account, credentials)
        renewed.append(fresh["access_token"])
        return fresh

    hooks = Hooks(credentials=lambda account: dict(stale), refresh=refresh)
    report = publish(site.root, Options(at=FIRST), hooks)
    assert [o.state for o in report.outcomes] == ["published"]
    assert len(fake.posts) == 1 and len(fake.comments) == 1 and len(renewed) == 1
