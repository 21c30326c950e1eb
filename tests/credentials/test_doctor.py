"""``doctor``: key, each account against its network, expiries, repository activity."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from socialgit.vault import Vault
from tests.conftest import Repo
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


def test_expiry_warnings_and_linkedin_cap(
    site: Repo, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    soon = datetime.now(UTC) + timedelta(days=3)
    vault = Vault.open(site.root)
    vault.put(
        "acme",
        {"access_token": "at-without-refresh", "expires_at": soon.isoformat()},
        {"provider": "testoauth", "refresh_expires_at": soon.isoformat()},
    )
    vault.save()
    result = cli("-C", str(site.root), "doctor")
    assert "cannot be refreshed: `socialgit connect acme`" in result.err
    assert "the refresh token ends" in result.err


def test_idle_repository_warning(site: Repo, key: str) -> None:
    site.post("later", "publish_at: 2099-01-01 09:00\ntargets: [local]")
    old = (datetime.now(UTC) - timedelta(days=55)).isoformat()
    env = {**os.environ, "GIT_COMMITTER_DATE": old, "GIT_AUTHOR_DATE": old}
    git(site.root, "add", "content")
    subprocess.run(["git", "-C", str(site.root), "commit", "-q", "-m", "post"], env=env, check=True)
    result = cli("-C", str(site.root), "doctor", "--strict")
    assert "GitHub disables scheduled workflows after 60 days" in result.err
    assert result.code == 1
