"""Refreshing credentials without ever losing a token.

Two ways in, both for the runner and for ``socialgit refresh``:

- :func:`refresh_due` (proactive): refresh every account whose credentials expire within
  a window;
- :func:`with_fresh_credentials` (reactive): make a call; on :class:`AuthExpired`, refresh
  once and retry once.

The rules every refresh keeps (:func:`refresh_account`):

1. The answer is written to the vault *and the vault saved to disk* before this returns,
   so nothing can use a new (rotated) token before it is stored; the caller commits and
   pushes it next, before using it (``socialgit.credentials.vault_sync`` for ``socialgit refresh``,
   ``socialgit.runner.tokens`` for the runner).
2. An answer without ``refresh_token``, or with an empty one, keeps the stored one; no
   stored value is ever replaced by an empty one.
3. A passing failure (timeout, 5xx, 429) changes nothing stored and is :class:`Transient`
   (or ``RateLimited``); only ``invalid_grant`` & co. are :class:`AuthRevoked`, whose
   message says ``socialgit connect ACCOUNT``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx

from providers import PROVIDERS
from socialgit.credentials.oauth import keep_refresh_token
from socialgit.credentials.vault import Vault, iso
from socialgit.errors import AuthExpired, AuthRevoked, SocialgitError, VaultError
from socialgit.model import Account, Config
from socialgit.redact import register

T = TypeVar("T")
ClientFor = Callable[[Account], httpx.Client]


def due(
    vault: Vault,
    config: Config,
    now: datetime,
    within: timedelta,
    only: Iterable[str] | None = None,
) -> list[str]:
    """Accounts (of the config, with a vault entry) whose credentials expire by now+within."""
    names = list(only) if only is not None else sorted(config.accounts)
    found = []
    for name in names:
        if name not in config.accounts:
            continue
        try:
            expiry = vault.expiry(name)
        except VaultError:  # an edited entry: listed, so that its account alone fails on it
            found.append(name)
            continue
        if expiry is not None and expiry <= now + within:
            found.append(name)
    return found


def refresh_account(vault: Vault, account: Account, client: httpx.Client) -> datetime | None:
    """Refresh one account's credentials, store and save them; returns the new expiry."""
    provider = PROVIDERS[account.provider]
    old = vault.get(account.name)
    if old is None:
        raise VaultError(
            f"{account.name}: no credentials in the vault; run `socialgit connect {account.name}`"
        )
    fresh = provider.refresh_token(client, account, dict(old))
    merged = keep_refresh_token(old, fresh)
    register(merged)
    expiry = provider.expires_at(merged)
    if expiry is not None:
        merged["expires_at"] = iso(expiry)
    vault.put(account.name, merged)
    vault.save()  # on disk before anyone uses the new access token (rule 1)
    return expiry


def refresh_due(
    vault: Vault,
    config: Config,
    client_for: ClientFor,
    now: datetime,
    within: timedelta,
    *,
    only: Iterable[str] | None = None,
    failures: dict[str, SocialgitError] | None = None,
) -> list[str]:
    """Refresh what expires within ``within``; returns the accounts refreshed.

    With ``failures``, an account that fails is recorded there and the others go on;
    without it, the first failure is raised (whatever was refreshed before is saved).
    """
    refreshed = []
    for name in due(vault, config, now, within, only):
        account = config.accounts[name]
        try:
            refresh_account(vault, account, client_for(account))
        except SocialgitError as exc:  # the network's answer, or an entry that cannot be read
            if failures is None:
                raise
            failures[name] = exc
            continue
        refreshed.append(name)
    return refreshed


def with_fresh_credentials(
    vault: Vault,
    account: Account,
    client: httpx.Client,
    call: Callable[[dict[str, Any]], T],
) -> T:
    """``call(credentials)``; on :class:`AuthExpired`, refresh once and retry once. A
    second refusal right after a refresh is :class:`AuthRevoked` (log in again)."""
    credentials = vault.get(account.name)
    if credentials is None:
        raise VaultError(
            f"{account.name}: no credentials in the vault; run `socialgit connect {account.name}`"
        )
    try:
        return call(credentials)
    except AuthExpired:
        pass  # refreshed outside the handler, so the new error does not chain to this one
    refresh_account(vault, account, client)
    fresh = vault.get(account.name) or {}
    try:
        return call(fresh)
    except AuthExpired:
        pass
    raise AuthRevoked(
        f"{account.name}: the network still refuses the credentials right after a refresh; "
        f"run `socialgit connect {account.name}`"
    )


def expiring(vault: Vault, name: str, now: datetime) -> timedelta | None:
    """How long until ``name``'s credentials expire (negative: expired); None: never."""
    expiry = vault.expiry(name)
    return None if expiry is None else expiry - now.astimezone(UTC)
