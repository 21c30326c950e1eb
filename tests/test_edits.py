"""Editing a published post: validate warns, the plan keeps when and what went out."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run
from tests.conftest import Repo

FRONT = "publish_at: 2026-12-01 09:00\ntargets: [demo, short]"


def published(capsys: pytest.CaptureFixture[str], repo: Repo, front: str = FRONT) -> str:
    rel = repo.post("launch", front, "We are live!")
    repo.commit()
    outcome = run(capsys, "-C", str(repo.root), "publish", "--no-push", "--at", "2026-12-01 09:01")
    assert outcome.code == 0, outcome.out + outcome.err
    return rel


def edit(repo: Repo, rel: str, old: str, new: str) -> None:
    path = repo.root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def problems(capsys: pytest.CaptureFixture[str], repo: Repo) -> list[dict]:
    at = ("--at", "2026-12-01 10:00")
    outcome = run(capsys, "-C", str(repo.root), "validate", "--format", "json", *at)
    assert outcome.code == 0, outcome.out
    found: list[dict] = json.loads(outcome.out)
    return found


def test_the_result_keeps_what_was_sent(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    rel = published(capsys, repo)
    text = (repo.root / rel).read_text()
    assert "occurrence: '2026-12-01T08:00:00Z'" in text
    assert text.count("sent: sha256:") == 2
    assert problems(capsys, repo) == []


def test_editing_the_text_after_it_went_out_warns_per_target(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    rel = published(capsys, repo)
    edit(repo, rel, "We are live!", "We are live! (fixed a typo)")
    found = problems(capsys, repo)
    body = (repo.root / rel).read_text().split("\n").index("We are live! (fixed a typo)") + 1
    assert [(p["path"], p["line"], p["severity"]) for p in found] == [
        (rel, body, "warning"),
        (rel, body, "warning"),
    ]
    assert "demo published this post on 2026-12-01 09:01 with another text" in found[0]["message"]
    assert found[1]["message"].startswith("short published")


def test_an_override_edit_warns_only_for_its_account(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    rel = published(capsys, repo, FRONT + "\noverrides:\n  short:\n    text: Live!")
    edit(repo, rel, "text: Live!", "text: Live now!")
    found = problems(capsys, repo)
    assert [p["message"].split()[0] for p in found] == ["short"]


def test_moving_a_published_post_warns_and_the_plan_keeps_when_it_went_out(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    rel = published(capsys, repo)
    edit(repo, rel, "publish_at: 2026-12-01 09:00", "publish_at: 2026-12-05 18:00")
    found = problems(capsys, repo)
    assert [(p["line"], p["severity"]) for p in found] == [(2, "warning"), (2, "warning")]
    assert "published this post on 2026-12-01 09:01 for 2026-12-01 09:00" in found[0]["message"]
    planned = run(
        capsys, "-C", str(repo.root), "plan", "--at", "2026-12-02 09:00", "--format", "json"
    )
    times = {
        (d["account"], d["state"], d["time"][:16]) for d in json.loads(planned.out)["deliveries"]
    }
    assert times == {
        ("demo", "published", "2026-12-01T08:01"),
        ("short", "published", "2026-12-01T08:01"),
    }


def test_results_written_before_occurrence_was_kept_still_show_a_later_time(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.post(
        "old",
        "publish_at: 2026-12-05 09:00\ntargets: [demo]\nresults:\n  demo:\n"
        "    status: published\n    key: 2222222222222\n    at: '2026-12-01T08:00:04Z'\n",
    )
    [warning] = problems(capsys, repo)
    assert "a new publish_at does not send it again" in warning["message"]
