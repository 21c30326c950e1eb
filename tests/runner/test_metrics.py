"""``socialgit metrics`` through the real run: git, the remote, the write-back, with every
network request going to the networks' fakes.

One post goes to Mastodon, X (metrics on), X (metrics off), a Mastodon instance that is
down for the first run, and an outbox. The first run writes the snapshots it can, leaves
the failing one for later, and keeps an edit a person pushed while it ran; the second run
takes only the one it missed, late.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from providers import mastodon
from socialgit.runner import Hooks, Options, metrics, publish, run
from tests.providers.mastodon.fake import FakeMastodon
from tests.providers.x.fake import FakeX

POST = "content/launch.md"
PUBLISHED = datetime(2026, 1, 1, 9, 1, tzinfo=UTC)


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


class Networks:
    """The fakes behind one httpx transport, routed by host."""

    def __init__(self) -> None:
        self.masto = FakeMastodon(base="https://mastodon.example")
        self.down = FakeMastodon(base="https://down.example")
        self.x = FakeX(clock=lambda: PUBLISHED)
        self.before_x_read: list[Any] = []  # called once, before X answers a read

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host == "api.x.com":
            if request.method == "GET" and self.before_x_read:
                self.before_x_read.pop()()
            return self.x(request)
        return (self.masto if host == "mastodon.example" else self.down)(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{name}_NAME", "t")
        monkeypatch.setenv(f"GIT_{name}_EMAIL", "t@example.com")
    monkeypatch.setenv("SOCIALGIT_NO_CACHE", "1")
    bare, root = tmp_path / "remote.git", tmp_path / "site"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    (root / "content").mkdir(parents=True)
    accounts = {
        "masto": {"provider": "mastodon", "instance": "https://mastodon.example"},
        "down": {"provider": "mastodon", "instance": "https://down.example"},
        "xon": {"provider": "x", "client_id": "sg-x-client", "metrics": True},
        "xoff": {"provider": "x", "client_id": "sg-x-client"},
        "box": {"provider": "outbox", "path": "outbox"},
    }
    config = {"timezone": "UTC", "accounts": accounts}
    (root / "socialgit.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / ".gitignore").write_text("outbox/\n")
    targets = ", ".join(accounts)
    (root / POST).write_text(
        f"---\npublish_at: 2026-01-01 09:00\ntargets: [{targets}]\n---\nLaunch day\n"
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    git(root, "remote", "add", "origin", str(bare))
    git(root, "push", "-q", "-u", "origin", "main")
    yield root


def results(root: Path) -> dict[str, Any]:
    front = (root / POST).read_text().split("---")[1]
    found: dict[str, Any] = yaml.safe_load(front)["results"]
    return found


def test_one_failing_network_is_retried_later_and_the_others_are_written(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nets = Networks()
    mastodon._REGISTERED.clear()
    creds = {
        "masto": {"access_token": nets.masto.issue_token()},
        "down": {"access_token": nets.down.issue_token()},
        "xon": {"access_token": nets.x.token},
        "xoff": {"access_token": nets.x.token},
    }
    hooks = Hooks(credentials=lambda account: dict(creds.get(account.name, {})))
    monkeypatch.setattr(run, "_client", nets.client)
    monkeypatch.setattr(metrics, "_client", nets.client)
    sent = publish(site, Options(at=PUBLISHED), hooks)
    assert {o.state for o in sent.outcomes} == {"published"}, [o.message for o in sent.outcomes]
    ids = {name: entry["id"] for name, entry in results(site).items()}
    nets.masto.engage(ids["masto"], likes=4, reposts=2)
    nets.x.engage(ids["xon"], like_count=9, impression_count=250)
    nets.down.queue += [httpx.Response(503, json={"error": "down for maintenance"})]

    # A person edits the post's text and pushes while the run is asking X.
    person = tmp_path / "person"

    def edit() -> None:
        subprocess.run(["git", "clone", "-q", str(tmp_path / "remote.git"), str(person)])
        text = (person / POST).read_text().replace("Launch day", "Launch day, edited")
        (person / POST).write_text(text)
        git(person, "commit", "-qam", "a person's edit")
        git(person, "push", "-q", "origin", "main")

    nets.before_x_read.append(edit)
    first = metrics.measure(site, datetime(2026, 1, 1, 10, 5, tzinfo=UTC), True, hooks)
    got = results(site)
    assert got["masto"]["metrics"] == {"1h": {"likes": 4, "reposts": 2, "replies": 0, "quotes": 0}}
    assert got["xon"]["metrics"] == {
        "1h": {"likes": 9, "reposts": 0, "replies": 0, "quotes": 0, "views": 250, "bookmarks": 0}
    }
    for name in ("down", "xoff", "box"):
        assert "metrics" not in got[name], name  # never zeros for what could not be read
    said = metrics.text(first)
    assert "retry later" in said and "down for maintenance" in said
    assert "no metrics   box" in said and "Outbox folder gives no metrics" in said
    assert "set `metrics: true`" in said
    assert "2 snapshots of 2 deliveries taken, 1 to retry, 0 failed, 2 without metrics" in said
    assert not first.failed and first.push_error is None
    # The person's edit is kept, the snapshots are on top of it, and it is all pushed.
    assert "Launch day, edited" in (site / POST).read_text()
    assert git(site, "log", "-2", "--format=%s").splitlines() == [
        "socialgit: metrics, 2 snapshots of 2 deliveries",
        "a person's edit",
    ]
    assert git(site, "rev-parse", "HEAD") == git(site, "rev-parse", "origin/main")
    assert nets.x.reads == 1

    # 10:45: the instance is back. Only its snapshot is taken (44 minutes after it was due:
    # late), the others are not asked again.
    second = metrics.measure(site, datetime(2026, 1, 1, 10, 45, tzinfo=UTC), True, hooks)
    assert [t.due.account.name for t in second.taken if t.state == "taken"] == ["down"]
    again = results(site)
    late = again["down"]["metrics"]["1h"].pop("late")
    assert late.startswith("2026-01-01T10:45:")
    assert again["down"]["metrics"]["1h"] == {"likes": 0, "reposts": 0, "replies": 0, "quotes": 0}
    assert again["masto"] == got["masto"] and again["xon"] == got["xon"]
    assert nets.x.reads == 1
    assert "(late: 1h)" in metrics.text(second)
