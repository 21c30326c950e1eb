"""``socialgit.yml``: accounts, time zone and policies. Secrets are refused here (vault)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from socialgit import fields
from socialgit.errors import ConfigError
from socialgit.locate import CONFIG_FILE
from socialgit.locate import find_root as find_root  # where it was first defined
from socialgit.model import Account, Config, LoadedConfig, Problem
from socialgit.slots import read_queues
from socialgit.times import TimeError, parse_duration, zone
from socialgit.yamlnodes import Node, YamlError, load

KEYS = (
    "timezone",
    "content",
    "missed_after",
    "max_attempts",
    "claim_timeout",
    "accounts",
    "branch",
    "media_base_url",
    "notify",
    "queues",
)
ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_SECRET_KEY = re.compile(
    r"token|password|passwd|secret|api_?key|private_?key|credential|cookie", re.I
)
_SECRET_QUERY = re.compile(r"^(token|access_token|key|api_key|secret|sig|signature|auth)$", re.I)
_SECRET_URLS = (
    "hooks.slack.com/services/",
    "discord.com/api/webhooks/",
    "discordapp.com/api/webhooks/",
    "api.telegram.org/bot",
)
VAULT_HINT = (
    "credentials belong in the vault: `socialgit vault put {account}` "
    "or `socialgit connect {account}`"
)


def load_config(root: Path) -> LoadedConfig:
    path = root / CONFIG_FILE
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{CONFIG_FILE}: cannot read: {exc.strerror}") from None
    try:
        text = source.decode("utf-8")
        node = load(text)
    except UnicodeDecodeError:
        raise ConfigError(f"{CONFIG_FILE}: not UTF-8 text") from None
    except YamlError as exc:
        raise ConfigError(f"{CONFIG_FILE}:{exc.line}:{exc.column}: {exc.message}") from None
    if node is None or not node.is_mapping:
        raise ConfigError(f"{CONFIG_FILE}:1:1: the configuration must be a mapping of keys")
    out = fields.Findings(CONFIG_FILE)
    config = _read(node.value, out)
    return LoadedConfig(config, out.problems, source)


def _read(top: dict[str, Node], out: fields.Findings) -> Config:
    for key, value in top.items():
        if key not in KEYS and _SECRET_KEY.search(key):
            out.at_key(
                value, f"{key!r} looks like a secret; " + VAULT_HINT.format(account="ACCOUNT")
            )
    fields.unknown_keys(
        {k: v for k, v in top.items() if not _SECRET_KEY.search(k)}, KEYS, CONFIG_FILE, out
    )
    tz_name = "UTC"
    if "timezone" in top:
        name = fields.string(top["timezone"], "timezone", out)
        if name is not None:
            try:
                zone(name)
                tz_name = name
            except TimeError as exc:
                raise ConfigError(
                    f"{CONFIG_FILE}:{top['timezone'].line}:{top['timezone'].column}: {exc}"
                ) from None
    content = "content"
    if "content" in top:
        content = fields.string(top["content"], "content", out) or content
        if content.startswith("/") or ".." in Path(content).parts:
            out.at(top["content"], "content must be a folder inside the repository")
            content = "content"
    accounts = _accounts(top.get("accounts"), out)
    return Config(
        path=CONFIG_FILE,
        timezone=tz_name,
        content=content.strip("/") or ".",
        missed_after=_duration(top, "missed_after", timedelta(hours=6), out),
        max_attempts=_int(top, "max_attempts", 5, out),
        claim_timeout=_duration(top, "claim_timeout", timedelta(minutes=30), out),
        accounts=accounts,
        branch=fields.string(top["branch"], "branch", out) if "branch" in top else None,
        media_base_url=(
            fields.string(top["media_base_url"], "media_base_url", out)
            if "media_base_url" in top
            else None
        ),
        notify=_notify(top.get("notify"), accounts, out),
        queues=read_queues(top.get("queues"), accounts, out),
    )


def _duration(
    top: dict[str, Node], key: str, default: timedelta, out: fields.Findings
) -> timedelta:
    node = top.get(key)
    if node is None:
        return default
    text = fields.string(node, key, out)
    if text is None:
        return default
    try:
        return parse_duration(text)
    except TimeError as exc:
        out.at(node, f"{key}: {exc}")
        return default


def _int(top: dict[str, Node], key: str, default: int, out: fields.Findings) -> int:
    node = top.get(key)
    if node is None:
        return default
    value = fields.integer(node, key, out, minimum=1)
    return default if value is None else value


def _accounts(node: Node | None, out: fields.Findings) -> dict[str, Account]:
    from providers import COMMON_SETTINGS, PROVIDERS

    if node is None:
        return {}
    if not node.is_mapping:
        out.at(node, "accounts must map account names to their settings")
        return {}
    accounts: dict[str, Account] = {}
    for name, body in node.value.items():
        if not ACCOUNT_NAME.match(name):
            out.at_key(body, f"account name {name!r} must be lowercase letters, digits, - and _")
            continue
        if not body.is_mapping:
            out.at(body, f"account {name!r} must be a mapping with at least `provider:`")
            continue
        settings: dict[str, Node] = body.value
        provider_node = settings.get("provider")
        provider_name = fields.string(provider_node, "provider", out) if provider_node else None
        if provider_node is None:
            out.at_key(body, f"account {name!r} needs `provider:` (one of {', '.join(PROVIDERS)})")
            continue
        provider = PROVIDERS.get(provider_name or "")
        if provider is None:
            out.at(
                provider_node,
                f"unknown provider {provider_name!r}"
                f"{fields.suggest(provider_name or '', PROVIDERS)}",
            )
            continue
        allowed = (*COMMON_SETTINGS, *provider.SETTINGS)
        values: dict[str, Any] = {}
        broken = False
        for key, value in settings.items():
            if key not in allowed and _SECRET_KEY.search(key):
                out.at_key(
                    value,
                    f"{key!r} in account {name!r} looks like a secret; "
                    + VAULT_HINT.format(account=name),
                )
                broken = True
                continue
            if key not in allowed:
                out.at_key(
                    value,
                    f"unknown key {key!r} for a {provider_name} account"
                    f"{fields.suggest(key, allowed)}",
                )
                broken = True
                continue
            if key == "provider":
                continue
            spec = provider.SETTINGS.get(key)
            kind = spec.kind if spec else str
            if kind is int:
                number = fields.integer(value, key, out, minimum=1)
                broken |= number is None
                values[key] = number
                continue
            if kind is bool:
                if not isinstance(value.value, bool):
                    out.at(value, f"{key} must be true or false")
                    broken = True
                values[key] = value.value
                continue
            if kind is list:  # e.g. Nostr's relays: each item is checked like a text value
                items = [text for text, _ in fields.string_list(value, key, out)]
                leaking = [text for text in items if _secret_in_url(text)]
                if leaking:
                    out.at(value, f"{key} of account {name!r} carries a credential; "
                           + VAULT_HINT.format(account=name))  # fmt: skip
                broken |= bool(leaking)
                values[key] = items
                continue
            text = fields.string(value, key, out)
            if text is not None and _secret_in_url(text):
                out.at(
                    value,
                    f"{key} of account {name!r} carries a credential; "
                    + VAULT_HINT.format(account=name),
                )
                broken = True
                continue
            if text is not None and spec is not None and spec.choices and text not in spec.choices:
                out.at(
                    value,
                    f"{key} must be one of {', '.join(spec.choices)}"
                    f"{fields.suggest(text, spec.choices)}",
                )
                broken = True
                continue
            values[key] = text
        for key, spec in provider.SETTINGS.items():
            if spec.required and key not in settings:
                out.at_key(body, f"account {name!r} needs `{key}:` ({spec.help})")
                broken = True
        if not broken:
            accounts[name] = Account(name, provider.NAME, values, body.key_line)
    return accounts


def _notify(
    node: Node | None, accounts: dict[str, Account], out: fields.Findings
) -> tuple[str, ...]:
    """``notify:``: the accounts that get the alerts after a run (socialgit/alerts.py)."""
    from providers import PROVIDERS

    if node is None:
        return ()
    found: list[str] = []
    items = (
        [(node.value, node)]
        if isinstance(node.value, str)
        else fields.string_list(node, "notify", out)
    )
    for name, item in items:
        account = accounts.get(name)
        if account is None:
            out.at(item, f"notify: no account {name!r}{fields.suggest(name, accounts)}")
        elif PROVIDERS[account.provider].long_form(account) is not None:
            out.at(item, f"notify: {name!r} publishes articles; name an account of short posts")
        elif name not in found:
            found.append(name)
    return tuple(found)


def _secret_in_url(text: str) -> bool:
    if "://" not in text:
        return False
    if any(marker in text for marker in _SECRET_URLS):
        return True
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    if parts.password or (parts.username and parts.username != ""):
        return True
    return any(_SECRET_QUERY.match(key) for key, _ in parse_qsl(parts.query))


def refuse_errors(problems: list[Problem], doing: str) -> None:
    """Stop ``doing`` when the config has errors, with the lines ``validate`` prints: a typo
    such as ``misssed_after`` would otherwise run with the default in its place."""
    errors = [p for p in problems if p.path == CONFIG_FILE and p.severity == "error"]
    if not errors:
        return
    lines = "".join(f"\n{p.path}:{p.line}:{p.column}: {p.severity}: {p.message}" for p in errors)
    count = "1 error" if len(errors) == 1 else f"{len(errors)} errors"
    raise ConfigError(f"{CONFIG_FILE} has {count}; {doing} (as `socialgit validate` says):{lines}")
