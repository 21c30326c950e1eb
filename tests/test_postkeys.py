"""Post keys besides the text (title, link, tags, …): parsed, checked per target, delivered."""

from __future__ import annotations

import importlib
import json
import types
from collections.abc import Iterator

import pytest

from providers import PROVIDERS
from providers.base import KeyRule
from tests.cli_run import run
from tests.conftest import Repo, png
from tests.test_validate import assert_problem, problems_of

FRONT = "publish_at: 2026-12-01 09:00\ntargets: [demo]"


def publish(capsys: pytest.CaptureFixture[str], repo: Repo) -> dict[str, object]:
    """Commit the repository, publish as of 09:05, and return the one document sent."""
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "posts")
    outcome = run(capsys, "-C", str(repo.root), "publish", "--no-push", "--at", "2026-12-01 09:05")
    assert outcome.code == 0, outcome.err
    (sent,) = (repo.root / "outbox").glob("*.json")
    return dict(json.loads(sent.read_text()))


@pytest.fixture
def articles(repo: Repo) -> Iterator[Repo]:
    """A network that needs a title of at most 20 characters and takes at most 2 tags."""
    module = types.ModuleType("tests_keyed_network")
    module.__dict__.update(vars(importlib.import_module("providers.outbox")))
    module.NAME = "keyed"
    module.TITLE = "Keyed"
    module.KEYS = {
        "title": KeyRule(required=True, max_length=20),
        "tags": KeyRule(max_items=2, pattern=r"[a-z0-9]+", pattern_help="is lowercase a-z0-9"),
    }
    PROVIDERS["keyed"] = module
    repo.write(
        "socialgit.yml",
        (repo.root / "socialgit.yml").read_text()
        + "  blog:\n    provider: keyed\n    path: blog-out\n",
    )
    yield repo
    del PROVIDERS["keyed"]


BAD = [
    ("title: |\n  two\n  lines", 3, "title must be one line"),
    ("link: example.com/page", 3, "link must be a web address"),
    ("canonical_url: ftp://x.example/a", 3, "canonical_url must be a web address"),
    ("tags: release", 3, "tags must be a list"),
    ("slug: Not A Slug", 3, "slug may use lowercase letters"),
    ("excerpt: ''", 3, "excerpt is empty"),
    ("titel: Hello", 3, "did you mean 'title'"),
]


@pytest.mark.parametrize(("extra", "line", "fragment"), BAD)
def test_a_malformed_key_is_an_error_at_its_line(
    capsys: pytest.CaptureFixture[str], repo: Repo, extra: str, line: int, fragment: str
) -> None:
    rel = repo.post("p", f"{FRONT}\n{extra}")
    code, problems = problems_of(capsys, repo)
    assert code == 1
    assert_problem(problems, rel, line + 1, fragment)


def test_a_key_no_target_uses_is_a_warning_not_an_error(
    capsys: pytest.CaptureFixture[str], articles: Repo
) -> None:
    rel = articles.post("p", "publish_at: 2026-12-01 09:00\ntargets: [sky]\ntitle: Hello")
    code, problems = problems_of(capsys, articles)
    assert code == 0
    assert_problem(problems, rel, 4, "`title:` is not used by any target of this post (Bluesky)")
    assert problems[0]["severity"] == "warning"


def test_a_title_or_link_a_target_goes_out_without_is_a_warning_naming_it(
    capsys: pytest.CaptureFixture[str], articles: Repo
) -> None:
    both = "publish_at: 2026-12-01 09:00\ntargets: [sky, blog]\n"
    top = articles.post("top", both + "title: Hello\nlink: https://example.com/a")
    moved = articles.post("moved", both + "overrides:\n  keyed:\n    title: Hello")
    code, problems = problems_of(capsys, articles)
    assert code == 0
    assert_problem(problems, top, 4, "`title:` is not sent to sky (Bluesky): put it in their")
    # Nobody takes the link: said once, as before, not once per target.
    assert_problem(problems, top, 5, "`link:` is not used by any target of this post")
    assert [p["line"] for p in problems if p["path"] == top] == [4, 5]
    assert all(p["severity"] == "warning" for p in problems)
    assert not [p for p in problems if p["path"] == moved]


def test_what_a_network_needs_is_checked_per_target(
    capsys: pytest.CaptureFixture[str], articles: Repo
) -> None:
    missing = articles.post("missing", "publish_at: 2026-12-01 09:00\ntargets: [sky, blog]")
    long = articles.post(
        "long",
        "publish_at: 2026-12-01 09:00\ntargets: [blog]\n"
        "title: A title far longer than twenty\ntags: [a, b, c]",
    )
    shape = articles.post(
        "shape", "publish_at: 2026-12-01 09:00\ntargets: [blog]\ntitle: Ok\ntags: [Big]"
    )
    code, problems = problems_of(capsys, articles)
    assert code == 1
    assert_problem(problems, missing, 3, "blog (Keyed) needs `title:`")
    assert_problem(problems, long, 4, "title is 30 characters; blog (Keyed) takes at most 20")
    assert_problem(problems, long, 5, "blog (Keyed) takes at most 2 tags; there are 3")
    assert_problem(problems, shape, 5, "blog (Keyed): tags is lowercase a-z0-9")


def test_overrides_set_keys_per_account_over_provider_over_the_top(
    capsys: pytest.CaptureFixture[str], articles: Repo
) -> None:
    articles.write("content/img/cover.png", png())
    rel = articles.post(
        "p",
        "publish_at: 2026-12-01 09:00\ntargets: [blog, demo]\ntitle: Top title\n"
        "tags: [one]\ncover: img/cover.png\n"
        "overrides:\n  outbox:\n    title: For outboxes\n    tags: [two]\n"
        "  demo:\n    title: For demo only",
    )
    assert problems_of(capsys, articles) == (0, [])
    shown = json.loads(
        run(
            capsys,
            "-C",
            str(articles.root),
            "preview",
            str(articles.root / rel),
            "--format",
            "json",
        ).out
    )
    keys = {t["account"]: t["keys"] for t in shown["targets"]}
    assert keys["blog"] == {"title": "Top title", "tags": ["one"]}
    assert keys["demo"]["title"] == "For demo only" and keys["demo"]["tags"] == ["two"]
    assert keys["demo"]["cover"] == "content/img/cover.png"

    assert publish(capsys, articles)["keys"] == {
        "title": "For demo only",
        "tags": ["two"],
        "cover": {"path": "content/img/cover.png", "mime": "image/png"},
    }


def test_a_cover_is_checked_like_an_image(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write("content/notes.txt", "not an image")
    gone = repo.post("gone", f"{FRONT}\ncover: nowhere.png")
    text = repo.post("text", f"{FRONT}\ncover: notes.txt")
    code, problems = problems_of(capsys, repo)
    assert code == 1
    assert_problem(problems, gone, 4, "'content/nowhere.png' does not exist")
    assert_problem(problems, text, 4, "not an image or video")


def test_a_post_without_keys_sends_the_same_document_as_before(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.post("p", FRONT)
    assert "keys" not in publish(capsys, repo)
