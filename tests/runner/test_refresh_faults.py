"""Refreshing rotating tokens for real: runner processes racing for one refresh token, and
killed (SIGKILL) at each step between the refresh answer and the vault on the remote.

The network is tests/oauth_server.py (Authlib, rotating refresh tokens, reuse detection that
revokes the whole family) and the deliveries go to the webhook receiver, through the
``oauthnet`` test network (tests/runner/oauthnet.py) installed in each runner process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialgit.config import load_config
from socialgit.credentials.connect import connect
from socialgit.credentials.vault import VAULT_FILE, Vault
from socialgit.runner.keys import delivery_key, in_shard
from tests.credentials.conftest import CLIENT_ID, CLIENT_SECRET, _clean, key, server
from tests.credentials.helpers import browser
from tests.oauth_server import OAuthServer
from tests.runner import oauthnet
from tests.runner.conftest import LATER, T0, env, wait_for
from tests.runner.receiver import Server

__all__ = ["_clean", "key", "server"]  # the credentials fixtures, used here as they are

ROOT = Path(__file__).resolve().parents[2]
DUE = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, text=True, check=True
    ).stdout


def _browse(url: str) -> None:
    browser(url)


class Net:
    """A bare remote whose content repository has one OAuth account, ``acme``, connected."""

    def __init__(self, base: Path, oauth: OAuthServer, hook: str) -> None:
        self.base = base
        self.oauth = oauth
        self.remote = base / "remote.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(self.remote)], check=True)
        self.seed = self.clone("seed")
        (self.seed / "socialgit.yml").write_text(
            "timezone: UTC\nclaim_timeout: 30m\naccounts:\n  acme:\n    provider: oauthnet\n"
            f"    client_id: {CLIENT_ID}\n    authorize_url: {oauth.url}/authorize\n"
            f"    token_url: {oauth.url}/token\n    base_url: {oauth.url}\n    hook: {hook}\n"
        )
        self._clones = 0

    def clone(self, name: str | None = None) -> Path:
        if name is None:
            self._clones += 1
            name = f"clone{self._clones}"
        where = self.base / name
        subprocess.run(
            ["git", "clone", "-q", str(self.remote), str(where)], check=True, capture_output=True
        )
        return where

    def connect(self, lifetime: int) -> dict[str, Any]:
        """Log acme in with an access token living ``lifetime`` seconds; commit, push."""
        self.oauth.access_lifetime = lifetime
        account = load_config(self.seed).config.accounts["acme"]
        with httpx.Client(timeout=10) as client:
            connect(
                Vault.open(self.seed),
                account,
                client,
                ask=lambda p, o: CLIENT_SECRET,
                show=_browse,
                timeout=10,
            )
        return dict(Vault.open(self.seed).get("acme") or {})

    def post(self, name: str) -> str:
        rel = f"content/{name}.md"
        path = self.seed / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\npublish_at: 2026-01-01 09:00\ntargets: [acme]\n---\n{name}\n")
        return rel

    def push(self) -> None:
        _git(self.seed, "add", "-A")
        _git(self.seed, "commit", "-q", "-m", "content")
        _git(self.seed, "push", "-q", "origin", "HEAD:main")

    def remote_file(self, rel: str) -> str:
        return _git(self.remote, "show", f"main:{rel}")

    def remote_vault(self) -> dict[str, Any]:
        """acme's credentials as the remote holds them (decrypted with the test key)."""
        where = self.base / "check"
        (where / ".socialgit").mkdir(parents=True, exist_ok=True)
        (where / VAULT_FILE).write_text(self.remote_file(VAULT_FILE), encoding="utf-8")
        return dict(Vault.open(where).get("acme") or {})

    def remote_lease(self) -> Any:
        where = self.base / "check"
        (where / ".socialgit").mkdir(parents=True, exist_ok=True)
        (where / VAULT_FILE).write_text(self.remote_file(VAULT_FILE), encoding="utf-8")
        return Vault.open(where).lease("acme")

    def lease_runs_out(self) -> None:
        """Time passes: the lease on acme (a killed run's) is over."""
        other = self.clone()
        vault = Vault.open(other)
        lease = vault.lease("acme")
        assert lease is not None
        vault.set_lease("acme", lease.by, lease.at, lease.at)
        vault.save()
        _git(other, "commit", "-q", "-am", "the lease ran out")
        _git(other, "push", "-q", "origin", "HEAD:main")

    def log(self) -> list[str]:
        return _git(self.remote, "log", "--format=%s", "main").splitlines()


@pytest.fixture
def receiver() -> Iterator[Server]:
    found = Server()
    yield found
    found.close()


@pytest.fixture
def net(tmp_path: Path, key: str, server: OAuthServer, receiver: Server) -> Net:
    oauthnet.install()
    server.revoke_family_on_reuse = True
    made = Net(tmp_path, server, receiver.receiver.url)
    return made


def expired(net: Net) -> dict[str, Any]:
    """Connected, and the access token (and its expires_at) already in the past."""
    first = net.connect(lifetime=1)
    time.sleep(1.5)
    net.oauth.access_lifetime = 3600
    return first


def command(repo: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", oauthnet.RUN, "-C", str(repo), "publish", *args]


def cli(repo: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(repo, *args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env(**extra),
        timeout=120,
    )


def start(repo: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(repo, *args),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(**extra),
        start_new_session=True,
    )


def refreshes(oauth: OAuthServer) -> int:
    return sum(1 for r in oauth.token_requests if r.get("grant_type") == "refresh_token")


def live(oauth: OAuthServer, stored: dict[str, Any]) -> bool:
    """The stored tokens are the ones the server holds live: the access token works and the
    refresh token is the newest unspent one."""
    unspent = [t.refresh_token for t in oauth.tokens if t.refresh_token and not t.revoked]
    return oauth.valid_access(stored["access_token"]) and unspent == [stored["refresh_token"]]


def key_of(rel: str) -> str:
    return delivery_key(rel, "acme", DUE)


def test_two_shards_spend_one_refresh_token_once(net: Net, receiver: Server) -> None:
    first = expired(net)
    names = [n for n in ("p0", "p3") if n]  # p0 is in shard 1/2, p3 in shard 2/2
    assert in_shard("content/p0.md", (1, 2)) and in_shard("content/p3.md", (2, 2))
    posts = [net.post(n) for n in names]
    net.push()
    runs = [start(net.clone(), "--at", T0, "--shard", f"{k}/2") for k in (1, 2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, out + err
        assert "socialgit connect" not in out + err
    assert refreshes(net.oauth) == 1 and not net.oauth.reused
    assert sorted(receiver.receiver.keys()) == sorted(key_of(p) for p in posts)
    for rel in posts:
        assert "status: published" in net.remote_file(rel)
    stored = net.remote_vault()
    assert stored["refresh_token"] != first["refresh_token"]
    assert live(net.oauth, stored)
    assert net.remote_lease() is None
    log = net.log()
    assert (
        log.count("vault: refresh acme") == 1 and log.count("vault: lease the refresh of acme") == 1
    )


STEPS = ["leased", "refreshed", "vault-pushed"]


def killed_at(net: Net, step: str, tmp_path: Path) -> tuple[Path, str]:
    """A run with acme's token expired, SIGKILLed at ``step`` of its refresh."""
    expired(net)
    rel = net.post("a")
    net.push()
    repo = net.clone()
    marker = tmp_path / f"paused-{step}"
    run = start(
        repo,
        "--at",
        T0,
        SOCIALGIT_TEST_PAUSE_AT=step,
        SOCIALGIT_TEST_PAUSE_FILE=str(marker),
    )
    wait_for(marker.exists)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    return repo, rel


@pytest.mark.parametrize("step", STEPS)
def test_killed_during_a_refresh_rerun_in_the_same_checkout(
    net: Net, receiver: Server, tmp_path: Path, step: str
) -> None:
    repo, rel = killed_at(net, step, tmp_path)
    assert receiver.receiver.requests == []  # nothing used the new token before its push
    if step == "leased":  # nothing was spent; the dead run's lease holds until it runs out
        held = cli(repo, "--at", LATER, SOCIALGIT_LEASE_WAIT="0")
        assert held.returncode == 0, held.stderr
        assert "being refreshed by" in held.stdout and receiver.receiver.requests == []
        assert refreshes(net.oauth) == 0
        net.lease_runs_out()
    again = cli(repo, "--at", LATER)
    assert again.returncode == 0, again.stdout + again.stderr
    assert receiver.receiver.processed == {key_of(rel)}
    assert "status: published" in net.remote_file(rel)
    assert refreshes(net.oauth) == 1 and not net.oauth.reused
    assert live(net.oauth, net.remote_vault())
    assert _git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    if step == "refreshed":
        assert "vault: keep credentials saved by an interrupted run" in net.log()


@pytest.mark.parametrize("step", STEPS)
def test_killed_during_a_refresh_rerun_on_a_fresh_checkout(
    net: Net, receiver: Server, tmp_path: Path, step: str
) -> None:
    """CI: the killed run's disk is gone with it."""
    _, rel = killed_at(net, step, tmp_path)
    if step != "vault-pushed":
        net.lease_runs_out()  # a later run; until then, runs wait for the lease
    again = cli(net.clone(), "--at", LATER)
    text = net.remote_file(rel)
    if step == "refreshed":  # the rotated token died with the disk: log in again
        assert again.returncode == 1, again.stdout + again.stderr
        assert "run `socialgit connect acme`" in again.stdout
        assert "run `socialgit connect acme`" in text
        assert receiver.receiver.requests == []
        return
    assert again.returncode == 0, again.stdout + again.stderr
    assert receiver.receiver.processed == {key_of(rel)}
    assert "status: published" in text
    assert refreshes(net.oauth) == 1 and not net.oauth.reused
    assert live(net.oauth, net.remote_vault())
