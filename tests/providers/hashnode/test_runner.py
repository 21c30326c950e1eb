"""Hashnode through the real runner (git repository, claims, results): a post whose answer is
lost, or whose runner dies right after publishPost, ends as exactly one post, found at its
slug with exactly this title and body (its image at its media_base_url address, rendered
again for the look-up)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from socialgit.runner import RunReport
from tests.conftest import Repo, png
from tests.providers.hashnode.fake import HOST, MEDIA_BASE_URL, TOKEN, FakeHashnode
from tests.providers.runner_site import (
    DUE,
    Handler,
    Killed,
    entry,
    fresh_clone,
    git,
    killed_after,
    make_site,
    pushed,
    run_at,
)

FIRST = DUE + timedelta(minutes=1)
LATER = FIRST + timedelta(minutes=40)  # past claim_timeout: the claim in doubt is looked up
BODY = "Intro ![a dot](img/a.png)\n\n---\n\nStill the same article."


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    front = "title: Hello Hashnode\nslug: hello-hashnode\ntags: [Web Dev]\n"
    settings = {"provider": "hashnode", "publication": HOST}
    files = {"content/img/a.png": png()}
    repo = make_site(tmp_path, monkeypatch, "hn", settings, BODY, files, front)
    config = yaml.safe_load((repo.root / "socialgit.yml").read_text())
    config["media_base_url"] = MEDIA_BASE_URL
    repo.write("socialgit.yml", yaml.safe_dump(config, sort_keys=False))
    git(repo.root, "commit", "-qam", "media_base_url")
    git(repo.root, "push", "-q")
    return repo


def deliver(site: Repo, fake: FakeHashnode, at: datetime, handler: Handler | None,
            monkeypatch: pytest.MonkeyPatch) -> RunReport:  # fmt: skip
    fake.now = max(fake.now, at)
    return run_at(site, at, handler or fake, {"token": TOKEN}, monkeypatch)


def publishes(fake: FakeHashnode) -> int:
    return sum(b"publishPost" in r.content for r in fake.requests)


def test_a_lost_answer_then_a_rerun_finds_the_one_post(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeHashnode(now=FIRST, lose={"publishPost"})
    first = deliver(site, fake, FIRST, None, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.posts) == 1
    (post,) = fake.posts
    assert f"![a dot]({MEDIA_BASE_URL}/content/img/a.png)" in post["content"]["markdown"]

    second = deliver(site, fake, LATER, None, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    written = entry(site, "hn")
    assert written["id"] == post["id"] and written["url"] == f"https://{HOST}/hello-hashnode"
    assert pushed(site) and publishes(fake) == 1 and len(fake.posts) == 1


def test_a_runner_killed_right_after_publishing_leaves_one_post_for_a_fresh_clone(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeHashnode(now=FIRST)

    def is_publish(request: httpx.Request) -> bool:
        return b"publishPost" in request.content

    with pytest.raises(Killed):
        deliver(site, fake, FIRST, killed_after(fake, is_publish), monkeypatch)
    again = fresh_clone(site)
    rerun = deliver(again, fake, LATER, None, monkeypatch)
    assert [o.state for o in rerun.outcomes] == ["published"]
    assert publishes(fake) == 1 and entry(again, "hn")["id"] == fake.posts[0]["id"]
