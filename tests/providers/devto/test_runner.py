"""Dev.to through the real runner (git repository, claims, results): an article whose create
answer is lost, or whose runner dies right after the create, ends as exactly one article,
found by its title and body; an article Dev.to already has from an earlier occurrence is an
error for a person, with its link."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers.devto import api
from socialgit.runner import RunReport
from tests.conftest import Repo
from tests.providers.devto.fake import KEY, FakeDevto
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
BODY = "Intro\n\n---\n\nStill the same article."


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setattr(api, "_written", {})
    front = "title: Hello Dev\ntags: [python, release]\n"
    return make_site(tmp_path, monkeypatch, "dev", {"provider": "devto"}, BODY, front=front)


def deliver(site: Repo, fake: FakeDevto, at: datetime, handler: Handler | None,
            monkeypatch: pytest.MonkeyPatch) -> RunReport:  # fmt: skip
    fake.now = max(fake.now, at)
    return run_at(site, at, handler or fake, {"api_key": KEY}, monkeypatch)


def creates(fake: FakeDevto) -> int:
    return sum(r.method == "POST" for r in fake.requests)


def test_a_lost_answer_then_a_rerun_finds_the_one_article(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeDevto(now=FIRST, lose={"create"})
    first = deliver(site, fake, FIRST, None, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.articles) == 1

    second = deliver(site, fake, LATER, None, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    (article,) = fake.articles
    assert article["body_markdown"].strip() == BODY and article["tag_list"] == ["python", "release"]
    written = entry(site, "dev")
    assert written["id"] == str(article["id"]) and written["url"] == article["url"]
    assert pushed(site) and creates(fake) == 1


def test_a_runner_killed_right_after_the_create_leaves_one_article_for_a_fresh_clone(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeDevto(now=FIRST)

    def is_create(request: httpx.Request) -> bool:
        return request.method == "POST"

    with pytest.raises(Killed):
        deliver(site, fake, FIRST, killed_after(fake, is_create), monkeypatch)
    again = fresh_clone(site)
    rerun = deliver(again, fake, LATER, None, monkeypatch)
    assert [o.state for o in rerun.outcomes] == ["published"]
    assert creates(fake) == 1 and entry(again, "dev")["id"] == str(fake.articles[0]["id"])


def test_the_same_article_from_before_the_occurrence_is_left_to_a_person(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeDevto(now=FIRST - timedelta(days=7))
    fake._create({"article": {"title": "Hello Dev", "body_markdown": BODY, "published": True}})
    report = deliver(site, fake, FIRST, None, monkeypatch)
    assert [o.state for o in report.outcomes] == ["error"] and len(fake.articles) == 1
    assert "already been taken" in str(entry(site, "dev")["error"])
