"""Refresh: rotation saved at once, passing errors never taken for revocation, the git rule."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from socialgit.config import load_config
from socialgit.credentials.connect import connect
from socialgit.credentials.refresh import refresh_account, with_fresh_credentials
from socialgit.credentials.vault import VAULT_FILE, Vault, new_key
from socialgit.credentials.vault_sync import HOLD_ENV
from socialgit.errors import AuthExpired, AuthRevoked, Transient
from tests.conftest import Repo
from tests.credentials.conftest import CLIENT_SECRET, git
from tests.credentials.helpers import browser, cli
from tests.oauth_server import OAuthServer

ROOT = Path(__file__).resolve().parents[2]


def connected(site: Repo, server: OAuthServer, lifetime: int = 60) -> dict[str, str]:
    server.access_lifetime = lifetime
    account = load_config(site.root).config.accounts["acme"]
    with httpx.Client(timeout=10) as client:
        connect(
            Vault.open(site.root),
            account,
            client,
            ask=lambda p, o: CLIENT_SECRET,
            show=browser,
            timeout=10,
        )
    git(site.root, "add", VAULT_FILE)
    git(site.root, "commit", "-q", "-m", "connect acme")
    git(site.root, "push", "-q")
    return dict(Vault.open(site.root).get("acme") or {})


def refresh(site: Repo, server: OAuthServer) -> dict[str, str]:
    account = load_config(site.root).config.accounts["acme"]
    vault = Vault.open(site.root)
    with httpx.Client(timeout=2) as client:
        refresh_account(vault, account, client)
    return dict(Vault.open(site.root).get("acme") or {})


def test_rotation_is_saved_and_the_old_token_is_dead(
    site: Repo, key: str, server: OAuthServer
) -> None:
    first = connected(site, server)
    second = refresh(site, server)  # read back from disk: saved before returning
    assert second["refresh_token"] != first["refresh_token"]
    assert server.valid_access(second["access_token"])
    assert second["client_secret"] == CLIENT_SECRET
    # The spent token is refused: that is a revocation, and says what to do.
    replay = httpx.post(
        f"{server.url}/token",
        auth=("sg-test-client", CLIENT_SECRET),
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )
    assert replay.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "fault",
    [(500, {"error": "server_error"}), (503, {}), (429, {}), 3.0],
    ids=["500", "503", "429", "timeout"],
)
def test_passing_errors_change_nothing(
    site: Repo, key: str, server: OAuthServer, fault: object
) -> None:
    first = connected(site, server)
    before = (site.root / VAULT_FILE).read_bytes()
    server.fail_next.append(fault)  # type: ignore[arg-type]
    with pytest.raises(Transient if fault != (429, {}) else Exception) as caught:
        refresh(site, server)
    assert not isinstance(caught.value, AuthRevoked)
    assert "socialgit connect" not in str(caught.value)
    if fault == 3.0:
        time.sleep(1.5)  # the server finishes the refresh nobody heard: the token is spent
    else:
        assert (site.root / VAULT_FILE).read_bytes() == before
        assert refresh(site, server)["refresh_token"] != first["refresh_token"]


def test_revoked_says_connect_and_keeps_the_entry(
    site: Repo, key: str, server: OAuthServer
) -> None:
    connected(site, server)
    before = (site.root / VAULT_FILE).read_bytes()
    server.fail_next.append((400, {"error": "invalid_grant"}))
    with pytest.raises(AuthRevoked, match=r"^acme: .*run `socialgit connect acme`"):
        refresh(site, server)
    assert (site.root / VAULT_FILE).read_bytes() == before


def test_answer_without_refresh_token_keeps_the_old_one(
    site: Repo, key: str, server: OAuthServer
) -> None:
    first = connected(site, server)

    def strip(body: dict[str, object]) -> None:
        server.tokens[-1].refresh_token = first["refresh_token"]  # a non-rotating server

    server.on_token = strip
    # Make the server's answer omit refresh_token / send it empty.
    for empty in (None, ""):
        answer = {"access_token": "at-new-1234567", "token_type": "Bearer", "expires_in": 60}
        if empty is not None:
            answer["refresh_token"] = empty
        server.fail_next.append((200, answer))
        got = refresh(site, server)
        assert got["access_token"] == "at-new-1234567"
        assert got["refresh_token"] == first["refresh_token"]


def test_reactive_refresh_once_then_retry_once(site: Repo, key: str, server: OAuthServer) -> None:
    connected(site, server, lifetime=1)
    time.sleep(1.2)  # the access token has expired
    account = load_config(site.root).config.accounts["acme"]
    vault = Vault.open(site.root)
    calls: list[str] = []

    def call(credentials: dict[str, str]) -> str:
        calls.append(credentials["access_token"])
        with httpx.Client() as client:
            answer = client.get(
                f"{server.url}/me",
                headers={"Authorization": f"Bearer {credentials['access_token']}"},
            )
        if answer.status_code == 401:
            raise AuthExpired("acme: expired")
        return str(answer.json()["handle"])

    server.access_lifetime = 60
    with httpx.Client() as client:
        assert with_fresh_credentials(vault, account, client, call) == "tester"
    assert len(calls) == 2 and calls[0] != calls[1]
    refused: list[str] = []

    def always_refused(credentials: dict[str, str]) -> str:
        refused.append(credentials["access_token"])
        raise AuthExpired("acme: expired")

    with httpx.Client() as client, pytest.raises(AuthRevoked, match="socialgit connect acme"):
        with_fresh_credentials(Vault.open(site.root), account, client, always_refused)
    assert len(refused) == 2  # once, a refresh, once more: never a loop


def test_refresh_command_commits_only_the_vault_and_pushes(
    site: Repo, key: str, server: OAuthServer
) -> None:
    connected(site, server, lifetime=600)
    site.write("notes.txt", "unrelated work in progress\n")
    git(site.root, "add", "notes.txt")
    result = cli("-C", str(site.root), "refresh")
    assert result.code == 0, result
    assert "acme: refreshed" in result.out and "pushed" in result.err
    assert git(site.root, "show", "--name-only", "--format=", "HEAD").split() == [VAULT_FILE]
    assert "notes.txt" in git(site.root, "diff", "--cached", "--name-only")  # still staged
    assert git(site.root, "rev-parse", "HEAD") == git(site.root, "rev-parse", "origin/main")
    log = git(site.root, "log", "--format=%s")
    assert "vault: lease the refresh of acme" in log and "vault: refresh acme" in log
    assert Vault.open(site.root).lease("acme") is None
    nothing = cli("-C", str(site.root), "refresh", "--within", "1m")
    assert nothing.code == 0 and "0 refreshed" in nothing.err


def _clone(site: Repo, name: str) -> Path:
    target = site.root.parent / name
    subprocess.run(
        ["git", "clone", "-q", str(site.root.parent / "remote.git"), str(target)], check=True
    )
    return target


def test_two_runners_never_spend_one_token(site: Repo, key: str, server: OAuthServer) -> None:
    connected(site, server, lifetime=600)
    server.access_lifetime = 3600
    other = _clone(site, "other")
    assert cli("-C", str(other), "refresh", "--within", "15m").code == 0
    spent = len(server.token_requests)
    # The first checkout is behind: it syncs, sees the fresh entry, and spends nothing.
    result = cli("-C", str(site.root), "refresh", "--within", "15m")
    assert result.code == 0 and "0 refreshed" in result.err
    assert len(server.token_requests) == spent
    assert not server.reused


def test_a_live_lease_is_respected(site: Repo, key: str, server: OAuthServer) -> None:
    connected(site, server)
    vault = Vault.open(site.root)
    now = datetime.now(UTC)
    vault.set_lease("acme", "elsewhere:1", now, now + timedelta(minutes=10))
    vault.save()
    git(site.root, "commit", "-q", "-am", "lease by another runner")
    git(site.root, "push", "-q")
    result = cli("-C", str(site.root), "refresh")
    assert result.code == 0 and "being refreshed by elsewhere:1" in result.err
    assert not server.token_requests[1:]  # only the connect's code exchange


def _refresh_process(root: Path, marker: Path | None, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ}
    if marker:
        env[HOLD_ENV] = str(marker)
    code = (
        "import sys; from tests.credentials import testprovider; testprovider.install(); "
        "from socialgit.cli import main; main(sys.argv[1:])"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, "-C", str(root), "refresh", *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_after_save(root: Path, *extra: str) -> None:
    marker = root.parent / "saved.marker"
    marker.unlink(missing_ok=True)
    process = _refresh_process(root, marker, *extra)
    deadline = time.time() + 30
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.time() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_sigkill_after_the_answer_rerun_same_checkout(
    site: Repo, key: str, server: OAuthServer
) -> None:
    first = connected(site, server)
    _kill_after_save(site.root)
    assert git(site.root, "status", "--porcelain", "--", VAULT_FILE).strip()  # saved, not pushed
    rerun = _refresh_process(site.root, None)
    _, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    pushed = git(site.root, "show", f"origin/main:{VAULT_FILE}")
    (site.root / "check.json").write_text(pushed)
    got = Vault.open(site.root).get("acme") or {}
    assert got["refresh_token"] != first["refresh_token"]
    assert server.valid_access(got["access_token"])
    assert "interrupted run" in git(site.root, "log", "--format=%s")
    assert not server.reused  # the spent token was never offered again


def test_sigkill_then_the_disk_is_lost(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(site, server)
    _kill_after_save(site.root)
    other = _clone(site, "fresh-runner")  # a CI runner: the killed one's disk is gone
    blocked = cli("-C", str(other), "refresh")
    assert blocked.code == 0 and "being refreshed by" in blocked.err  # the lease holds
    monkeypatch.setattr("socialgit.credentials.vault_sync.LEASE", timedelta(0))
    # The lease ran out: the old token (spent) is tried once and the error says what to do.
    vault = Vault.open(other)
    lease = vault.lease("acme")
    assert lease is not None
    vault.set_lease("acme", lease.by, lease.at, lease.at)
    vault.save()
    git(other, "commit", "-q", "-am", "lease ran out")
    result = cli("-C", str(other), "refresh")
    assert result.code == 1
    assert "acme: token refresh refused (invalid_grant" in result.err
    assert "run `socialgit connect acme`" in result.err


def _remote_log(site: Repo) -> list[str]:
    return git(site.root.parent / "remote.git", "log", "--format=%s", "main").splitlines()


def test_a_refresh_that_cannot_start_pushes_nothing(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(site, server, lifetime=600)
    before = _remote_log(site)
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    wrong = cli("-C", str(site.root), "refresh")
    assert wrong.code == 2, wrong
    assert "SOCIALGIT_KEY does not match the vault" in wrong.err
    monkeypatch.setenv("SOCIALGIT_KEY", key)
    config = (site.root / "socialgit.yml").read_text()
    site.write("socialgit.yml", config.replace("timezone:", "timezon:"))
    typo = cli("-C", str(site.root), "refresh")
    assert typo.code == 2, typo
    assert "socialgit.yml has 1 error; nothing was refreshed" in typo.err
    assert "socialgit.yml:1:1: error: unknown key" in typo.err
    assert (
        _remote_log(site) == before
        and git(site.root, "log", "--format=%s") == "\n".join(before) + "\n"
    )
    assert Vault.open(site.root).lease("acme") is None
    assert len(server.token_requests) == 1  # the connect's code exchange only


def test_a_failed_refresh_pushes_only_the_release_of_its_lease(
    site: Repo, key: str, server: OAuthServer
) -> None:
    connected(site, server, lifetime=600)
    before = _remote_log(site)
    stored = (site.root / VAULT_FILE).read_bytes()
    server.fail_next.append((400, {"error": "invalid_grant"}))
    result = cli("-C", str(site.root), "refresh")
    assert result.code == 1 and "run `socialgit connect acme`" in result.err
    assert _remote_log(site) == [
        "vault: release the lease of acme",
        "vault: lease the refresh of acme",
        *before,
    ]
    assert (site.root / VAULT_FILE).read_bytes() == stored  # the entry as it was


@pytest.mark.parametrize("source", ["socialgit variables", "git config", "default"])
def test_publish_and_refresh_commit_as_the_same_author(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    connected(site, server, lifetime=600)
    site.post("hello", "publish_at: 2026-01-01 09:00\ntargets: [local]")
    git(site.root, "add", "content")
    git(site.root, "commit", "-q", "-m", "post")
    git(site.root, "push", "-q")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # this machine's identity is not one
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    expected = "socialgit <socialgit@users.noreply.github.com>"
    if source == "socialgit variables":
        monkeypatch.setenv("SOCIALGIT_GIT_NAME", "Acme Bot")
        monkeypatch.setenv("SOCIALGIT_GIT_EMAIL", "bot@acme.example")
        git(site.root, "config", "user.name", "Someone Else")
        expected = "Acme Bot <bot@acme.example>"
    elif source == "git config":
        git(site.root, "config", "user.name", "Ada")
        git(site.root, "config", "user.email", "ada@acme.example")
        expected = "Ada <ada@acme.example>"
    assert cli("-C", str(site.root), "refresh").code == 0
    published = cli("-C", str(site.root), "publish", "--at", "2026-01-01 09:01")
    assert published.code == 0, published
    made = git(site.root, "log", "-4", "--format=%s|%an <%ae>|%cn <%ce>").splitlines()
    assert [line.split("|")[0] for line in made] == [
        "socialgit: 1 of 1 delivery published",
        "socialgit: claim 1 delivery",
        "vault: refresh acme",
        "vault: lease the refresh of acme",
    ]
    assert {part for line in made for part in line.split("|")[1:]} == {expected}
