"""Where the runner gets credentials: the one seam between publishing and the vault.

Each account's entry is read from the vault (``.socialgit/vault.json``, key in
``SOCIALGIT_KEY``) when a delivery needs it; an account without an entry gets ``{}`` (an
``outbox``, a ``webhook`` whose ``url:`` is in socialgit.yml). Credentials are refreshed in
two places, each time under a lease on the remote and pushed in a commit of the vault alone
before the new access token is used (socialgit.runner.tokens):

- after the claim push, the accounts about to be used whose credentials expire within
  :data:`SOON` (``Hooks.after_claim``);
- when a provider answers ``AuthExpired`` (to a post or to the look-up of a delivery in
  doubt): once, then the call is retried once (``Hooks.refresh``, called by
  ``socialgit.runner.deliver``).

Before the run looks at anything (``Hooks.bind``), a refreshed vault that an interrupted run
saved but never pushed is put on the remote. Only a refresh whose push failed goes with the
results commit (``Hooks.results_files``). The credentials work can take over fully by
defining ``runner_hooks(root: Path) -> socialgit.runner.Hooks`` in socialgit/credentials/refresh.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from providers import PROVIDERS
from socialgit.credentials.vault import KEY_ENV, Vault
from socialgit.errors import SocialgitError, VaultError
from socialgit.model import Account
from socialgit.runner.git import Repo
from socialgit.runner.run import Hooks
from socialgit.runner.tokens import Tokens
from socialgit.runner.work import Work

SOON = timedelta(minutes=10)  # refreshed before delivering when expiring within this


def hooks(root: Path) -> Hooks:
    from socialgit.credentials import refresh as credentials

    make = getattr(credentials, "runner_hooks", None)
    if make is not None:
        found = make(root)
        if isinstance(found, Hooks):
            return found
    reader = _VaultReader(Tokens(root))
    return Hooks(
        credentials=reader,
        refresh=reader.refresh,
        bind=reader.bind,
        check=reader.check,
        after_claim=reader.refresh_due,
        ending=reader.ending,
        results_files=reader.tokens.results_files,
    )


class _VaultReader:
    """Opens the vault on first use (a run with only outbox accounts never needs the key)."""

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens

    def bind(self, repo: Repo, push: bool) -> None:
        self.tokens.bind(repo, push)

    def check(self, work: list[Work]) -> None:
        """Stop the run before it claims anything when the vault cannot serve it at all: a
        malformed key, an unreadable vault file, no key while the accounts about to be used
        have entries, or a key that opens none of the entries. Each would fail every
        credentialed delivery for good; an entry that fails alone stays its account's error.
        Raises ``VaultError``."""
        names = {w.account.name for w in work if PROVIDERS[w.account.provider].SECRETS}
        if not names:
            return  # e.g. only outbox: the key is not needed
        vault = self.tokens.vault()
        stored = sorted(names & set(vault.accounts()))
        if not stored:
            return
        if not vault.has_key:
            raise VaultError(
                f"{KEY_ENV} is not set, and the vault's credentials are needed for "
                f"{', '.join(stored)}; set it to the vault's key (in GitHub Actions: the "
                f"repository secret {KEY_ENV})"
            )
        vault.check_key()

    def __call__(self, account: Account) -> dict[str, Any]:
        found = self.tokens.get(account.name)
        return found if found else {}  # keep its type: its repr hides the secrets

    def refresh(self, account: Account, used: dict[str, Any]) -> dict[str, Any]:
        """The network refused ``used`` as expired: refresh once (unless another call, or
        another runner, just did) and return the new credentials. Errors: ``Transient``
        (nothing stored changed, or a lease held elsewhere), ``AuthRevoked`` (reconnect),
        ``VaultError``."""

        def stale(vault: Vault, name: str) -> bool:
            stored = vault.get(name) if name in vault.accounts() else None
            return not stored or not stored.get("access_token") or dict(stored) == dict(used)

        failures = self.tokens.refresh({account.name: account}, stale)
        failure = failures.get(account.name)
        if failure is not None:
            raise failure
        return dict(self.tokens.get(account.name) or {})

    def ending(self, accounts: list[Account], within: timedelta) -> list[tuple[str, datetime]]:
        """The accounts whose credentials a person must renew within ``within`` (ended
        ones too), with when; for the alerts. Nothing when the vault cannot be read."""
        from socialgit.credentials.doctor import renew_by

        now = datetime.now(UTC)  # real time: expiry is the network's, not ``--at``
        found = []
        try:
            vault = self.tokens.vault()
            names = set(vault.accounts()) if vault.has_key else set()
            for account in accounts:
                if account.name not in names:
                    continue
                stored = dict(vault.get(account.name) or {})
                provider = PROVIDERS[account.provider]
                ends = renew_by(provider, vault, account.name, stored, now)
                if ends is not None and ends <= now + within:
                    found.append((account.name, ends))
        except SocialgitError:
            return found  # doctor and the deliveries say what is wrong with the vault
        return found

    def refresh_due(self, work: list[Work]) -> None:
        """Before delivering (the claim is pushed): refresh the accounts about to be used
        whose credentials expire within :data:`SOON`. A failure is left to the delivery,
        which refreshes once more on ``AuthExpired`` and reports what is wrong."""
        repo = self.tokens.repo
        if repo is not None:
            self.tokens.pushed_at(repo.head())
        accounts = {item.account.name: item.account for item in work}
        try:
            vault = self.tokens.vault()
            names = [n for n in sorted(accounts) if n in vault.accounts()]
        except SocialgitError:
            return  # the deliveries report it, per account
        now = datetime.now(UTC)  # real time: expiry is the network's, not ``--at``

        def stale(vault: Vault, name: str) -> bool:
            expiry = vault.expiry(name)
            return expiry is not None and expiry <= now + SOON

        due = {n: accounts[n] for n in names if stale(vault, n)}
        if due:
            self.tokens.refresh(due, stale)
