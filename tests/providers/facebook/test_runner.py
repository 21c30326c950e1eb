"""Facebook through the real runner, killed for real: ``socialgit publish`` in a subprocess,
SIGKILLed right after Facebook made the post and before its answer came back; then a run on
a fresh clone. Facebook offers nothing to ask afterwards and its feed is ranked, so the rerun
must not post again: it ends with an error for a person, with the post's link."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialgit.credentials.vault import new_key
from tests.providers._support import PNG
from tests.providers.facebook.fake import PAGE_ID, FakeFacebook, connected
from tests.providers.meta import served
from tests.providers.meta.graphfake import APP_ID
from tests.runner.conftest import LATER, T0, World, env, kill, start, wait_for
from tests.runner.conftest import publish as cli


@pytest.fixture
def fake() -> FakeFacebook:
    return FakeFacebook(clock=datetime(2026, 1, 1, 9, 1, tzinfo=UTC))  # the runs' time


@pytest.fixture
def server(fake: FakeFacebook) -> Iterator[served.Served]:
    running = served.Served(fake, "graph.facebook.com")
    yield running
    running.close()


@pytest.fixture
def world(
    tmp_path: Path, fake: FakeFacebook, server: served.Served, monkeypatch: pytest.MonkeyPatch
) -> World:
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())  # the vault's, and the runners' (inherited)
    made = World(tmp_path, server.url)
    settings = {"provider": "facebook", "client_id": APP_ID, "page": PAGE_ID,
                "base_url": server.url}  # fmt: skip
    served.site(made, "news-fb", settings, connected(fake), "Version 3 is out\n---\nDetails")
    return made


def test_killed_right_after_facebook_made_the_post_the_rerun_asks_a_person(
    world: World, fake: FakeFacebook, server: served.Served
) -> None:
    server.hold.add("feed")
    run = start(world.clone(), "--at", T0)
    wait_for(server.acted.is_set)
    kill(run)
    server.release.set()
    assert len(fake.posts) == 1 and served.results(world, "news-fb")["status"] == "publishing"
    (post,) = fake.posts.values()
    late = cli(world.clone(), "--at", LATER)
    assert late.returncode == 1, late.stderr
    entry = served.results(world, "news-fb")
    assert entry["status"] == "error" and "check by hand" in entry["error"]
    assert post.permalink in entry["error"]
    assert len(fake.posts) == 1 and not fake.comments  # never posted twice
    again = cli(world.clone(), "--at", "2026-01-01 10:30")
    assert again.returncode == 0 and len(fake.posts) == 1


def test_validate_plan_preview_and_publish_a_page_post_with_a_photo_and_a_comment(
    tmp_path: Path, fake: FakeFacebook, server: served.Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    world = World(tmp_path, server.url)
    settings = {"provider": "facebook", "client_id": APP_ID, "page": PAGE_ID,
                "base_url": server.url}  # fmt: skip
    body = "Launch day\n\n![A blue dot](../media/dot.png)\n---\nMore in the comments"
    served.site(world, "news-fb", settings, connected(fake), body,
                front="link: https://example.org/launch", files={"media/dot.png": PNG})  # fmt: skip
    repo = world.clone()
    checked = run_cli(repo, "validate", "--at", "2026-01-01 08:00")
    assert checked.returncode == 0 and "0 problems" in checked.stderr, checked.stderr
    planned = run_cli(repo, "plan", "--at", "2026-01-01 08:00")
    assert planned.returncode == 0 and "news-fb" in planned.stdout, planned.stderr
    shown = run_cli(repo, "preview", str(repo / served.POST))
    assert shown.returncode == 0 and "More in the comments" in shown.stdout, shown.stderr
    done = cli(repo, "--at", T0)
    assert done.returncode == 0, done.stdout + done.stderr
    (post,) = fake.posts.values()
    assert post.message == "Launch day\n\nhttps://example.org/launch"
    assert [fake.photos[p].alt for p in post.photos] == ["A blue dot"]
    assert [c.message for c in fake.comments.values()] == ["More in the comments"]
    entry = served.results(world, "news-fb")
    assert entry["status"] == "published" and entry["url"] == post.permalink


def run_cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialgit", "-C", str(repo), *args],
        capture_output=True, text=True, env=env(), timeout=120,
    )  # fmt: skip
