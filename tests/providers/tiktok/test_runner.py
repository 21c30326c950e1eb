"""TikTok through the real runner (a git repository with a bare remote, claims, results): the
publish id is on the remote the moment ``init`` returns, before a byte goes, so a run that dies
anywhere is finished by the next one on a fresh clone, and ``init`` never runs twice for a
publish that can still go out. A token that expires while the status is polled is refreshed
once (rotated, leased and pushed first, through the real vault) and the polling goes on."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers import tiktok
from providers.base import Credentials
from providers.tiktok import publish as tt_publish
from socialgit.credentials.vault import VAULT_FILE, Vault, new_key
from socialgit.model import Account
from socialgit.runner import Hooks, Options, RunReport, publish, run
from socialgit.runner.credentials import hooks as vault_hooks
from tests.conftest import Repo
from tests.providers.runner_site import DUE, Handler, Killed, fresh_clone, git, run_at
from tests.providers.runner_site import entry as entry_of
from tests.providers.serve import Served
from tests.providers.tiktok.fake import (
    BIG,
    CLIENT_KEY,
    FakeTikTok,
    credentials,
    tiktok_account,
)
from tests.providers.video_site import remote_post, video_site

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout: the claim in doubt is looked at again
SETTINGS = {"provider": "tiktok", "client_key": CLIENT_KEY, "privacy": "public"}


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tt_publish, "POLL", 0.001)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    return video_site(tmp_path, monkeypatch, "team-tt", SETTINGS, "Launch day #release")


def deliver(
    site: Repo,
    fake: FakeTikTok,
    at: datetime,
    monkeypatch: pytest.MonkeyPatch,
    handler: Handler | None = None,
) -> RunReport:
    return run_at(site, at, handler or fake, credentials(fake), monkeypatch)


def entry(site: Repo) -> dict[str, object]:
    return entry_of(site, "team-tt")


def inits(fake: FakeTikTok) -> int:
    return sum(1 for r in fake.requests if r.url.path.endswith("/video/init/"))


def test_a_video_goes_out_once_and_its_post_id_above_2_53_is_kept_whole(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTikTok()
    report = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes[0].message
    (published,) = fake.posted()
    assert published.post_info["title"] == "Launch day #release"
    assert published.post_info["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert published.post_id is not None and published.post_id > 2**53
    assert entry(site)["id"] == str(published.post_id)  # every digit: no float on the way
    assert entry(site)["url"] == f"https://www.tiktok.com/@sgtester/video/{published.post_id}"
    assert "pending" not in entry(site) and inits(fake) == 1


def test_killed_right_after_init_a_fresh_clone_starts_the_publish_that_never_got_a_byte(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTikTok()

    def die_at_the_first_byte(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            raise Killed()  # init returned and was recorded; no byte went
        return fake(request)

    with pytest.raises(Killed):
        deliver(site, fake, FIRST, monkeypatch, die_at_the_first_byte)
    (first,) = fake.publishes.values()
    assert f"pending: {first.id}" in remote_post(site) and first.uploaded == 0

    fresh = fresh_clone(site)
    again = deliver(fresh, fake, LATER, monkeypatch)
    assert [o.state for o in again.outcomes] == ["published"], again.outcomes[0].message
    # The first publish can never go out (no bytes, and its upload URL died with the run):
    # asked, found so, and started again. One post.
    assert len(fake.posted()) == 1 and inits(fake) == 2 and first.status == "PROCESSING_UPLOAD"
    assert entry(fresh)["id"] == str(fake.posted()[0].post_id)


def test_killed_inside_init_nothing_is_recorded_and_nothing_can_go_out(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTikTok(kill_after_init=Killed())
    with pytest.raises(Killed):
        deliver(site, fake, FIRST, monkeypatch)
    assert "pending" not in remote_post(site) and len(fake.publishes) == 1
    again = deliver(fresh_clone(site), fake, LATER, monkeypatch)
    assert [o.state for o in again.outcomes] == ["published"]
    assert len(fake.posted()) == 1


def test_killed_once_every_byte_was_sent_a_fresh_clone_only_asks_the_status(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTikTok(processing_polls=2)

    def die_after_the_last_byte(request: httpx.Request) -> httpx.Response:
        answer = fake(request)
        if request.method == "PUT" and answer.status_code == 201:
            raise Killed()
        return answer

    with pytest.raises(Killed):
        deliver(site, fake, FIRST, monkeypatch, die_after_the_last_byte)
    fresh = fresh_clone(site)
    again = deliver(fresh, fake, LATER, monkeypatch)
    assert [o.state for o in again.outcomes] == ["published"], again.outcomes[0].message
    assert inits(fake) == 1 and len(fake.posted()) == 1
    assert entry(fresh)["url"] == f"https://www.tiktok.com/@sgtester/video/{BIG + 2}"


def test_still_in_moderation_stays_in_doubt_and_a_later_run_records_it(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTikTok(processing_polls=1000)
    monkeypatch.setattr(tt_publish, "MAX_WAIT", 0.01)
    first = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"]
    assert entry(site)["status"] == "publishing" and entry(site)["pending"]
    still = deliver(site, fake, LATER, monkeypatch)  # looked up: still processing
    assert [o.state for o in still.outcomes] == ["doubt"] and entry(site)["pending"]
    (publish_,) = fake.publishes.values()
    publish_.polls_left = 0
    done = deliver(site, fake, LATER + timedelta(hours=1), monkeypatch)
    assert [o.state for o in done.outcomes] == ["published"] and inits(fake) == 1


def test_a_token_that_expires_while_polling_is_refreshed_once_and_polling_goes_on(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTikTok(expire_on_poll=1)
    stored = credentials(fake)
    refreshed: list[str] = []

    def renew(account: Account, used: Credentials) -> Credentials:
        with fake.client() as client:
            new = tiktok.refresh_token(client, tiktok_account(), {**used, **stored})
        refreshed.append(new["access_token"])
        return new

    monkeypatch.setattr(run, "_client", lambda: httpx.Client(transport=httpx.MockTransport(fake)))
    hooks = Hooks(credentials=lambda account: dict(stored), refresh=renew)
    report = publish(site.root, Options(at=FIRST), hooks)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes[0].message
    assert len(refreshed) == 1 and inits(fake) == 1 and len(fake.posted()) == 1
    assert fake.refresh_tokens[stored["refresh_token"]]["spent"]  # rotated: the old one died


def test_through_the_vault_a_rotated_token_is_pushed_before_polling_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTikTok(expire_on_poll=1)
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    with Served(fake) as url:
        site = video_site(
            tmp_path, monkeypatch, "team-tt", {**SETTINGS, "base_url": url}, "Launch day"
        )
        first = credentials(fake)
        vault = Vault.open(site.root)
        soon = datetime.now(UTC) + timedelta(hours=1)
        vault.put("team-tt", {**first, "expires_at": soon.isoformat()})
        vault.save()
        git(site.root, "add", VAULT_FILE)
        git(site.root, "commit", "-q", "-m", "connect")
        git(site.root, "push", "-q")
        report = publish(site.root, Options(at=FIRST), vault_hooks(site.root))
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes[0].message
    assert inits(fake) == 1 and len(fake.posted()) == 1
    remote = site.root.parent / "remote.git"
    log = git(remote, "log", "--format=%s", "main").splitlines()
    assert log[0].startswith("socialgit: 1 of 1 delivery published")
    assert (
        "vault: refresh team-tt" in log
        and "socialgit: team-tt is publishing content/hello.md" in log
    )
    # The rotated refresh token is what the remote holds; the first one is spent.
    pushed = _remote_vault(site).get("team-tt") or {}
    assert pushed["refresh_token"] != first["refresh_token"]
    assert fake.refresh_tokens[first["refresh_token"]]["spent"]
    assert not fake.refresh_tokens[pushed["refresh_token"]]["spent"]


def test_an_unaudited_app_that_may_post_only_privately_is_told_so_before_init(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTikTok(audited=False)
    report = deliver(site, fake, FIRST, monkeypatch)
    (outcome,) = report.outcomes
    assert outcome.state == "error" and "privacy: private" in outcome.message
    assert "mode: inbox" in outcome.message and inits(fake) == 0


def test_inbox_mode_sends_a_draft_without_a_caption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = {"provider": "tiktok", "client_key": CLIENT_KEY, "mode": "inbox"}
    site = video_site(tmp_path, monkeypatch, "team-tt", settings, "For the inbox")
    fake = FakeTikTok()
    report = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes[0].message
    (draft,) = fake.posted()
    assert draft.inbox and draft.status == "SEND_TO_USER_INBOX" and draft.post_info == {}
    assert entry(site)["id"] == draft.id and "url" not in entry(site)
    assert not any("creator_info" in r.url.path for r in fake.requests)


def test_the_daily_cap_in_an_http_200_defers_the_post(
    site: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTikTok(daily_posts=0)
    report = deliver(site, fake, FIRST, monkeypatch)
    (outcome,) = report.outcomes
    assert outcome.state == "deferred" and "spam_risk_too_many_posts" in outcome.message
    assert fake.publishes == {} and entry(site)["attempts"] == 0


def _remote_vault(site: Repo) -> Vault:
    out = site.root.parent / "remote-vault"
    (out / ".socialgit").mkdir(parents=True, exist_ok=True)
    shown = subprocess.run(
        ["git", "-C", str(site.root.parent / "remote.git"), "show", f"main:{VAULT_FILE}"],
        capture_output=True,
        check=True,
    ).stdout
    (out / VAULT_FILE).write_bytes(shown)
    return Vault.open(out)
