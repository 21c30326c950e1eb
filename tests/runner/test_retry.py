"""``socialgit retry``: a failed, missed or in-doubt delivery queued again in a commit, sent by
the next run under its key; never a published one. The real CLI, real git, a real receiver."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from socialgit.runner.keys import delivery_key
from tests.runner.conftest import LATER, T0, World, env, git, kill, start, wait_for
from tests.runner.conftest import publish as cli
from tests.runner.receiver import Action, Server
from tests.runner.test_publish import at

ROOT = Path(__file__).resolve().parents[2]


def retry(repo: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialgit", "retry", *args],
        cwd=repo,  # PATH as a person types it, standing in the repository
        capture_output=True,
        text=True,
        env=env(PYTHONPATH=str(ROOT), **extra),
        timeout=120,
    )


def key(rel: str, account: str = "hook", when: str = "2026-01-01 09:00") -> str:
    return delivery_key(rel, account, at(when))


def test_a_failed_delivery_is_sent_again_under_its_key(world: World, server: Server) -> None:
    rel = world.post("a", "[box, hook]")
    world.push()
    repo = world.clone()
    server.receiver.then(Action(status=422))
    assert cli(repo, "--at", T0).returncode == 1
    assert "status: error" in world.remote_file(rel)
    queued = retry(repo, rel, "--at", "2026-01-01 09:05", SOCIALGIT_GIT_NAME="Acme Bot")
    assert queued.returncode == 0, queued.stdout + queued.stderr
    assert f"hook             {rel}  queued again: the next run sends it" in queued.stdout
    assert f"box              {rel}  not queued: it is published (outbox/" in queued.stdout
    assert "sending it again would post it twice" in queued.stdout
    assert world.remote_log()[0] == f"socialgit: retry hook {rel}"
    assert git(world.remote, "log", "-1", "--format=%an", "main").strip() == "Acme Bot"
    text = world.remote_file(rel)
    assert "retry_at: '2026-01-01T09:05:00Z'" in text and "attempts: 0" in text
    assert "queued again by socialgit retry (it was error: hook: the webhook refused" in text
    again = cli(repo, "--at", "2026-01-01 09:06")
    assert again.returncode == 0, again.stdout + again.stderr
    assert server.receiver.keys() == [key(rel)] * 2
    assert world.remote_file(rel).count("status: published") == 3


def test_a_published_delivery_is_refused(world: World, server: Server) -> None:
    rel = world.post("a", "[hook]")
    world.push()
    repo = world.clone()
    assert cli(repo, "--at", T0).returncode == 0
    head = world.remote_log()
    refused = retry(repo, rel, "--account", "hook", "--at", "2026-01-01 09:05")
    assert refused.returncode == 2
    assert refused.stderr.startswith(
        f"socialgit: error: hook: it is published (https://example.test/{key(rel)}); sending it "
        "again would post it twice"
    )
    assert world.remote_log() == head and git(repo, "status", "--porcelain") == ""
    nothing = retry(repo, rel, "--account", "box", "--at", "2026-01-01 09:05")
    assert nothing.returncode == 2 and "does not go to box" in nothing.stderr


def test_a_missed_delivery_goes_out_late_only_when_asked(world: World, server: Server) -> None:
    rel = "content/old.md"
    world.write(rel, "---\npublish_at: 2025-12-30 09:00\ntargets: [hook]\n---\nx\n")
    world.push()
    repo = world.clone()
    assert cli(repo, "--at", T0).returncode == 0
    assert "status: missed" in world.remote_file(rel)
    head = world.remote_log()
    refused = retry(repo, rel, "--at", "2026-01-01 09:05")
    assert refused.returncode == 2
    assert "its time (2025-12-30 09:00 UTC) is more than missed_after (6h) ago" in refused.stderr
    assert "add --late to send it anyway" in refused.stderr
    assert world.remote_log() == head
    queued = retry(repo, rel, "--late", "--at", "2026-01-01 09:05")
    assert queued.returncode == 0, queued.stderr
    assert world.remote_log()[0] == f"socialgit: retry hook {rel} late"
    server.receiver.then(Action(status=503))  # a passing failure keeps it late
    first = cli(repo, "--at", "2026-01-01 09:06")
    assert first.returncode == 0 and "retry later" in first.stdout
    assert "late: true" in world.remote_file(rel)
    second = cli(repo, "--at", "2026-01-01 09:12")
    assert second.returncode == 0 and "published" in second.stdout, second.stdout
    old = key(rel, when="2025-12-30 09:00")
    assert server.receiver.keys() == [old, old]
    assert "status: published" in world.remote_file(rel).split("results:")[1]


def test_a_claim_in_doubt_waits_for_its_run_then_can_be_queued(
    world: World, server: Server, tmp_path: Path
) -> None:
    rel = world.post("a", "[hook]")
    world.push()
    marker = tmp_path / "paused"
    running = start(
        world.clone(),
        "--at",
        T0,
        SOCIALGIT_TEST_PAUSE_AT="claimed",
        SOCIALGIT_TEST_PAUSE_FILE=str(marker),
    )
    wait_for(marker.exists)
    kill(running)
    repo = world.clone()
    young = retry(repo, rel, "--at", "2026-01-01 09:10")
    assert young.returncode == 2 and "a run claimed it at 2026-01-01 09:01 UTC" in young.stderr
    queued = retry(repo, rel, "--at", LATER)
    assert queued.returncode == 0, queued.stderr
    sent = cli(repo, "--at", LATER)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert server.receiver.keys() == [key(rel)]
    assert "status: published" in world.remote_file(rel)
