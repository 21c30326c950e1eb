"""Tumblr through the real runner (git repository, claims, results): an article whose create
answer is lost, or whose runner dies right after the create, ends as exactly one post, found
among the blog's posts by its blocks' words and slug; its image goes in the create itself."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from socialgit.runner import RunReport
from tests.conftest import Repo, png
from tests.providers.runner_site import (
    DUE,
    Handler,
    Killed,
    entry,
    fresh_clone,
    killed_after,
    make_site,
    pushed,
    run_at,
)
from tests.providers.tumblr.fake import BLOG, CLIENT_ID, FakeTumblr

FIRST = DUE + timedelta(minutes=1)
LATER = FIRST + timedelta(minutes=40)  # past claim_timeout, within the access token's 42
BODY = "Intro **bold** ![a dot](img/a.png)\n\n---\n\nStill the same article."


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    settings = {"provider": "tumblr", "client_id": CLIENT_ID, "blog": BLOG}
    front = "title: Hello Tumblr\nslug: hello-tumblr\ntags: [news]\n"
    files = {"content/img/a.png": png()}
    return make_site(tmp_path, monkeypatch, "tb", settings, BODY, files, front)


def deliver(site: Repo, fake: FakeTumblr, at: datetime, token: str, handler: Handler | None,
            monkeypatch: pytest.MonkeyPatch) -> RunReport:  # fmt: skip
    fake.now = max(fake.now, at)
    return run_at(site, at, handler or fake, {"access_token": token}, monkeypatch)


def creates(fake: FakeTumblr) -> int:
    return sum(r.method == "POST" and r.url.path.endswith("/posts") for r in fake.requests)


def test_a_lost_answer_then_a_rerun_finds_the_one_post(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTumblr(now=FIRST, lose={"create"})
    token = fake.token()["access_token"]
    first = deliver(site, fake, FIRST, token, None, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.posts) == 1
    (post,) = fake.posts
    assert [b["type"] for b in post["content"]] == ["text", "text", "image", "text"]
    assert fake.files[post["content"][2]["media"][0]["url"]] == png()

    second = deliver(site, fake, LATER, token, None, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    written = entry(site, "tb")
    assert written["id"] == post["id_string"] and written["url"] == post["post_url"]
    assert pushed(site) and creates(fake) == 1 and len(fake.posts) == 1


def test_a_runner_killed_right_after_the_create_leaves_one_post_for_a_fresh_clone(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTumblr(now=FIRST)
    token = fake.token()["access_token"]

    def is_create(request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.endswith("/posts")

    with pytest.raises(Killed):
        deliver(site, fake, FIRST, token, killed_after(fake, is_create), monkeypatch)
    again = fresh_clone(site)
    rerun = deliver(again, fake, LATER, token, None, monkeypatch)
    assert [o.state for o in rerun.outcomes] == ["published"]
    assert creates(fake) == 1 and entry(again, "tb")["id"] == fake.posts[0]["id_string"]
