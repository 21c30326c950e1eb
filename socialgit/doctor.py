"""``socialgit doctor``: is everything in place for the next run to publish?

Checks, in order: the config; the key (set, valid, decrypting every entry); each account
against its network (``whoami``, which also proves the credentials work); expiries
(within :data:`SOON` without a way to refresh, LinkedIn's 365-day refresh cap within
:data:`CAP_SOON`); and the repository's last commit, because GitHub switches scheduled
workflows off after 60 days without activity (warned from :data:`IDLE` on, while posts
are still scheduled). Nothing is refreshed or written: doctor only reads.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import httpx

from providers import PROVIDERS
from socialgit.errors import AuthExpired, ConfigError, ProviderError, Unsupported, VaultError
from socialgit.model import Account
from socialgit.vault import KEY_ENV, Vault, parse_key, parse_time

SOON = timedelta(days=7)
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
    ] or [Finding("ok", "config", f"{len(content.config.accounts)} accounts")]
    vault, key = _key(root, found)
    for _name, account in sorted(content.config.accounts.items()):
        found.extend(_account(vault, account, client_for, now, key))
    if vault is not None:
        for name in vault.accounts():
            if name not in content.config.accounts:
                found.append(Finding("warning", name, "in the vault but not in socialgit.yml"))
    scheduled = any(r.post and r.post.status == "scheduled" for r in content.reports)
    found.extend(_activity(root, now, scheduled))
    return found


def _key(root: Path, found: list[Finding]) -> tuple[Vault | None, bool]:
    text = os.environ.get(KEY_ENV)
    try:
        vault = Vault.open(root, key=text or "")
    except VaultError as exc:
        found.append(Finding("error", "key" if KEY_ENV in str(exc) else "vault", str(exc)))
        return None, False
    if not text:
        severity: Severity = "error" if vault.accounts() else "warning"
        found.append(Finding(severity, "key", f"{KEY_ENV} is not set"))
        return vault, False
    parse_key(text)
    found.append(Finding("ok", "key", f"{KEY_ENV} is set ({len(vault.accounts())} entries)"))
    return vault, True


def _account(
    vault: Vault | None,
    account: Account,
    client_for: Callable[[Account], httpx.Client],
    now: datetime,
    key: bool,
) -> list[Finding]:
    name = account.name
    provider = PROVIDERS[account.provider]
    try:
        stored = vault.get(name) if vault is not None and key else None
    except VaultError as exc:
        return [Finding("error", name, str(exc))]
    needs = provider.AUTH in ("oauth2", "app_password", "token") or (
        provider.AUTH == "none" and bool(provider.SECRETS)
    )
    if stored is None and needs:
        if vault is not None and name in vault.accounts():
            return [Finding("error", name, f"cannot be checked without {KEY_ENV}")]
        return [Finding("error", name, f"no credentials: run `socialgit connect {name}`")]
    out = _expiry(vault, name, dict(stored or {}), now) if vault is not None else []
    try:
        who = provider.whoami(client_for(account), account, dict(stored or {}))
    except Unsupported as exc:
        return [*out, Finding("warning", name, f"cannot be checked: {exc}")]
    except AuthExpired:
        return [*out, Finding("warning", name, "access token expired; the runner refreshes it")]
    except ProviderError as exc:
        return [*out, Finding("error", name, str(exc))]
    label = who.get("handle") or who.get("name") or who.get("id") or "?"
    return [*out, Finding("ok", name, f"{account.provider}: signed in as {label}")]


def _expiry(vault: Vault, name: str, stored: dict[str, object], now: datetime) -> list[Finding]:
    out = []
    expiry = vault.expiry(name)
    refreshable = bool(stored.get("refresh_token"))
    if expiry is not None and expiry <= now + SOON and not refreshable:
        when = "expired" if expiry <= now else f"expires {expiry:%Y-%m-%d %H:%M}Z"
        severity: Severity = "error" if expiry <= now else "warning"
        out.append(
            Finding(severity, name, f"{when} and cannot be refreshed: `socialgit connect {name}`")
        )
    try:
        cap = parse_time(vault.meta(name).get("refresh_expires_at"))
    except ValueError:
        cap = None
    if cap is not None and cap <= now + CAP_SOON:
        out.append(
            Finding(
                "error" if cap <= now else "warning",
                name,
                f"the refresh token ends {cap:%Y-%m-%d} (a hard cap of the network): run "
                f"`socialgit connect {name}` before then",
            )
        )
    return out


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
