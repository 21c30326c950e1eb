"""X through the real runner (git repo, claims, results): a lost answer never becomes a
second post. The runner's HTTP client is pointed at the fake X; nothing else is replaced."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from socialgit.runner import Hooks, Options, RunReport, publish, run
from tests.conftest import Repo
from tests.providers.fake_x import FakeX

DUE = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout: the claim in doubt is looked at again


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    for name, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }.items():
        monkeypatch.setenv(name, value)
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    repo = Repo(tmp_path / "site")
    repo.root.mkdir()
    repo.write(
        "socialgit.yml",
        """\
        timezone: UTC
        accounts:
          team-x:
            provider: x
            client_id: sg-x-client
        """,
    )
    repo.write(
        "content/hello.md",
        "---\npublish_at: 2026-01-01 09:00\ntargets: [team-x]\n---\nHello & welcome <3\n",
    )
    git(repo.root, "init", "-q", "-b", "main")
    git(repo.root, "add", "-A")
    git(repo.root, "commit", "-q", "-m", "init")
    git(repo.root, "remote", "add", "origin", str(bare))
    git(repo.root, "push", "-q", "-u", "origin", "main")
    return repo


def deliver(
    site: Repo,
    fake: FakeX,
    at: datetime,
    monkeypatch: pytest.MonkeyPatch,
    handler: Callable[[httpx.Request], httpx.Response] | None = None,
) -> RunReport:
    fake.clock = lambda: at
    monkeypatch.setattr(
        run, "_client", lambda: httpx.Client(transport=httpx.MockTransport(handler or fake))
    )
    hooks = Hooks(credentials=lambda account: {"access_token": fake.token})
    return publish(site.root, Options(at=at), hooks)


def entry(site: Repo) -> dict[str, object]:
    front = (site.root / "content/hello.md").read_text().split("---")[1]
    results = yaml.safe_load(front)["results"]
    return dict(results["team-x"])


def test_answer_lost_after_x_posted_then_rerun_ends_with_one_post(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeX()
    fake.fail_after_create = httpx.ReadTimeout("timed out")
    first = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"]
    assert entry(site)["status"] == "publishing"
    second = deliver(site, fake, LATER, monkeypatch)
    assert len(fake.tweets) == 1  # looked up, never sent again
    (outcome,) = second.outcomes
    assert outcome.state == "error"
    assert f"https://x.com/sgtester/status/{fake.tweets[0].id}" in outcome.message
    third = deliver(site, fake, LATER + timedelta(hours=1), monkeypatch)
    assert third.outcomes == [] and len(fake.tweets) == 1


def test_answer_lost_before_x_posted_then_rerun_posts_once(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeX()
    lost: list[str] = []

    def drop_first_post(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/2/tweets" and not lost:
            lost.append("x")
            raise httpx.ReadTimeout("timed out", request=request)  # X never saw it
        return fake(request)

    first = deliver(site, fake, FIRST, monkeypatch, drop_first_post)
    assert [o.state for o in first.outcomes] == ["doubt"] and fake.tweets == []
    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    assert len(fake.tweets) == 1 and fake.tweets[0].text == "Hello & welcome <3"
    assert entry(site)["status"] == "published"
    assert entry(site)["url"] == f"https://x.com/sgtester/status/{fake.tweets[0].id}"
