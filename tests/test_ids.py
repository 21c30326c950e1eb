"""A post's id is its own: duplicates are errors, and keys never collide across posts."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run
from tests.conftest import Repo

DUE = "publish_at: 2026-12-01 09:00\ntargets: [demo]\nid: launch"
PUBLISHED = (
    DUE + "\nstatus: published\nresults:\n  demo:\n    status: published\n"
    "    key: 2222222222222\n    at: '2026-12-01T08:00:03Z'\n"
)


def problems(capsys: pytest.CaptureFixture[str], repo: Repo, *paths: str) -> list[dict]:
    outcome = run(capsys, "-C", str(repo.root), "validate", "--format", "json", *paths)
    found: list[dict] = json.loads(outcome.out)
    assert outcome.code == (1 if any(p["severity"] == "error" for p in found) else 0)
    return found


def test_second_post_with_an_id_is_an_error_at_its_id_line_naming_the_first(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    first = repo.post("a-launch", DUE, "First")
    second = repo.post("b-launch", DUE, "Second")
    third = repo.post("c-launch", DUE, "Third")
    found = problems(capsys, repo)
    errors = [p for p in found if p["severity"] == "error"]
    assert [(p["path"], p["line"]) for p in errors] == [(second, 4), (third, 4)]
    assert all(first in p["message"] and "'launch'" in p["message"] for p in errors)
    # Checking only the later file still sees the first.
    only = problems(capsys, repo, str(repo.root / second))
    assert [p["path"] for p in only] == [second]


def test_the_post_that_already_went_out_keeps_its_id(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    old = repo.post("z-old", PUBLISHED, "Went out")
    new = repo.post("a-new", DUE, "Copied front-matter")
    found = problems(capsys, repo)
    assert [p["path"] for p in found if p["severity"] == "error"] == [new]
    assert old in found[0]["message"]


def test_publish_skips_a_duplicate_instead_of_recording_it_as_published(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.post("a-launch", DUE, "First")
    second = repo.post("b-launch", DUE, "Second")
    repo.commit()
    outcome = run(capsys, "-C", str(repo.root), "publish", "--no-push", "--at", "2026-12-01 09:01")
    sent = [json.loads(p.read_text()) for p in (repo.root / "outbox").glob("*.json")]
    assert [d["parts"][0]["text"] for d in sent] == ["First"]
    assert f"skipped post {second}" in outcome.out
    assert "results:" not in (repo.root / second).read_text()


def test_a_post_taking_over_an_id_gets_its_own_key(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    """Keys come from the path: a new post with the id an old one gave up is still sent."""
    old = repo.post("old", DUE, "Old text")
    repo.commit()
    at = ("--at", "2026-12-01 09:01")
    assert run(capsys, "-C", str(repo.root), "publish", "--no-push", *at).code == 0
    text = (repo.root / old).read_text().replace("id: launch\n", "")
    (repo.root / old).write_text(text)
    repo.post("new", DUE, "New text")
    repo.commit("the id moves to a new post")
    outcome = run(capsys, "-C", str(repo.root), "publish", "--no-push", "--at", "2026-12-01 09:11")
    assert outcome.code == 0, outcome.out + outcome.err
    sent = sorted(
        json.loads(p.read_text())["parts"][0]["text"] for p in (repo.root / "outbox").glob("*.json")
    )
    assert sent == ["New text", "Old text"]
