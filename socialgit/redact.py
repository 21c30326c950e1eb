"""Keep loaded secrets out of everything a person or a log can read.

Every secret the process holds in clear (a decrypted vault entry, a token just received,
``SOCIALGIT_KEY`` when the vault first uses it) is registered here, with the tokens inside
webhook URLs (Telegram, Discord, Slack), the secret half of a Telegram bot token, and each
of them percent-encoded (as a server or proxy echoing a request path may write them). From
then on:

- :func:`scrub` replaces each registered value in a text with ``***``. What socialgit
  writes passes through it where it leaves: the CLI's output and error lines, the runner's
  report (socialgit.runner.report), every entry written into a post file
  (socialgit.runner.files) and every commit message (socialgit.runner.git), whatever
  network the text came from; :class:`RedactFilter` scrubs log records;
- inside GitHub Actions (``GITHUB_ACTIONS=true``) each value is announced once with
  ``::add-mask::`` on stdout, so the runner's log masks it even where we print nothing;
- :class:`Sealed`, the dict that holds credentials, never shows its values in ``repr``,
  so an exception message, a debugger or a test failure cannot leak them by formatting.

Values shorter than :data:`MIN_LENGTH` are not registered: masking ``"1"`` would blank
every digit of the output, and no real credential is that short.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

MASK = "***"
MIN_LENGTH = 6
_REGISTERED: set[str] = set()
_ANNOUNCED: set[str] = set()
_LOCK = threading.Lock()
# Fields of a credentials entry that are not secret: times (masking one would hide it from
# `vault list` and doctor, which print them on purpose), and public identifiers that links
# and ids in the run's log are made of (an OAuth client id is no secret, RFC 6749 §2.2;
# Discord's guild and channel ids, Bluesky's DID and PDS URL, Threads' user id are in the
# links and ids of posts; Lemmy's user name is the account's public handle).
NOT_SECRET = frozenset(
    {
        "expires_at",
        "refresh_expires_at",
        "issued_at",
        "expires_in",
        "token_type",
        "scope",
        "client_id",
        "guild_id",
        "channel_id",
        "did",
        "pds",
        "user_id",
        "username",
    }
)
# URL paths that carry a credential, as the networks build them: the whole ``secret`` group
# and the ``token`` (the credential as a person pastes it) are registered; the ids and the
# method names around them are not, so the log keeps its words.
_TOKEN_PATHS = (
    re.compile(r"/bot(?P<token>\d+:(?P<secret>[^/]+))"),  # Telegram: /bot<id>:<secret>/getMe
    re.compile(r"/webhooks/(?P<token>\d+/(?P<secret>[^/]+))"),  # Discord: /api[/v10]/webhooks/
    re.compile(r"/services/(?P<token>[^/]+/[^/]+/(?P<secret>[^/]+))"),  # Slack: T…/B…/<secret>
    re.compile(r"/triggers/(?P<token>[^/]+/[^/]+/(?P<secret>[^/]+))"),  # Slack workflows
)


_BOT_TOKEN = re.compile(r"^\d+:(?P<secret>[A-Za-z0-9_-]{20,})$")


def register(*values: object) -> None:
    """Remember secret values (strings, or mappings/lists of them) for scrubbing."""
    for value in values:
        if isinstance(value, Mapping):
            register(*(v for k, v in value.items() if k not in NOT_SECRET))
        elif isinstance(value, list | tuple | set):
            register(*value)
        elif isinstance(value, str) and len(value) >= MIN_LENGTH:
            for part in (value, *_url_tokens(value), *_bot_secret(value)):
                if len(part) >= MIN_LENGTH:
                    _REGISTERED.add(part)
                    _announce(part)
                    # Scrubbed percent-encoded too (an echoed path), not announced again.
                    _REGISTERED.add(quote(part, safe=""))


def registered() -> frozenset[str]:
    return frozenset(_REGISTERED)


def forget_all() -> None:
    """For tests: start with an empty registry."""
    _REGISTERED.clear()
    _ANNOUNCED.clear()


def scrub(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every registered secret (and each of ``extra``) replaced by ``***``."""
    secrets = {s for s in (*_REGISTERED, *extra) if s and len(s) >= MIN_LENGTH}
    # Longest first, so a secret containing another is removed whole.
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def scrub_data(value: Any) -> Any:
    """``value`` with :func:`scrub` applied to every string in it (mappings and lists
    too): for what is written into a file."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {key: scrub_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_data(item) for item in value]
    return value


def _bot_secret(value: str) -> list[str]:
    """The secret half of a Telegram bot token (``<bot id>:<secret>``): an echo that
    splits or re-encodes the token still shows it whole."""
    match = _BOT_TOKEN.match(value)
    return [match["secret"]] if match else []


def _url_tokens(value: str) -> list[str]:
    """Parts of a URL that are credentials: a token in its path (:data:`_TOKEN_PATHS`), its
    userinfo password, and every query value."""
    if "://" not in value:
        return []
    try:
        parts = urlsplit(value)
    except ValueError:
        return []
    found: list[str] = []
    if parts.password:
        found.append(parts.password)
    path = unquote(parts.path)
    for pattern in _TOKEN_PATHS:
        for match in pattern.finditer(path):
            found.extend((match["token"], match["secret"]))
    if parts.query:
        found.extend(v for _, _, v in (p.partition("=") for p in parts.query.split("&")) if v)
    return found


def _announce(value: str) -> None:
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    with _LOCK:  # delivery threads register too: one announcement per value, whole lines
        if value in _ANNOUNCED:
            return
        _ANNOUNCED.add(value)
        for line in value.splitlines():
            if line.strip():
                sys.stdout.write(f"::add-mask::{line}\n")
        sys.stdout.flush()


class RedactFilter(logging.Filter):
    """Scrubs registered secrets from each record's formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _REGISTERED:
            message = record.getMessage()
            clean = scrub(message)
            if clean != message:
                record.msg, record.args = clean, None
        return True


def install_log_filter(names: Iterable[str] = ("", "httpx", "httpcore", "socialgit")) -> None:
    """Attach :class:`RedactFilter` to these loggers and to the root logger's handlers
    (records propagated from child loggers pass through handler filters, not logger ones)."""
    targets: list[logging.Filterer] = [logging.getLogger(n) for n in names]
    targets.extend(logging.getLogger().handlers)
    for target in targets:
        if not any(isinstance(f, RedactFilter) for f in target.filters):
            target.addFilter(RedactFilter())


class Sealed(dict[str, Any]):
    """A credentials dict whose ``repr`` and ``str`` show field names, never values."""

    def __repr__(self) -> str:
        return f"<credentials {sorted(self)} (values hidden)>"

    __str__ = __repr__


def seal(values: Mapping[str, Any]) -> Sealed:
    """Register the values as secrets and wrap them in a :class:`Sealed` dict."""
    register(values)
    return Sealed(values)
