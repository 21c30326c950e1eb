"""What a run leaves behind when it dies, and what the next run makes of it: its own
uncommitted entries are taken up (a self-hosted runner runs again in the same checkout), a
person's uncommitted edits still stop the run, and a post deleted while it was being sent
keeps its record in the results commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from socialgit.errors import RepoError
from socialgit.runner import files, recover
from socialgit.runner.git import Repo
from socialgit.runner.keys import delivery_key
from tests.runner import threadnet
from tests.runner.conftest import CONFIG, LATER, T0, World, env, git, kill, wait_for
from tests.runner.conftest import publish as cli
from tests.runner.receiver import Action, Server
from tests.runner.test_publish import at

ROOT = Path(__file__).resolve().parents[2]
THREAD = "First part\n\n---\n\nSecond part"


def run_threadnet(repo: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", threadnet.RUN, "-C", str(repo), "publish", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        start_new_session=True,
    )


def threadnet_cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", threadnet.RUN, "-C", str(repo), "publish", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env(),
        timeout=120,
    )


def killed_between_parts(world: World, server: Server) -> tuple[Path, str, str]:
    """A thread whose first part is out and recorded (uncommitted) when the run is killed
    while the receiver holds the second."""
    config = CONFIG.format(url=server.receiver.url)
    thread = f"  thread:\n    provider: threadnet\n    hook: {server.receiver.url}\n"
    world.write("socialgit.yml", config + thread)
    rel = world.post("kill", "[thread]", body=THREAD)
    world.push()
    repo = world.clone()
    server.receiver.then(Action(), Action(hang=True))
    running = run_threadnet(repo, "--at", T0)
    wait_for(server.receiver.holding.is_set)
    kill(running)
    key = delivery_key(rel, "thread", at("2026-01-01 09:00"))
    assert git(repo, "status", "--porcelain").strip() == f"M {rel}"
    assert f"parts:\n      - r-{key}-1\n" in (repo / rel).read_text()
    return repo, rel, key


def test_a_killed_run_s_parts_are_taken_up_by_the_next_run(world: World, server: Server) -> None:
    repo, rel, key = killed_between_parts(world, server)
    server.receiver.release.set()
    again = threadnet_cli(repo, "--at", LATER)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "socialgit: keep results saved by an interrupted run" in world.remote_log()
    # The part that was out is not sent again; the one in doubt is resent with its key.
    assert server.receiver.keys() == [f"{key}-1", f"{key}-2", f"{key}-2"]
    assert server.receiver.processed == {f"{key}-1", f"{key}-2"}
    text = world.remote_file(rel)
    assert f"status: published\n    key: {key}" in text
    assert f"parts:\n      - r-{key}-1\n      - r-{key}-2\n" in text
    assert git(repo, "status", "--porcelain") == ""


def test_a_person_s_uncommitted_edit_still_stops_the_run(world: World, server: Server) -> None:
    repo, rel, _ = killed_between_parts(world, server)
    server.receiver.release.set()
    runner_wrote = (repo / rel).read_text()
    (repo / rel).write_text(runner_wrote.replace("Second part", "Second part, edited"))
    head = world.remote_log()
    refused = threadnet_cli(repo, "--at", LATER)
    assert refused.returncode == 2
    assert f"uncommitted changes to tracked files ({rel})" in refused.stderr
    assert "Second part, edited" in (repo / rel).read_text()  # nothing reset
    assert "parts:\n      - r-" in (repo / rel).read_text()
    assert world.remote_log() == head


def test_results_written_but_not_committed_are_recovered(world: World) -> None:
    """Killed between writing the results and their commit: exactly what the write-back
    makes of the committed file is the runner's; anything more is a person's."""
    rel = world.post("a", "[box, hook]", extra="# a comment\n")
    world.push()
    repo = world.clone()
    root = repo
    entry = {"status": "published", "key": "k", "at": "2026-01-01T09:00:04Z", "id": "x"}
    files.apply(root, {rel: {"box": entry, "hook": dict(entry, id="y")}})
    leftovers = recover.take(Repo(root), root)
    assert set(leftovers[rel]) == {"box", "hook"} and leftovers[rel]["box"].entry == entry
    assert git(repo, "status", "--porcelain") == ""  # reset: the sync can move the checkout
    updates, dropped = recover.updates(root, leftovers)
    assert updates == {rel: {"box": entry, "hook": dict(entry, id="y")}} and dropped == []

    files.apply(root, {rel: {"box": entry}})
    path = repo / rel
    path.write_text(path.read_text().replace("# a comment", "# a comment, edited"))
    try:
        recover.take(Repo(root), root)
    except RepoError as exc:
        assert rel in str(exc)
    else:
        raise AssertionError("a person's edit was taken for the runner's")


def test_an_entry_another_run_resolved_meanwhile_is_not_overwritten(world: World) -> None:
    rel = world.post("a", "[box]")
    world.push()
    repo = world.clone()
    claim = {"status": "publishing", "key": "k", "at": "2026-01-01T09:00:00Z", "attempts": 0}
    files.apply(repo, {rel: {"box": claim}})
    git(repo, "commit", "-qam", "claim")
    files.apply(repo, {rel: {"box": dict(claim, parts=["p1"])}}, top_status=False)
    leftovers = recover.take(Repo(repo), repo)
    done = {"status": "published", "key": "k", "at": "2026-01-01T09:40:00Z", "id": "p1"}
    files.apply(repo, {rel: {"box": done}})  # what the remote holds once the sync is done
    updates, dropped = recover.updates(repo, leftovers)
    assert updates == {} and dropped == [f"box {rel}"]


def test_a_post_deleted_while_it_was_being_sent_keeps_its_record(
    world: World, server: Server
) -> None:
    rel = world.post("a", "[hook]")
    world.push()
    person = world.clone("person")

    def delete_it() -> None:  # after the claim push: the person's checkout takes it first
        git(person, "pull", "-q", "origin", "main")
        git(person, "rm", "-q", rel)
        git(person, "commit", "-q", "-m", "cancel that post")
        git(person, "push", "-q", "origin", "HEAD:main")

    server.receiver.then(Action(before=delete_it))
    done = cli(world.clone(), "--at", T0)
    assert done.returncode == 1, done.stdout + done.stderr
    key = delivery_key(rel, "hook", at("2026-01-01 09:00"))
    assert f"published    hook             {rel}  https://example.test/{key}" in done.stdout
    assert f"NOT RECORDED {rel}: the post was deleted while it was being sent" in done.stdout
    log = world.remote_log()
    assert log[:2] == ["socialgit: 1 of 1 delivery published", "cancel that post"]
    body = git(world.remote, "log", "-1", "--format=%B", "main")
    assert f"- published hook {rel} https://example.test/{key}" in body
    assert f"- not recorded: {rel}: the post was deleted" in body
