"""The runner refreshes credentials: expired ones before delivering (after the claim push),
and once on ``AuthExpired`` (a post, or the look-up of a delivery in doubt or a duplicate).
Each refresh is leased and pushed in a commit of the vault alone before the new access token
is used; a refreshed vault left by a dead run is recovered, not a reason to stop."""

from __future__ import annotations

import stat
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from providers.base import Credentials, OnPart, Outgoing, Receipt
from socialgit.config import load_config
from socialgit.credentials import oauth
from socialgit.credentials.refresh import refresh_account
from socialgit.credentials.vault import VAULT_FILE, Vault
from socialgit.errors import Duplicate, OutcomeUnknown
from socialgit.model import Account
from socialgit.runner import Options, RunReport, publish
from socialgit.runner.credentials import hooks
from socialgit.runner.git import Repo as GitRepo
from tests.conftest import Repo
from tests.credentials import testprovider
from tests.credentials.conftest import CLIENT_ID, CLIENT_SECRET, _clean, git, key, server, site
from tests.credentials.test_refresh import connected
from tests.oauth_server import OAuthServer

__all__ = ["_clean", "key", "server", "site"]  # the credentials fixtures, used here as they are

AT = datetime(2026, 1, 1, 9, 1, tzinfo=UTC)
LATER = AT + timedelta(minutes=40)  # past claim_timeout: a claim left behind is in doubt


def remote_vault(site: Repo, rev: str = "main") -> Vault:
    """The vault as the remote holds it at ``rev``."""
    remote = site.root.parent / "remote.git"
    out = site.root.parent / "remote-vault"
    (out / ".socialgit").mkdir(parents=True, exist_ok=True)
    (out / VAULT_FILE).write_text(git(remote, "show", f"{rev}:{VAULT_FILE}"), encoding="utf-8")
    return Vault.open(out)


def remote_log(site: Repo) -> list[str]:
    return git(site.root.parent / "remote.git", "log", "--format=%s", "main").splitlines()


@pytest.fixture
def posted(monkeypatch: pytest.MonkeyPatch, site: Repo) -> list[tuple[str, bool]]:
    """Give the test network a ``post``: the fixture's protected endpoint, with the token.
    Records (key, whether the access token it used was on the remote at that moment)."""
    sent: list[tuple[str, bool]] = []

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
        there = (remote_vault(site).get("acme") or {}).get("access_token")
        sent.append((outgoing.key, there == credentials["access_token"]))
        return Receipt(id=f"post-{len(sent)}", url=None, parts=(f"post-{len(sent)}",))

    monkeypatch.setattr(testprovider, "post", post)
    return sent


def add_post(site: Repo) -> None:
    site.write("content/hello.md", "---\npublish_at: 2026-01-01 09:00\ntargets: [acme]\n---\nHi\n")
    git(site.root, "add", "content/hello.md")
    git(site.root, "commit", "-q", "-m", "post")
    git(site.root, "push", "-q")


def run(site: Repo, at: datetime = AT, push: bool = True) -> RunReport:
    # Without push, as `--no-push --no-lock`: this site has a remote, and acme is a network.
    return publish(site.root, Options(at=at, push=push, lock=push), hooks(site.root))


def refreshes(server: OAuthServer) -> int:
    return sum(1 for r in server.token_requests if r.get("grant_type") == "refresh_token")


def spent(server: OAuthServer, refresh_token: str) -> bool:
    replay = httpx.post(
        f"{server.url}/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
    )
    return replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def network_expires_it(site: Repo) -> None:
    """The vault believes the token lives on; the network expires it: only a 401 tells."""
    vault = Vault.open(site.root)
    later = datetime.now(UTC) + timedelta(hours=2)
    vault.put("acme", {**(vault.get("acme") or {}), "expires_at": later.isoformat()})
    vault.save()
    git(site.root, "commit", "-q", "-m", "expiry", "--", VAULT_FILE)
    git(site.root, "push", "-q")
    time.sleep(1.5)


def assert_vault_pushed_alone_before_use(site: Repo, posted: list[tuple[str, bool]]) -> None:
    assert [on_remote for _, on_remote in posted] == [True]
    log = remote_log(site)
    assert log[:4] == [
        "socialgit: 1 of 1 delivery published",
        "vault: refresh acme",
        "vault: lease the refresh of acme",
        "socialgit: claim 1 delivery",
    ]
    remote = site.root.parent / "remote.git"
    assert git(remote, "show", "--name-only", "--format=", "main~2").split() == [VAULT_FILE]
    assert git(remote, "show", "--name-only", "--format=", "main~1").split() == [VAULT_FILE]
    assert VAULT_FILE not in git(remote, "show", "--name-only", "--format=", "main")
    # The checkout followed the vault commit: the results went on top, no push was rejected.
    assert git(site.root, "status", "--porcelain") == ""
    assert git(site.root, "rev-parse", "HEAD") == git(site.root, "rev-parse", "origin/main")


def test_expired_credentials_are_refreshed_and_pushed_before_delivering(
    site: Repo, key: str, server: OAuthServer, posted: list[tuple[str, bool]]
) -> None:
    first = connected(site, server, lifetime=1)
    time.sleep(1.5)  # the access token (and its expires_at in the vault) is in the past
    server.access_lifetime = 3600
    add_post(site)
    report = run(site)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    assert len(posted) == 1 and refreshes(server) == 1
    assert_vault_pushed_alone_before_use(site, posted)
    stored = remote_vault(site).get("acme") or {}
    assert stored["refresh_token"] != first["refresh_token"]
    assert server.valid_access(stored["access_token"])
    assert spent(server, first["refresh_token"])
    assert remote_vault(site).lease("acme") is None


def test_auth_expired_refreshes_once_pushes_and_retries(
    site: Repo, key: str, server: OAuthServer, posted: list[tuple[str, bool]]
) -> None:
    first = connected(site, server, lifetime=1)
    network_expires_it(site)
    server.access_lifetime = 3600
    add_post(site)
    report = run(site)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    assert len(posted) == 1 and refreshes(server) == 1
    assert_vault_pushed_alone_before_use(site, posted)
    stored = remote_vault(site).get("acme") or {}
    assert stored["refresh_token"] != first["refresh_token"]
    assert spent(server, first["refresh_token"])


def test_a_passing_refresh_failure_retries_later_and_wipes_nothing(
    site: Repo, key: str, server: OAuthServer, posted: list[tuple[str, bool]]
) -> None:
    first = connected(site, server, lifetime=1)
    time.sleep(1.5)
    server.fail_next = [(503, {}), (503, {})]  # the proactive and the reactive refresh
    add_post(site)
    report = run(site)
    assert [o.state for o in report.outcomes] == ["retry"], report.outcomes
    assert "refreshing failed" in report.outcomes[0].message
    assert "socialgit connect" not in report.outcomes[0].message
    assert Vault.open(site.root).get("acme") == first  # a passing failure wipes nothing
    assert remote_vault(site).get("acme") == first
    assert remote_vault(site).lease("acme") is None  # the leases were released
    assert remote_log(site).count("vault: release the lease") == 2
    assert git(site.root, "status", "--porcelain") == ""
    assert posted == []


def test_revoked_says_connect(
    site: Repo, key: str, server: OAuthServer, posted: list[tuple[str, bool]]
) -> None:
    connected(site, server, lifetime=1)
    time.sleep(1.5)
    server.fail_next = [(400, {"error": "invalid_grant"})]
    add_post(site)
    report = run(site)
    assert [o.state for o in report.outcomes] == ["error"], report.outcomes
    assert report.outcomes[0].message.endswith("run `socialgit connect acme`")
    assert refreshes(server) == 1  # refused for good: not spent a second time on the 401
    assert remote_vault(site).lease("acme") is None


def test_a_refresh_that_cannot_be_pushed_is_not_used(
    site: Repo, key: str, server: OAuthServer, posted: list[tuple[str, bool]]
) -> None:
    first = connected(site, server, lifetime=1)
    time.sleep(1.5)
    server.access_lifetime = 3600
    add_post(site)
    hook = site.root.parent / "remote.git" / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\nwhile read old new ref; do\n"
        '  if git log -1 --format=%s "$new" | grep -q "^vault: refresh"; then exit 1; fi\n'
        "done\n"
    )
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    report = run(site)
    assert [o.state for o in report.outcomes] == ["retry"], report.outcomes
    assert "could not be pushed" in report.outcomes[0].message
    assert posted == []  # the new access token was never used
    # The results commit carried it instead: the rotated token is on the remote.
    stored = remote_vault(site).get("acme") or {}
    assert stored["refresh_token"] != first["refresh_token"]
    assert server.valid_access(stored["access_token"])
    assert VAULT_FILE in git(site.root.parent / "remote.git", "show", "--name-only", "main")


def test_without_push_the_vault_is_its_own_local_commit(
    site: Repo, key: str, server: OAuthServer, posted: list[tuple[str, bool]]
) -> None:
    connected(site, server, lifetime=1)
    time.sleep(1.5)
    server.access_lifetime = 3600
    add_post(site)
    report = run(site, push=False)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    log = git(site.root, "log", "--format=%s").splitlines()
    assert log[:3] == [
        "socialgit: 1 of 1 delivery published",
        "vault: refresh acme",
        "socialgit: claim 1 delivery",
    ]
    assert git(site.root, "status", "--porcelain") == ""


def test_a_refreshed_vault_left_uncommitted_is_recovered(
    site: Repo, key: str, server: OAuthServer, posted: list[tuple[str, bool]]
) -> None:
    """A run died after saving a refresh answer: the checkout holds the only live token."""
    first = connected(site, server, lifetime=1)
    time.sleep(1.5)
    server.access_lifetime = 3600
    account = load_config(site.root).config.accounts["acme"]
    with httpx.Client(timeout=5) as client:
        refresh_account(Vault.open(site.root), account, client)  # saved to disk only
    assert git(site.root, "status", "--porcelain") != ""
    add_post_without_the_vault(site)
    report = run(site)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    assert refreshes(server) == 1 and not server.reused  # the saved one was used
    assert "vault: keep credentials saved by an interrupted run" in remote_log(site)
    stored = remote_vault(site).get("acme") or {}
    assert stored["refresh_token"] != first["refresh_token"]
    assert server.valid_access(stored["access_token"])
    assert git(site.root, "status", "--porcelain") == ""


def add_post_without_the_vault(site: Repo) -> None:
    other = site.root.parent / "person"
    git(site.root.parent, "clone", "-q", str(site.root.parent / "remote.git"), str(other))
    (other / "content").mkdir()
    (other / "content/hello.md").write_text(
        "---\npublish_at: 2026-01-01 09:00\ntargets: [acme]\n---\nHi\n"
    )
    git(other, "add", "content/hello.md")
    git(other, "commit", "-q", "-m", "post")
    git(other, "push", "-q")


def _lookup_with_the_token(server: OAuthServer, found: list[dict[str, Any]]) -> Any:
    def lookup(
        client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
    ) -> Receipt | None:
        base = oauth.endpoint(account, "base_url", None)
        found.append({"token": credentials["access_token"]})
        oauth.bearer_get(client, f"{base}/me", credentials, account=account.name, op="lookup")
        return Receipt(id="post-1", url=None, parts=("post-1",))

    return lookup


def test_the_look_up_of_a_delivery_in_doubt_refreshes_once(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(site, server, lifetime=1)
    network_expires_it(site)
    server.access_lifetime = 3600

    def post_without_answer(*args: object) -> Receipt:
        raise OutcomeUnknown("acme: sent, no answer")

    monkeypatch.setattr(testprovider, "post", post_without_answer)
    add_post(site)
    first = run(site)
    assert [o.state for o in first.outcomes] == ["doubt"], first.outcomes
    looked: list[dict[str, Any]] = []
    monkeypatch.setattr(testprovider, "lookup", _lookup_with_the_token(server, looked))
    second = run(site, LATER)
    assert [o.state for o in second.outcomes] == ["published"], second.outcomes
    assert len(looked) == 2 and looked[0] != looked[1]  # 401, refresh, looked again
    assert refreshes(server) == 1
    assert (remote_vault(site).get("acme") or {})["access_token"] == looked[1]["token"]


def test_the_look_up_after_a_duplicate_refreshes_once(
    site: Repo, key: str, server: OAuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected(site, server, lifetime=1)
    network_expires_it(site)
    server.access_lifetime = 3600

    def post_duplicate(*args: object) -> Receipt:
        raise Duplicate("acme: the network has this post already")

    monkeypatch.setattr(testprovider, "post", post_duplicate)
    looked: list[dict[str, Any]] = []
    monkeypatch.setattr(testprovider, "lookup", _lookup_with_the_token(server, looked))
    add_post(site)
    report = run(site)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    assert len(looked) == 2 and refreshes(server) == 1


def test_a_lease_held_elsewhere_is_waited_for_and_its_refresh_used(
    site: Repo, key: str, server: OAuthServer, posted: list[tuple[str, bool]]
) -> None:
    """Another runner leased acme and is refreshing: this run waits, then takes the entry
    that runner pushed, and spends nothing itself."""
    connected(site, server, lifetime=1)
    time.sleep(1.5)
    server.access_lifetime = 3600
    server.revoke_family_on_reuse = True
    other = site.root.parent / "other-runner"
    git(site.root.parent, "clone", "-q", str(site.root.parent / "remote.git"), str(other))
    vault = Vault.open(other)
    now = datetime.now(UTC)
    vault.set_lease("acme", "elsewhere:1", now, now + timedelta(minutes=10))
    vault.save()
    git(other, "commit", "-q", "-am", "vault: lease the refresh of acme")
    git(other, "push", "-q")
    add_post_without_the_vault(site)

    def the_other_runner_refreshes() -> None:
        time.sleep(2.0)
        git(other, "pull", "-q", "--rebase")
        account = load_config(other).config.accounts["acme"]
        with httpx.Client(timeout=5) as client:
            refresh_account(Vault.open(other), account, client)  # drops its lease too
        git(other, "commit", "-q", "-am", "vault: refresh acme")
        git(other, "push", "-q")

    helper = threading.Thread(target=the_other_runner_refreshes)
    started = time.monotonic()
    helper.start()
    try:
        report = run(site)
    finally:
        helper.join()
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    assert time.monotonic() - started >= 2.0  # it waited
    assert refreshes(server) == 1 and not server.reused
    assert posted and all(on_remote for _, on_remote in posted)
    assert "vault: lease the refresh of acme" not in remote_log(site)[:3]


@pytest.mark.parametrize("refresh", ["none", "before", "on-401"])
def test_what_a_refresh_costs_in_commits_and_pushes(
    site: Repo,
    key: str,
    server: OAuthServer,
    posted: list[tuple[str, bool]],
    monkeypatch: pytest.MonkeyPatch,
    refresh: str,
) -> None:
    """Without a refresh a run is two commits and two pushes; a refresh adds two of each (the
    lease, the vault), and no fetch while nobody else pushes."""
    connected(site, server, lifetime=3600 if refresh == "none" else 1)
    if refresh == "on-401":
        network_expires_it(site)
    elif refresh == "before":
        time.sleep(1.5)
    server.access_lifetime = 3600
    add_post(site)
    calls = {"push": 0, "fetch": 0}
    for name in calls:
        original = getattr(GitRepo, name)

        def counted(self: GitRepo, *args: Any, _name: str = name, _f: Any = original) -> Any:
            calls[_name] += 1
            return _f(self, *args)

        monkeypatch.setattr(GitRepo, name, counted)
    before = len(remote_log(site))
    report = run(site)
    assert [o.state for o in report.outcomes] == ["published"], report.outcomes
    extra = 0 if refresh == "none" else 2
    assert len(remote_log(site)) - before == 2 + extra
    assert calls == {"push": 2 + extra, "fetch": 1}
    assert refreshes(server) == (0 if refresh == "none" else 1)
