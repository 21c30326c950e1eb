"""The runner refreshes credentials: expired ones before delivering (after the claim push),
and once on ``AuthExpired``; the rotated refresh token goes into the results commit."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers.base import Credentials, OnPart, Outgoing, Receipt
from socialgit import oauth
from socialgit.model import Account
from socialgit.runner import Options, RunReport, publish
from socialgit.runner.credentials import hooks
from socialgit.vault import VAULT_FILE, Vault
from tests.conftest import Repo
from tests.credentials import testprovider
from tests.credentials.conftest import CLIENT_ID, CLIENT_SECRET, _clean, git, key, server, site
from tests.credentials.test_refresh import connected
from tests.oauth_server import OAuthServer

__all__ = ["_clean", "key", "server", "site"]  # the credentials fixtures, used here as they are

AT = datetime(2026, 1, 1, 9, 1, tzinfo=UTC)


@pytest.fixture
def posted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Give the test network a ``post``: the fixture's protected endpoint, with the token."""
    sent: list[str] = []

    def post(
        client: httpx.Client,
        account: Account,
        credentials: Credentials,
        outgoing: Outgoing,
        done: tuple[str, ...],
        on_part: OnPart,
    ) -> Receipt:
        base = oauth.endpoint(account, "base_url", None)
        oauth.bearer_get(client, f"{base}/me", credentials, account=account.name, op="post")
        sent.append(outgoing.key)
        return Receipt(id=f"post-{len(sent)}", url=None, parts=(f"post-{len(sent)}",))

    monkeypatch.setattr(testprovider, "post", post)
    return sent


def run(site: Repo) -> RunReport:
    site.write("content/hello.md", "---\npublish_at: 2026-01-01 09:00\ntargets: [acme]\n---\nHi\n")
    git(site.root, "add", "content/hello.md")
    git(site.root, "commit", "-q", "-m", "post")
    git(site.root, "push", "-q")
    return publish(site.root, Options(at=AT), hooks(site.root))


def committed_vault(site: Repo, tmp_path: Path, key: str) -> dict[str, Any]:
    """The vault in the remote's results commit, decrypted with the test key."""
    remote = tmp_path / "remote.git"
    changed = git(remote, "show", "--name-only", "--format=%s", "main").splitlines()
    assert changed[0].startswith("socialgit: 1 of 1 deliveries published")
    assert VAULT_FILE in changed
    out = tmp_path / "committed"
    (out / ".socialgit").mkdir(parents=True)
    (out / VAULT_FILE).write_text(git(remote, "show", f"main:{VAULT_FILE}"), encoding="utf-8")
    return dict(Vault.open(out, key).get("acme") or {})


def refreshes(server: OAuthServer) -> int:
    return sum(1 for r in server.token_requests if r.get("grant_type") == "refresh_token")


def spent(server: OAuthServer, refresh_token: str) -> bool:
    replay = httpx.post(
        f"{server.url}/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
    )
    return replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_expired_credentials_are_refreshed_before_delivering(
    site: Repo, key: str, server: OAuthServer, posted: list[str], tmp_path: Path
) -> None:
    first = connected(site, server, lifetime=1)
    time.sleep(1.5)  # the access token (and its expires_at in the vault) is in the past
    server.access_lifetime = 3600
    report = run(site)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    assert len(posted) == 1 and refreshes(server) == 1
    stored = committed_vault(site, tmp_path, key)
    assert stored["refresh_token"] != first["refresh_token"]
    assert server.valid_access(stored["access_token"])
    assert spent(server, first["refresh_token"])
    assert git(site.root, "status", "--porcelain") == ""


def test_auth_expired_refreshes_once_and_retries(
    site: Repo, key: str, server: OAuthServer, posted: list[str], tmp_path: Path
) -> None:
    first = connected(site, server, lifetime=1)
    # The vault believes the token lives on; the network has expired it: only the 401 tells.
    vault = Vault.open(site.root)
    later = datetime.now(UTC) + timedelta(hours=2)
    vault.put("acme", {**(vault.get("acme") or {}), "expires_at": later.isoformat()})
    vault.save()
    git(site.root, "commit", "-q", "-m", "expiry", "--", VAULT_FILE)
    time.sleep(1.5)
    server.access_lifetime = 3600
    report = run(site)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    assert len(posted) == 1 and refreshes(server) == 1
    stored = committed_vault(site, tmp_path, key)
    assert stored["refresh_token"] != first["refresh_token"]
    assert spent(server, first["refresh_token"])


def test_a_passing_refresh_failure_retries_later_and_wipes_nothing(
    site: Repo, key: str, server: OAuthServer, posted: list[str]
) -> None:
    first = connected(site, server, lifetime=1)
    time.sleep(1.5)
    server.fail_next = [(503, {}), (503, {})]  # the proactive and the reactive refresh
    report = run(site)
    assert [o.state for o in report.outcomes] == ["retry"], report.outcomes
    assert "refreshing failed" in report.outcomes[0].message
    assert Vault.open(site.root).get("acme") == first  # a passing failure wipes nothing
    assert git(site.root, "status", "--porcelain") == ""
    assert posted == []
