"""``{link:ACCOUNT}``: checked (a target, no circle), counted (X and Mastodon: 23; elsewhere
the longest the link is likely to be), planned ("waits for blog") and previewed."""

from __future__ import annotations

import json

import pytest

from socialgit import links
from socialgit.model import Account
from tests.cli_run import run
from tests.conftest import Repo
from tests.test_validate import assert_problem, problems_of

BLOG = "  blog:\n    provider: outbox\n    path: blog-out\n    format: html\n"
X = "  news-x:\n    provider: x\n    client_id: abc\n"


def site(repo: Repo) -> Repo:
    repo.write("socialgit.yml", (repo.root / "socialgit.yml").read_text() + BLOG + X)
    return repo


ANNOUNCED = """\
publish_at: 2026-12-01 09:00
targets: [blog, sky, news-x]
title: Our launch
canonical_url: "{link:blog}"
overrides:
  sky:
    text: "Read it: {link:blog}"
  news-x:
    text: "Read it: {link:blog}"
"""


def test_a_link_to_an_account_that_is_not_a_target_is_an_error_at_its_line(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site(repo)
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [blog, sky]\ntitle: T\n"
              "overrides:\n  sky:\n    text: |\n      Intro\n      Read it: {link:blgo}",
              "Body")  # fmt: skip
    code, found = problems_of(capsys, repo)
    assert code == 1
    assert_problem(found, "content/a.md", 9, "{link:blgo}: 'blgo' is not a target of this post")
    (error,) = [p for p in found if p["severity"] == "error"]  # besides sky's unsent title
    assert "did you mean 'blog'?" in error["message"]


def test_a_circle_of_links_is_an_error(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    site(repo)
    front = (
        "publish_at: 2026-12-01 09:00\ntargets: [blog, sky]\ntitle: T\noverrides:\n"
        "  sky:\n    text: 'See {link:blog}'\n  blog:\n    text: 'See {link:sky}'"
    )
    repo.post("a", front, "Body")
    code, found = problems_of(capsys, repo)
    assert code == 1
    assert any("goes round in a circle: " in p["message"] for p in found), found
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [sky]", "Me: {link:sky}")
    code, found = problems_of(capsys, repo)
    assert_problem(found, "content/a.md", 5, "sky cannot wait for its own link")


def test_a_key_that_is_only_an_accounts_own_link_is_left_out_for_it(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site(repo)
    rel = repo.post("a", ANNOUNCED, "# The article")
    code, found = problems_of(capsys, repo)
    assert code == 0, found
    shown = run(capsys, "-C", str(repo.root), "preview", str(repo.root / rel), "--format", "json")
    blog, sky, x = json.loads(shown.out)["targets"]
    assert "canonical_url" not in blog["keys"] and "waits" not in blog
    # 40 for a site socialgit does not know, 10 for the title, 30 for what a site adds.
    assert sky["waits"] == [{"account": "blog", "counted_as": 80}]
    # X counts any link as 23, whatever its length.
    assert x["waits"] == [{"account": "blog", "counted_as": 23}]
    assert x["parts"][0]["length"] == len("Read it: ") + 23


def test_the_length_counts_the_longest_likely_link(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site(repo)
    # 300 graphemes on Bluesky: the text fits as written, not with the link it waits for.
    text = "x" * 250 + " {link:blog}"
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [blog, sky]\ntitle: T\n"
              f"overrides:\n  sky:\n    text: '{text}'", "Body")  # fmt: skip
    code, found = problems_of(capsys, repo)
    assert code == 1
    assert any("sky: this part is" in p["message"] for p in found), found


def test_plan_shows_what_waits_for_which_link(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site(repo)
    repo.post("a", ANNOUNCED, "# The article")
    shown = run(capsys, "-C", str(repo.root), "plan", "--at", "2026-12-01 08:00")
    lines = [line for line in shown.out.splitlines() if "content/a.md" in line]
    assert [line.endswith("waits for blog") for line in lines] == [False, True, True], lines
    document = json.loads(
        run(
            capsys, "-C", str(repo.root), "plan", "--at", "2026-12-01 08:00", "--format", "json"
        ).out
    )
    assert [d.get("waits") for d in document["deliveries"]] == [None, ["blog"], ["blog"]]


def test_the_assumed_link_is_as_long_as_the_site_and_slug_say() -> None:
    from datetime import UTC, datetime

    from socialgit.model import Key, Post

    post = Post(
        "content/a.md", None, datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 1), "UTC",
        ("blog",), "scheduled", None, None, (), {}, keys={"slug": Key("launch-2026", 3)},
    )  # fmt: skip
    blog = Account("blog", "wordpress", {"base_url": "https://blog.example.org"}, 1)
    assumed = links.assumed(post, blog)
    assert assumed.startswith("https://blog.example.org/")
    assert len(assumed) == len("https://blog.example.org") + len("launch-2026") + links.ROOM
