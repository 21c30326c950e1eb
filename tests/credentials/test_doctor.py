"""``doctor``: key, each account against its network, expiries, repository activity."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers.base import Note
from socialgit.credentials.doctor import Finding, doctor
from socialgit.credentials.vault import Vault, iso, new_key
from socialgit.errors import Transient
from socialgit.model import Account
from tests.conftest import Repo
from tests.credentials import testprovider
from tests.credentials.conftest import git
from tests.credentials.helpers import cli
from tests.credentials.test_refresh import connected
from tests.oauth_server import OAuthServer


def test_healthy_then_broken(site: Repo, key: str, server: OAuthServer) -> None:
    connected(site, server, lifetime=3600)
    result = cli("-C", str(site.root), "doctor")
    assert "acme: testoauth: signed in as tester" in result.out
    assert "team-chat: no credentials: run `socialgit connect team-chat`" in result.err
    assert result.code == 1
    for token in server.tokens:
        token.revoked = True
    server.fail_next.append((400, {"error": "invalid_grant"}))
    revoked = cli("-C", str(site.root), "doctor")
    assert revoked.code == 1 and "acme" in revoked.err


def test_expiry_warnings_and_linkedin_cap(site: Repo, key: str) -> None:
    soon = datetime.now(UTC) + timedelta(days=3)
    vault = Vault.open(site.root)
    vault.put(
        "acme",
        {"access_token": "at-without-refresh", "expires_at": soon.isoformat()},
        {"provider": "testoauth", "refresh_expires_at": soon.isoformat()},
    )
    vault.save()
    result = cli("-C", str(site.root), "doctor")
    assert f"the access token expires on {soon:%Y-%m-%d %H:%M} UTC" in result.err
    assert "`socialgit refresh acme`" in result.err and "`socialgit connect acme`" in result.err
    assert f"the refresh token expires on {soon:%Y-%m-%d}, in 2 days" in result.err


def test_idle_repository_warning(site: Repo, key: str) -> None:
    site.post("later", "publish_at: 2099-01-01 09:00\ntargets: [local]")
    old = (datetime.now(UTC) - timedelta(days=55)).isoformat()
    env = {**os.environ, "GIT_COMMITTER_DATE": old, "GIT_AUTHOR_DATE": old}
    git(site.root, "add", "content")
    subprocess.run(["git", "-C", str(site.root), "commit", "-q", "-m", "post"], env=env, check=True)
    result = cli("-C", str(site.root), "doctor", "--strict")
    assert "GitHub disables scheduled workflows after 60 days" in result.err
    assert result.code == 1


# -- with an injected clock, against vault files written by the real vault ---------------

NOW = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)  # far from the real clock: doctor must use it
LIVE = {"at-live-1", "at-live-2", "at-live-3", "at-live-4", "at-live-5", "at-live-6"}


def _me(request: httpx.Request) -> httpx.Response:
    """The network's whoami: a bearer token it issued, or 401."""
    assert request.method == "GET" and request.url.path == "/me"
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if token not in LIVE:
        return httpx.Response(401, json={"error": "invalid_token"})
    return httpx.Response(200, json={"id": "u-1", "name": "tester"})


def _client_for(handler: Callable[[httpx.Request], httpx.Response]) -> Callable[..., httpx.Client]:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return lambda account: client


def _repo(tmp_path: Path, accounts: str) -> Path:
    root = tmp_path / "lifetimes"
    root.mkdir()
    (root / "socialgit.yml").write_text("timezone: UTC\naccounts:\n" + accounts)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "socialgit.yml")
    git(root, "commit", "-q", "-m", "init")
    return root


def _oauth_accounts(*names: str) -> str:
    return "".join(
        f"  {n}:\n    provider: testoauth\n    client_id: c\n    base_url: https://net.test\n"
        for n in names
    )


def _by_account(found: list[Finding]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for item in found:
        out.setdefault(item.subject, []).append((item.severity, item.message))
    return out


def test_access_token_lifetimes_follow_the_injected_clock(tmp_path: Path, key: str) -> None:
    names = ["soon", "later", "gone", "edge", "rotating", "capped"]
    root = _repo(tmp_path, _oauth_accounts(*names))
    vault = Vault.open(root)
    entries: dict[str, tuple[dict[str, str], dict[str, str]]] = {
        # LinkedIn/Threads-style: a 60-day token and no refresh token.
        "soon": ({"access_token": "at-live-1", "expires_at": iso(NOW + timedelta(days=9))}, {}),
        "later": ({"access_token": "at-live-2", "expires_at": iso(NOW + timedelta(days=15))}, {}),
        "gone": ({"access_token": "at-dead-3", "expires_at": iso(NOW - timedelta(days=2))}, {}),
        "edge": (
            {"access_token": "at-live-4", "expires_at": iso(NOW + timedelta(days=14))},
            {},
        ),
        # A refresh token: the runner renews the access token, nothing to say but when.
        "rotating": (
            {
                "access_token": "at-live-5",
                "refresh_token": "rt-live-5",
                "expires_at": iso(NOW + timedelta(hours=1)),
            },
            {},
        ),
        # LinkedIn's 365-day cap, as socialgit.credentials.oauth writes it (isoformat, +00:00).
        "capped": (
            {
                "access_token": "at-live-6",
                "refresh_token": "rt-live-6",
                "expires_at": iso(NOW + timedelta(days=50)),
                "refresh_expires_at": (NOW + timedelta(days=20, hours=3)).isoformat(),
            },
            {},
        ),
    }
    for name, (fields, meta) in entries.items():
        vault.put(name, fields, {"provider": "testoauth", **meta})
    vault.save()

    found = _by_account(doctor(root, _client_for(_me), NOW))

    assert found["soon"][0] == (
        "warning",
        "the access token expires on 2031-03-10 12:00 UTC, in 9 days, and has no refresh "
        "token: before then run `socialgit refresh soon` (where the network extends a token, "
        "as Threads does) or `socialgit connect soon`",
    )
    assert found["later"][0] == ("ok", "the access token expires 2031-03-16 12:00 UTC")
    assert found["edge"][0][0] == "warning"  # 14 days is within the warning window
    assert found["gone"] == [
        (
            "error",
            "the access token expired on 2031-02-27 12:00 UTC and cannot be refreshed: "
            "run `socialgit connect gone`",
        )
    ]  # the network's 401 adds nothing: the line above already says what to do
    assert found["rotating"][0] == (
        "ok",
        "the access token expires 2031-03-01 13:00 UTC; the runner refreshes it",
    )
    assert found["capped"][0] == (
        "warning",
        "the refresh token expires on 2031-03-21, in 20 days (a limit the network sets; "
        "refreshing does not extend it): run `socialgit connect capped` before then",
    )
    for name in ("soon", "later", "edge", "rotating", "capped"):
        assert found[name][-1] == ("ok", "testoauth: signed in as tester"), name

    # The same files a year on: every token is past, the capped refresh token too.
    later = _by_account(doctor(root, _client_for(_me), NOW + timedelta(days=365)))
    assert later["capped"][0] == (
        "error",
        "the refresh token expired on 2031-03-21 (a limit the network sets): "
        "run `socialgit connect capped`",
    )
    assert later["capped"][1][0] == "error"  # so the access token cannot be renewed either
    assert not any(s == "error" for s, _ in later["rotating"])  # a refresh token renews it


def test_refresh_cap_from_connect_metadata_and_vault_put(tmp_path: Path, key: str) -> None:
    root = _repo(tmp_path, _oauth_accounts("linked", "scripted"))
    cap = NOW + timedelta(days=29)
    vault = Vault.open(root)
    # What `connect` stores: the cap in the clear metadata only.
    vault.put(
        "linked",
        {"access_token": "at-live-1", "refresh_token": "rt-1"},
        {"provider": "testoauth", "refresh_expires_at": cap.isoformat()},
    )
    vault.save()
    fields = {"access_token": "at-live-2", "refresh_token": "rt-2", "refresh_expires_at": iso(cap)}
    put = cli("-C", str(root), "vault", "put", "scripted", stdin=json.dumps(fields))
    assert put.code == 0, put
    assert Vault.open(root).meta("scripted")["refresh_expires_at"] == iso(cap)
    listed = cli("-C", str(root), "vault", "list")
    assert f"refresh_expires_at={iso(cap)}" in listed.out

    found = _by_account(doctor(root, _client_for(_me), NOW))
    for name in ("linked", "scripted"):
        severity, message = found[name][0]
        assert severity == "warning" and "2031-03-30, in 29 days" in message, found[name]
        assert f"`socialgit connect {name}`" in message
    assert _by_account(doctor(root, _client_for(_me), NOW - timedelta(days=2)))["linked"] == [
        ("ok", "testoauth: signed in as tester")
    ]  # 31 days before the cap: nothing to say yet


def test_app_password_sessions_are_not_warned_about(tmp_path: Path, key: str) -> None:
    root = _repo(tmp_path, "  sky:\n    provider: bluesky\n    handle: news.example.com\n")
    vault = Vault.open(root)
    # A session that ran out two hours ago; the stored app password opens a new one.
    vault.put(
        "sky",
        {"password": "app-pass-word", "expires_at": iso(NOW - timedelta(hours=2))},
        {"provider": "bluesky"},
    )
    vault.save()

    def unused(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"doctor asked the network without a session: {request.url}")

    found = _by_account(doctor(root, _client_for(unused), NOW))
    assert [s for s, _ in found["sky"]] == ["ok"], found["sky"]
    assert "the runner refreshes it before publishing" in found["sky"][0][1]


WEBHOOK_STYLE = """\
  chat-discord:
    provider: discord
  chat-slack:
    provider: slack
    channel: C0123456789
  chat-telegram:
    provider: telegram
    chat: "@team"
  hook-open:
    provider: webhook
    url: https://hooks.example.com/socialgit
  hook-secret:
    provider: webhook
  local:
    provider: outbox
    path: outbox
"""


def test_webhook_style_accounts_without_credentials(tmp_path: Path, key: str) -> None:
    root = _repo(tmp_path, WEBHOOK_STYLE)

    def unused(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"nothing to check on the network: {request.url}")

    found = _by_account(doctor(root, _client_for(unused), NOW))
    for name in ("chat-discord", "chat-slack", "chat-telegram", "hook-secret"):
        assert found[name] == [("error", f"no credentials: run `socialgit connect {name}`")]
    assert found["hook-open"] == [("ok", "webhook: signed in as webhook of hook-open")]
    assert found["local"][0][0] == "ok"

    # Stored, the webhook in the vault counts, and a Discord webhook is checked with Discord.
    hook = "https://discord.test/api/webhooks/123456/hookTokenValue"
    put = cli(
        "-C", str(root), "vault", "put", "chat-discord", stdin=json.dumps({"webhook_url": hook})
    )
    assert put.code == 0, put
    put = cli(
        "-C", str(root), "vault", "put", "hook-secret", stdin='{"url": "https://x.test/h?k=s3cr3t"}'
    )
    assert put.code == 0, put

    def discord(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET" and str(request.url) == hook
        return httpx.Response(200, json={"id": "123456", "name": "socialgit", "type": 1})

    again = _by_account(doctor(root, _client_for(discord), NOW))
    assert again["chat-discord"] == [("ok", "discord: signed in as socialgit")]
    assert again["hook-secret"] == [("ok", "webhook: signed in as webhook of hook-secret")]

    # The CLI says the same and fails on it.
    result = cli("-C", str(root), "doctor")
    assert "chat-slack: no credentials: run `socialgit connect chat-slack`" in result.err
    assert "hook-open" in result.out and result.code == 1


def test_a_broken_vault_still_checks_accounts_that_need_none(tmp_path: Path, key: str) -> None:
    root = _repo(tmp_path, WEBHOOK_STYLE)
    (root / ".socialgit").mkdir()
    (root / ".socialgit" / "vault.json").write_text("{not json")

    def unused(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"nothing to check on the network: {request.url}")

    found = _by_account(doctor(root, _client_for(unused), NOW))
    assert found["vault"][0][0] == "error" and "not valid JSON" in found["vault"][0][1]
    assert found["chat-slack"] == [("error", "not checked: the vault cannot be read")]
    assert found["hook-open"] == [("ok", "webhook: signed in as webhook of hook-open")]
    assert found["local"][0][0] == "ok"


def test_a_key_that_does_not_match_the_vault_is_an_error(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(site, server, lifetime=3600)
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    result = cli("-C", str(site.root), "doctor")
    assert result.code == 1
    assert "ok       key" not in result.out + result.err
    assert "error    key: SOCIALGIT_KEY does not match the vault: it opens none of its 1 entry" in (
        result.err
    )
    assert "acme: not checked: SOCIALGIT_KEY does not match the vault" in result.err
    assert not server.token_requests[1:]  # nothing was asked of the network for acme
    monkeypatch.setenv("SOCIALGIT_KEY", key)
    right = cli("-C", str(site.root), "doctor")
    assert "ok       key: SOCIALGIT_KEY is set and opens the vault (1 entry)" in right.out


def test_the_networks_own_checks_follow_the_sign_in(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``diagnose`` runs after ``whoami``: its notes are findings of the account; a check
    that fails is a warning, not a crash, and the sign-in line stays."""
    connected(site, server, lifetime=3600)
    notes: list[Note] = [("warning", "trial access: posts are visible only to you")]
    monkeypatch.setattr(testprovider, "diagnose", lambda client, account, creds: notes)
    result = cli("-C", str(site.root), "doctor")
    assert "acme: testoauth: signed in as tester" in result.out
    assert "acme: trial access: posts are visible only to you" in result.err

    def broken(client: httpx.Client, account: Account, creds: dict[str, str]) -> list[Note]:
        raise Transient("acme: the board look-up failed (HTTP 503); will retry")

    monkeypatch.setattr(testprovider, "diagnose", broken)
    result = cli("-C", str(site.root), "doctor")
    assert "acme: testoauth: signed in as tester" in result.out
    assert "acme: not checked further: the board look-up failed (HTTP 503)" in result.err
