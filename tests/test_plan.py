"""Plan states as a pure function of posts, recorded results and now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socialgit.content import load_content
from socialgit.plan import plan
from socialgit.times import parse_iso
from tests.cli_run import run
from tests.conftest import Repo


def states(repo: Repo, at: str, horizon_days: int = 7) -> dict[tuple[str, str], list[str]]:
    from datetime import timedelta

    content = load_content(repo.root)
    now = parse_iso(at)
    assert now is not None
    found: dict[tuple[str, str], list[str]] = {}
    for d in plan(content.reports, content.config, now, timedelta(days=horizon_days)):
        found.setdefault((Path(d.post).stem, d.account), []).append(d.state)
    return found


def test_due_missed_upcoming_and_draft(repo: Repo) -> None:
    repo.post("due", "publish_at: 2026-12-01 08:00\ntargets: [demo]")
    repo.post("missed", "publish_at: 2026-11-30 08:00\ntargets: [demo]")
    repo.post("later", "publish_at: 2026-12-05 08:00\ntargets: [demo]")
    repo.post("beyond", "publish_at: 2027-01-05 08:00\ntargets: [demo]")
    repo.post("draft", "publish_at: 2026-12-01 08:00\ntargets: [demo]\nstatus: draft")
    got = states(repo, "2026-12-01T09:00:00Z")
    assert got[("due", "demo")] == ["due"]
    assert got[("missed", "demo")] == ["missed"]
    assert got[("later", "demo")] == ["upcoming"]
    assert ("beyond", "demo") not in got
    assert got[("draft", "demo")] == ["draft"]


def test_recorded_results(repo: Repo) -> None:
    front = "publish_at: 2026-12-01 08:00\ntargets: [demo, short]\nresults:\n"
    repo.post(
        "done",
        front + "  demo:\n    status: published\n    key: k1\n"
        "  short:\n    status: publishing\n    key: k2\n",
    )
    repo.post(
        "retry",
        front + "  demo:\n    status: error\n    attempts: 1\n"
        "    retry_at: 2026-12-01T08:30:00Z\n  short:\n    status: error\n"
        "    error: rejected\n",
    )
    got = states(repo, "2026-12-01T09:00:00Z")
    assert got[("done", "demo")] == ["published"]
    assert got[("done", "short")] == ["publishing"]
    assert got[("retry", "demo")] == ["due"]
    assert got[("retry", "short")] == ["error"]


def test_recurring_post_resumes_after_its_recorded_occurrence(repo: Repo) -> None:
    repo.post(
        "weekly",
        'publish_at: 2026-11-02 10:00\ntargets: [demo]\nrepeat: "0 10 * * MON"\n'
        "results:\n  demo:\n    status: published\n    occurrence: 2026-11-23T09:00:00Z\n"
        "    count: 4\n",
    )
    got = states(repo, "2026-11-24T09:00:00Z", horizon_days=14)
    assert got[("weekly", "demo")] == ["upcoming", "upcoming"]
    due = states(repo, "2026-11-30T09:30:00Z")
    assert due[("weekly", "demo")][0] == "due"


def test_plan_json_has_exactly_the_documented_shape(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.post("one", "publish_at: 2026-12-01 09:00\ntargets: [short]", "Hi there")
    outcome = run(
        capsys, "-C", str(repo.root), "plan", "--at", "2026-12-01 09:05", "--format", "json"
    )
    document = json.loads(outcome.out)
    assert set(document) == {"at", "deliveries", "problems"}
    assert document["at"] == "2026-12-01T08:05:00Z"
    [delivery] = document["deliveries"]
    assert delivery == {
        "post": "content/one.md",
        "account": "short",
        "provider": "outbox",
        "time": "2026-12-01T08:00:00Z",
        "state": "due",
        "length": 8,
        "limit": 280,
    }


def test_plan_text_groups_by_local_day(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    repo.post("one", "publish_at: 2026-12-01T23:30:00Z\ntargets: [demo]")
    outcome = run(capsys, "-C", str(repo.root), "plan", "--at", "2026-11-30 12:00")
    assert "Wed 2026-12-02" in outcome.out  # 23:30Z is 00:30 in Berlin
    assert "00:30  upcoming" in outcome.out


def test_plan_base_shows_only_changed_posts_with_previews(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.post("old", "publish_at: 2026-12-01 09:00\ntargets: [demo]", "Old news")
    repo.git("init", "-q", "-b", "main")
    repo.git("add", ".")
    repo.git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "base")
    repo.git("checkout", "-qb", "feature")
    repo.post("new", "publish_at: 2027-06-01 09:00\ntargets: [sky]", "Fresh post #launch")
    outcome = run(capsys, "-C", str(repo.root), "plan", "--base", "main", "--format", "json")
    posts = {d["post"] for d in json.loads(outcome.out)["deliveries"]}
    assert posts == {"content/new.md"}
    text = run(capsys, "-C", str(repo.root), "plan", "--base", "main", "--at", "2026-11-30 09:00")
    assert "== sky (bluesky)" in text.out and "Fresh post #launch" in text.out
    markdown = run(capsys, "-C", str(repo.root), "plan", "--base", "main", "--format", "markdown")
    assert "| when | state | account | post | length |" in markdown.out


def test_github_format_writes_the_step_summary(
    capsys: pytest.CaptureFixture[str],
    repo: Repo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    repo.post("one", "publish_at: 2026-12-01 09:00\ntargets: [demo]")
    run(capsys, "-C", str(repo.root), "plan", "--at", "2026-12-01 09:05")
    assert "| 2026-12-01 09:00 | due | demo (outbox) | `content/one.md` |" in summary.read_text()


def test_preview_json(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    rel = repo.post(
        "thread",
        "publish_at: 2026-12-01 09:00\ntargets: [demo, short]\n"
        "overrides:\n  short:\n    text: Short version",
        "Part one\n\n---\n\nPart two",
    )
    outcome = run(capsys, "-C", str(repo.root), "preview", str(repo.root / rel), "--format", "json")
    document = json.loads(outcome.out)
    assert document["post"] == rel
    by_account = {t["account"]: t for t in document["targets"]}
    assert [p["text"] for p in by_account["demo"]["parts"]] == ["Part one", "Part two"]
    assert [p["text"] for p in by_account["short"]["parts"]] == ["Short version"]
    assert by_account["short"]["parts"][0]["limit"] == 280


def test_warm_plan_reuses_analysis_and_sees_changes(repo: Repo) -> None:
    rel = repo.post("one", "publish_at: 2026-12-01 09:00\ntargets: [demo]", "First")
    first = load_content(repo.root)
    again = load_content(repo.root)
    assert again.reports[0] is not first.reports[0]  # unpickled, not recomputed in memory
    assert again.reports[0].post == first.reports[0].post
    (repo.root / rel).write_text((repo.root / rel).read_text().replace("First", "Changed text"))
    import os

    os.utime(repo.root / rel, ns=(1, 1))
    changed = load_content(repo.root)
    assert changed.reports[0].post is not None
    assert changed.reports[0].post.parts[0].text == "Changed text"


def test_drafts_obey_the_horizon_in_plan_and_calendar(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.post("soon", "publish_at: 2026-12-03 09:00\ntargets: [demo]\nstatus: draft")
    repo.post("later", "publish_at: 2027-02-01 09:00\ntargets: [demo]\nstatus: draft")
    at = ("--at", "2026-12-01 09:00")

    def planned(horizon: str) -> list[str]:
        outcome = run(
            capsys, "-C", str(repo.root), "plan", *at, "--horizon", horizon, "--format", "json"
        )
        return [Path(d["post"]).stem for d in json.loads(outcome.out)["deliveries"]]

    assert planned("7d") == ["soon"]
    assert planned("90d") == ["soon", "later"]
    ics = run(capsys, "-C", str(repo.root), "calendar", *at, "--format", "ics", "--horizon", "7d")
    assert ics.out.count("BEGIN:VEVENT") == 1
