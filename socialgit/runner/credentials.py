"""Where the runner gets credentials: the one seam between publishing and the vault.

By default each account's entry is read from the vault (``.socialgit/vault.json``, key in
``SOCIALGIT_KEY``) when a delivery needs it; an account without an entry gets ``{}`` (an
``outbox``, a ``webhook`` whose ``url:`` is in socialgit.yml). The credentials work can take
over fully by defining ``runner_hooks(root: Path) -> socialgit.runner.Hooks`` in
socialgit/credentials.py: refreshing expired tokens once (``Hooks.refresh``) and refreshing
before the claim commit, returning the vault's path to commit with the claims
(``Hooks.before_claim_commit``).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from socialgit.model import Account
from socialgit.runner.run import Hooks


def hooks(root: Path) -> Hooks:
    from socialgit import credentials

    make = getattr(credentials, "runner_hooks", None)
    if make is not None:
        found = make(root)
        if isinstance(found, Hooks):
            return found
    return Hooks(credentials=_VaultReader(root))


class _VaultReader:
    """Opens the vault on first use (a run with only outbox accounts never needs the key)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock = threading.Lock()  # delivery threads share one decrypted vault
        self.vault: Any = None

    def __call__(self, account: Account) -> dict[str, Any]:
        from socialgit.vault import Vault

        with self.lock:
            if self.vault is None:
                self.vault = Vault.open(self.root)
            found = self.vault.get(account.name) if account.name in self.vault.accounts() else None
        return found if found else {}  # keep its type: its repr hides the secrets
