"""A Reddit account pointed at the fake through ``base_url``, through the CLI a person runs:
``validate`` (what a Reddit post needs), ``plan``, ``preview`` and ``publish``."""

from __future__ import annotations

import json

import pytest

from providers import PROVIDERS
from tests.cli_run import run
from tests.conftest import Repo, png
from tests.providers.reddit.fake import BASE, FakeReddit
from tests.providers.runner_site import publish_cli
from tests.test_validate import assert_problem, problems_of

FRONT = "publish_at: 2026-12-01 09:00\ntargets: [rd]"


@pytest.fixture
def fake() -> FakeReddit:
    return FakeReddit()


@pytest.fixture
def site(repo: Repo) -> Repo:
    repo.write(
        "socialgit.yml",
        "timezone: UTC\naccounts:\n  rd:\n    provider: reddit\n    client_id: sg-reddit-app\n"
        f"    username: sgtester\n    subreddit: test\n    base_url: {BASE}\n",
    )
    repo.write("content/shot.png", png())
    return repo


def test_validate_says_what_a_reddit_post_needs(
    capsys: pytest.CaptureFixture[str], site: Repo
) -> None:
    untitled = site.post("untitled", FRONT, "No title here")
    long_title = site.post("long-title", FRONT + "\ntitle: " + "t" * 301, "Body")
    long_part = site.post("long-part", FRONT + "\ntitle: Fine", "x" * 10_001)
    commented = site.post(
        "commented", FRONT + "\ntitle: Fine", "Body\n\n---\n\nA comment\n\n![a shot](shot.png)"
    )
    linked = site.post(
        "linked",
        FRONT + "\ntitle: Fine\nlink: https://example.com/a",
        "Body\n\n![a shot](shot.png)",
    )
    good = site.post("good", FRONT + "\ntitle: Fine", "Body\n\n---\n\nA comment")
    code, problems = problems_of(capsys, site)
    assert code == 1
    assert_problem(problems, untitled, 3, "rd (Reddit) needs `title:`")
    assert_problem(problems, long_title, 4, "title is 301 characters; rd (Reddit) takes at most")
    assert_problem(problems, long_part, 6, "10001 characters as reddit counts them; the limit is")
    assert_problem(problems, linked, 5, "rd (Reddit): a post with `link:` takes no images or")
    assert_problem(problems, commented, 12, "rd: Reddit comments take no images; move them")
    assert not [p for p in problems if p["path"] == good]


def test_plan_preview_and_publish(
    capsys: pytest.CaptureFixture[str],
    site: Repo,
    fake: FakeReddit,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rel = site.post("good", FRONT + "\ntitle: Release 2.0", "What changed\n\n---\n\nDetails")
    planned = run(
        capsys, "-C", str(site.root), "plan", "--at", "2026-12-01 08:00", "--format", "json"
    )
    assert planned.code == 0, planned.err
    (row,) = json.loads(planned.out)["deliveries"]
    assert (row["account"], row["limit"]) == ("rd", 10_000)
    shown = run(capsys, "-C", str(site.root), "preview", str(site.root / rel))
    assert shown.code == 0 and "What changed" in shown.out and "Details" in shown.out
    monkeypatch.setattr(PROVIDERS["reddit"], "sleep", lambda seconds: None)
    done = publish_cli(
        capsys, site, monkeypatch, fake, {"rd": {"access_token": fake.token}}, "2026-12-01 09:05"
    )
    assert done.code == 0, done.err
    (post,) = fake.posts
    link = f"https://www.reddit.com/r/test/comments/{post.id}/"
    assert link in done.out and f"url: {link}" in (site.root / rel).read_text()
    assert [c.text for c in fake.comments] == ["Details"]
