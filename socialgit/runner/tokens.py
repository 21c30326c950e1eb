"""The runner's vault: credentials read once, and refresh tokens spent under a lease.

A refresh is ``socialgit refresh``'s rule (socialgit.credentials.vault_sync), done on top of
the remote's tip with commits of the vault alone (``Repo.commit_file``): deliveries write into this
checkout meanwhile, so it is never reset or merged here. For the accounts to refresh:

1. **Look** at the vault on the remote (the tip we last pushed, or fetched when a push was
   rejected) merged into ours, per account the entry written last winning. An account
   refreshed elsewhere since we read it is taken from there and not refreshed again.
2. **Lease.** An account under another runner's live lease is waited for (at most
   :data:`WAIT` seconds, polling), then taken from the vault that runner pushed. The others
   get our lease in one commit ("vault: lease the refresh of ..."), pushed: the push is the
   lock; rejected, another runner moved first, so look again.
3. **Refresh**, each answer stored and saved to disk at once (socialgit.credentials.refresh).
4. **Push** the vault alone ("vault: refresh ..."), which drops our lease (a failed refresh's
   lease is released in the same commit). A rejected push is not a lost race, since we hold
   the lease: fetch, merge, push again. Only then is the new access token handed out; the
   checkout is fast-forwarded to that commit when nothing here is in the way.

Without a remote (``--no-push``) nobody races: no lease, and step 4 is a local commit.

A kill between 3 and 4 leaves the rotated token saved in this checkout only. The next run
here recovers it before anything else (:meth:`Tokens.recover`: merged onto the remote's tip,
committed, pushed). On a runner whose disk went with the process it is lost: the lease
holds other runners off until it runs out, and then the spent token's ``invalid_grant``
says ``socialgit connect ACCOUNT``, the one thing left to do.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from socialgit.credentials import refresh as credentials
from socialgit.credentials.vault import KEY_ENV, VAULT_FILE, Vault, parse_key, write_atomic
from socialgit.credentials.vault import _parse as parse_vault
from socialgit.credentials.vault_sync import LEASE, leased, merge_vaults
from socialgit.errors import AuthRevoked, RepoError, SocialgitError, Transient
from socialgit.model import Account
from socialgit.runner.git import Repo
from socialgit.runner.pause import pause

WAIT_ENV = "SOCIALGIT_LEASE_WAIT"
WAIT = 60.0  # seconds to wait for another runner's refresh before trying on a later run
POLL = 1.0
PUSHES = 5
RECOVERED = "vault: keep credentials saved by an interrupted run"

# Says whether an account, as this vault holds it, still needs a refresh.
Stale = Callable[[Vault, str], bool]


class Tokens:
    """One run's view of the vault. Thread-safe: delivery threads share it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / VAULT_FILE
        self.lock = threading.RLock()
        self.repo: Repo | None = None
        self.pushing = False
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        self._vault: Vault | None = None
        self._known: tuple[str, bytes] | None = None  # the remote's tip and its vault
        self._unpushed: bytes | None = None  # saved to disk, not on the remote yet
        self._gave_up: dict[str, str] = {}  # accounts whose lease we waited out in vain
        self._revoked: dict[str, SocialgitError] = {}  # refused for good: not spent again
        # Refreshed, but the push failed: what deliveries get meanwhile (the old entry).
        self._held_back: dict[str, dict[str, Any] | None] = {}

    # -- the repository ---------------------------------------------------------------------
    def bind(self, repo: Repo, push: bool) -> None:
        """The run's repository; recovers what an interrupted run left first."""
        with self.lock:
            self.repo = repo
            self.pushing = push and repo.remote is not None
            if repo.run_id:
                self.me = f"{self.me}:{repo.run_id}"
            self.recover()

    def pushed_at(self, commit: str) -> None:
        """The remote's tip is ``commit`` (the claim just pushed) and its vault is ours."""
        with self.lock:
            if self.pushing and self.repo is not None:
                self._known = (commit, self._read_disk())

    def recover(self) -> bool:
        """A vault changed on disk but not committed is a refresh an interrupted run saved
        and never pushed: the newest tokens (the old refresh token may be spent). Put it on
        the remote (or commit it, without one) before this run looks at anything."""
        repo = self.repo
        if repo is None or not self.path.exists() or not repo.dirty(self.path):
            return False
        ours = self._read_disk()
        if not self.pushing:
            return repo.commit([VAULT_FILE], RECOVERED) is not None
        for _ in range(PUSHES):
            tip = repo.fetch()
            theirs = repo.show(tip, VAULT_FILE) or b""
            merged = _merge(ours, theirs)
            if _accounts(merged) == _accounts(theirs):
                break  # the remote holds all of it already
            if repo.push(repo.commit_file(tip, VAULT_FILE, merged, RECOVERED)):
                break
        else:
            raise RepoError(
                f"{VAULT_FILE} holds credentials an interrupted run saved, and they could not "
                f"be pushed after {PUSHES} tries: commit and push it (git push) before "
                "anything uses these accounts"
            )
        repo.run("checkout", "HEAD", "--", str(self.path))  # the remote has it: sync takes it
        return True

    # -- reading ----------------------------------------------------------------------------
    def vault(self) -> Vault:
        """The vault as this run knows it (opened from disk on first use)."""
        with self.lock:
            if self._vault is None:
                self._vault = Vault.open(self.root)
            return self._vault

    def get(self, name: str) -> dict[str, Any] | None:
        with self.lock:
            if name in self._held_back:
                return self._held_back[name]
            vault = self.vault()
            return vault.get(name) if name in vault.accounts() else None

    # -- refreshing -------------------------------------------------------------------------
    def refresh(
        self, accounts: Mapping[str, Account], stale: Stale, *, wait: bool = True
    ) -> dict[str, SocialgitError]:
        """Refresh those of ``accounts`` that are ``stale`` (steps 1–4 of the module's rule);
        returns the failures by account. Every other account is fresh in :meth:`get`."""
        failures = {n: self._revoked[n] for n in accounts if n in self._revoked}
        todo = {n: a for n, a in accounts.items() if n not in failures}
        deadline = time.monotonic() + (_wait() if wait else 0.0)
        rejected, fetch = 0, False
        while todo:
            with self.lock:
                again = sorted(n for n in todo if n in self._held_back)
                if again:  # refreshed earlier in this run: push it now, never refresh twice
                    names = ", ".join(sorted(self._held_back))
                    self._push_or_hold(again, f"vault: refresh {names}", failures)
                    todo = {n: a for n, a in todo.items() if n not in failures}
                    continue
                try:
                    tip = self._look(fresh=fetch)
                    vault = self.vault()
                    fresh = [n for n in todo if not stale(vault, n)]
                except (RepoError, OSError) as exc:
                    failures.update({n: _passing(n, f"cannot fetch: {exc}") for n in todo})
                    return failures
                except SocialgitError as exc:  # the vault cannot be read (key, edited entry)
                    failures.update({n: exc for n in todo})
                    return failures
                for name in fresh:
                    del todo[name]  # refreshed elsewhere since we read it: theirs is ours now
                held = {n: held_by for n in todo if (held_by := self._held(vault, n))}
                free = {n: a for n, a in todo.items() if n not in held}
                if free:
                    try:
                        took = self._lease(tip, sorted(free))
                    except RepoError as exc:
                        failures.update({n: _passing(n, f"cannot lease: {exc}") for n in free})
                        return failures
                    if not took:  # another runner pushed first: look again
                        rejected, fetch = rejected + 1, True
                        if rejected < PUSHES:
                            continue
                        why = f"other runners kept pushing first ({PUSHES} tries)"
                        failures.update({n: _passing(n, why) for n in free})
                        return failures
                    self._spend(free, failures)
                    todo = {n: a for n, a in todo.items() if n not in free}
                    continue
            if not held:
                break
            if time.monotonic() >= deadline or all(n in self._gave_up for n in held):
                for name, why in held.items():
                    self._gave_up[name] = why
                    failures[name] = _passing(name, why)
                break
            time.sleep(POLL)
            fetch = True  # what we wait for is the other runner's push
        return failures

    def _look(self, fresh: bool) -> str | None:
        """Merge the remote's vault into ours; the tip it is at (None: no remote)."""
        repo = self.repo
        if not self.pushing or repo is None:
            return None
        if fresh or self._known is None:
            tip = repo.fetch()
            self._known = (tip, repo.show(tip, VAULT_FILE) or b"")
        tip, theirs = self._known
        ours = self.vault().dumps() if self.vault().accounts() else b""
        merged = _merge(ours, theirs)
        if merged and merged != ours:
            self._vault = self._from(merged)
        return tip

    def _held(self, vault: Vault, name: str) -> str | None:
        if name in self._gave_up:
            return self._gave_up[name]
        lease = vault.lease(name)
        if lease is None or lease.by == self.me:
            return None
        why = leased(vault, name)
        return f"{name}: {why}" if why else None

    def _lease(self, tip: str | None, names: list[str]) -> bool:
        """Write our lease on ``names`` and push it (False: rejected, look again)."""
        repo = self.repo
        if tip is None or repo is None:
            return True
        vault = self.vault()
        start = datetime.now(UTC)
        for name in names:
            vault.set_lease(name, self.me, start, start + LEASE)
        data = vault.dumps()
        commit = repo.commit_file(
            tip, VAULT_FILE, data, f"vault: lease the refresh of {', '.join(names)}"
        )
        if not repo.push(commit):
            for name in names:
                vault.clear_lease(name)
            return False
        self._known = (commit, data)
        pause("leased")
        return True

    def _spend(self, accounts: Mapping[str, Account], failures: dict[str, SocialgitError]) -> None:
        """Step 3 and 4: refresh (each saved to disk at once), then push before any use."""
        vault = self.vault()
        refreshed = []
        for name, account in sorted(accounts.items()):
            before = vault.get(name) if name in vault.accounts() else None
            try:
                with _client() as client:
                    credentials.refresh_account(vault, account, client)  # saved, or raises
            except SocialgitError as exc:  # Transient changed nothing stored; AuthRevoked
                failures[name] = exc
                if isinstance(exc, AuthRevoked):
                    self._revoked[name] = exc
                continue
            refreshed.append(name)
            self._held_back.setdefault(name, before)
        if refreshed:
            self._unpushed = vault.dumps()
        pause("refreshed")
        what = f"vault: refresh {', '.join(refreshed)}" if refreshed else "vault: release the lease"
        self._push_or_hold(sorted(accounts), what, failures)
        pause("vault-pushed")

    def _push_or_hold(
        self, names: list[str], message: str, failures: dict[str, SocialgitError]
    ) -> None:
        """Push; when that fails, the refreshed accounts are held back (deliveries keep the
        old entry, and their refresh on ``AuthExpired`` tries the push again)."""
        try:
            self._push(names, message)
        except RepoError as exc:
            for name in self._held_back:
                failures[name] = _passing(
                    name,
                    f"refreshed and saved in this checkout, but the vault could not be pushed "
                    f"({exc}); it goes with the run's results, or the next run here pushes it",
                )
            return
        self._held_back.clear()

    def _push(self, leased_names: list[str], message: str) -> None:
        """Put our vault on the remote (dropping our leases), or commit it without one."""
        repo = self.repo
        vault = self.vault()
        if repo is None:
            return  # not bound (a caller outside ``publish``): saved to disk only
        if not self.pushing:
            if repo.commit([VAULT_FILE], message) is not None:
                self._unpushed = None
            return
        ours = vault.dumps()
        for attempt in range(PUSHES):
            self._look(fresh=attempt > 0)
            tip, theirs = self._known or ("", b"")
            merged = self._without_our_leases(_merge(ours, theirs), leased_names)
            commit = repo.commit_file(tip, VAULT_FILE, merged, message)
            if repo.push(commit):
                self._known = (commit, merged)
                self._vault = self._from(merged)
                self._unpushed = None
                self._follow(commit, merged)
                return
        raise RepoError(f"rejected {PUSHES} times")

    def _without_our_leases(self, data: bytes, names: list[str]) -> bytes:
        vault = self._from(data)
        for name in names:
            lease = vault.lease(name)
            if lease is not None and lease.by == self.me:
                vault.clear_lease(name)
        return vault.dumps()

    def _follow(self, commit: str, data: bytes) -> None:
        """Bring this checkout to the pushed vault commit, so the results commit lands on it
        (when something here is in the way, the results push is rejected once and applied
        on top of the remote instead)."""
        repo = self.repo
        assert repo is not None
        write_atomic(self.path, data)  # what is on the remote: never older than ours
        repo.run("add", "--", str(self.path))
        repo.fast_forward(commit)

    # -- the results commit -------------------------------------------------------------------
    def results_files(self) -> list[str]:
        """The vault, when a refresh this run saved is on no remote yet: it goes with the
        results. After a rejected push reset the checkout, ours is merged back in (per
        account, the newest wins), so a rotated token is never lost."""
        with self.lock:
            saved = self._unpushed
            if saved is None:
                return []
            current = self._read_disk()
            if current != saved:
                merged = _merge(saved, current)
                write_atomic(self.path, merged)
                self._unpushed = merged
                self._vault = None  # reopen from what is on disk now
            return [VAULT_FILE]

    # -- helpers ------------------------------------------------------------------------------
    def _read_disk(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""

    def _from(self, data: bytes) -> Vault:
        """A vault holding ``data`` that saves to this repository's file."""
        text = os.environ.get(KEY_ENV)
        key = parse_key(text) if text else None
        return Vault(self.path, parse_vault(data), self._read_disk(), key)


def _merge(ours: bytes, theirs: bytes) -> bytes:
    if not ours:
        return theirs
    if not theirs:
        return ours
    return merge_vaults(ours, theirs)


def _accounts(data: bytes) -> Any:
    return json.loads(data)["accounts"] if data else {}


def _passing(name: str, why: str) -> Transient:
    text = why if why.startswith(f"{name}:") else f"{name}: {why}"
    return Transient(f"{text}; tried again on a later run")


def _wait() -> float:
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, WAIT)))
    except ValueError:
        return WAIT


def _client() -> httpx.Client:
    read = float(os.environ.get("SOCIALGIT_HTTP_TIMEOUT", "30"))
    return httpx.Client(timeout=httpx.Timeout(read, connect=10.0), follow_redirects=False)
