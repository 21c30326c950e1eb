"""A run with nothing due ends before the runner is loaded (socialgit.idle), and only then.

``wake_at`` (when a run first has work in a post) is checked against the runner's own
selection: before it, ``select`` picks nothing of the post; at it, something.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialgit.content import load_content
from socialgit.plan import wake_at
from socialgit.runner.work import select
from tests.runner.conftest import World, env, git

RESULTS = {
    "fresh": "",
    "published": "results:\n  box: {status: published, at: '2026-01-01T09:00:05Z'}\n",
    "missed": "results:\n  box: {status: missed}\n",
    "retry": "results:\n  box: {status: error, retry_at: '2026-01-01T12:00:00Z', attempts: 1}\n",
    "failed": "results:\n  box: {status: error, error: rejected}\n",
    "publishing": "results:\n  box: {status: publishing, at: '2026-01-01T09:00:01Z', key: k}\n",
    "draft": "status: draft\n",
    "weekly": "repeat: '0 9 * * MON'\nresults:\n  box: {status: published, "
    "occurrence: '2026-01-05T09:00:00Z'}\n",
    "half": "results:\n  box: {status: published}\n",
}


def _moments() -> list[datetime]:
    start = datetime(2025, 12, 31, 23, tzinfo=UTC)
    return [start + timedelta(minutes=30 * n) for n in range(24 * 2 * 14)]  # two weeks


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_wake_at_is_when_the_runner_first_selects_the_post(world: World, name: str) -> None:
    targets = "[box, hook]" if name == "half" else "[box]"
    world.post(name, targets, extra=RESULTS[name])
    content = load_content(world.seed)
    (post,) = content.posts
    wake = wake_at(post, content.config)
    for moment in _moments():
        chosen = select(content, moment)
        busy = not chosen.empty or bool(chosen.waiting)
        if moment.timestamp() < wake:
            assert not busy, (name, moment)
        elif moment.timestamp() == wake or wake == float("-inf"):
            assert busy, (name, moment)


def cli(repo: Path, *args: str, check_modules: bool = False) -> subprocess.CompletedProcess[str]:
    """``socialgit publish`` in a subprocess with the cache on; with ``check_modules``, the
    run then prints which of the runner's modules it loaded."""
    code = (
        "import sys\nfrom socialgit.cli import main\ntry:\n    main(sys.argv[1:])\n"
        "finally:\n    print('loaded:', sorted(m for m in sys.modules if m.startswith("
        "('socialgit.runner', 'providers.', 'httpx', 'git'))))"
    )
    command = [sys.executable, "-c", code] if check_modules else [sys.executable, "-m", "socialgit"]
    found = env()
    found.pop("SOCIALGIT_NO_CACHE")
    return subprocess.run(
        [*command, "-C", str(repo), "publish", *args],
        capture_output=True,
        text=True,
        env=found,
        timeout=120,
    )


def test_an_idle_run_loads_nothing_and_changes_nothing(world: World) -> None:
    world.write("content/later.md", "---\npublish_at: 2026-01-02 09:00\ntargets: [box]\n---\nx\n")
    world.push()
    repo = world.clone()
    remote_before = git(world.remote, "rev-parse", "main")
    first = cli(repo, "--at", "2026-01-01 09:01")  # a cold cache: analysed, then idle
    assert first.returncode == 0 and "nothing due at 2026-01-01T09:01:00Z" in first.stdout
    second = cli(repo, "--at", "2026-01-01 09:11", check_modules=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines() == ["nothing due at 2026-01-01T09:11:00Z", "loaded: []"]
    assert git(world.remote, "rev-parse", "main") == remote_before
    assert git(repo, "status", "--porcelain") == ""


def test_a_post_pushed_meanwhile_is_seen_after_the_fetch(world: World) -> None:
    world.write("content/later.md", "---\npublish_at: 2026-01-02 09:00\ntargets: [box]\n---\nx\n")
    world.push()
    repo = world.clone()
    assert "nothing due" in cli(repo, "--at", "2026-01-01 09:01").stdout
    world.post("now", "[box]", body="Due now")  # someone adds a due post on the remote
    world.push("a due post")
    done = cli(repo, "--at", "2026-01-01 09:02")
    assert done.returncode == 0, done.stderr
    assert "published" in done.stdout and "content/now.md" in done.stdout
    assert world.remote_log()[0] == "socialgit: 1 of 1 delivery published"


def test_a_post_edited_in_place_to_be_due_is_published(world: World) -> None:
    """Same size, same second: the cache still sees the change (ctime, then the bytes)."""
    world.write("content/a.md", "---\npublish_at: 2026-01-09 09:00\ntargets: [box]\n---\nx\n")
    world.push()
    repo = world.clone()
    assert "nothing due" in cli(repo, "--at", "2026-01-01 09:01", "--no-push").stdout
    path = repo / "content/a.md"
    stat = path.stat()
    path.write_text(path.read_text().replace("2026-01-09", "2026-01-01"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    git(repo, "commit", "-qam", "sooner")
    done = cli(repo, "--at", "2026-01-01 09:02", "--no-push")
    assert done.returncode == 0, done.stderr
    assert "1 published" in done.stdout


def test_local_results_left_unpushed_go_to_the_full_runner(world: World) -> None:
    world.write("content/later.md", "---\npublish_at: 2026-01-02 09:00\ntargets: [box]\n---\nx\n")
    world.push()
    repo = world.clone()
    assert "nothing due" in cli(repo, "--at", "2026-01-01 09:01").stdout
    (repo / "notes.txt").write_text("a commit the remote has not seen\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "local")
    done = cli(repo, "--at", "2026-01-01 09:02", check_modules=True)
    assert done.returncode == 0, done.stderr
    assert "socialgit.runner.run" in done.stdout  # the runner pushed the leftover commit
    assert world.remote_log()[0] == "local"


def test_an_uncommitted_change_is_refused_as_before(world: World) -> None:
    world.write("content/later.md", "---\npublish_at: 2026-01-02 09:00\ntargets: [box]\n---\nx\n")
    world.push()
    repo = world.clone()
    (repo / "content/later.md").write_text(
        "---\npublish_at: 2026-01-03 09:00\ntargets: [box]\n---\n"
    )
    done = cli(repo, "--at", "2026-01-01 09:01")
    assert done.returncode == 2 and "uncommitted changes" in done.stderr


def test_a_broken_post_is_still_reported_each_run(world: World) -> None:
    world.write("content/later.md", "---\npublish_at: 2026-01-02 09:00\ntargets: [box]\n---\nx\n")
    world.write("content/bad.md", "---\npublish_at: 2026-01-02 09:00\ntargets: [nobody]\n---\nx\n")
    world.push()
    repo = world.clone()
    for when in ("2026-01-01 09:01", "2026-01-01 09:11"):
        done = cli(repo, "--at", when)
        assert "skipped post content/bad.md" in done.stdout


def test_a_repository_with_alerts_always_gets_the_full_run(world: World) -> None:
    """Alerts (an ending credential, a failure not yet announced) are the runner's to send."""
    config = (world.seed / "socialgit.yml").read_text()
    world.write("socialgit.yml", config + "notify: [hook]\n")
    world.write("content/later.md", "---\npublish_at: 2026-01-02 09:00\ntargets: [box]\n---\nx\n")
    world.push()
    repo = world.clone()
    for when in ("2026-01-01 09:01", "2026-01-01 09:11"):
        done = cli(repo, "--at", when, check_modules=True)
        assert done.returncode == 0, done.stderr
        assert "nothing due" in done.stdout and "socialgit.runner.run" in done.stdout
