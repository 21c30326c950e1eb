"""What ``vault put`` accepts (SPEC §6, the provider's ``SECRETS``) and what ``vault list``
shows (everything in clear beside the entries; never a secret)."""

from __future__ import annotations

import json
from typing import Any

from providers import PROVIDERS
from socialgit.errors import UsageError
from socialgit.model import Account, Config
from socialgit.redact import register
from socialgit.vault import Vault, iso, parse_time

# Besides a provider's SECRETS, an OAuth2 entry may carry what a token answer holds.
ISSUED = ("token_type", "scope", "refresh_expires_at", "client_id")


def read_fields(account: Account, text: str) -> dict[str, Any]:
    """The JSON object on stdin, checked against the provider's fields. Never echoes it."""
    provider = PROVIDERS[account.provider]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{account.name}: stdin is not JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
    if not isinstance(data, dict) or not data:
        raise UsageError(f"{account.name}: give one JSON object of fields on stdin")
    register(data)
    allowed = (*provider.SECRETS, *(ISSUED if provider.AUTH == "oauth2" else ()))
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise UsageError(
            f"{account.name}: unknown field(s) {', '.join(unknown)} for {account.provider} "
            f"(it takes {', '.join(provider.SECRETS) or 'no credentials'})"
        )
    for key, value in data.items():
        if not isinstance(value, str) or not value:
            raise UsageError(f"{account.name}: {key} must be a non-empty string")
    if "expires_at" in data or "refresh_expires_at" in data:
        for key in ("expires_at", "refresh_expires_at"):
            try:
                when = parse_time(data.get(key))
            except ValueError:
                raise UsageError(f"{account.name}: {key} must be an ISO time") from None
            if when is not None:
                data[key] = iso(when)
    return data


def describe(vault: Vault, config: Config) -> list[dict[str, str]]:
    """One row per vault entry (and per configured account without one)."""
    rows = []
    for name in sorted({*vault.accounts(), *config.accounts}):
        account = config.accounts.get(name)
        if name not in vault.accounts():
            rows.append(
                {"account": name, "provider": account.provider if account else "", "stored": "no"}
            )
            continue
        meta = vault.meta(name)
        expiry = vault.expiry(name)
        lease = vault.lease(name)
        row = {
            "account": name,
            "provider": account.provider if account else meta.get("provider", "?"),
            "stored": "yes" if account else "yes (not in socialgit.yml)",
            "expires": iso(expiry) if expiry else "never",
            **{k: v for k, v in sorted(meta.items()) if k != "provider"},
        }
        if lease:
            row["lease"] = f"{lease.by} until {iso(lease.until)}"
        rows.append(row)
    return rows
