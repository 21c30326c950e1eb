"""Where the runner gets credentials: the one seam between publishing and the vault.

By default each account's entry is read from the vault (``.socialgit/vault.json``, key in
``SOCIALGIT_KEY``) when a delivery needs it; an account without an entry gets ``{}`` (an
``outbox``, a ``webhook`` whose ``url:`` is in socialgit.yml). Credentials are refreshed
(``socialgit.credentials``, saved to disk before use) in two places:

- after the claim push, the accounts about to be used whose credentials expire within
  :data:`SOON` (``Hooks.after_claim``);
- when a provider answers ``AuthExpired``: once, then the call is retried once
  (``Hooks.refresh``, called by ``socialgit.runner.deliver``).

A vault this run changed is committed with the results (``Hooks.results_files``). The
credentials work can take over fully by defining ``runner_hooks(root: Path) ->
socialgit.runner.Hooks`` in socialgit/credentials.py.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from socialgit.model import Account
from socialgit.runner.run import Hooks
from socialgit.runner.work import Work
from socialgit.vault import VAULT_FILE, write_atomic

SOON = timedelta(minutes=10)  # refreshed before delivering when expiring within this


def hooks(root: Path) -> Hooks:
    from socialgit import credentials

    make = getattr(credentials, "runner_hooks", None)
    if make is not None:
        found = make(root)
        if isinstance(found, Hooks):
            return found
    vault = _VaultReader(root)
    return Hooks(
        credentials=vault,
        refresh=vault.refresh,
        after_claim=vault.refresh_due,
        results_files=vault.results_files,
    )


class _VaultReader:
    """Opens the vault on first use (a run with only outbox accounts never needs the key).

    Refreshes go through ``socialgit.credentials`` (stored and saved to disk before the new
    token is used) under the one lock, so two threads never spend one refresh token. What
    was saved is committed with the run's results (:meth:`results_files`).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.RLock()  # delivery threads share one decrypted vault
        self.vault: Any = None
        self.saved: bytes | None = None  # the vault as this run last wrote it

    def _open(self) -> Any:
        from socialgit.vault import Vault

        if self.vault is None:
            self.vault = Vault.open(self.root)
        return self.vault

    def __call__(self, account: Account) -> dict[str, Any]:
        with self.lock:
            vault = self._open()
            found = vault.get(account.name) if account.name in vault.accounts() else None
        return found if found else {}  # keep its type: its repr hides the secrets

    def refresh(self, account: Account, used: dict[str, Any]) -> dict[str, Any]:
        """The network refused ``used`` as expired: refresh once (unless another call just
        did) and return the new credentials. Errors are the provider's (``Transient``: nothing
        stored changed; ``AuthRevoked``: reconnect) or a ``VaultError``."""
        from socialgit.credentials import refresh_account

        with self.lock:
            vault = self._open()
            stored = vault.get(account.name) if account.name in vault.accounts() else None
            if stored and stored.get("access_token") and stored != used:
                return dict(stored)  # refreshed since these were read: use the newer ones
            with _client() as client:
                refresh_account(vault, account, client)  # stored and saved, or raises
            self.saved = vault.dumps()
            return dict(vault.get(account.name) or {})

    def refresh_due(self, work: list[Work]) -> None:
        """Before delivering (the claim is pushed): refresh the accounts about to be used
        whose credentials expire within :data:`SOON`. A failure is left to the delivery,
        which refreshes once more on ``AuthExpired`` and reports what is wrong."""
        from socialgit import credentials
        from socialgit.errors import SocialgitError

        accounts = {item.account.name: item.account for item in work}
        with self.lock:
            try:
                vault = self._open()
            except SocialgitError:
                return  # the deliveries report it, per account
            names = [n for n in sorted(accounts) if n in vault.accounts()]
            now = datetime.now(UTC)  # real time: expiry is the network's, not ``--at``
            for name in names:
                expiry = vault.expiry(name)
                if expiry is None or expiry > now + SOON:
                    continue
                try:
                    with _client() as client:
                        credentials.refresh_account(vault, accounts[name], client)
                except SocialgitError:  # Transient & co. changed nothing stored
                    continue
                self.saved = vault.dumps()

    def results_files(self) -> list[str]:
        """The vault, when this run saved a refresh: what the results commit must carry.
        After a rejected push reset the checkout, our entries are merged back in (per
        account, the newest wins), so a rotated token is never lost."""
        from socialgit.vault_sync import merge_vaults

        with self.lock:
            if self.saved is None:
                return []
            path = self.root / VAULT_FILE
            current = path.read_bytes() if path.exists() else b""
            if current != self.saved:
                merged = merge_vaults(self.saved, current) if current else self.saved
                write_atomic(path, merged)
                self.saved = merged
                self.vault = None  # reopen from what is on disk now
            return [VAULT_FILE]


def _client() -> httpx.Client:
    read = float(os.environ.get("SOCIALGIT_HTTP_TIMEOUT", "30"))
    return httpx.Client(timeout=httpx.Timeout(read, connect=10.0), follow_redirects=False)
