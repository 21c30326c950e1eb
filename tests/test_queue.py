"""socialgit queue through the CLI: slots, DST, order across pull requests, minimal diffs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli_run import run
from tests.conftest import CONFIG, Repo

QUEUES = """\
queues:
  weekdays:
    slots: ["MON-FRI 09:30", "TUE,THU 16:00"]
    targets: [demo, short]
  nightly:
    slots: ["02:30"]
    targets: [demo]
"""
WHO = ("-c", "user.name=Test", "-c", "user.email=test@example.com")


@pytest.fixture
def queued(repo: Repo) -> Repo:
    repo.write("socialgit.yml", CONFIG + QUEUES)
    return repo


def front(repo: Repo, rel: str) -> str:
    return (repo.root / rel).read_text(encoding="utf-8").split("---\n")[1]


def publish_at(repo: Repo, rel: str) -> str:
    for line in front(repo, rel).splitlines():
        if line.startswith("publish_at:"):
            return line.removeprefix("publish_at:").strip()
    return ""


def test_queue_gives_next_free_slots_in_path_order(
    queued: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2026-12-01 is a Tuesday; 09:30 that day is past at 10:00.
    queued.post("b", "queue: weekdays")
    queued.post("a", "queue: weekdays")
    queued.post("fixed", "publish_at: 2026-12-02 09:30\ntargets: [short]")
    done = run(capsys, "-C", str(queued.root), "queue", "--at", "2026-12-01 10:00")
    assert done.code == 0, done.err
    assert publish_at(queued, "content/a.md") == "2026-12-01 16:00"
    # Wednesday 09:30 is taken for `short` by another post: Thursday 09:30 is next.
    assert publish_at(queued, "content/b.md") == "2026-12-03 09:30"
    assert "2026-12-01 16:00 Tue  weekdays  content/a.md" in done.out


def test_queue_twice_changes_nothing_and_the_diff_is_one_line(
    queued: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "---\r\n# a comment stays\r\nqueue:   weekdays   # mine\r\n"
        "title: 'Quoted'\r\n---\r\nBody\r\n---\r\nPart two\r\n"
    )
    queued.write("content/crlf.md", text.encode("utf-8"))
    queued.commit()
    assert run(capsys, "-C", str(queued.root), "queue", "--at", "2026-12-01 10:00").code == 0
    assert queued.git("diff", "--numstat").split() == ["1", "0", "content/crlf.md"]
    after = (queued.root / "content/crlf.md").read_bytes()
    # One line above `queue:`, with the file's line ending; every other byte as it was.
    assert after == text.replace("queue:", "publish_at: 2026-12-01 16:00\r\nqueue:").encode()
    again = run(capsys, "-C", str(queued.root), "queue", "--at", "2026-12-01 11:00")
    assert again.code == 0
    assert "nothing to queue" in again.out
    assert (queued.root / "content/crlf.md").read_bytes() == after


def test_queue_across_dst_keeps_wall_clock_time(
    queued: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Europe/Berlin leaves summer time on 25 October 2026 (03:00 back to 02:00): 02:30
    # happens twice that night and is the first of the two; on 29 March 2026 it is skipped.
    for name in ("n1", "n2", "n3"):
        queued.post(name, "queue: nightly")
    assert run(capsys, "-C", str(queued.root), "queue", "--at", "2026-10-24 03:00").code == 0
    assert publish_at(queued, "content/n1.md") == "2026-10-25T02:30+02:00"
    assert publish_at(queued, "content/n2.md") == "2026-10-26 02:30"
    assert publish_at(queued, "content/n3.md") == "2026-10-27 02:30"
    plan = run(
        capsys, "-C", str(queued.root), "plan", "--at", "2026-10-24 03:00", "--format", "json"
    )
    times = sorted(d["time"] for d in json.loads(plan.out)["deliveries"])
    # Wall clock kept: 00:30Z in summer time, 01:30Z after it.
    assert times == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"]
    for name in ("s1", "s2"):
        queued.post(name, "queue: nightly")
    assert run(capsys, "-C", str(queued.root), "queue", "--at", "2026-03-28 03:00").code == 0
    # The skipped 02:30 moves forward by the gap, as `repeat` does (docs/posts.md).
    assert publish_at(queued, "content/s1.md") == "2026-03-29 03:30"
    assert publish_at(queued, "content/s2.md") == "2026-03-30 02:30"


def test_plan_shows_the_slot_a_queued_post_would_get(
    queued: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    queued.post("a", "queue: weekdays")
    done = run(
        capsys, "-C", str(queued.root), "plan", "--at", "2026-12-01 10:00", "--format", "json"
    )
    rows = json.loads(done.out)["deliveries"]
    assert {(d["account"], d["time"], d["state"]) for d in rows} == {
        ("demo", "2026-12-01T15:00:00Z", "queued"),
        ("short", "2026-12-01T15:00:00Z", "queued"),
    }
    text = run(capsys, "-C", str(queued.root), "plan", "--at", "2026-12-01 10:00")
    assert "queued" in text.out
    # Nothing is written by plan, and a run never sends a queued post.
    assert publish_at(queued, "content/a.md") == ""
    queued.commit()
    sent = run(capsys, "-C", str(queued.root), "publish", "--no-push", "--at", "2026-12-01 16:05")
    assert sent.code == 0, sent.err
    assert not (queued.root / "outbox").exists()


def test_validate_names_queue_and_slot_problems_at_their_lines(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "socialgit.yml",
        CONFIG
        + 'queues:\n  weekdays:\n    slots: ["MON-FRY 09:30", "25:00"]\n'
        + "  ok:\n    slots: [09:30]\n    targets: [nobody]\n",
    )
    done = run(capsys, "-C", str(repo.root), "validate")
    assert done.code == 2
    lines = done.out.splitlines()
    assert any(
        line.startswith("socialgit.yml:18:") and "'FRY' is not a day" in line for line in lines
    )
    assert any(line.startswith("socialgit.yml:18:") and "not a time of" in line for line in lines)
    assert any(line.startswith("socialgit.yml:21:") and "'nobody'" in line for line in lines)
    repo.write("socialgit.yml", CONFIG + QUEUES)
    repo.post("typo", "queue: weekday")
    repo.post("both", "queue: weekdays\nrepeat: '0 9 * * MON'")
    repo.post("none", "queue: nightly\ntargets: [short]")
    done = run(capsys, "-C", str(repo.root), "validate")
    assert done.code == 1
    typo = "content/typo.md:2:8: error: unknown queue 'weekday' (did you mean 'weekdays'?)"
    assert typo in done.out
    assert "content/both.md:2:8: error: queue and repeat do not go together" in done.out
    assert "content/none.md" not in done.out  # its own targets beat the queue's


def test_two_pull_requests_for_the_same_slot_in_either_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each PR's check writes the first free slot into its post; both merge; `queue` on main
    moves the one merged second, whichever that is."""
    for first, second in (("pr-a", "pr-b"), ("pr-b", "pr-a")):
        root = tmp_path / first
        repo = Repo(root)
        root.mkdir()
        repo.write("socialgit.yml", CONFIG + QUEUES)
        repo.post("old", "publish_at: 2026-12-01 16:00\ntargets: [demo]")
        repo.commit("start")
        for branch in ("pr-a", "pr-b"):
            repo.git("switch", "-q", "-c", branch, "main")
            repo.post(branch, "queue: weekdays")
            assert run(capsys, "-C", str(root), "queue", "--at", "2026-12-01 10:00").code == 0
            # Each saw only main's posts: both took Wednesday 09:30.
            assert publish_at(repo, f"content/{branch}.md") == "2026-12-02 09:30"
            repo.git(*WHO, "add", "-A")
            repo.git(*WHO, "commit", "-qm", branch)
        repo.git("switch", "-q", "main")
        for branch in (first, second):
            repo.git(*WHO, "merge", "-q", "--no-ff", "-m", f"merge {branch}", branch)
        done = run(capsys, "-C", str(root), "queue", "--at", "2026-12-01 10:05")
        assert done.code == 0, done.err
        assert publish_at(repo, f"content/{first}.md") == "2026-12-02 09:30"
        assert publish_at(repo, f"content/{second}.md") == "2026-12-03 09:30"
        assert "(moved from 2026-12-02 09:30: taken)" in done.out
        diff = repo.git("diff", "--unified=0", "--no-color")
        assert "-publish_at: 2026-12-02 09:30\n+publish_at: 2026-12-03 09:30" in diff
        repo.git(*WHO, "commit", "-qam", "queue")
        again = run(capsys, "-C", str(root), "queue", "--at", "2026-12-01 10:10")
        assert "nothing to queue" in again.out
        plan = run(capsys, "-C", str(root), "plan", "--at", "2026-12-01 10:10", "--format", "json")
        slots = [(d["account"], d["time"]) for d in json.loads(plan.out)["deliveries"]]
        assert len(slots) == len(set(slots)) == 5


def test_queue_base_must_be_a_revision(queued: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    queued.post("a", "queue: weekdays")
    queued.commit()
    done = run(capsys, "-C", str(queued.root), "queue", "--base", "nope", "--dry-run")
    assert done.code != 0
    assert "--base nope" in done.err
    assert subprocess.run(["git", "-C", str(queued.root), "diff", "--quiet"]).returncode == 0


def test_plan_base_shows_a_pull_request_the_slot_after_main_s_queued_posts(
    queued: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """What a fork's pull request sees in its plan comment: main's queued post comes first,
    even though its path sorts after the new one."""
    queued.post("zz-main", "queue: weekdays")
    queued.commit()
    queued.git("switch", "-q", "-c", "fork")
    queued.post("aa-new", "queue: weekdays")
    done = run(
        capsys,
        *("-C", str(queued.root), "plan", "--base", "main", "--at", "2026-12-01 10:00"),
        *("--format", "markdown"),
    )
    assert done.code == 0, done.err
    assert "| 2026-12-02 09:30 | queued | demo (outbox) | `content/aa-new.md` |" in done.out
    assert "zz-main" not in done.out  # only the pull request's posts are listed
