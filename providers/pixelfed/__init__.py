"""Pixelfed, through its Mastodon-compatible API, one instance per account.

What is Mastodon's and reused from ``providers.mastodon``: the sign-in (app registration,
authorization code with PKCE, refresh), the request helper and its error classification,
the instance's limits (``/api/v2/instance``, then v1), and media uploads with their alt
text (``description``), polled while the server processes them.

What differs, and matters (shared/docs/providers-wave2-open.md §10, read in Pixelfed's
``statusCreate``):

- A post needs an image: a status without ``media_ids`` that is not a reply is refused
  (403 "Empty statuses are not allowed"). Validation says so (``MEDIA.required``); later
  parts of a thread are replies and may be text only.
- The caption is counted in characters (Laravel's ``max:``), links at their full length;
  the limit is the instance's ``max_characters`` (500 by default).
- Pixelfed's tokens expire (365 days by default) and come with a refresh token, which the
  runner uses. Its scopes are Laravel Passport's plain ``read write``.
- ``Idempotency-Key`` is stored for an hour *before* the status is created, and a repeat
  answers 400 "Duplicate idempotency key." instead of the first status. So a repeat proves
  only that the first attempt reached the server: ``post`` then looks the part up among
  the account's statuses (``providers.pixelfed.recover``) and goes on from it, and raises
  ``Duplicate`` when it is not there (the key was stored, the status never made).

Exactly once: no key can be read back, so a delivery in doubt is looked up among the
account's own statuses since the occurrence (``providers._scan``): parts found are kept
(the runner sends the rest), and nothing found proves nothing went out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from providers.base import (
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
from providers.mastodon.recover import part_key
from providers.pixelfed import recover as _pixelfed_recover
from socialgit.errors import Duplicate, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "pixelfed"
TITLE = "Pixelfed"
THREADS: ThreadStyle = "replies"
_KB = 1024
# Pixelfed's defaults (config/pixelfed.php): MAX_PHOTO_SIZE 15000 KB, MAX_ALBUM_LENGTH 4,
# PF_MEDIA_MAX_ALTTEXT_LENGTH 1000, image types; the instance's own values are read before
# sending where its Mastodon-style /api/v*/instance states them.
MEDIA = MediaRules(
    max_count=4,
    max_bytes={t: 15000 * _KB for t in ("image/jpeg", "image/png", "image/gif", "image/webp")},
    alt_max=1000,
    required=True,
)
SETTINGS: Mapping[str, Setting] = {
    "instance": Setting(str, required=True, help="https://your.pixelfed.instance"),
    "max_characters": Setting(int, help="the instance's caption limit, if not 500"),
    "visibility": Setting(str, help="public | unlisted | private"),
    "client_id": Setting(str, help="an app registered by hand; its secret is asked at connect"),
    "scope": Setting(str, help="OAuth scopes, if not the default"),
}
SECRETS: tuple[str, ...] = ("access_token", "client_id", "client_secret")
VISIBILITIES = frozenset({"public", "unlisted", "private"})  # ``direct`` is refused (400)


def length(text: str) -> int:
    return len(text)  # code points, as Laravel's ``max:`` counts a string


def limit(account: Account, part: Part) -> int:
    configured = account.settings.get("max_characters")
    return configured if isinstance(configured, int) else 500


# -- runtime ---------------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
RESEND_IN_DOUBT = False  # a repeated key answers 400, not the status: look it up
SCOPES = "read write"  # Pixelfed checks ``tokenCan('write')``: granular scopes fail it


def register_client(client: httpx.Client, account: Account, redirect_uri: str) -> Credentials:
    return _mastodon_apps.register_client(client, account, redirect_uri, SCOPES)


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    return _mastodon_apps.auth_url(account, redirect_uri, state, code_challenge, SCOPES)


# The sign-in is Mastodon's, with the scopes passed above (providers.mastodon.apps).
authenticate = _mastodon_apps.authenticate
refresh_token = _mastodon_apps.refresh_token
whoami = _mastodon_apps.whoami


def expires_at(credentials: Credentials) -> datetime | None:
    from socialgit.credentials import oauth

    return oauth.expires_at(credentials)


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
        _check(account, outgoing, len(done), api.limits(client, account, credentials))
        visibility = _visibility(account)
        for index in range(len(done), len(outgoing.parts)):
            ident, link = _status(client, account, credentials, outgoing, index, ids, visibility)
            ids.append(ident)
            on_part(ident)
            if index == 0:
                url = link
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
    return _pixelfed_recover.find(client, account, credentials, outgoing)


def _status(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    index: int,
    ids: list[str],
    visibility: str | None,
) -> tuple[str, str | None]:
    part = outgoing.parts[index]
    media = [_mastodon_media.upload(client, account, credentials, m) for m in part.media]
    body: dict[str, Any] = {"status": part.text}
    if media:
        body["media_ids"] = media
    if ids:
        body["in_reply_to_id"] = ids[-1]
    if visibility:
        body["visibility"] = visibility
    op = f"Pixelfed post of part {index + 1}"
    response = api.call(
        client, account, credentials, "POST", "/api/v1/statuses", op=op, sent=True,
        headers={"Idempotency-Key": part_key(outgoing.key, index)}, json=body, allow=(400,),
    )  # fmt: skip
    if response.status_code == 400:
        words = api.said(response)
        if "idempotency" not in words.lower():
            raise Rejected(f"{op}: {api.host(account)} refused it: {words or 'HTTP 400'}")
        found = _pixelfed_recover.part(client, account, credentials, outgoing, index, ids)
        if found is None:
            raise Duplicate(
                f"{op}: {api.host(account)} has seen this part's Idempotency-Key within the "
                "hour but shows no status from it"
            )
        return found.id, found.url
    status = api.body(response, op, sent=True)
    return api.status_id(status), api.status_link(status)


def _check(account: Account, outgoing: Outgoing, start: int, limits: api.Limits) -> None:
    host = api.host(account)
    for number, part in enumerate(outgoing.parts[start:], start + 1):
        if number == 1 and not part.media:
            raise Rejected(f"{outgoing.post}: Pixelfed needs an image on the first part")
        if len(part.text) > limits.max_characters:
            raise Rejected(
                f"{outgoing.post}: part {number} is {len(part.text)} characters; {host} takes "
                f"{limits.max_characters}: shorten it"
            )
        if not part.text.strip() and not part.media:
            raise Rejected(f"{outgoing.post}: part {number} is empty")
        found = _mastodon_media.problems(part, limits)
        if found:
            raise Rejected(f"{outgoing.post}: part {number}: {'; '.join(found)} ({host})")


def _visibility(account: Account) -> str | None:
    visibility = account.settings.get("visibility")
    if not visibility:
        return None
    if visibility not in VISIBILITIES:
        raise Rejected(
            f"{account.name}: `visibility: {visibility}` is not one of "
            f"{', '.join(sorted(VISIBILITIES))} on Pixelfed"
        )
    return str(visibility)
