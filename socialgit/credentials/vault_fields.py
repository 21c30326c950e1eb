"""What ``vault put`` accepts (docs/vault.md) and what ``vault list`` shows (everything in clear
beside the entries; never a secret).

The fields a provider's entry may hold (:func:`accepted`), the same rule for every network:

- its ``SECRETS`` (what a person gives, what ``connect`` asks for);
- a module's optional ``REFRESH_FIELDS``: what its refresh reads or writes beyond those
  (Slack's token rotation: ``refresh_token``, ``expires_at``, ``client_id``,
  ``client_secret``);
- for OAuth2 networks, everything a token answer holds (:data:`OAUTH2`, as
  ``socialgit.credentials.oauth`` stores it).

Anything else is refused with a did-you-mean: a misspelt ``refresh_tokn`` stored silently
would be a token that never refreshes.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from providers import PROVIDERS
from socialgit.credentials.vault import Vault, iso, parse_time
from socialgit.errors import UsageError
from socialgit.fields import suggest
from socialgit.model import Account, Config
from socialgit.redact import register

if TYPE_CHECKING:
    from providers.base import Provider

OAUTH2 = (
    "access_token",
    "refresh_token",
    "expires_at",
    "refresh_expires_at",
    "token_type",
    "scope",
    "client_id",
    "client_secret",
)
TIMES = ("expires_at", "refresh_expires_at")
# A field name is echoed in a message only when it looks like one (snake_case, or camelCase
# as Bluesky's accessJwt): a token pasted as a key must not be printed back.
_NAME = re.compile(r"^(?=.{1,30}$)[a-z]+(?:_[a-z]+)*$|^(?=.{1,30}$)[a-z]+(?:[A-Z][a-z]+)+$")


def accepted(provider: Provider) -> tuple[str, ...]:
    """Every field ``vault put`` takes for ``provider``, in a stable order."""
    extra = provider.REFRESH_FIELDS
    fields = [*provider.SECRETS, *extra, *(OAUTH2 if provider.AUTH == "oauth2" else ())]
    return tuple(dict.fromkeys(fields))


def read_fields(account: Account, text: str) -> dict[str, Any]:
    """The JSON object on stdin, checked against the provider's fields. Never echoes a
    value (nor a key that does not look like a field name)."""
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
    allowed = accepted(provider)
    if not allowed:
        raise UsageError(f"{account.name}: a {account.provider} account takes no credentials")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        first = unknown[0]
        shown = _NAME.match(first) is not None
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise UsageError(
            f"{account.name}: unknown field "
            f"{repr(first) if shown else '(its name is not shown: a value given as a key?)'} "
            f"for {account.provider}{suggest(first, allowed) if shown else ''}{more}; "
            f"it takes {', '.join(allowed)}"
        )
    for key, value in data.items():
        if not isinstance(value, str) or not value:
            raise UsageError(f"{account.name}: {key} must be a non-empty string")
    for key in TIMES:
        try:
            when = parse_time(data.get(key))
        except ValueError:
            raise UsageError(f"{account.name}: {key} must be an ISO 8601 time") from None
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
