"""`socialgit validate`, `plan`, `preview` and `publish` for a YouTube account pointed at the
fake through `base_url` (and `token_url`): the CLI end to end, on a real local port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.cli_run import run
from tests.conftest import Repo
from tests.providers.serve import Served
from tests.providers.video_site import cli_repo
from tests.providers.youtube.fake import CLIENT_ID, CLIENT_SECRET, FakeYouTube

POST = """\
---
publish_at: 2026-12-01 09:00
title: Launch day
targets: [news-yt]
---
What changed since the beta.

![The new dashboard](../media/clip.mp4)
"""


def test_validate_plan_preview_and_publish_against_the_fake(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube()
    with Served(fake) as url:
        config = (
            "timezone: UTC\naccounts:\n  news-yt:\n    provider: youtube\n"
            f"    client_id: {CLIENT_ID}\n    privacy: unlisted\n"
            f"    base_url: {url}\n    token_url: {url}/token\n"
        )
        soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
        entry = {
            "access_token": fake.token,
            "refresh_token": fake.issue_refresh(),
            "client_secret": CLIENT_SECRET,
            "expires_at": soon,  # within the runner's 10 minutes: refreshed first
        }
        cli_repo(repo, monkeypatch, config, POST, {"news-yt": entry})
        at = ("-C", str(repo.root))
        checked = run(capsys, *at, "validate")
        assert checked.code == 0, checked.out + checked.err
        plan = run(capsys, *at, "plan", "--at", "2026-11-30 09:00", "--horizon", "2d")
        assert plan.code == 0 and "news-yt" in plan.out and "content/launch.md" in plan.out
        preview = run(capsys, *at, "preview", str(repo.root / "content/launch.md"))
        assert preview.code == 0 and "What changed since the beta." in preview.out
        done = run(capsys, *at, "publish", "--no-push", "--at", "2026-12-01 09:05")
    assert done.code == 0, done.out + done.err
    (video,) = fake.videos
    assert (video.title, video.privacy) == ("Launch day", "unlisted")
    assert f"https://www.youtube.com/watch?v={video.id}" in done.out
    assert (
        f"url: https://www.youtube.com/watch?v={video.id}"
        in (repo.root / "content/launch.md").read_text()
    )
    assert fake.token not in done.out + done.err
