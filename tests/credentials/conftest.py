"""Fixtures for the credentials tests: a key, an OAuth server, a git repo with a remote."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from socialgit import redact
from socialgit.credentials.vault import new_key
from tests.conftest import Repo
from tests.credentials import testprovider
from tests.oauth_server import OAuthServer

CLIENT_ID = "sg-test-client"
CLIENT_SECRET = "client-secret-4f1b9e2c7d"


def config(server_url: str) -> str:
    return f"""\
timezone: UTC
accounts:
  acme:
    provider: testoauth
    client_id: {CLIENT_ID}
    authorize_url: {server_url}/authorize
    token_url: {server_url}/token
    base_url: {server_url}
  team-chat:
    provider: telegram
    chat: "@team"
    base_url: {server_url}
  local:
    provider: outbox
    path: outbox
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    testprovider.install()
    redact.forget_all()
    for name in ("SOCIALGIT_KEY", "SOCIALGIT_NEW_KEY", "CI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }.items():
        monkeypatch.setenv(name, value)
    yield
    redact.forget_all()


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    made = new_key()
    monkeypatch.setenv("SOCIALGIT_KEY", made)
    return made


@pytest.fixture
def server() -> Iterator[OAuthServer]:
    with OAuthServer() as running:
        running.add_client(CLIENT_ID, CLIENT_SECRET)
        yield running


@pytest.fixture
def site(tmp_path: Path, server: OAuthServer) -> Repo:
    """A content repository (git, one commit) with a bare remote ``origin``."""
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    root = tmp_path / "site"
    root.mkdir()
    made = Repo(root)
    made.write("socialgit.yml", config(server.url))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "socialgit.yml")
    git(root, "commit", "-q", "-m", "init")
    git(root, "remote", "add", "origin", str(bare))
    git(root, "push", "-q", "-u", "origin", "main")
    return made
