"""Per account the newest vault entry wins a merge, and "newest" is the ``updated`` stamp a
runner's clock wrote. A refresh must outrank the entry it replaced even when this runner's
clock is behind the one that wrote it, or the merge keeps the spent refresh token."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from socialgit.credentials.vault import VAULT_FILE, Vault
from tests.conftest import Repo
from tests.credentials.conftest import _clean, git, key, server, site
from tests.credentials.test_refresh import connected
from tests.oauth_server import OAuthServer
from tests.runner.test_refresh import add_post, posted, refreshes, remote_vault, run, spent

__all__ = ["_clean", "key", "posted", "server", "site"]


def test_a_refresh_outranks_an_entry_stamped_by_a_clock_ahead_of_ours(
    site: Repo, key: str, server: OAuthServer, posted: list[tuple[str, bool]]
) -> None:
    first = connected(site, server, lifetime=1)
    # The entry as a runner whose clock ran 5 minutes ahead wrote it (expired meanwhile).
    vault = Vault.open(site.root)
    ahead = datetime.now(UTC) + timedelta(minutes=5)
    past = datetime.now(UTC) - timedelta(minutes=1)
    vault.put("acme", {**(vault.get("acme") or {}), "expires_at": past.isoformat()}, now=ahead)
    vault.save()
    git(site.root, "commit", "-q", "-m", "refreshed by a runner ahead", "--", VAULT_FILE)
    git(site.root, "push", "-q")
    time.sleep(1.5)
    server.access_lifetime = 3600
    add_post(site)
    report = run(site)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    assert refreshes(server) == 1 and not server.reused
    stored = remote_vault(site).get("acme") or {}
    assert stored["refresh_token"] != first["refresh_token"]  # not the spent one
    assert server.valid_access(stored["access_token"])
    assert spent(server, first["refresh_token"])
