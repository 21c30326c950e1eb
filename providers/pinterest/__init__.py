"""Pinterest, API v5: a pin on a board.

Auth: OAuth 2.0 authorization code at ``www.pinterest.com/oauth/`` (scopes comma-separated)
and ``POST /v5/oauth/token`` with HTTP Basic client authentication (Pinterest OpenAPI
``securitySchemes``, ``/oauth/token``). Access tokens last about 30 days; refresh tokens are
"continuous": each refresh answers a new one (60 days, refreshable without end) that the
runner saves and pushes before using the new access token. Apps made before 2025-09-25 must
ask for them with ``continuous_refresh=true``, which is sent on every token request.

Posting: ``POST /v5/pins`` with ``board_id``, the body as ``description``, the post keys
``title`` and ``link``, the first file's alt text as ``alt_text``, and the media
(providers/pinterest/media.py): one image, a carousel of 2 to 5, or one video. A pin is one
part: ``THREADS = "single"`` (v5 has no comment endpoint).

``RESEND_IN_DOUBT`` is False: Pinterest takes no idempotency key and keeps nothing we send
that could carry one. A pin in doubt is looked for on its board
(providers/pinterest/recover.py): exactly this pin, alone, created at or after the
occurrence, is taken as this delivery; a board read to its end without it and without
anything like it proves it is not out; anything else goes to a person with the link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from providers import _scan
from providers._text import utf16_units
from providers.base import (
    AuthKind,
    Credentials,
    KeyRule,
    MediaRules,
    Note,
    OnPart,
    Outgoing,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.pinterest import api
from providers.pinterest import media as _media
from providers.pinterest import recover as _recover
from socialgit.errors import AuthRevoked, OutcomeUnknown, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "pinterest"
TITLE = "Pinterest"
THREADS: ThreadStyle = "single"
_MB = 1024 * 1024
ALT = 500  # a pin's alt text (OpenAPI maxLength)
MEDIA = MediaRules(
    max_count=5,
    # Pinterest's help centre gives 20 MB for images and 2 GB for videos (UNCONFIRMED for
    # the API); GIF and WebP are not among the content types a pin's images may have.
    max_bytes={
        "image/png": 20 * _MB,
        "image/jpeg": 20 * _MB,
        "video/mp4": 2048 * _MB,
        "video/quicktime": 2048 * _MB,
    },
    alt_max=ALT,
    required=True,  # a pin is an image or a video
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the app's id (its secret goes in the vault)"),
    "board": Setting(str, required=True, help="the id of the board pins go to (digits)"),
    "scope": Setting(str, help="scopes to ask for, comma-separated (secret boards need more)"),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")
KEYS: Mapping[str, KeyRule] = {
    "title": KeyRule(max_length=100),
    "link": KeyRule(max_length=2048),  # where the pin leads
    "cover": KeyRule(),  # a video pin's cover image
}
DESCRIPTION = 800  # the OpenAPI's maxLength of a pin's description
_BOARD = re.compile(r"\d+")


def length(text: str) -> int:
    # The unit of Pinterest's limit is not documented (UNCONFIRMED): UTF-16 units count an
    # emoji twice, which is never less than the code points JSON Schema counts.
    return utf16_units(text)


def limit(account: Account, part: Part) -> int:
    return DESCRIPTION


def media_problems(number: int, kinds: tuple[str, ...]) -> list[str]:
    mixed = _media.problem(kinds)
    return [mixed] if mixed else []


# -- credentials -----------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
RESEND_IN_DOUBT = False  # see the module's docstring
EXACT_REDIRECT = True  # the app's registered redirect URI must match, port included

AUTHORIZE_URL = "https://www.pinterest.com/oauth/"
SCOPES = "boards:read,boards:write,pins:read,pins:write,user_accounts:read"
# Sent with every token request: apps made before 2025-09-25 get continuous (renewed)
# refresh tokens only when they ask (OpenAPI ``/oauth/token``); where it goes is UNCONFIRMED.
_CONTINUOUS = {"continuous_refresh": "true"}


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    from socialgit.credentials import oauth

    # Pinterest documents no PKCE; the challenge is harmless where it is not read.
    scope = account.settings.get("scope")
    return oauth.auth_url(
        account,
        redirect_uri,
        state,
        code_challenge,
        default_authorize_url=AUTHORIZE_URL,
        scope=scope if isinstance(scope, str) and scope else SCOPES,
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    # Pinterest documents no PKCE; the verifier is harmless where it is not read.
    form["code_verifier"] = code_verifier
    return _token(client, account, credentials, form, "code exchange")


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """The whole entry with Pinterest's new tokens: every refresh answers a new refresh
    token, which the runner stores and pushes before anything uses it."""
    token = credentials.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account.name}: no refresh token is stored; run `socialgit connect {account.name}`"
        )
    form = {"grant_type": "refresh_token", "refresh_token": token}
    return _token(client, account, credentials, form, "token refresh")


def _token(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    form: dict[str, str],
    op: str,
) -> Credentials:
    """A token request with HTTP Basic client authentication; the entry it makes."""
    from socialgit.credentials import oauth

    tokens = oauth.token_request(
        client,
        oauth.endpoint(account, "token_url", f"{api.root(account)}/oauth/token"),
        {**form, **_CONTINUOUS},
        account=account.name,
        op=op,
        client_id=oauth.client_id(account, credentials),
        client_secret=credentials.get("client_secret") or None,
    )
    return oauth.keep_refresh_token(dict(credentials), tokens)


def expires_at(credentials: Credentials) -> datetime | None:
    from socialgit.credentials import oauth

    return oauth.expires_at(credentials)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    answer = api.call(client, account, credentials, "GET", "/user_account", op="Pinterest whoami")
    username = answer.get("username")
    ident = answer.get("id") or username
    name = answer.get("business_name") or username
    found = {"id": ident, "handle": username, "name": name}
    return {key: str(value) for key, value in found.items() if value}


def diagnose(client: httpx.Client, account: Account, credentials: Credentials) -> list[Note]:
    """The sandbox (pins only you see) and the board: there, and whose."""
    notes: list[Note] = []
    if api.SANDBOX_HOST in api.root(account):
        notes.append(
            (
                "warning",
                "base_url is Pinterest's API sandbox: pins are visible only to you (what "
                "an app with Trial access may do); remove base_url once the app has "
                "Standard access",
            )
        )
    board = account.settings.get("board")
    if not isinstance(board, str) or not _BOARD.fullmatch(board):
        return [*notes, ("error", f"board: {board!r} is not a board id (digits)")]
    try:
        found = api.call(
            client, account, credentials, "GET", f"/boards/{board}", op="Pinterest board"
        )
    except Rejected as exc:
        return [*notes, ("error", f"board {board} cannot be used: {exc}")]
    privacy = str(found.get("privacy") or "").upper()
    scopes = str(credentials.get("scope") or "")
    notes.append(("ok", f"board {board}: {found.get('name') or '?'} ({privacy.lower() or '?'})"))
    if privacy in {"SECRET", "PROTECTED"} and "pins:write_secret" not in scopes:
        notes.append(
            (
                "warning",
                f"board {board} is secret: pins need the scopes boards:read_secret and "
                "pins:write_secret (set `scope:` and connect again)",
            )
        )
    return notes


# -- publishing ------------------------------------------------------------------------
def link(pin_id: str) -> str:
    return _recover.link(pin_id)


def _board(account: Account) -> str:
    board = account.settings.get("board")
    if not isinstance(board, str) or not _BOARD.fullmatch(board):
        raise Rejected(
            f"{account.name}: `board:` must be the board's id (digits, e.g. "
            "'1234567890123456789'); `socialgit doctor` checks it"
        )
    return board


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    if done:  # a pin is one part: out already
        return Receipt(done[0], link(done[0]), (done[0],))
    body = _pin(account, outgoing)
    # Everything that can be refused is checked above; the video (if any) is uploaded here,
    # before the one request that makes the pin public.
    body["media_source"] = _media.source(client, account, credentials, outgoing)
    answer = api.call(
        client,
        account,
        credentials,
        "POST",
        "/pins",
        op="Pinterest create pin",
        sent=True,
        json=body,
    )
    ident = answer.get("id")
    if not isinstance(ident, str | int) or not str(ident):
        raise OutcomeUnknown("Pinterest create pin: no pin id came back; it may be out")
    on_part(str(ident))
    return Receipt(str(ident), link(str(ident)), (str(ident),))


def _pin(account: Account, outgoing: Outgoing) -> dict[str, Any]:
    if len(outgoing.parts) != 1:
        raise Rejected(f"{outgoing.post}: a pin is one part; this post has {len(outgoing.parts)}")
    part = outgoing.parts[0]
    if not part.media:
        raise Rejected(f"{outgoing.post}: a pin needs an image or a video")
    if length(part.text) > DESCRIPTION:
        raise Rejected(
            f"{outgoing.post}: the description is {length(part.text)} characters; "
            f"Pinterest takes {DESCRIPTION}"
        )
    body: dict[str, Any] = {"board_id": _board(account), "description": part.text}
    for key in ("title", "link"):
        value = outgoing.keys.get(key)
        if isinstance(value, str) and value:
            body[key] = value
    alt = part.media[0].alt
    if alt:
        if len(alt) > ALT:
            raise Rejected(f"{part.media[0].path}: alt text over {ALT} characters")
        body["alt_text"] = alt  # one per pin: a carousel's first image speaks for it
    return body


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    board = _board(account)
    where = f"Pinterest board {board}"
    seen, complete = _recover.board_pins(client, account, credentials, board)
    return _scan.receipt(_recover.find(seen, complete, outgoing, where))
