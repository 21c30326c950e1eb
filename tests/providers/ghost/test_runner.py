"""Ghost through the real runner (git repository, claims, results): an article whose create
answer is lost, or whose runner dies right after the create, ends as exactly one post on the
site, found by the delivery key it carries; its images are uploaded once."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from socialgit.runner import RunReport
from tests.conftest import Repo, png
from tests.providers.ghost.fake import KEY_ID, SECRET, SITE, FakeGhost
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

FIRST = DUE + timedelta(minutes=1)
LATER = FIRST + timedelta(minutes=40)  # past claim_timeout: the claim in doubt is looked up
CREDENTIALS = {"admin_api_key": f"{KEY_ID}:{SECRET}"}
FRONT = (
    "title: Hello Ghost\nslug: hello-ghost\ntags: [news]\ncover: img/cover.png\ncover_alt: A dot\n"
)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    settings = {"provider": "ghost", "site": SITE}
    body = "Intro ![a dot](img/a.png)\n\n---\n\nStill the same article."
    files = {"content/img/a.png": png(), "content/img/cover.png": png()}
    return make_site(tmp_path, monkeypatch, "blog", settings, body, files, FRONT)


def deliver(site: Repo, fake: FakeGhost, at: datetime, handler: Handler | None,
            monkeypatch: pytest.MonkeyPatch) -> RunReport:  # fmt: skip
    fake.now = max(fake.now, at)
    return run_at(site, at, handler or fake, CREDENTIALS, monkeypatch)


def creates(fake: FakeGhost) -> int:
    return sum(r.method == "POST" and r.url.path.endswith("/posts/") for r in fake.requests)


def uploads(fake: FakeGhost) -> int:
    return sum(r.url.path.endswith("/images/upload/") for r in fake.requests)


def test_a_lost_answer_then_a_rerun_finds_the_one_article(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeGhost(now=FIRST, lose={"posts.create"})
    first = deliver(site, fake, FIRST, None, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.posts) == 1
    assert uploads(fake) == 2  # the body's image and the cover, recorded before the create

    second = deliver(site, fake, LATER, None, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    (post,) = fake.posts
    assert "---" not in post["html"] and "Still the same article." in post["html"]
    assert post["feature_image"] in fake.images and post["feature_image_alt"] == "A dot"
    assert post["slug"] == "hello-ghost" and [t["name"] for t in post["tags"]] == ["news"]
    written = entry(site, "blog")
    assert written["status"] == "published" and written["id"] == post["id"]
    assert written["url"] == f"{SITE}/hello-ghost/" and pushed(site)
    assert creates(fake) == 1 and uploads(fake) == 2


def test_a_runner_killed_right_after_the_create_leaves_one_article_for_a_fresh_clone(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeGhost(now=FIRST)

    def is_create(request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.endswith("/posts/")

    with pytest.raises(Killed):
        deliver(site, fake, FIRST, killed_after(fake, is_create), monkeypatch)
    assert len(fake.posts) == 1

    again = fresh_clone(site)
    rerun = deliver(again, fake, LATER, None, monkeypatch)
    assert [o.state for o in rerun.outcomes] == ["published"]
    assert creates(fake) == 1 and len(fake.posts) == 1
    assert entry(again, "blog")["id"] == fake.posts[0]["id"]
