"""Mastodon (and compatible servers), one instance per account.

Credentials: ``socialgit connect`` registers socialgit with the account's instance
(``register_client``: ``POST /api/v1/apps``, a confidential client), then runs the
authorization code flow with PKCE S256 (Mastodon 4.3+ checks it; older servers ignore the
parameters and rely on the client secret). Mastodon's tokens never expire and there is no
refresh grant, so ``refresh_token`` returns the entry as it is (forks that do issue refresh
tokens get a standard refresh) and a 401 means revoked: ``socialgit connect`` again.

Where the registration is kept: the vault entry (``client_id``/``client_secret`` beside the
token), and, within one process, a cache keyed by instance and redirect URI, which is how
``generate_auth_url`` (called without credentials) finds the client just registered. It is
not reused across connects: the loopback callback takes a new port each time unless
``--port`` is given, Mastodon matches redirect URIs exactly, and ``connect`` hands the hook
no stored entry; since 4.3 apps are never vacuumed, so one more app per reconnect is the
cost, and reconnects are rare. To use an app registered by hand (Preferences ›
Development), set ``client_id:`` on the account and paste its secret at the prompt: no
registration then happens.

Exactly once: every part goes out with an ``Idempotency-Key`` derived from the delivery key
and the part's index, and Mastodon answers a repeat within an hour with the first status.
That hour is why ``RESEND_IN_DOUBT`` is False: a delivery in doubt is looked up on a later
run, which may come after the hour, when a blind resend would post twice. ``lookup``
(``providers.mastodon.recover``) asks the idempotency store first — a read, since Mastodon
checks the key before validating and an empty status is invalid — which proves presence
(the statuses) or, while the hour lasts, absence. After the hour only the account's own
statuses since the occurrence remain: no part-1 status with the same source text, number of
attachments and no reply parent proves nothing went out (None: resend); a match cannot be
told from another delivery with the same words, so it is ``OutcomeUnknown`` for a person,
never a Receipt invented from words alone. A status a person deleted is also left to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import regex

from providers._text import graphemes
from providers.base import (
    IMAGE_TYPES,
    VIDEO_TYPES,
    AuthKind,
    Counts,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.mastodon import api
from providers.mastodon import apps as _mastodon_apps
from providers.mastodon import media as _mastodon_media
from providers.mastodon import recover as _mastodon_lookup
from socialgit.errors import Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "mastodon"
TITLE = "Mastodon"
THREADS: ThreadStyle = "replies"
_MB = 1024 * 1024
# Mastodon's defaults (app/models/media_attachment.rb: IMAGE_LIMIT = 16.megabytes,
# VIDEO_LIMIT = 99.megabytes, Rails megabytes of 1024 * 1024 bytes), 4 attachments, 1500
# characters of description; an instance publishes its own values in /api/v2/instance.
MEDIA = MediaRules(
    max_count=4,
    max_bytes={**{t: 16 * _MB for t in IMAGE_TYPES}, **{t: 99 * _MB for t in VIDEO_TYPES}},
    alt_max=1500,
)
SETTINGS: Mapping[str, Setting] = {
    "instance": Setting(str, required=True, help="https://your.instance"),
    "max_characters": Setting(int, help="the instance's limit, if not 500"),
    "visibility": Setting(str, help="public | unlisted | private | direct"),
    "language": Setting(str, help="ISO 639-1 code"),
    "client_id": Setting(str, help="an app registered by hand; its secret is asked at connect"),
    "scope": Setting(str, help="OAuth scopes, if not the default"),
}
SECRETS: tuple[str, ...] = ("access_token", "client_id", "client_secret")

URL_LENGTH = 23
# As the upstream StatusLengthValidator: only URLs with a scheme are shortened, and a remote
# mention counts as its local part.
_URL = regex.compile(r"(?<![\w/])https?://[^\s<>\"]+?(?=[.,;:!?)\]'\"]*(?:\s|$))", regex.I)
_REMOTE_MENTION = regex.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\w", regex.ASCII)


def length(text: str) -> int:
    return count(text, URL_LENGTH)


def count(text: str, url_length: int) -> int:
    """The length as the instance counts it, with its ``characters_reserved_per_url``."""
    shortened = _URL.sub("x" * url_length, text)
    shortened = _REMOTE_MENTION.sub(r"\1", shortened)
    return graphemes(shortened)


def limit(account: Account, part: Part) -> int:
    configured = account.settings.get("max_characters")
    return configured if isinstance(configured, int) else 500


# -- runtime ---------------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
RESEND_IN_DOUBT = False  # the server's idempotency lasts an hour; a later run may come after

# Enough to post with media and to look a delivery up: who the account is, its statuses
# (their source text), and writing statuses and media. ``profile`` would do for the first,
# but only from 4.3 on.
SCOPES = "read:accounts read:statuses write:statuses write:media"
VISIBILITIES = frozenset({"public", "unlisted", "private", "direct"})

_REGISTERED = _mastodon_apps.REGISTERED  # (instance, redirect URI) → client, this process


def register_client(client: httpx.Client, account: Account, redirect_uri: str) -> Credentials:
    """Register socialgit with the account's instance (``POST /api/v1/apps``); {} when the
    account names an app registered by hand (``client_id:``)."""
    return _mastodon_apps.register_client(client, account, redirect_uri, SCOPES)


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    return _mastodon_apps.auth_url(account, redirect_uri, state, code_challenge, SCOPES)


# The code exchange, refresh and whoami live in providers.mastodon.apps (Pixelfed shares them).
authenticate = _mastodon_apps.authenticate
refresh_token = _mastodon_apps.refresh_token
whoami = _mastodon_apps.whoami


def expires_at(credentials: Credentials) -> datetime | None:
    from socialgit.credentials import oauth

    return oauth.expires_at(credentials)  # None for Mastodon itself: its tokens never expire


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    ids = list(done)
    url: str | None = None
    if len(done) < len(outgoing.parts):
        limits = api.limits(client, account, credentials)
        _check(account, outgoing, len(done), limits)  # all of it, before any part goes out
        extra = _extra(account)
        for index in range(len(done), len(outgoing.parts)):
            status = _status(client, account, credentials, outgoing, index, ids, extra)
            ids.append(api.status_id(status))
            on_part(ids[-1])
            if index == 0:
                url = api.status_link(status)
    if url is None and ids:
        url = api.link_of(client, account, credentials, ids[0])
    return Receipt(id=ids[0], url=url, parts=tuple(ids))


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    return api.counts(client, account, credentials, item)


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    return _mastodon_lookup.find(client, account, credentials, outgoing)


def _status(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    index: int,
    ids: list[str],
    extra: dict[str, str],
) -> dict[str, Any]:
    part = outgoing.parts[index]
    media = [_mastodon_media.upload(client, account, credentials, m) for m in part.media]
    body: dict[str, Any] = {"status": part.text, **extra}
    if media:
        body["media_ids"] = media
    if ids:
        body["in_reply_to_id"] = ids[-1]
    op = f"Mastodon post of part {index + 1}"
    response = api.call(
        client, account, credentials, "POST", "/api/v1/statuses", op=op, sent=True,
        headers={"Idempotency-Key": _mastodon_lookup.part_key(outgoing.key, index)}, json=body,
    )  # fmt: skip
    return api.body(response, op, sent=True)


def _check(account: Account, outgoing: Outgoing, start: int, limits: api.Limits) -> None:
    host = api.host(account)
    for number, part in enumerate(outgoing.parts[start:], start + 1):
        size = count(part.text, limits.url_length)
        if size > limits.max_characters:
            raise Rejected(
                f"{outgoing.post}: part {number} is {size} characters; {host} takes "
                f"{limits.max_characters} (URLs count {limits.url_length}): shorten it"
            )
        if not part.text.strip() and not part.media:
            raise Rejected(f"{outgoing.post}: part {number} is empty; Mastodon needs text or media")
        found = _mastodon_media.problems(part, limits)
        if found:
            raise Rejected(f"{outgoing.post}: part {number}: {'; '.join(found)} ({host})")


def _extra(account: Account) -> dict[str, str]:
    extra: dict[str, str] = {}
    visibility = account.settings.get("visibility")
    if visibility:
        if visibility not in VISIBILITIES:
            raise Rejected(
                f"{account.name}: `visibility: {visibility}` is not one of "
                f"{', '.join(sorted(VISIBILITIES))}"
            )
        extra["visibility"] = str(visibility)
    language = account.settings.get("language")
    if isinstance(language, str) and language:
        extra["language"] = language
    return extra
