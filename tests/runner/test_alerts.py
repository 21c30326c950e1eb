"""Alerts (``notify:``) through the real CLI, real git and real local webhooks: each failure
is announced exactly once, and a notify account that fails changes no delivery."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.runner.conftest import CONFIG, World, git, publish
from tests.runner.receiver import Action, Server

NOTIFY = "  ops:\n    provider: webhook\n    url: {ops}\nnotify: [ops]\n"


@pytest.fixture
def ops() -> Iterator[Server]:
    found = Server()
    yield found
    found.close()


def texts(server: Server) -> list[str]:
    return [json.dumps(body) for _, body in server.receiver.requests]


def setup(world: World, ops: Server) -> None:
    world.write("socialgit.yml", CONFIG.format(url=world.url) + NOTIFY.format(ops=ops.receiver.url))


def test_each_failure_is_announced_once_across_three_runs(
    world: World, server: Server, ops: Server
) -> None:
    setup(world, ops)
    first = world.post("first", "[hook, box]")
    world.push()
    repo = world.clone()
    server.receiver.then(Action(status=400))  # the network rejects it: failed for good
    one = publish(repo, "--at", "2026-01-01 09:01")
    assert one.returncode == 1, one.stdout + one.stderr
    assert "alert sent to ops (1 to announce)" in one.stdout
    assert len(ops.receiver.requests) == 1
    (alert,) = texts(ops)
    assert "Failed for good" in alert and "hook: content/first.md" in alert
    assert server.receiver.url not in alert
    recorded = world.remote_file(first)
    assert "announced:\n      - ops\n" in recorded and "status: error" in recorded
    assert world.remote_log()[0] == "socialgit: alerts sent to ops"

    two = publish(repo, "--at", "2026-01-01 09:11")  # nothing due, nothing new to say
    assert two.returncode == 0, two.stdout + two.stderr
    assert "alert" not in two.stdout
    assert len(ops.receiver.requests) == 1

    person = world.clone()  # a person adds a second post that fails too
    world.write(
        "content/second.md",
        "---\npublish_at: 2026-01-01 09:15\ntargets: [hook]\n---\nB\n",
        person,
    )
    git(person, "add", "-A")
    git(person, "commit", "-qm", "second")
    git(person, "push", "-q", "origin", "HEAD:main")
    server.receiver.then(Action(status=422))
    three = publish(repo, "--at", "2026-01-01 09:21")
    assert three.returncode == 1, three.stdout + three.stderr
    assert len(ops.receiver.requests) == 2
    second_alert = texts(ops)[1]
    assert "content/second.md" in second_alert and "content/first.md" not in second_alert
    keys = ops.receiver.keys()
    assert len(set(keys)) == 2  # two announcements, two delivery keys


def test_a_failing_notify_account_fails_no_delivery_and_is_tried_again(
    world: World, server: Server, ops: Server
) -> None:
    setup(world, ops)
    ok = world.post("ok", "[box]")
    bad = world.post("bad", "[hook]")
    world.push()
    repo = world.clone()
    server.receiver.then(Action(status=400))
    ops.receiver.then(Action(status=500))  # the alert's receiver is down
    one = publish(repo, "--at", "2026-01-01 09:01")
    assert one.returncode == 1  # the rejected delivery, as without alerts
    assert "alert to ops FAILED (1 to announce)" in one.stdout
    assert "status: published" in world.remote_file(ok)
    assert "status: error" in world.remote_file(bad)
    assert "announced" not in world.remote_file(bad)

    two = publish(repo, "--at", "2026-01-01 09:11")  # the receiver is back
    assert two.returncode == 0, two.stdout + two.stderr
    assert "alert sent to ops (1 to announce)" in two.stdout
    assert "announced:\n      - ops\n" in world.remote_file(bad)
    assert len(ops.receiver.requests) == 2 and "content/bad.md" in texts(ops)[1]
    three = publish(repo, "--at", "2026-01-01 09:21")
    assert three.returncode == 0 and len(ops.receiver.requests) == 2


def test_credentials_ending_within_7_days_are_announced_once(
    world: World, server: Server, ops: Server
) -> None:
    from datetime import UTC, datetime, timedelta

    from socialgit.credentials.vault import Vault, new_key

    key = new_key()
    config = CONFIG.format(url=world.url) + "  news-threads:\n    provider: threads\n"
    config += "    client_id: '1'\n" + NOTIFY.format(ops=ops.receiver.url)
    world.write("socialgit.yml", config)
    vault = Vault.open(world.seed, key=key)
    ends = datetime.now(UTC) + timedelta(days=3)  # a 60-day token with no refresh token
    vault.put("news-threads", {"access_token": "secret-token-xyz", "expires_at": ends})
    vault.save()
    world.post("fine", "[box]")
    world.push()
    repo = world.clone()
    one = publish(repo, "--at", "2026-01-01 09:01", SOCIALGIT_KEY=key)
    assert one.returncode == 0, one.stdout + one.stderr
    (alert,) = texts(ops)
    assert "Credentials ending within 7 days" in alert and "news-threads" in alert
    assert "secret-token-xyz" not in alert
    assert "news-threads" in world.remote_file(".socialgit/alerts.json")
    two = publish(repo, "--at", "2026-01-01 09:11", SOCIALGIT_KEY=key)
    assert two.returncode == 0, two.stdout + two.stderr
    assert len(ops.receiver.requests) == 1


def test_no_alert_while_the_results_are_not_pushed(
    world: World, server: Server, ops: Server
) -> None:
    setup(world, ops)
    rel = world.post("a", "[hook]")
    world.push()
    hook = world.remote / "hooks" / "pre-receive"
    hook.write_text(  # every push after the claim is turned away as if the remote moved
        "#!/bin/sh\nwhile read old new ref; do\n"
        '  if ! git log -1 --format=%s "$new" | grep -q claim; then\n'
        "    echo non-fast-forward >&2; exit 1\n  fi\ndone\n"
    )
    hook.chmod(0o755)
    repo = world.clone()
    server.receiver.then(Action(status=400))
    one = publish(repo, "--at", "2026-01-01 09:01")
    assert one.returncode == 2, one.stdout + one.stderr
    assert "could not be pushed" in one.stderr
    assert ops.receiver.requests == []  # the alert's record would have dropped the results
    assert git(repo, "log", "-1", "--format=%s").startswith("socialgit: 0 of 1 delivery")
    hook.unlink()
    two = publish(repo, "--at", "2026-01-01 09:11")
    assert two.returncode == 0, two.stdout + two.stderr
    assert "status: error" in world.remote_file(rel)
    assert len(ops.receiver.requests) == 1 and "content/a.md" in texts(ops)[0]
