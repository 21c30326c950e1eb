"""Farcaster, through Neynar's hosted API: a cast per part, each later part a reply to the
one before, images as embeds by public URL.

Credentials: a Neynar API key (``x-api-key``) and a signer made with that key that the
Farcaster account approved (``signer_uuid``); both live in the vault. A signer does not
expire; one the user removed (``revoked``), or a key the signer was not made with, is
refused: ``socialgit connect`` again. ``authenticate`` checks that the signer is approved.

Text is counted in UTF-8 bytes, as Farcaster's validation counts a cast: 320, or 1,024 for
long casts (``long_casts: true``, for accounts that may post them). A cast carries no
files: up to 2 images go as embeds pointing at their public URL (``media_base_url`` in
socialgit.yml); Farcaster has no alt text.

Exactly once: every cast carries Neynar's ``idem`` key, derived from the delivery key and
the part's index, so a resend of the same part is recognised as one (what Neynar answers a
repeat is not documented: a cast is taken from the answer, a 409 is a ``Duplicate`` to look
up). A delivery in doubt is looked up among the account's own casts since the occurrence
(``providers.farcaster.recover``; the rules are ``providers._scan``'s).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from providers._text import utf8_bytes
from providers.base import (
    AuthKind,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.farcaster import api
from providers.farcaster import recover as _farcaster_recover
from socialgit.errors import OutcomeUnknown, Rejected, Unsupported

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "farcaster"
TITLE = "Farcaster"
THREADS: ThreadStyle = "replies"
_MB = 1024 * 1024
# Two embeds a cast (Farcaster's validation; 4 for Pro accounts); nothing is uploaded, the
# clients fetch the URL, so the size is socialgit's cap for a page that shows them.
MEDIA = MediaRules(
    max_count=2,
    max_bytes={t: 10 * _MB for t in ("image/png", "image/jpeg", "image/gif", "image/webp")},
    alt_max=None,  # the protocol has no alt text
    needs_public_url=True,
)
SETTINGS: Mapping[str, Setting] = {
    "long_casts": Setting(bool, help="true: casts up to 1,024 bytes (else 320)"),
    "channel": Setting(str, help="a channel id to cast the first part into"),
}
SECRETS: tuple[str, ...] = ("api_key", "signer_uuid")
PROMPTS = {
    "api_key": "Neynar API key",
    "signer_uuid": "Signer UUID (approved by the account, made with this API key)",
}
SHORT, LONG = 320, 1024
MAX_URL_BYTES = 256


def length(text: str) -> int:
    return utf8_bytes(text)


def limit(account: Account, part: Part) -> int:
    return LONG if account.settings.get("long_casts") is True else SHORT


# -- credentials ----------------------------------------------------------------------------
AUTH: AuthKind = "token"
RESEND_IN_DOUBT = False  # what Neynar does with a repeated idem is not documented


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported("Farcaster takes a Neynar API key and signer: socialgit connect asks")


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """Check that the signer is approved and made with this API key; keep both."""
    api.signer(client, account, credentials)
    return {"api_key": credentials["api_key"], "signer_uuid": credentials["signer_uuid"]}


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    fid = api.signer(client, account, credentials)
    user = api.user(client, account, credentials, fid)
    found = {
        "id": str(fid),
        "name": user.get("display_name") or user.get("username"),
        "handle": f"@{user['username']}" if user.get("username") else None,
    }
    return {key: str(value) for key, value in found.items() if value}


# -- publishing -----------------------------------------------------------------------------
def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    ids = list(done)
    if len(done) < len(outgoing.parts):
        _check(account, outgoing, len(done))
        for index in range(len(done), len(outgoing.parts)):
            ident = _cast(client, account, credentials, outgoing, index, ids)
            ids.append(ident)
            on_part(ident)
    return Receipt(id=ids[0], url=api.link(ids[0]), parts=tuple(ids))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    return _farcaster_recover.find(client, account, credentials, outgoing)


def idem(key: str, index: int) -> str:
    """The ``idem`` of part ``index`` of delivery ``key``: 16 characters, as Neynar
    recommends, the same on every attempt."""
    return hashlib.sha256(f"socialgit/idem\n{key}\n{index}".encode()).hexdigest()[:16]


def _cast(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    index: int,
    ids: list[str],
) -> str:
    part = outgoing.parts[index]
    body: dict[str, Any] = {
        "signer_uuid": api.field(account, credentials, "signer_uuid"),
        "text": part.text,
        "idem": idem(outgoing.key, index),
    }
    embeds = [{"url": media.url} for media in part.media if media.url]
    if embeds:
        body["embeds"] = embeds
    if ids:
        body["parent"] = ids[-1]
    else:
        channel = account.settings.get("channel")
        if isinstance(channel, str) and channel:
            body["channel_id"] = channel
    op = f"Farcaster cast of part {index + 1}"
    answer = api.call(client, account, credentials, "POST", "/v2/farcaster/cast", op=op,
                      sent=True, json=body)  # fmt: skip
    cast = answer.get("cast")
    found = cast.get("hash") if isinstance(cast, dict) else None
    if not isinstance(found, str) or not found:
        raise OutcomeUnknown(f"{op}: the answer carried no cast hash; it may have gone out")
    return found


def _check(account: Account, outgoing: Outgoing, start: int) -> None:
    most = LONG if account.settings.get("long_casts") is True else SHORT
    for number, part in enumerate(outgoing.parts[start:], start + 1):
        size = utf8_bytes(part.text)
        if size > most:
            raise Rejected(
                f"{outgoing.post}: part {number} is {size} bytes; Farcaster takes {most}"
            )
        if not part.text.strip() and not part.media:
            raise Rejected(f"{outgoing.post}: part {number} is empty")
        if len(part.media) > 2:
            raise Rejected(f"{outgoing.post}: part {number} has {len(part.media)} images; 2 fit")
        for media in part.media:
            if not media.url:
                raise Rejected(
                    f"{outgoing.post}: {media.path} needs a public URL: set `media_base_url:` "
                    "in socialgit.yml"
                )
            if utf8_bytes(media.url) > MAX_URL_BYTES:
                raise Rejected(
                    f"{outgoing.post}: {media.path}: its URL is over {MAX_URL_BYTES} bytes"
                )
