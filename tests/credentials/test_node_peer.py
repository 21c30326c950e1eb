"""The same flows against a second, independent server: npm's oauth2-mock-server.

It is lenient (any client, no rotation checks), so it shows interoperability and, through
its hooks, how forced failures are classified; the strict checks are against Authlib.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialgit.config import load_config
from socialgit.credentials.connect import connect
from socialgit.credentials.oauth import bearer_get
from socialgit.credentials.refresh import refresh_account
from socialgit.credentials.vault import VAULT_FILE, Vault
from socialgit.errors import AuthExpired, AuthRevoked, Transient
from tests.conftest import Repo
from tests.credentials.helpers import browser
from tests.node_peer import NODE_DIR, require_node

pytestmark = pytest.mark.node


class Peer:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [require_node(), str(NODE_DIR / "oauth_mock.js")],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{json.loads(self.process.stdout.readline())['port']}"

    def next(self, kind: str, status: int, body: dict[str, Any]) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({kind: {"status": status, "body": body}}) + "\n")
        self.process.stdin.flush()
        assert json.loads(self.process.stdout.readline()) == {"ok": True}


@pytest.fixture
def peer() -> Iterator[Peer]:
    started = Peer()
    yield started
    started.process.kill()
    started.process.wait()


@pytest.fixture
def mock_site(tmp_path: Path, peer: Peer, key: str) -> Repo:
    site = Repo(tmp_path / "mock-site")
    site.write(
        "socialgit.yml",
        f"""\
        accounts:
          mock:
            provider: testoauth
            client_id: any-client
            authorize_url: {peer.url}/authorize
            token_url: {peer.url}/token
            base_url: {peer.url}
            me_path: /userinfo
        """,
    )
    account = load_config(site.root).config.accounts["mock"]
    with httpx.Client(timeout=10) as client:
        connect(
            Vault.open(site.root),
            account,
            client,
            ask=lambda p, o: "mock-secret-77",
            show=browser,
            timeout=10,
        )
    return site


def _refresh(site: Repo) -> dict[str, Any]:
    account = load_config(site.root).config.accounts["mock"]
    with httpx.Client(timeout=10) as client:
        refresh_account(Vault.open(site.root), account, client)
    return dict(Vault.open(site.root).get("mock") or {})


def test_connect_and_refresh_against_the_mock(mock_site: Repo) -> None:
    first = dict(Vault.open(mock_site.root).get("mock") or {})
    assert first["access_token"] and first["refresh_token"]
    assert first["client_secret"] == "mock-secret-77"
    assert Vault.open(mock_site.root).expiry("mock") is not None
    second = _refresh(mock_site)
    assert second["refresh_token"] != first["refresh_token"]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, {"error": "server_error"}, Transient),
        (503, {}, Transient),
        (400, {"error": "invalid_grant"}, AuthRevoked),
        (401, {"error": "invalid_client"}, AuthRevoked),
    ],
)
def test_forced_token_failures(
    mock_site: Repo, peer: Peer, status: int, body: dict[str, Any], error: type[Exception]
) -> None:
    before = (mock_site.root / VAULT_FILE).read_bytes()
    peer.next("token", status, body)
    with pytest.raises(error) as caught:
        _refresh(mock_site)
    assert ("socialgit connect mock" in str(caught.value)) == (error is AuthRevoked)
    assert (mock_site.root / VAULT_FILE).read_bytes() == before


def test_answer_without_refresh_token_keeps_ours(mock_site: Repo, peer: Peer) -> None:
    first = dict(Vault.open(mock_site.root).get("mock") or {})
    peer.next("token", 200, {"access_token": "only-access-123", "expires_in": 60})
    got = _refresh(mock_site)
    assert got["access_token"] == "only-access-123"
    assert got["refresh_token"] == first["refresh_token"]


def test_expired_userinfo_is_auth_expired(mock_site: Repo, peer: Peer) -> None:
    stored = Vault.open(mock_site.root).get("mock") or {}
    peer.next("userinfo", 401, {"error": "invalid_token"})
    with httpx.Client() as client, pytest.raises(AuthExpired):
        bearer_get(client, f"{peer.url}/userinfo", stored, account="mock", op="whoami")
