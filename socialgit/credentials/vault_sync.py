"""Committing and pushing the vault, so that no two runners spend one refresh token.

The rule (``socialgit refresh``; the runner follows the same order, with commits of the
vault alone built on the remote's tip, in ``socialgit.runner.tokens``):

1. **Recover first.** If ``.socialgit/vault.json`` differs from HEAD, an earlier run died
   after a refresh answer was saved but before it was committed: those are the newest
   tokens we hold (the old refresh token may already be spent). Commit them first.
2. **Sync**: fetch and merge the remote branch. The vault merges per account: the entry
   written last (``updated``) wins, because with rotating tokens only the newest
   successful refresh holds a live token.
3. **Lease before spending.** For each account due, write a lease (``leases`` in the vault:
   who, since when, until when; :data:`LEASE`) and push it. The push is the lock: if it is
   rejected, another runner moved first; undo our lease commit, sync, and recompute what
   is due (the other runner may have refreshed it already). An account under someone
   else's live lease is skipped with a message, never refreshed a second time.
4. **Refresh**, saving each answer to disk at once (``socialgit.credentials.refresh``), then commit
   the vault alone and push. A rejected push here is not a lost race (we hold the lease):
   sync, which keeps our newer entries, and push again.

What can still be lost, and what then happens: a run killed after the network answered
but before its push, on a machine whose disk is gone (a CI runner), loses the new refresh
token. The old one in git is spent; after the lease runs out, the next refresh gets
``invalid_grant`` and says ``socialgit connect ACCOUNT``, which is the one thing left to
do. Rerun on the same checkout, step 1 commits and pushes the saved tokens instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialgit import author
from socialgit.credentials import refresh as credentials
from socialgit.credentials.vault import VAULT_FILE, Vault, dumps, parse_time
from socialgit.credentials.vault import _parse as parse_vault
from socialgit.errors import RepoError, SocialgitError, VaultError
from socialgit.model import Config
from socialgit.redact import register, scrub

LEASE = timedelta(minutes=10)
TRIES = 3
HOLD_ENV = "SOCIALGIT_TEST_HOLD_AFTER_REFRESH"  # tests: pause here so they can kill us


@dataclass
class Outcome:
    refreshed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # account -> why
    failures: dict[str, SocialgitError] = field(default_factory=dict)
    recovered: bool = False
    committed: bool = False
    pushed: bool = False


def refresh_repo(
    root: Path,
    config: Config,
    client_for: credentials.ClientFor,
    now: datetime,
    within: timedelta,
    *,
    only: Iterable[str] | None = None,
    push: bool = True,
) -> Outcome:
    """``socialgit refresh``: steps 1–4 of the module's rule."""
    out = Outcome()
    git = Git.at(root)
    if git and git.changed(VAULT_FILE):
        out.recovered = git.commit(
            VAULT_FILE, "vault: keep credentials saved by an interrupted run"
        )
    remote = git.upstream() if git and push else None
    wanted = list(only) if only is not None else None
    me = f"{socket.gethostname()}:{os.getpid()}"
    todo: list[str] = []
    vault = Vault.open(root)
    for _ in range(TRIES):
        if git and remote:
            git.sync(*remote)
        vault = Vault.open(root)
        vault.check_key()  # a key that opens none of the vault stops here, before any lease
        todo = []
        for name in credentials.due(vault, config, now, within, wanted):
            try:
                vault.get(name)  # an entry that cannot be read fails now, not under a lease
            except VaultError as exc:
                out.failures[name] = exc
                continue
            held = leased(vault, name)
            if held:
                out.skipped[name] = held
                continue
            todo.append(name)
        if not (todo and git and remote):
            break
        start = datetime.now(UTC)
        for name in todo:
            vault.set_lease(name, me, start, start + LEASE)
        vault.save()
        git.commit(VAULT_FILE, f"vault: lease the refresh of {', '.join(todo)}")
        if git.push(*remote):
            break
        git.undo_last_commit(VAULT_FILE)
        todo = []
    out.refreshed = credentials.refresh_due(
        vault, config, client_for, now, within, only=todo, failures=out.failures
    )
    for name in out.failures:
        vault.clear_lease(name)
    vault.save()
    _hold_for_tests()
    if git:
        if out.refreshed:
            message = f"vault: refresh {', '.join(out.refreshed)}"
        else:  # nothing refreshed: only our leases come off again
            message = f"vault: release the lease of {', '.join(todo)}"
        out.committed = git.commit(VAULT_FILE, message)
    if git and remote and (out.committed or out.recovered or git.vault_ahead(*remote)):
        out.pushed = _push_until_accepted(git, remote)
    return out


def leased(vault: Vault, name: str) -> str | None:
    """Why ``name`` must not be refreshed now (another run's live lease), or None."""
    lease = vault.lease(name)
    updated = vault.updated(name)
    if lease is None or (updated and updated >= lease.at):
        return None
    if lease.until <= datetime.now(UTC):
        return None
    return (
        f"being refreshed by {lease.by} since {lease.at:%Y-%m-%d %H:%M}Z; skipped (lease "
        f"until {lease.until:%H:%M}Z; if that run died, rerun `socialgit refresh` after that)"
    )


def _push_until_accepted(git: Git, remote: tuple[str, str]) -> bool:
    for _ in range(TRIES):
        if git.push(*remote):
            return True
        git.sync(*remote)
    raise RepoError(
        f"could not push the refreshed vault after {TRIES} tries; it is committed in this "
        "checkout: push it (`git push`) before anything else uses these accounts"
    )


def _hold_for_tests() -> None:
    marker = os.environ.get(HOLD_ENV)
    if marker:
        Path(marker).write_text("saved\n", encoding="utf-8")
        time.sleep(60)


# -- merging two vaults ----------------------------------------------------------------------
def _credential_in(url: str) -> str | None:
    """The secret a remote URL carries in its userinfo (``https://user:TOKEN@host`` or
    ``https://TOKEN@host``), if any; the rest of the URL is public and must stay readable in
    an Actions log, where every registered value is masked."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return parts.password or (parts.username if "@" in parts.netloc else None)


def merge_vaults(ours: bytes, theirs: bytes) -> bytes:
    """Per account, the entry written last wins (ties: theirs); leases come from theirs,
    dropped once the entry they announced has landed."""
    mine, other = parse_vault(ours), parse_vault(theirs)
    accounts: dict[str, Any] = dict(other["accounts"])
    for name, entry in mine["accounts"].items():
        there = accounts.get(name)
        if there is None or _stamp(entry) > _stamp(there):
            accounts[name] = entry
    merged: dict[str, Any] = {**other, "accounts": accounts}
    leases = {
        name: lease
        for name, lease in other.get("leases", {}).items()
        if name not in accounts or _stamp(accounts[name]) < _lease_at(lease)
    }
    merged.pop("leases", None)
    if leases:
        merged["leases"] = leases
    return dumps(merged)


def _stamp(entry: Any) -> datetime:
    try:
        return parse_time(entry.get("updated")) or datetime.min.replace(tzinfo=UTC)
    except (AttributeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def _lease_at(lease: Any) -> datetime:
    try:
        return parse_time(lease.get("at")) or datetime.max.replace(tzinfo=UTC)
    except (AttributeError, ValueError):
        return datetime.max.replace(tzinfo=UTC)


# -- git ---------------------------------------------------------------------------------------
class Git:
    """The few git operations the vault needs, run with the git command line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.author = author.environment(root)  # the same commits' author as the runner's

    @classmethod
    def at(cls, root: Path) -> Git | None:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            text=True,
            check=False,
        )
        return cls(root) if done.returncode == 0 and done.stdout.strip() == "true" else None

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.author, "GIT_TERMINAL_PROMPT": "0"}
        done = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if check and done.returncode != 0:
            said = scrub(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")
            raise RepoError(f"git {args[0]} failed: {said}")
        return done

    def changed(self, path: str) -> bool:
        return bool(self.run("status", "--porcelain", "--", path).stdout.strip())

    def commit(self, path: str, message: str) -> bool:
        """Commit ``path`` alone (whatever else is staged stays staged); True if committed."""
        if not self.changed(path):
            return False
        self.run("add", "--", path)
        self.run("commit", "--quiet", "--no-verify", "-m", message, "--only", "--", path)
        return True

    def undo_last_commit(self, path: str) -> None:
        self.run("reset", "--quiet", "--soft", "HEAD~1")
        self.run("checkout", "HEAD", "--", path)

    def upstream(self) -> tuple[str, str] | None:
        branch = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        name = branch.stdout.strip()
        if not name:
            return None
        remote = self.run("config", f"branch.{name}.remote", check=False).stdout.strip()
        merge = self.run("config", f"branch.{name}.merge", check=False).stdout.strip()
        if not remote:
            remotes = self.run("remote").stdout.split()
            if "origin" not in remotes:
                return None
            remote = "origin"
        url = self.run("remote", "get-url", remote, check=False).stdout.strip()
        register(_credential_in(url))  # a token in the remote's URL is masked everywhere
        return remote, merge.removeprefix("refs/heads/") or name

    def vault_ahead(self, remote: str, branch: str) -> bool:
        """Whether this checkout holds vault commits the remote lacks (an earlier push that
        failed), and nothing else: a person's own unpushed commits are theirs to push."""
        done = self.run("rev-list", f"{remote}/{branch}..HEAD", check=False)
        commits = done.stdout.split()
        if done.returncode != 0 or not commits:
            return False
        changed = self.run("diff", "--name-only", f"{remote}/{branch}", "HEAD", check=False)
        return changed.stdout.split() == [VAULT_FILE]

    def push(self, remote: str, branch: str) -> bool:
        """True if the remote took it; False if it was rejected (someone pushed first)."""
        done = self.run("push", "--quiet", remote, f"HEAD:refs/heads/{branch}", check=False)
        if done.returncode == 0:
            return True
        text = done.stderr
        if "rejected" in text or "fetch first" in text or "non-fast-forward" in text:
            return False
        said = scrub(text.strip().splitlines()[-1] if text.strip() else "")
        raise RepoError(f"git push failed: {said}")

    def sync(self, remote: str, branch: str) -> None:
        """Fetch and merge ``remote/branch``; a vault conflict merges per account."""
        done = self.run("fetch", "--quiet", remote, branch, check=False)
        if done.returncode != 0:
            if "couldn't find remote ref" in done.stderr:
                return  # the branch is not on the remote yet: nothing to merge
            said = scrub(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "")
            raise RepoError(f"git fetch failed: {said}")
        merged = self.run("merge", "--quiet", "--no-edit", "FETCH_HEAD", check=False)
        if merged.returncode == 0:
            return
        conflicts = self.run("diff", "--name-only", "--diff-filter=U").stdout.split()
        if conflicts != [VAULT_FILE]:
            self.run("merge", "--abort", check=False)
            raise RepoError(
                f"cannot merge {remote}/{branch} into this checkout (conflicts in "
                f"{', '.join(conflicts) or 'the working tree'}); resolve them and rerun"
            )
        ours = self.run("show", f":2:{VAULT_FILE}").stdout.encode("utf-8")
        theirs = self.run("show", f":3:{VAULT_FILE}").stdout.encode("utf-8")
        (self.root / VAULT_FILE).write_bytes(merge_vaults(ours, theirs))
        self.run("add", "--", VAULT_FILE)
        self.run("commit", "--quiet", "--no-verify", "--no-edit")
