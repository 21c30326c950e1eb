"""`socialgit validate`, `plan`, `preview` and `publish` for a TikTok account pointed at the
fake through `base_url` (its token endpoint is on the same host): the CLI end to end, on a
real local port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from providers.tiktok import publish
from tests.cli_run import run
from tests.conftest import Repo
from tests.providers.serve import Served
from tests.providers.tiktok.fake import CLIENT_KEY, FakeTikTok, credentials
from tests.providers.video_site import cli_repo

POST = """\
---
publish_at: 2026-12-01 09:00
targets: [news-tt]
---
Launch day #release

![The new dashboard](../media/clip.mp4)
"""


def test_validate_plan_preview_and_publish_against_the_fake(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish, "POLL", 0.001)
    fake = FakeTikTok()
    with Served(fake) as url:
        config = (
            "timezone: UTC\naccounts:\n  news-tt:\n    provider: tiktok\n"
            f"    client_key: {CLIENT_KEY}\n    privacy: followers\n    base_url: {url}\n"
        )
        soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
        first = {**credentials(fake), "expires_at": soon}  # refreshed (rotated) first
        cli_repo(repo, monkeypatch, config, POST, {"news-tt": first})
        at = ("-C", str(repo.root))
        checked = run(capsys, *at, "validate")
        assert checked.code == 0, checked.out + checked.err
        plan = run(capsys, *at, "plan", "--at", "2026-11-30 09:00", "--horizon", "2d")
        assert plan.code == 0 and "news-tt" in plan.out
        preview = run(capsys, *at, "preview", str(repo.root / "content/launch.md"))
        assert preview.code == 0 and "Launch day #release" in preview.out
        done = run(capsys, *at, "publish", "--no-push", "--at", "2026-12-01 09:05")
    assert done.code == 0, done.out + done.err
    (published,) = fake.posted()
    assert published.post_info["privacy_level"] == "FOLLOWER_OF_CREATOR"
    link = f"https://www.tiktok.com/@sgtester/video/{published.post_id}"
    assert link in done.out and f"url: {link}" in (repo.root / "content/launch.md").read_text()
    assert fake.refresh_tokens[first["refresh_token"]]["spent"]  # rotated before use
