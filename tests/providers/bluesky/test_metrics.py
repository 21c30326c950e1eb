"""``socialgit metrics`` through the CLI against the reference PDS, with the AppView stand-in.

A post goes out with ``socialgit publish``; a second account likes and reposts it (real
records on the PDS); ``socialgit metrics`` run as of +1 h, +24 h and +25 h writes the 1 h
snapshot, then only the 24 h one, then nothing at all: no commit, no push.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialgit.credentials.vault import Vault, new_key
from tests.cli_run import run
from tests.providers.bluesky.appview import AppView
from tests.providers.bluesky.pds_server import PdsAccount, PdsServer

pytestmark = pytest.mark.slow
POST = "content/launch.md"
FRONT = "publish_at: 2026-01-01 09:00\ntargets: [sky]\n"


@pytest.fixture
def appview(pds: PdsServer) -> Iterator[AppView]:
    view = AppView(pds.url)
    yield view
    view.close()


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def make_site(tmp: Path, pds: PdsServer, me: PdsAccount, appview: AppView) -> Path:
    bare, root = tmp / "remote.git", tmp / "site"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    (root / "content").mkdir(parents=True)
    config = {
        "timezone": "UTC",
        "accounts": {
            "sky": {
                "provider": "bluesky",
                "handle": me.handle,
                "base_url": pds.url,
                "appview_url": appview.url,
            }
        },
    }
    (root / "socialgit.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / POST).write_text(f"---\n{FRONT}---\nLaunch day! # a heading-looking line\n")
    vault = Vault.open(root)
    vault.put("sky", {"password": me.app_password})
    vault.save()
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    git(root, "remote", "add", "origin", str(bare))
    git(root, "push", "-q", "-u", "origin", "main")
    return root


def entry(root: Path) -> dict[str, Any]:
    front = (root / POST).read_text().split("---")[1]
    return dict(yaml.safe_load(front)["results"]["sky"])


def added(root: Path) -> list[str]:
    """The lines the last commit changed in the post (+ added, - removed)."""
    diff = git(root, "diff", "HEAD~1", "--", POST).splitlines()
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def remote_head(root: Path) -> str:
    return git(root, "ls-remote", "origin", "refs/heads/main").split()[0]


def test_snapshots_at_fixed_ages_through_the_cli(
    pds: PdsServer,
    appview: AppView,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    monkeypatch.setenv("SOCIALGIT_NO_CACHE", "1")
    for name in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{name}_NAME", "t")
        monkeypatch.setenv(f"GIT_{name}_EMAIL", "t@example.com")
    me, fan = pds.create_account("brand"), pds.create_account("fan")
    root = make_site(tmp_path, pds, me, appview)

    published = run(capsys, "-C", str(root), "publish", "--at", "2026-01-01 09:01")
    assert published.code == 0, published.out + published.err
    sent = entry(root)
    assert sent["status"] == "published" and "metrics" not in sent
    uri = sent["id"]
    cid = pds.get_record(uri)["cid"]
    for collection in ("app.bsky.feed.like", "app.bsky.feed.repost"):
        record = {"subject": {"uri": uri, "cid": cid}, "createdAt": "2026-01-01T09:30:00Z"}
        pds.xrpc(
            "POST",
            "com.atproto.repo.createRecord",
            token=fan.access_jwt,
            json={"repo": fan.did, "collection": collection, "record": record},
        )

    # Not due yet at +59 minutes: nothing asked, nothing written.
    early = run(capsys, "-C", str(root), "metrics", "--at", "2026-01-01 09:59")
    assert early.code == 0 and "no snapshot due" in early.out
    assert appview.requests == []

    before = (root / POST).read_text()
    head = remote_head(root)
    first = run(capsys, "-C", str(root), "metrics", "--at", "2026-01-01 10:05")
    assert first.code == 0, first.out + first.err
    assert entry(root)["metrics"] == {"1h": {"likes": 1, "reposts": 1, "replies": 0, "quotes": 0}}
    assert "1 snapshot of 1 delivery taken" in first.out
    assert remote_head(root) == git(root, "rev-parse", "HEAD").strip() != head
    assert git(root, "log", "-1", "--format=%s") == "socialgit: metrics, 1 snapshot of 1 delivery\n"
    # Only the snapshot is added: every other byte of the file is as it was.
    assert added(root) == [
        "+    metrics:",
        "+      1h:",
        "+        likes: 1",
        "+        reposts: 1",
        "+        replies: 0",
        "+        quotes: 0",
    ]
    assert (root / POST).read_text().replace(
        "".join(line[1:] + "\n" for line in added(root)), ""
    ) == (before)
    assert all(r.startswith("/xrpc/app.bsky.feed.getPosts?uris=at") for r in appview.requests)

    # A reply from the fan before the 24 h snapshot; the 1 h snapshot stays as it was.
    reply = {
        "text": "congrats",
        "reply": {"root": {"uri": uri, "cid": cid}, "parent": {"uri": uri, "cid": cid}},
        "createdAt": "2026-01-01T12:00:00Z",
    }
    pds.xrpc(
        "POST",
        "com.atproto.repo.createRecord",
        token=fan.access_jwt,
        json={"repo": fan.did, "collection": "app.bsky.feed.post", "record": reply},
    )
    second = run(capsys, "-C", str(root), "metrics", "--at", "2026-01-02 09:10")
    assert second.code == 0, second.out + second.err
    assert entry(root)["metrics"] == {
        "1h": {"likes": 1, "reposts": 1, "replies": 0, "quotes": 0},
        "24h": {"likes": 1, "reposts": 1, "replies": 1, "quotes": 0},
    }
    assert added(root) == [
        "+      24h:",
        "+        likes: 1",
        "+        reposts: 1",
        "+        replies: 1",
        "+        quotes: 0",
    ]

    # +25 h: nothing is due (the 7 d snapshot is days away): no request, no commit, no push.
    asked = len(appview.requests)
    head = remote_head(root)
    commits = git(root, "rev-list", "--count", "HEAD")
    third = run(capsys, "-C", str(root), "metrics", "--at", "2026-01-02 10:05")
    assert third.code == 0 and "no snapshot due" in third.out
    assert len(appview.requests) == asked
    assert remote_head(root) == head
    assert git(root, "rev-list", "--count", "HEAD") == commits
