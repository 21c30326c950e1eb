"""Faults for real: killed processes (SIGKILL at each step), racing runners, a remote that
moves, a receiver that takes a request and never answers.

After each: every delivery arrived exactly once per key and is recorded, or is an error a
person can act on; nothing recorded is lost.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from socialgit.runner import Hooks, Options, publish
from socialgit.runner.keys import delivery_key
from tests.runner.conftest import LATER, T0, World, git, kill, start, wait_for
from tests.runner.conftest import publish as cli
from tests.runner.receiver import Action, Server
from tests.runner.test_publish import at

DUE = at("2026-01-01 09:00")


def key(account: str, name: str = "a") -> str:
    return delivery_key(f"content/{name}.md", account, DUE)


def pause_env(tmp_path: Path, step: str) -> dict[str, str]:
    return {
        "SOCIALGIT_TEST_PAUSE_AT": step,
        "SOCIALGIT_TEST_PAUSE_FILE": str(tmp_path / f"paused-{step}"),
    }


def assert_published(world: World, rel: str, *accounts: str) -> str:
    text = world.remote_file(rel)
    assert text.count("status: published") == len(accounts) + 1, text
    return text


def test_killed_after_the_claim_push(world: World, server: Server, tmp_path: Path) -> None:
    rel = world.post("a", "[hook, box]")
    world.push()
    extra = pause_env(tmp_path, "claimed")
    run = start(world.clone(), "--at", T0, **extra)
    wait_for(lambda: Path(extra["SOCIALGIT_TEST_PAUSE_FILE"]).exists())
    kill(run)
    assert server.receiver.requests == []
    assert world.remote_file(rel).count("status: publishing") == 2
    # A run while the claim is young leaves it to its owner.
    young = cli(world.clone(), "--at", "2026-01-01 09:10")
    assert young.returncode == 0 and "skipped" in young.stdout
    assert server.receiver.requests == []
    # Past claim_timeout the claim is in doubt: looked up (outbox), resent with its key (webhook).
    late = cli(world.clone(), "--at", LATER)
    assert late.returncode == 0, late.stderr
    assert server.receiver.keys() == [key("hook")]
    assert_published(world, rel, "hook", "box")
    assert world.remote_file(f"outbox/{key('box')}.json")


def test_killed_while_the_receiver_holds_the_request(
    world: World, server: Server, tmp_path: Path
) -> None:
    rel = world.post("a", "[hook]")
    world.push()
    server.receiver.then(Action(hang=True))
    run = start(world.clone(), "--at", T0, SOCIALGIT_HTTP_TIMEOUT="30")
    wait_for(server.receiver.holding.is_set)
    kill(run)
    assert "status: publishing" in world.remote_file(rel)
    late = cli(world.clone(), "--at", LATER)
    assert late.returncode == 0, late.stderr
    # Sent twice with one key; the receiver acted once.
    assert server.receiver.keys() == [key("hook")] * 2
    assert server.receiver.processed == {key("hook")}
    assert_published(world, rel, "hook")


def test_killed_after_the_answer_before_the_result_commit(
    world: World, server: Server, tmp_path: Path
) -> None:
    rel = world.post("a", "[hook, box]")
    world.push()
    repo = world.clone()
    extra = pause_env(tmp_path, "delivered")
    run = start(repo, "--at", T0, **extra)
    wait_for(lambda: Path(extra["SOCIALGIT_TEST_PAUSE_FILE"]).exists())
    kill(run)
    outbox_file = repo / "outbox" / f"{key('box')}.json"
    written = outbox_file.stat().st_mtime_ns
    # The same checkout runs again (a self-hosted cron): the outbox file is found by its key.
    again = cli(repo, "--at", LATER)
    assert again.returncode == 0, again.stderr
    assert outbox_file.stat().st_mtime_ns == written  # looked up, not written again
    assert server.receiver.keys() == [key("hook")] * 2
    assert server.receiver.processed == {key("hook")}
    assert_published(world, rel, "hook", "box")


def test_killed_during_the_result_push(world: World, server: Server, tmp_path: Path) -> None:
    rel = world.post("a", "[hook]")
    world.push()
    marker = tmp_path / "receiving"
    hook = world.remote / "hooks" / "pre-receive"
    # The remote holds the results push open (objects received, ref not yet updated).
    hook.write_text(
        "#!/bin/sh\nwhile read old new ref; do\n"
        '  if git log -1 --format=%s "$new" | grep -qE "deliver(y|ies) published"; then\n'
        f"    touch {marker}; sleep 60\n  fi\ndone\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    repo = world.clone()
    run = start(repo, "--at", T0)
    wait_for(marker.exists)
    kill(run)
    hook.unlink()
    assert "status: publishing" in world.remote_file(rel)
    local = git(repo, "log", "-1", "--format=%s")
    assert local.startswith("socialgit: 1 of 1 delivery published")  # kept locally
    # The next run in that checkout pushes what it had before anything else: no resend.
    again = cli(repo, "--at", "2026-01-01 09:11")
    assert again.returncode == 0, again.stderr
    assert server.receiver.keys() == [key("hook")]
    assert_published(world, rel, "hook")


def test_killed_during_the_result_push_on_a_lost_checkout(
    world: World, server: Server, tmp_path: Path
) -> None:
    """CI loses its checkout with the process: the claim in doubt is resent with its key."""
    rel = world.post("a", "[hook]")
    world.push()
    extra = pause_env(tmp_path, "committed")
    run = start(world.clone(), "--at", T0, **extra)
    wait_for(lambda: Path(extra["SOCIALGIT_TEST_PAUSE_FILE"]).exists())
    kill(run)
    late = cli(world.clone(), "--at", LATER)
    assert late.returncode == 0, late.stderr
    assert server.receiver.processed == {key("hook")}
    assert_published(world, rel, "hook")


@pytest.mark.slow
def test_two_runners_at_once_send_each_delivery_once(world: World, server: Server) -> None:
    for index in range(6):
        world.post(f"p{index}", "[hook, box]")
    world.push()
    server.receiver.default = Action(delay=0.05)
    first, second = world.clone(), world.clone()
    runs = [start(first, "--at", T0), start(second, "--at", T0)]
    for run in runs:
        _out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    keys = server.receiver.keys()
    assert len(keys) == 6 == len(set(keys))  # no key twice: the claim push was the lock
    final = world.clone()
    for index in range(6):
        text = (final / f"content/p{index}.md").read_text()
        assert text.count("status: published") == 3
    assert len(list((final / "outbox").glob("*.json"))) == 6


def test_claim_push_rejected_when_the_remote_moved(world: World, server: Server) -> None:
    rel = world.post("a", "[hook]")
    world.push()
    repo = world.clone()
    other = world.clone("person")

    def meanwhile(work: object) -> list[str]:
        if not (other / "content/news.md").exists():  # once: a person merges a post
            world.write(
                "content/news.md", "---\npublish_at: 2027-01-01\ntargets: [box]\n---\nx\n", other
            )
            git(other, "add", "-A")
            git(other, "commit", "-q", "-m", "a person's post")
            git(other, "push", "-q", "origin", "HEAD:main")
        return []

    report = publish(repo, Options(at=at("2026-01-01 09:01")), Hooks(before_claim_commit=meanwhile))
    assert [o.state for o in report.outcomes] == ["published"]
    log = world.remote_log()
    assert log[:3] == [
        "socialgit: 1 of 1 delivery published",
        "socialgit: claim 1 delivery",
        "a person's post",
    ]
    assert server.receiver.keys() == [key("hook")]
    assert_published(world, rel, "hook")


def test_result_push_rejected_reapplies_on_top_of_a_person_s_edit(
    world: World, server: Server
) -> None:
    rel = world.post("a", "[hook]", body="Old body")
    world.push()
    repo = world.clone()
    other = world.clone("person")

    def credentials_while_a_person_edits(account: object) -> dict[str, str]:
        # During delivery, a person fixes a typo in the same post and pushes.
        git(other, "pull", "-q", "origin", "main")
        path = other / rel
        path.write_text(path.read_text().replace("Old body", "New body"))
        git(other, "commit", "-q", "-am", "typo")
        git(other, "push", "-q", "origin", "HEAD:main")
        return {}

    report = publish(
        repo,
        Options(at=at("2026-01-01 09:01")),
        Hooks(credentials=credentials_while_a_person_edits),
    )
    assert report.push_error is None
    text = assert_published(world, rel, "hook")
    assert "New body" in text and "status: publishing" not in text


def test_receiver_times_out_after_accepting(world: World, server: Server) -> None:
    rel = world.post("a", "[hook]")
    world.push()
    server.receiver.then(Action(hang=True))
    repo = world.clone()
    os.environ["SOCIALGIT_HTTP_TIMEOUT"] = "1"
    try:
        first = publish(repo, Options(at=at("2026-01-01 09:01")))
    finally:
        del os.environ["SOCIALGIT_HTTP_TIMEOUT"]
    assert [o.state for o in first.outcomes] == ["retry"]
    assert "same key" in first.outcomes[0].message
    server.receiver.release.set()
    second = publish(repo, Options(at=at("2026-01-01 09:07")))
    assert [o.state for o in second.outcomes] == ["published"]
    assert server.receiver.keys() == [key("hook")] * 2
    assert server.receiver.processed == {key("hook")}
    assert "attempts: 2" in assert_published(world, rel, "hook")
