"""Every kind of bad input: a located message, exit 1, no traceback, good posts still planned."""

from __future__ import annotations

import importlib
import json
import os
import time
import types

import pytest

from providers import PROVIDERS
from tests.cli_run import run
from tests.conftest import Repo, png

GOOD = "publish_at: 2026-12-01 09:00\ntargets: [demo]"


def problems_of(capsys: pytest.CaptureFixture[str], repo: Repo) -> tuple[int, list[dict]]:
    # Before the posts' 2026-12-01: a post past missed_after warns.
    at = ("--at", "2026-11-30 09:00")
    outcome = run(capsys, "-C", str(repo.root), "validate", "--format", "json", *at)
    return outcome.code, json.loads(outcome.out)


def assert_problem(problems: list[dict], path: str, line: int, fragment: str) -> None:
    hits = [p for p in problems if p["path"] == path and fragment in p["message"]]
    assert hits, f"no problem containing {fragment!r} in {path}: {problems}"
    assert hits[0]["line"] == line, hits[0]
    assert hits[0]["column"] >= 1


BAD_POSTS = [
    (
        "unknown-key",
        "publish_on: 2026-12-01 09:00\ntargets: [demo]",
        "x",
        2,
        "did you mean 'publish_at'",
    ),
    ("wrong-type", "publish_at: 2026-12-01 09:00\ntargets: {demo: 1}", "x", 3, "list of names"),
    (
        "unknown-target",
        "publish_at: 2026-12-01 09:00\ntargets: [dmeo]",
        "x",
        3,
        "did you mean 'demo'",
    ),
    ("dst-gap", "publish_at: 2026-03-29 02:30\ntargets: [demo]", "x", 2, "does not exist"),
    ("dst-twice", "publish_at: 2026-10-25 02:30\ntargets: [demo]", "x", 2, "happens twice"),
    ("bad-cron", GOOD + '\nrepeat: "61 9 * * *"', "x", 4, "not a cron expression"),
    (
        "until-before",
        GOOD + '\nrepeat: "0 9 * * *"\nuntil: 2026-11-01',
        "x",
        5,
        "before publish_at",
    ),
    ("empty", GOOD, "", 5, "no text"),
    ("too-long", "publish_at: 2026-12-01 09:00\ntargets: [short]", "y" * 281, 5, "limit is 280"),
    ("missing-media", GOOD, "Hi\n\n![alt](nowhere.png)", 7, "does not exist"),
    ("outside-media", GOOD, "Hi\n\n![alt](../../etc/passwd)", 7, "outside the repository"),
    ("bad-status", GOOD + "\nstatus: schedulde", "x", 4, "did you mean 'scheduled'"),
    ("bad-zone", GOOD + "\ntimezone: Mars/Olympus", "x", 4, "unknown time zone"),
    ("bad-time", "publish_at: next tuesday\ntargets: [demo]", "x", 2, "is not a time"),
]


@pytest.mark.parametrize(
    ("name", "front", "body", "line", "fragment"), BAD_POSTS, ids=[b[0] for b in BAD_POSTS]
)
def test_bad_post_is_located_and_others_still_plan(
    capsys: pytest.CaptureFixture[str],
    repo: Repo,
    name: str,
    front: str,
    body: str,
    line: int,
    fragment: str,
) -> None:
    good = repo.post("good", GOOD, "A fine post")
    bad = repo.post(name, front, body)
    code, problems = problems_of(capsys, repo)
    assert code == 1
    assert_problem(problems, bad, line, fragment)
    assert not [p for p in problems if p["path"] == good]

    planned = run(
        capsys, "-C", str(repo.root), "plan", "--at", "2026-11-30 09:00", "--format", "json"
    )
    assert planned.code == 1
    posts = {d["post"] for d in json.loads(planned.out)["deliveries"]}
    assert good in posts
    assert bad not in posts


def test_text_problems_name_file_and_line_in_text_format(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    bad = repo.post("typo", "publish_on: 2026-12-01 09:00\ntargets: [demo]")
    outcome = run(capsys, "-C", str(repo.root), "validate")
    assert outcome.code == 1
    assert f"{bad}:2:1: error: unknown key 'publish_on'" in outcome.out


def test_unclosed_front_matter(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write("content/open.md", "---\npublish_at: 2026-12-01 09:00\ntargets: [demo]\nHello\n")
    code, problems = problems_of(capsys, repo)
    assert code == 1
    assert_problem(problems, "content/open.md", 1, "not closed")


def test_no_front_matter(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write("content/plain.md", "Just text\n")
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, "content/plain.md", 1, "starts with a line `---`")


def test_broken_yaml_points_at_the_line(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write(
        "content/broken.md", "---\npublish_at: 2026-12-01 09:00\ntargets: [demo\nid: x\n---\nHi\n"
    )
    _, problems = problems_of(capsys, repo)
    hits = [p for p in problems if p["path"] == "content/broken.md"]
    assert hits and "invalid YAML" in hits[0]["message"]
    assert 3 <= hits[0]["line"] <= 4


def test_not_utf8(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write(
        "content/latin1.md", b"---\npublish_at: 2026-12-01 09:00\ntargets: [demo]\n---\nCaf\xe9\n"
    )
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, "content/latin1.md", 5, "not UTF-8")


def test_file_over_one_megabyte(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.post("huge", GOOD, "x" * (1024 * 1024 + 1))
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, "content/huge.md", 1, "at most 1048576")


def test_alias_bomb_is_refused_quickly(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 10):
        prev = chr(ord("a") + n - 1)
        name = chr(ord("a") + n)
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    front = GOOD + "\nid: bomb\n" + "\n".join(levels)
    bad = repo.post("bomb", front)
    started = time.monotonic()
    _, problems = problems_of(capsys, repo)
    assert time.monotonic() - started < 10
    hits = [p for p in problems if p["path"] == bad]
    assert any("aliases" in p["message"] for p in hits), hits


def test_symlinked_media_leading_out(
    capsys: pytest.CaptureFixture[str], repo: Repo, tmp_path
) -> None:
    secret = tmp_path / "outside.png"
    secret.write_bytes(png())
    (repo.root / "content").mkdir(exist_ok=True)
    os.symlink(secret, repo.root / "content" / "link.png")
    bad = repo.post("sym", GOOD, "Hi\n\n![a cat](link.png)")
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, bad, 7, "symlink")


def test_media_type_judged_by_bytes(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write("content/fake.png", b"this is text, not a picture")
    bad = repo.post("fake", GOOD, "Hi\n\n![a cat](fake.png)")
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, bad, 7, "judged by its content")


def test_media_over_network_size_and_count(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    big = png() + b"\0" * 2_000_001
    repo.write("content/big.png", big)
    bad = repo.post(
        "big", "publish_at: 2026-12-01 09:00\ntargets: [sky]", "Hi\n\n![a big cat](big.png)"
    )
    for n in range(5):
        repo.write(f"content/c{n}.png", png())
    many = "\n".join(f"![cat {n}](c{n}.png)" for n in range(5))
    crowded = repo.post("crowded", "publish_at: 2026-12-01 09:00\ntargets: [sky]", f"Hi\n\n{many}")
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, bad, 7, "Bluesky takes at most 2000000")
    assert_problem(problems, crowded, 7, "at most 4 attachments")


def test_missing_alt_text_is_a_warning(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write("content/cat.png", png())
    rel = repo.post("noalt", GOOD, "Hi\n\n![](cat.png)")
    code, problems = problems_of(capsys, repo)
    assert code == 0
    hits = [p for p in problems if p["path"] == rel]
    assert hits and hits[0]["severity"] == "warning" and "alt text" in hits[0]["message"]


def test_per_part_limit_names_the_part_line(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    body = "short first part\n\n---\n\n" + "z" * 300
    rel = repo.post("thread", "publish_at: 2026-12-01 09:00\ntargets: [short]", body)
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, rel, 9, "this part is 300")


def test_github_format_annotations(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    rel = repo.post("typo", "publish_on: 2026-12-01 09:00\ntargets: [demo]")
    outcome = run(capsys, "-C", str(repo.root), "validate", "--format", "github")
    assert f"::error file={rel},line=2,col=1::unknown key 'publish_on'" in outcome.out


CONFIG_CASES = [
    (
        "secret key",
        "timezone: UTC\naccounts:\n  x:\n    provider: x\n    client_id: a\n"
        "    client_secret: hunter2\n",
        6,
        "vault",
    ),
    (
        "webhook url",
        "accounts:\n  hook:\n    provider: webhook\n"
        "    url: https://hooks.slack.com/services/T0/B0/XXXX\n",
        4,
        "carries a credential",
    ),
    (
        "url with password",
        "accounts:\n  hook:\n    provider: webhook\n    url: https://user:pw@example.com/in\n",
        4,
        "carries a credential",
    ),
    ("unknown provider", "accounts:\n  a:\n    provider: blusky\n", 3, "did you mean 'bluesky'"),
    ("missing setting", "accounts:\n  t:\n    provider: telegram\n", 2, "needs `chat:`"),
    ("unknown key", "timezon: UTC\n", 1, "did you mean 'timezone'"),
    ("bad duration", "missed_after: soon\n", 1, "not a duration"),
]


@pytest.mark.parametrize(
    ("name", "config", "line", "fragment"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES]
)
def test_config_problems_exit_2(
    capsys: pytest.CaptureFixture[str], repo: Repo, name: str, config: str, line: int, fragment: str
) -> None:
    repo.write("socialgit.yml", config)
    code, problems = problems_of(capsys, repo)
    assert code == 2
    assert_problem(problems, "socialgit.yml", line, fragment)


def test_secret_value_is_not_echoed(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write(
        "socialgit.yml",
        "accounts:\n  x:\n    provider: x\n    client_id: a\n"
        "    client_secret: hunter2-very-secret\n",
    )
    outcome = run(capsys, "-C", str(repo.root), "validate")
    assert "hunter2-very-secret" not in outcome.out + outcome.err


def test_broken_config_yaml_is_one_line(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.write("socialgit.yml", "accounts: [\n")
    outcome = run(capsys, "-C", str(repo.root), "validate")
    assert outcome.code == 2
    assert outcome.err.startswith("socialgit: error: socialgit.yml:")
    assert len(outcome.err.strip().splitlines()) == 1


def test_symlinked_post_leading_out(
    capsys: pytest.CaptureFixture[str], repo: Repo, tmp_path
) -> None:
    outside = tmp_path / "elsewhere.md"
    outside.write_text("---\npublish_at: 2026-12-01 09:00\ntargets: [demo]\n---\nHi\n")
    (repo.root / "content").mkdir(exist_ok=True)
    os.symlink(outside, repo.root / "content" / "linked.md")
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, "content/linked.md", 1, "outside the repository")


def test_a_thread_for_a_network_without_threads(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    """A ``single`` network (Pinterest) takes one part: a thread is an error at its second
    part for that target; an override with one part for it is fine."""
    module = types.ModuleType("tests_single_network")
    module.__dict__.update(vars(importlib.import_module("providers.outbox")))
    module.NAME, module.TITLE, module.THREADS = "single", "Single", "single"
    PROVIDERS["single"] = module
    try:
        repo.write(
            "socialgit.yml",
            (repo.root / "socialgit.yml").read_text()
            + "  board:\n    provider: single\n    path: board-out\n",
        )
        front = "publish_at: 2026-12-01 09:00\ntargets: [demo, board]"
        bad = repo.post("thread", front, "first part\n\n---\n\nsecond part")
        fine = repo.post(
            "override",
            front + "\noverrides:\n  single:\n    text: only one part",
            "first part\n\n---\n\nsecond part",
        )
        code, problems = problems_of(capsys, repo)
    finally:
        del PROVIDERS["single"]
    assert code == 1
    assert_problem(problems, bad, 9, "board: Single takes one part, not a thread")
    assert not [p for p in problems if p["path"] == fine]


META = """\
timezone: UTC
media_base_url: https://media.example.org
accounts:
  fb:
    provider: facebook
    client_id: "1"
    page: "2"
  ig:
    provider: instagram
    client_id: "1"
    user: "3"
"""


def test_a_networks_rules_on_a_parts_media_as_a_whole(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.write("socialgit.yml", META)
    repo.write("content/a.png", png())
    repo.write("content/clip.mp4", b"\0\0\0\x18ftypmp42" + b"\0" * 64)
    head = "publish_at: 2026-12-01 09:00\ntargets: [fb]"
    comment = repo.post("comment", head, "Hi\n\n---\n\nMore\n\n![a cat](a.png)")
    mixed = repo.post("mixed", head, "Hi\n\n![a cat](a.png)\n![a film](clip.mp4)")
    fine = repo.post("fine", head, "Hi\n\n![a cat](a.png)\n\n---\n\nMore")
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, comment, 11, "fb: Facebook comments take text only")
    assert_problem(problems, mixed, 7, "photos or one video, not both")
    assert not [p for p in problems if p["path"] == fine and p["severity"] == "error"]


def test_instagram_needs_media_on_the_post_and_none_on_comments(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.write("socialgit.yml", META)
    repo.write("content/a.png", png())
    repo.write("content/a.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 32)
    head = "publish_at: 2026-12-01 09:00\ntargets: [ig]"
    bare = repo.post("bare", head, "Just words")
    png_one = repo.post("png", head, "Hi\n\n![a cat](a.png)")
    body = "Hi\n\n![a cat](a.jpg)\n\n---\n\nMore\n\n![a cat](a.jpg)"
    comment = repo.post("comment", head, body)
    tags = repo.post("tags", head, "Hi #a #b #c #d #e #f\n\n![a cat](a.jpg)")
    fine = repo.post("fine", head, "Hi #a\n\n![a cat](a.jpg)\n\n---\n\nMore")
    _, problems = problems_of(capsys, repo)
    assert_problem(problems, bare, 5, "needs an image on the first part")
    assert_problem(problems, png_one, 7, "does not take image/png")
    assert_problem(problems, comment, 13, "Instagram comments take text only")
    assert_problem(problems, tags, 5, "at most 5 hashtags")
    assert not [p for p in problems if p["path"] == fine and p["severity"] == "error"]
