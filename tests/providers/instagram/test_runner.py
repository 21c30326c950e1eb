"""Instagram through the real runner. Killed for real (``socialgit publish`` in a subprocess,
SIGKILLed right after Meta published the container and before its answer came back), then
a run on a fresh clone: the container was pushed before ``media_publish``, so the rerun
asks it, finds it ``PUBLISHED`` and writes the link back; never a second post. And a token
that Meta refuses while the container is processed: refreshed once, the same container
finished (not a second one)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers import instagram
from socialgit.credentials.vault import new_key
from socialgit.runner import Hooks, Options, publish, run
from tests.providers._support import JPEG
from tests.providers.instagram.fake import MEDIA_BASE, USER_ID, FakeInstagram
from tests.providers.meta import served
from tests.providers.meta.graphfake import APP_ID
from tests.providers.runner_site import entry as entry_of
from tests.providers.runner_site import make_site
from tests.runner.conftest import LATER, T0, World, env, kill, start, wait_for
from tests.runner.conftest import publish as cli

NOW = datetime(2026, 1, 1, 9, 1, tzinfo=UTC)  # the runs' time, and the fake's


@pytest.fixture
def fake() -> FakeInstagram:
    return FakeInstagram(login="instagram", clock=NOW)


@pytest.fixture
def server(fake: FakeInstagram) -> Iterator[served.Served]:
    running = served.Served(fake, fake.host)
    yield running
    running.close()


def make_world(
    tmp_path: Path, fake: FakeInstagram, server: served.Served, body: str,
    monkeypatch: pytest.MonkeyPatch,
) -> World:  # fmt: skip
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())  # the vault's, and the runners' (inherited)
    world = World(tmp_path, server.url)
    settings = {"provider": "instagram", "client_id": APP_ID, "user": USER_ID,
                "login": "instagram", "base_url": server.url}  # fmt: skip
    served.site(world, "news-ig", settings, fake.connected(), body,
                config={"media_base_url": MEDIA_BASE}, files={"media/dot.jpg": JPEG})  # fmt: skip
    return world


POST = "Launch day\n\n![A blue dot](../media/dot.jpg)"


@pytest.mark.parametrize("body", [POST, f"{POST}\n---\nFirst comment\n---\nSecond comment"])
def test_killed_right_after_media_publish_the_rerun_finds_the_container_published(
    tmp_path: Path,
    fake: FakeInstagram,
    server: served.Served,
    monkeypatch: pytest.MonkeyPatch,
    body: str,
) -> None:
    world = make_world(tmp_path, fake, server, body, monkeypatch)
    server.hold.add("publish")
    first = start(world.clone(), "--at", T0)
    wait_for(server.acted.is_set)
    kill(first)
    server.release.set()
    (media,) = fake.media.values()
    (container,) = fake.containers.values()
    entry = served.results(world, "news-ig")
    assert entry["status"] == "publishing" and entry["pending"] == container.id  # pushed first
    late = cli(world.clone(), "--at", LATER)
    assert late.returncode == 0, late.stdout + late.stderr
    entry = served.results(world, "news-ig")
    assert entry["status"] == "published" and entry["url"] == media.permalink
    assert entry["id"] == media.id and "pending" not in entry
    assert len(fake.media) == 1 and len(fake.containers) == 1  # never made, never sent twice
    comments = sorted(c.text for c in fake.comments.values())
    assert comments == ([] if body == POST else ["First comment", "Second comment"])
    assert len(entry["parts"]) == 1 + len(comments)


def test_validate_plan_preview_and_publish_a_post_with_a_comment(
    tmp_path: Path, fake: FakeInstagram, server: served.Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(tmp_path, fake, server, f"{POST}\n---\nMore below", monkeypatch)
    repo = world.clone()
    checked = run_cli(repo, "validate", "--at", "2026-01-01 08:00")
    assert checked.returncode == 0 and "0 problems" in checked.stderr, checked.stderr
    planned = run_cli(repo, "plan", "--at", "2026-01-01 08:00")
    assert planned.returncode == 0 and "news-ig" in planned.stdout, planned.stderr
    shown = run_cli(repo, "preview", str(repo / served.POST))
    assert shown.returncode == 0 and "More below" in shown.stdout, shown.stderr
    done = cli(repo, "--at", T0)
    assert done.returncode == 0, done.stdout + done.stderr
    (media,) = fake.media.values()
    assert media.caption == "Launch day" and media.alt == "A blue dot"
    assert [c.text for c in fake.comments.values()] == ["More below"]
    assert served.results(world, "news-ig")["url"] == media.permalink


def run_cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "socialgit", "-C", str(repo), *args],
        capture_output=True, text=True, env=env(), timeout=120,
    )  # fmt: skip


def test_a_token_refused_while_the_container_is_processed_is_refreshed_once_and_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeInstagram(login="instagram", clock=NOW, processing_polls=3)
    given = fake.connected(age=timedelta(days=30))  # old enough to refresh
    polls: list[int] = []

    def poll() -> None:
        polls.append(1)
        if len(polls) == 2:  # Meta ends the session while the image is processed
            fake.tokens[given["access_token"]].ended = True

    fake.on_poll = poll
    site = make_site(
        tmp_path, monkeypatch, "news-ig",
        {"provider": "instagram", "client_id": APP_ID, "user": USER_ID, "login": "instagram"},
        POST,
    )  # fmt: skip
    (site.root / "socialgit.yml").write_text(
        (site.root / "socialgit.yml").read_text() + f"media_base_url: {MEDIA_BASE}\n"
    )
    site.write("media/dot.jpg", JPEG)
    for args in (["add", "-A"], ["commit", "-q", "-m", "media"], ["push", "-q"]):
        subprocess.run(["git", "-C", str(site.root), *args], check=True)
    refreshed: list[str] = []

    def refresh(account: object, credentials: dict[str, object]) -> dict[str, object]:
        with fake.client() as client:
            fresh = instagram.refresh_token(client, account, credentials)  # type: ignore[arg-type]
        refreshed.append(str(fresh["access_token"]))
        return fresh

    monkeypatch.setattr(run, "_client", fake.client)
    monkeypatch.setattr(instagram._publish, "SLEEP", fake.sleeps.append)
    monkeypatch.setattr("providers._http.now", lambda: fake.clock)
    hooks = Hooks(credentials=lambda account: dict(given), refresh=refresh)
    report = publish(site.root, Options(at=NOW), hooks)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    assert len(refreshed) == 1 and len(fake.containers) == 1 and len(fake.media) == 1
    (container,) = fake.containers.values()
    creates = [r for r in fake.requests if r.method == "POST" and r.url.path.endswith("/media")]
    assert len(creates) == 1  # resumed on the same container, not restarted
    entry = entry_of(site, "news-ig")
    assert entry["status"] == "published" and entry["id"] == container.media
    assert all(r.url.host != "www.instagram.com" for r in fake.requests)
    assert httpx.URL(entry["url"]).host == "www.instagram.com"
