"""The runner end to end on real git and a real receiver: what it writes, commits and sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialgit.runner import Options, RunReport, publish
from socialgit.runner.keys import delivery_key
from socialgit.times import parse_iso
from tests.runner.conftest import World, git
from tests.runner.receiver import Action, Server


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def run(repo: Path, when: str = "2026-01-01 09:01", **options: object) -> RunReport:
    return publish(repo, Options(at=at(when), **options))  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOCIALGIT_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def front(text: str) -> str:
    return text.split("---\n")[1]


def test_outbox_publishes_once_and_records_it(world: World) -> None:
    rel = world.post("a", "[box]", extra="id: launch  # stable\n", body="Hi there")
    world.push()
    repo = world.clone()
    report = run(repo)
    assert [o.state for o in report.outcomes] == ["published"]
    key = delivery_key(rel, "box", at("2026-01-01 09:00"))
    written = json.loads((repo / "outbox" / f"{key}.json").read_text())
    assert written["key"] == key and written["parts"][0]["text"] == "Hi there"
    assert world.remote_log()[:2] == [
        "socialgit: 1 of 1 delivery published",
        "socialgit: claim 1 delivery",
    ]
    remote = world.remote_file(rel)
    assert "status: published" in remote
    assert f"key: {key}" in remote and "attempts: 1" in remote
    assert world.remote_file(f"outbox/{key}.json")  # committed: a fresh checkout can look it up
    assert run(repo, "2026-01-01 09:11").outcomes == []  # published: never again


def test_write_back_changes_nothing_else(world: World) -> None:
    original = (
        "---\n"
        "# A comment above\n"
        "publish_at: '2026-01-01 09:00'   # quoted, with a comment\n"
        "targets:\n  - box   # flow of its own\n"
        "overrides: {box: {text: 'Other text'}}\n"
        "---\n"
        "Body stays *exactly*\n\n---\n\nas   written\n"
    )
    world.write("content/b.md", original)
    world.push()
    repo = world.clone()
    run(repo)
    after = (repo / "content/b.md").read_text()
    assert after.startswith(original.split("---\n")[0] + "---\n" + front(original))
    assert after.endswith("---\nBody stays *exactly*\n\n---\n\nas   written\n")
    added = after[len("---\n" + front(original)) : -len(original.split("---\n", 2)[2]) - 4]
    assert added.startswith("status: published\nresults:\n  box:\n")


def test_nothing_due_makes_no_commit_and_no_request(world: World, server: Server) -> None:
    world.write("content/later.md", "---\npublish_at: 2026-01-02 09:00\ntargets: [hook]\n---\nx\n")
    world.push()
    repo = world.clone()
    head = git(repo, "rev-parse", "HEAD")
    report = run(repo)
    assert report.outcomes == [] and report.commits == []
    assert git(repo, "rev-parse", "HEAD") == head and server.receiver.requests == []


def test_dry_run_touches_nothing(world: World, server: Server) -> None:
    world.post("a", "[box, hook]")
    world.push()
    repo = world.clone()
    before = (repo / "content/a.md").read_bytes()
    head = git(repo, "rev-parse", "HEAD")
    report = run(repo, dry_run=True)
    assert {w.account.name for w in report.planned} == {"box", "hook"}
    assert (repo / "content/a.md").read_bytes() == before
    assert git(repo, "rev-parse", "HEAD") == head
    assert not (repo / "outbox").exists() and server.receiver.requests == []
    assert git(repo, "status", "--porcelain") == ""


def test_drafts_are_untouched_and_missed_is_marked_not_sent(world: World, server: Server) -> None:
    world.post("draft", "[hook]", extra="status: draft\n")
    world.write("content/old.md", "---\npublish_at: 2025-12-31 09:00\ntargets: [hook]\n---\nx\n")
    world.push()
    repo = world.clone()
    draft_before = (repo / "content/draft.md").read_bytes()
    report = run(repo)
    assert [m.post.path for m in report.missed] == ["content/old.md"]
    assert server.receiver.requests == []
    assert (repo / "content/draft.md").read_bytes() == draft_before
    old = (repo / "content/old.md").read_text()
    assert "status: missed\nresults:\n  hook:\n    status: missed" in old
    assert world.remote_log()[0] == "socialgit: mark 1 delivery missed"


def test_transient_failures_back_off_then_give_up(world: World, server: Server) -> None:
    server.receiver.default = Action(status=503)
    rel = world.post("a", "[hook]")
    world.push()
    repo = world.clone()
    first = run(repo)
    assert [o.state for o in first.outcomes] == ["retry"]
    entry = first.outcomes[0].entry
    # 5 minutes after the run's clock (--at plus the time the run took, long on a busy machine)
    soon = parse_iso(entry["retry_at"]) - at("2026-01-01 09:06")
    assert entry["attempts"] == 1 and timedelta(0) <= soon < timedelta(seconds=60)
    assert run(repo, "2026-01-01 09:03").outcomes == []  # not before retry_at
    second = run(repo, "2026-01-01 09:07")
    assert second.outcomes[0].entry["attempts"] == 2
    # retry_at counts from the run's clock (--at plus the time the run took so far)
    late = parse_iso(second.outcomes[0].entry["retry_at"]) - at("2026-01-01 09:17")
    assert timedelta(0) <= late < timedelta(seconds=30)
    third = run(repo, "2026-01-01 09:18")  # max_attempts: 3
    assert [o.state for o in third.outcomes] == ["error"] and third.failed
    text = world.remote_file(rel)
    assert "status: error\n" in text and "retry_at" not in text and "gave up after 3" in text
    assert len(set(server.receiver.keys())) == 1  # the same key each time
    assert run(repo, "2026-01-01 10:00").outcomes == []  # final: a person decides


def test_rejection_is_final_and_says_why(world: World, server: Server) -> None:
    server.receiver.default = Action(status=422)
    world.post("a", "[hook]")
    world.push()
    report = run(world.clone())
    assert report.failed and "HTTP 422" in report.outcomes[0].message
    assert server.receiver.url not in report.outcomes[0].message


def test_short_retry_after_is_waited_out(world: World, server: Server) -> None:
    server.receiver.then(Action(status=429, retry_after="1"))
    world.post("a", "[hook]")
    world.push()
    report = run(world.clone())
    assert [o.state for o in report.outcomes] == ["published"]
    assert report.outcomes[0].entry["attempts"] == 1
    assert len(server.receiver.requests) == 2


def test_long_retry_after_defers_without_counting(world: World, server: Server) -> None:
    server.receiver.then(Action(status=429, retry_after="600"))
    world.post("a", "[hook]")
    world.post("b", "[hook]")
    world.push()
    repo = world.clone()
    report = run(repo)
    assert [o.state for o in report.outcomes] == ["deferred", "deferred"]
    assert len(server.receiver.requests) == 1  # the second was held back, not sent
    assert all(o.entry["attempts"] == 0 for o in report.outcomes)
    assert run(repo, "2026-01-01 09:05").outcomes == []
    later = run(repo, "2026-01-01 09:12")
    assert [o.state for o in later.outcomes] == ["published", "published"]
    assert all(o.entry["attempts"] == 1 for o in later.outcomes)


def test_recurring_records_occurrence_and_count(world: World, server: Server) -> None:
    rel = world.post("weekly", "[hook]", extra='repeat: "0 9 * * *"\n')
    world.push()
    repo = world.clone()
    run(repo)
    run(repo, "2026-01-02 09:02")
    text = (repo / rel).read_text()
    assert "occurrence: '2026-01-02T09:00:00Z'" in text and "count: 2" in text
    assert "status: published" not in text.split("results:")[0]  # more occurrences come
    keys = server.receiver.keys()
    assert len(keys) == 2 and len(set(keys)) == 2  # one key per occurrence


def test_shards_split_the_posts_between_runners(world: World, server: Server) -> None:
    for index in range(8):
        world.post(f"p{index}", "[hook]")
    world.push()
    one, two = world.clone(), world.clone()
    first = run(one, shard=(1, 2))
    second = run(two, shard=(2, 2))  # pushes after the other shard: takes the remote first
    mine = {o.work.post.path for o in first.outcomes}
    theirs = {o.work.post.path for o in second.outcomes}
    assert mine and theirs and not mine & theirs and len(mine | theirs) == 8
    assert len(server.receiver.requests) == 8 == len(set(server.receiver.keys()))
    final = world.clone()
    assert all("status: published" in (final / f"content/p{i}.md").read_text() for i in range(8))


def test_no_push_commits_locally(world: World) -> None:
    world.post("a", "[box]")
    world.push()
    repo = world.clone()
    report = run(repo, push=False)
    assert len(report.commits) == 2
    assert world.remote_log()[0] == "content"  # nothing pushed
