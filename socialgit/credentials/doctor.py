"""``socialgit doctor``: is everything in place for the next run to publish?

Checks, in order: the config; the key (set, valid, decrypting every entry); each account:
its credentials are there (a webhook-style account too, unless a ``webhook`` has its
``url:`` in socialgit.yml), their lifetimes, and a check against its network (``whoami``,
which also proves the credentials work, then the network's ``diagnose``: what a person must
fix that the network lets us see, as warnings); and the repository's last commit, because GitHub
switches scheduled workflows off after 60 days without activity (warned from :data:`IDLE`
on, while posts are still scheduled). Nothing is refreshed or written: doctor only reads.

Lifetimes: an access token the runner cannot renew by itself (no refresh token, as
LinkedIn's and Threads' 60-day tokens) is a warning from :data:`SOON` before it ends and an
error after; a refresh token's hard cap (``refresh_expires_at``, LinkedIn's 365 days) from
:data:`CAP_SOON`. The time comes from the caller (``now``), never from the clock here.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx

from providers import PROVIDERS
from socialgit.credentials.vault import KEY_ENV, Vault, parse_time
from socialgit.errors import (
    AuthExpired,
    ConfigError,
    ProviderError,
    SocialgitError,
    Unsupported,
    VaultError,
)
from socialgit.model import Account
from socialgit.words import plural

if TYPE_CHECKING:
    from providers.base import Provider

# An access token without a refresh token (LinkedIn, Threads: 60 days) is warned about this
# long before it ends; a refresh token with a hard cap (LinkedIn: 365 days), CAP_SOON.
SOON = timedelta(days=14)
CAP_SOON = timedelta(days=30)
IDLE = timedelta(days=50)
Severity = Literal["ok", "warning", "error"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    subject: str  # "config", "key", "git", or an account name
    message: str


def doctor(
    root: Path, client_for: Callable[[Account], httpx.Client], now: datetime
) -> list[Finding]:
    from socialgit.content import load_content

    try:
        content = load_content(root)
    except ConfigError as exc:
        return [Finding("error", "config", str(exc))]
    found = [
        Finding("error", "config", f"{p.path}:{p.line}:{p.column}: {p.message}")
        for p in content.config_problems
        if p.severity == "error"
    ] or [Finding("ok", "config", plural(len(content.config.accounts), "account"))]
    vault, unreadable = _key(root, found)
    for _name, account in sorted(content.config.accounts.items()):
        found.extend(_account(vault, account, client_for, now, unreadable))
    if vault is not None:
        for name in vault.accounts():
            if name not in content.config.accounts:
                found.append(Finding("warning", name, "in the vault but not in socialgit.yml"))
    scheduled = any(r.post and r.post.status == "scheduled" for r in content.reports)
    found.extend(_activity(root, now, scheduled))
    return found


def _key(root: Path, found: list[Finding]) -> tuple[Vault | None, str | None]:
    """The vault, and why its entries cannot be read (None: they can)."""
    text = os.environ.get(KEY_ENV)
    try:
        vault = Vault.open(root, key=text or "")
    except VaultError as exc:
        found.append(Finding("error", "key" if KEY_ENV in str(exc) else "vault", str(exc)))
        return None, "the vault cannot be read"
    if not text:
        severity: Severity = "error" if vault.accounts() else "warning"
        found.append(Finding(severity, "key", f"{KEY_ENV} is not set"))
        return vault, f"cannot be checked without {KEY_ENV}"
    try:
        vault.check_key()
    except VaultError as exc:
        found.append(Finding("error", "key", str(exc)))
        return vault, f"not checked: {KEY_ENV} does not match the vault"
    count = plural(len(vault.accounts()), "entry")
    found.append(Finding("ok", "key", f"{KEY_ENV} is set and opens the vault ({count})"))
    return vault, None


def _account(
    vault: Vault | None,
    account: Account,
    client_for: Callable[[Account], httpx.Client],
    now: datetime,
    unreadable: str | None,
) -> list[Finding]:
    name = account.name
    provider = PROVIDERS[account.provider]
    needs = _needs(provider, account)
    if vault is None and needs:  # the key or the vault file is broken (reported above)
        return [Finding("error", name, f"not checked: {unreadable}")]
    try:
        stored = vault.get(name) if vault is not None and unreadable is None else None
    except VaultError as exc:
        return [Finding("error", name, _own(name, exc))]
    if stored is None and needs:
        if vault is not None and name in vault.accounts():
            return [Finding("error", name, unreadable or "cannot be read")]
        return [Finding("error", name, f"no credentials: run `socialgit connect {name}`")]
    credentials = dict(stored or {})
    out = _lifetimes(provider, vault, name, credentials, now) if vault and stored else []
    try:
        who = provider.whoami(client_for(account), account, credentials)
    except Unsupported as exc:
        return [*out, Finding("warning", name, f"cannot be checked: {_own(name, exc)}")]
    except AuthExpired:
        if _refreshable(provider, credentials, _cap(vault, name, credentials), now):
            expiry = _expiry(provider, vault, name, credentials)
            if expiry is not None and expiry <= now:
                why = "the access token has expired; the runner refreshes it before publishing"
                return [*out, Finding("ok", name, f"not checked now: {why}")]
            why = (
                "the network refuses the access token before its time (revoked?); the runner "
                f"will try a refresh, and if that fails, run `socialgit connect {name}`"
            )
            return [*out, Finding("warning", name, why)]
        if any(f.severity == "error" for f in out):
            return out  # the expiry above already says what to do
        why = f"the network refuses the access token as expired: run `socialgit connect {name}`"
        return [*out, Finding("error", name, why)]
    except ProviderError as exc:
        return [*out, Finding("error", name, _own(name, exc))]
    label = who.get("handle") or who.get("name") or who.get("id") or "?"
    signed_in = Finding("ok", name, f"{account.provider}: signed in as {label}")
    return [*out, signed_in, *_diagnose(provider, client_for(account), account, credentials)]


def _diagnose(
    provider: Provider, client: httpx.Client, account: Account, credentials: dict[str, Any]
) -> list[Finding]:
    """The network's own checks of the account's access (``Provider.diagnose``)."""
    try:
        notes = provider.diagnose(client, account, credentials)
    except ProviderError as exc:
        return [Finding("warning", account.name, f"not checked further: {_own(account.name, exc)}")]
    return [Finding(severity, account.name, message) for severity, message in notes]


def _own(name: str, exc: Exception) -> str:
    """The error's message under the account's name, without saying the name twice."""
    return str(exc).removeprefix(f"{name}: ")


def _needs(provider: Provider, account: Account) -> bool:
    """Whether the account cannot work without a vault entry. A webhook whose URL is no
    secret may sit in socialgit.yml instead (``url:``, docs/networks/webhook.md)."""
    if not provider.SECRETS:
        return False
    if provider.AUTH == "webhook":
        return not any(account.settings.get(field) for field in provider.SECRETS)
    return True


def _lifetimes(
    provider: Provider, vault: Vault, name: str, stored: dict[str, Any], now: datetime
) -> list[Finding]:
    """The refresh token's hard cap, then the access token's lifetime."""
    out = []
    cap = _cap(vault, name, stored)
    if cap is not None and cap <= now:
        why = f"the refresh token expired on {_day(cap)} (a limit the network sets)"
        out.append(Finding("error", name, f"{why}: run `socialgit connect {name}`"))
    elif cap is not None and cap <= now + CAP_SOON:
        why = (
            f"the refresh token expires on {_day(cap)}, {_until(cap, now)} (a limit the "
            "network sets; refreshing does not extend it)"
        )
        out.append(Finding("warning", name, f"{why}: run `socialgit connect {name}` before then"))
    expiry = _expiry(provider, vault, name, stored)
    if expiry is None:
        return out
    if _refreshable(provider, stored, cap, now):
        if expiry > now:
            lasting = f"the access token expires {_at(expiry)}; the runner refreshes it"
            out.append(Finding("ok", name, lasting))
    elif expiry <= now:
        why = f"the access token expired on {_at(expiry)} and cannot be refreshed"
        out.append(Finding("error", name, f"{why}: run `socialgit connect {name}`"))
    elif expiry <= now + SOON:
        why = f"the access token expires on {_at(expiry)}, {_until(expiry, now)}, and has no "
        out.append(
            Finding(
                "warning",
                name,
                f"{why}refresh token: before then run `socialgit refresh {name}` (where the "
                f"network extends a token, as Threads does) or `socialgit connect {name}`",
            )
        )
    else:
        out.append(Finding("ok", name, f"the access token expires {_at(expiry)}"))
    return out


def _expiry(
    provider: Provider, vault: Vault | None, name: str, stored: dict[str, Any]
) -> datetime | None:
    """The provider's reading of the credentials; else the expiry stored beside them."""
    try:
        found = provider.expires_at(stored)
    except (ValueError, SocialgitError):
        found = None
    return found if found is not None or vault is None else vault.expiry(name)


def _cap(vault: Vault | None, name: str, stored: dict[str, Any]) -> datetime | None:
    """When the refresh token itself ends (LinkedIn: 365 days from the first sign-in):
    the decrypted entry's ``refresh_expires_at``, else the copy in its clear metadata."""
    meta = vault.meta(name) if vault is not None else {}
    for value in (stored.get("refresh_expires_at"), meta.get("refresh_expires_at")):
        try:
            found = parse_time(value)
        except ValueError:
            continue
        if found is not None:
            return found
    return None


def renew_by(
    provider: Provider, vault: Vault, name: str, stored: dict[str, Any], now: datetime
) -> datetime | None:
    """When a person must renew these credentials (``socialgit connect``, or ``refresh``
    where the network extends a token): the refresh token's cap, or the end of an access
    token the runner cannot renew. None: they renew themselves (or never end)."""
    cap = _cap(vault, name, stored)
    ends = [cap] if cap is not None else []
    expiry = _expiry(provider, vault, name, stored)
    if expiry is not None and not _refreshable(provider, stored, cap, now):
        ends.append(expiry)
    return min(ends) if ends else None


def _refreshable(
    provider: Provider, stored: dict[str, Any], cap: datetime | None, now: datetime
) -> bool:
    """Whether the runner can renew the access token without a person: with a live refresh
    token, or by logging in again with a stored app password (Bluesky)."""
    if provider.AUTH == "app_password" and stored.get("password"):
        return True
    return bool(stored.get("refresh_token")) and (cap is None or cap > now)


def _day(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%d}"


def _at(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _until(when: datetime, now: datetime) -> str:
    left = when - now
    if left >= timedelta(days=2):
        return f"in {left.days} days"
    if left >= timedelta(hours=2):
        return f"in {left // timedelta(hours=1)} hours"
    return f"in {max(1, left // timedelta(minutes=1))} minutes"


def _activity(root: Path, now: datetime, scheduled: bool) -> list[Finding]:
    done = subprocess.run(
        ["git", "-C", str(root), "log", "-1", "--format=%cI"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.strip():
        return [Finding("warning", "git", "not a git repository with commits")]
    last = datetime.fromisoformat(done.stdout.strip()).astimezone(UTC)
    idle = now - last
    if scheduled and idle >= IDLE:
        return [
            Finding(
                "warning",
                "git",
                f"the last commit is {idle.days} days old and posts are still scheduled: "
                "GitHub disables scheduled workflows after 60 days without activity; push a "
                "commit (or re-enable the workflow)",
            )
        ]
    return [Finding("ok", "git", f"last commit {idle.days} days ago")]
