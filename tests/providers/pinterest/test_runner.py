"""Pinterest through the real runner (git repository with a bare remote, claims, results,
the vault): a run killed right after Pinterest made the pin, rerun from a fresh clone, ends
with one pin and its link written back; an expired token is refreshed and the new refresh
token pushed before it is used. The runner's HTTP client goes to the fake; nothing else is
replaced."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from socialgit.credentials.vault import Vault, new_key
from socialgit.runner import Options, publish, run
from socialgit.runner import tokens as refreshing
from socialgit.runner.credentials import hooks
from tests.conftest import Repo
from tests.providers._support import PNG
from tests.providers.pinterest.fake import API, BASE, FakePinterest
from tests.providers.runner_site import (
    DUE,
    Killed,
    entry,
    fresh_clone,
    git,
    killed_after,
    lost_after,
    make_site,
    pushed,
    run_at,
)

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout: the claim in doubt is looked at again
BODY = "Spring launch: the new planner\n\n![A planner on a desk](dot.png)"
FRONT = "title: Planner 2026\nlink: https://shop.example/planner\n"


def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakePinterest) -> Repo:
    settings = {"provider": "pinterest", "client_id": "sg-pin-app", "board": fake.board.id,
                "base_url": API, "authorize_url": f"{BASE}/oauth/"}  # fmt: skip
    return make_site(tmp_path, monkeypatch, "pins", settings, BODY, {"content/dot.png": PNG}, FRONT)


def _creates(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path == "/v5/pins"


def test_killed_right_after_the_pin_is_made_a_fresh_clone_finds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePinterest(now=FIRST)
    site = _site(tmp_path, monkeypatch, fake)
    creds = {"access_token": fake.token}
    with pytest.raises(Killed):
        run_at(site, FIRST, killed_after(fake, _creates), creds, monkeypatch)
    assert len(fake.pins) == 1
    rerun = fresh_clone(site)
    assert entry(rerun, "pins")["status"] == "publishing"  # the claim, pushed before the pin
    report = run_at(rerun, LATER, fake, creds, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"]
    assert len(fake.pins) == 1  # looked up on the board, never made again
    result = entry(rerun, "pins")
    assert result["url"] == f"https://www.pinterest.com/pin/{fake.pins[0].id}/"
    assert pushed(rerun)
    assert run_at(fresh_clone(site, "third"), LATER, fake, creds, monkeypatch).outcomes == []


def test_killed_with_a_pin_like_it_but_not_it_is_left_to_a_person_with_the_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pinterest stored the link rewritten (a trailing slash): not an exact match, so the
    rerun neither takes it for this delivery nor makes a second pin."""
    fake = FakePinterest(now=FIRST)
    site = _site(tmp_path, monkeypatch, fake)
    creds = {"access_token": fake.token}

    def rewriting(request: httpx.Request) -> httpx.Response:
        answer = fake(request)
        if _creates(request):
            fake.pins[-1].link = "https://shop.example/planner/"
            raise Killed("after the pin")
        return answer

    with pytest.raises(Killed):
        run_at(site, FIRST, rewriting, creds, monkeypatch)
    rerun = fresh_clone(site)
    report = run_at(rerun, LATER, fake, creds, monkeypatch)
    (outcome,) = report.outcomes
    assert outcome.state == "error" and "check by hand" in outcome.message
    assert f"https://www.pinterest.com/pin/{fake.pins[0].id}/" in outcome.message
    assert len(fake.pins) == 1


def test_an_answer_lost_before_pinterest_took_it_is_pinned_once_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePinterest(now=FIRST)
    site = _site(tmp_path, monkeypatch, fake)
    creds = {"access_token": fake.token}

    def dropped(request: httpx.Request) -> httpx.Response:
        if _creates(request):
            raise httpx.ReadTimeout("timed out", request=request)  # Pinterest never saw it
        return fake(request)

    first = run_at(site, FIRST, dropped, creds, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and fake.pins == []
    second = run_at(site, LATER, fake, creds, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"] and len(fake.pins) == 1
    assert entry(site, "pins")["id"] == fake.pins[0].id


def test_an_answer_lost_after_pinterest_made_the_pin_is_found_on_the_board_not_pinned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePinterest(now=FIRST)
    site = _site(tmp_path, monkeypatch, fake)
    creds = {"access_token": fake.token}
    first = run_at(site, FIRST, lost_after(fake, _creates), creds, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.pins) == 1
    second = run_at(fresh_clone(site), LATER, fake, creds, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"] and len(fake.pins) == 1
    assert second.outcomes[0].url == f"https://www.pinterest.com/pin/{fake.pins[0].id}/"


def test_an_expired_token_is_refreshed_and_the_new_refresh_token_pushed_before_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakePinterest(now=FIRST)
    site = _site(tmp_path, monkeypatch, fake)
    # Connected long ago: the access token has expired, the refresh token is live.
    with fake.client() as client:
        code = httpx.URL(
            client.get(
                f"{BASE}/oauth/?client_id=sg-pin-app&response_type=code&state=s&scope="
                "boards:read,pins:read,pins:write,user_accounts:read&redirect_uri="
                "http://127.0.0.1:8788/callback"
            ).headers["location"]
        ).params["code"]
        tokens = client.post(
            f"{API}/oauth/token",
            auth=("sg-pin-app", fake.clients["sg-pin-app"]),
            data={"grant_type": "authorization_code", "code": code,
                  "redirect_uri": "http://127.0.0.1:8788/callback"},
        ).json()  # fmt: skip
    fake.grants[tokens["access_token"]].expired = True
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    vault = Vault.open(site.root)
    vault.put(
        "pins",
        {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"],
         "client_secret": fake.clients["sg-pin-app"], "expires_at": "2020-01-01T00:00:00+00:00"},
        {"provider": "pinterest"},
    )  # fmt: skip
    vault.save()
    git(site.root, "add", "-A")
    git(site.root, "commit", "-qm", "connect pins")
    git(site.root, "push", "-q")
    to_fake = lambda: httpx.Client(transport=httpx.MockTransport(fake))  # noqa: E731
    monkeypatch.setattr(run, "_client", to_fake)
    monkeypatch.setattr(refreshing, "_client", to_fake)  # the refresh's own client
    report = publish(site.root, Options(at=FIRST), hooks(site.root))
    assert [o.state for o in report.outcomes] == ["published"] and len(fake.pins) == 1
    # The rotated refresh token is on the remote, and the spent one is dead at Pinterest.
    remote = fresh_clone(site, "check")
    stored = Vault.open(remote.root).get("pins") or {}
    assert stored["refresh_token"] in fake.refresh_tokens
    assert tokens["refresh_token"] not in fake.refresh_tokens
    log = git(site.root, "log", "--format=%s", "origin/main").splitlines()
    # Newest first: the refreshed vault was pushed before the pin went out.
    assert log[:3] == [
        "socialgit: 1 of 1 delivery published", "vault: refresh pins",
        "vault: lease the refresh of pins",
    ]  # fmt: skip
