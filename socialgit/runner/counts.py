"""Which published deliveries are due a metrics snapshot, and fetching their counts.

Selecting is a pure function of the posts' results and now (socialgit.stats.snapshots).
Fetching asks each network's ``metrics`` once per delivery, concurrently across accounts
and one at a time within an account, and judges every error by its class, as delivering
does (socialgit.runner.deliver): what may work later is left for a later run, what never
will is recorded once, so no delivery is asked about the same age twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

import httpx

from providers import PROVIDERS
from providers.base import Counts, Credentials, Published
from providers.defaults import no_metrics
from socialgit.content import Content
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    RateLimited,
    Rejected,
    SocialgitError,
    Unsupported,
)
from socialgit.model import Account
from socialgit.runner.deliver import CAPS, DEFAULT_CAP, MAX_THREADS
from socialgit.stats import snapshots
from socialgit.stats.snapshots import Age

# taken: counts written; error: failed for good, the error written (never asked again);
# retry: nothing written, a later run asks again; reconnect: the same, and a person must
# run `socialgit connect`; none: the account gives no metrics, nothing written.
State = Literal["taken", "error", "retry", "reconnect", "none"]


@dataclass(frozen=True)
class Due:
    """A published delivery with the snapshots it is due."""

    account: Account
    item: Published
    ages: tuple[Age, ...]

    @property
    def post(self) -> str:
        return self.item.post


@dataclass(frozen=True)
class Taken:
    due: Due
    state: State
    snapshots: dict[str, dict[str, Any]] = field(default_factory=dict)  # age label → entry
    message: str = ""
    blocks: bool = False  # the account is out of reach for the rest of this run


def select(content: Content, now: datetime) -> list[Due]:
    """Every published delivery with a snapshot due at ``now``. Posts that no longer
    validate still count (what went out is out); drafts and removed accounts do not."""
    found = []
    for report in content.reports:
        post = report.post or report.parsed
        if post is None or post.status == "draft":
            continue
        for name, entry in post.results.items():
            account = content.config.accounts.get(name)
            ages = snapshots.due(entry, now) if account is not None else []
            start = snapshots.went_out(entry)
            if account is None or not ages or start is None:
                continue
            parts = entry.get("parts")
            item = Published(
                id=str(entry["id"]),
                url=str(entry["url"]) if entry.get("url") else None,
                parts=tuple(str(p) for p in parts) if isinstance(parts, list) else (),
                at=start,
                post=post.path,
                account=name,
            )
            found.append(Due(account, item, tuple(ages)))
    return found


@dataclass
class Fetcher:
    client: httpx.Client
    clock: Callable[[], datetime]
    credentials: Callable[[Account], Credentials]
    refresh: Callable[[Account, Credentials], Credentials] | None = None

    def all(self, items: list[Due]) -> list[Taken]:
        by_account: dict[str, list[Due]] = {}
        for item in items:
            by_account.setdefault(item.account.name, []).append(item)
        if not by_account:
            return []
        caps = {
            item.account.provider: threading.Semaphore(CAPS.get(item.account.provider, DEFAULT_CAP))
            for item in items
        }
        with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(by_account))) as pool:
            futures = [pool.submit(self._account, group, caps) for group in by_account.values()]
            return [taken for future in futures for taken in future.result()]

    def _account(self, group: list[Due], caps: dict[str, threading.Semaphore]) -> list[Taken]:
        account = group[0].account
        provider = PROVIDERS[account.provider]
        why = no_metrics(provider, account)
        if why:
            return [Taken(item, "none", message=why) for item in group]
        try:
            auth = _Auth(self.credentials(account))
        except SocialgitError as exc:
            return [Taken(item, "retry", message=f"credentials: {exc}") for item in group]
        done: list[Taken] = []
        for item in group:
            if done and done[-1].blocks:  # revoked, or rate limited: spend no more calls
                done.append(replace(done[-1], due=item))
                continue
            with caps[account.provider]:
                done.append(self.one(item, auth))
        return done

    def one(self, item: Due, auth: _Auth) -> Taken:
        provider = PROVIDERS[item.account.provider]
        try:
            counts = self._read(provider.metrics, item, auth)
        except AuthRevoked as exc:
            message = _reconnect(item.account, str(exc))
            return Taken(item, "reconnect", message=message, blocks=True)
        except RateLimited as exc:
            return Taken(item, "retry", message=f"rate limited: {exc}", blocks=True)
        except Unsupported as exc:
            return Taken(item, "none", message=str(exc))
        except Rejected as exc:
            # The network refuses to say, and always will (the post is gone): recorded once.
            error = snapshots.failed(str(exc))
            return Taken(item, "error", {age.label: error for age in item.ages}, str(exc))
        except SocialgitError as exc:  # Transient, a lost answer, a refresh that failed
            return Taken(item, "retry", message=str(exc))
        except Exception as exc:  # a bug in a provider: it only read, so a later run asks again
            return Taken(item, "retry", message=f"unexpected {type(exc).__name__}")
        taken = self.clock()
        written = {
            age.label: snapshots.snapshot(age, item.item.at, taken, counts) for age in item.ages
        }
        return Taken(item, "taken", written)

    def _read(self, read: Callable[..., Counts], item: Due, auth: _Auth) -> Counts:
        try:
            return read(self.client, item.account, auth.credentials, item.item)
        except AuthExpired:
            if self.refresh is None or auth.refreshed:
                raise
        # Outside the handler, so a refresh error does not chain to the first one.
        auth.refreshed = True
        auth.credentials = self.refresh(item.account, auth.credentials)
        return read(self.client, item.account, auth.credentials, item.item)


@dataclass
class _Auth:
    """An account's credentials for this run, refreshed at most once."""

    credentials: Credentials
    refreshed: bool = False


def _reconnect(account: Account, message: str) -> str:
    command = f"socialgit connect {account.name}"
    return message if command in message else f"{message}; run `{command}`"
