"""``socialgit publish`` as a person runs it (the CLI in a subprocess, real git, a real
receiver): what stops a run before it claims anything, and what a run says and commits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from socialgit.credentials.vault import VAULT_FILE, Vault, new_key
from tests.runner.conftest import CONFIG, T0, World, env, git, publish
from tests.runner.receiver import Action, Server

ROOT = Path(__file__).resolve().parents[2]

# Two webhook accounts whose URLs live in the vault (as a URL with a token would).
VAULTED = CONFIG + "  one:\n    provider: webhook\n  two:\n    provider: webhook\n"


def remote_head(world: World) -> str:
    return git(world.remote, "rev-parse", "main").strip()


def test_a_recorded_miss_stays_as_it_is(world: World, server: Server) -> None:
    rel = "content/old.md"
    world.write(rel, "---\npublish_at: 2025-12-30 09:00\ntargets: [hook]\n---\nx\n")
    world.push()
    repo = world.clone()
    first = publish(repo, "--at", T0)
    assert first.returncode == 0, first.stderr
    assert world.remote_log()[0] == "socialgit: mark 1 delivery missed"
    recorded, head = world.remote_file(rel), remote_head(world)
    for at in ("2026-01-01 09:11", "2026-01-02 12:00"):
        again = publish(repo, "--at", at)
        assert again.returncode == 0, again.stderr
        assert "nothing due" in again.stdout and "missed" not in again.stdout
    assert remote_head(world) == head and world.remote_file(rel) == recorded
    assert git(repo, "status", "--porcelain") == "" and server.receiver.requests == []


def test_commit_messages_count_in_words(world: World) -> None:
    world.post("a", "[box]")
    world.write("content/old.md", "---\npublish_at: 2025-12-30 09:00\ntargets: [box]\n---\nx\n")
    world.push()
    done = publish(world.clone(), "--at", T0)
    assert done.returncode == 0, done.stderr
    assert world.remote_log()[:2] == [
        "socialgit: 1 of 1 delivery published",
        "socialgit: claim 1 delivery, mark 1 missed",
    ]


def test_retry_times_are_in_the_config_s_time_zone(world: World, server: Server) -> None:
    world.write(
        "socialgit.yml", CONFIG.format(url=server.receiver.url).replace("UTC", "Asia/Tokyo")
    )
    world.post("a", "[hook]")  # 09:00 in Tokyo
    world.push()
    server.receiver.default = Action(status=503)
    done = publish(world.clone(), "--at", T0)
    assert done.returncode == 0, done.stderr
    assert "next after 2026-01-01 09:06 Asia/Tokyo" in done.stdout
    assert "retry_at: '2026-01-01T00:06:" in world.remote_file("content/a.md")


def vaulted(world: World, server: Server, key: str) -> tuple[Path, list[str]]:
    """A clone whose posts go to ``one`` and ``two``, their URLs in a vault under ``key``."""
    world.write("socialgit.yml", VAULTED.format(url=server.receiver.url))
    vault = Vault.open(world.seed, key=key)
    for name in ("one", "two"):
        vault.put(name, {"url": server.receiver.url})
    vault.save()
    posts = [world.post("a", "[one]"), world.post("b", "[two]")]
    world.push()
    return world.clone(), posts


def assert_untouched(world: World, repo: Path, head: str) -> None:
    assert remote_head(world) == head
    assert git(repo, "rev-parse", "HEAD").strip() == head
    assert git(repo, "status", "--porcelain") == ""


def test_a_key_that_opens_none_of_the_vault_stops_the_run(world: World, server: Server) -> None:
    repo, _ = vaulted(world, server, new_key())
    head = remote_head(world)
    for key, said in [
        (new_key(), "SOCIALGIT_KEY does not match the vault: it opens none of its 2 entries"),
        ("not-a-key", "SOCIALGIT_KEY is not a valid key"),
        ("", "SOCIALGIT_KEY is not set, and the vault's credentials are needed for one, two"),
    ]:
        for dry in ((), ("--dry-run",)):
            done = publish(repo, "--at", T0, *dry, SOCIALGIT_KEY=key)
            assert done.returncode == 2, done.stdout + done.stderr
            assert done.stderr.startswith(f"socialgit: error: {said}"), done.stderr
            assert done.stderr.count("\n") == 1 and done.stdout == ""
            assert_untouched(world, repo, head)
    assert server.receiver.requests == []


def test_one_edited_entry_fails_that_account_only(world: World, server: Server) -> None:
    key = new_key()
    repo, (one, two) = vaulted(world, server, key)
    stored = json.loads((repo / VAULT_FILE).read_text())
    stored["accounts"]["two"]["meta"]["note"] = "edited"  # fails authentication
    (repo / VAULT_FILE).write_text(json.dumps(stored))
    git(repo, "commit", "-q", "-am", "an edit")
    done = publish(repo, "--at", T0, SOCIALGIT_KEY=key)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "status: published" in world.remote_file(one)
    assert "the vault entry was edited or is corrupt" in world.remote_file(two)
    assert len(server.receiver.requests) == 1


def test_no_push_with_a_remote_takes_no_lock_so_it_refuses(world: World, server: Server) -> None:
    rel = world.post("a", "[hook, box]")
    world.push()
    repo = world.clone()
    head = remote_head(world)
    refused = publish(repo, "--no-push", "--at", T0)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "--no-push would publish to webhook without the lock" in refused.stderr
    assert "--no-lock" in refused.stderr
    assert_untouched(world, repo, head)
    assert server.receiver.requests == []
    unlocked = publish(repo, "--no-push", "--no-lock", "--at", T0)
    assert unlocked.returncode == 0, unlocked.stderr
    assert (repo / rel).read_text().count("status: published") == 3
    assert remote_head(world) == head and len(server.receiver.requests) == 1
    wrong = publish(repo, "--no-lock", "--at", T0)
    assert wrong.returncode == 2 and "--no-lock goes with --no-push" in wrong.stderr


def test_no_push_with_a_remote_publishes_to_the_outbox(world: World) -> None:
    rel = world.post("a", "[box]")
    world.push()
    repo = world.clone()
    done = publish(repo, "--no-push", "--at", T0)
    assert done.returncode == 0, done.stderr
    assert "status: published" in (repo / rel).read_text()


def test_readme_quick_start_in_a_clone_of_this_repository(tmp_path: Path) -> None:
    """``socialgit publish --no-push --at "2026-12-01 09:05"`` in a clone (which has a remote)."""
    clone = tmp_path / "socialgit"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    done = publish(clone, "--no-push", "--at", "2026-12-01 09:05")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "published" in done.stdout and list((clone / "outbox").rglob("*.json"))
    log = git(clone, "log", "--format=%s", "-4").splitlines()
    assert log[1].startswith("socialgit: claim") and "published" in log[0]
    assert log[3].startswith("socialgit: claim") and "published" in log[2]
    # The example article, as HTML, and its announcements after it, with its link.
    (article,) = (clone / "outbox/blog").glob("*.json")
    assert json.loads(article.read_text())["body"].startswith("<h1>What we launched</h1>")
    link = f"outbox/blog/{article.name}"
    announced = [p for p in (clone / "outbox").rglob("*.json") if link in p.read_text()]
    assert sorted(p.parent.name for p in announced) == ["demo", "demo-short"]


def test_a_config_validate_rejects_stops_the_run(world: World, server: Server) -> None:
    config = CONFIG.format(url=server.receiver.url).replace("missed_after", "misssed_after")
    world.write("socialgit.yml", config)
    world.post("a", "[hook]")
    world.push()
    repo = world.clone()
    head = remote_head(world)
    checked = subprocess.run(
        [sys.executable, "-m", "socialgit", "-C", str(repo), "validate"],
        capture_output=True,
        text=True,
        env=env(),
    )
    [line] = [x for x in checked.stdout.splitlines() if "misssed_after" in x]
    for dry in ((), ("--dry-run",)):
        done = publish(repo, "--at", T0, *dry)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "socialgit.yml has 1 error; nothing was claimed or sent" in done.stderr
        assert line in done.stderr.splitlines()
    assert_untouched(world, repo, head)
    assert server.receiver.requests == []
