"""Misskey (and its forks), one instance per account: a note per part, each later part a
reply to the one before, images uploaded to the account's drive with their alt text.

Credentials: MiAuth (``AUTH = "browser"``). ``socialgit connect`` opens
``/miauth/<session>`` on the instance, where the person grants socialgit the permissions it
asks for; the instance then calls back ``?session=<session>``, and
``POST /api/miauth/<session>/check`` hands over the token. The session id is the state
``connect`` made for this sign-in, so a callback for another sign-in does not match.
Misskey's tokens do not expire; a refused one was revoked (``socialgit connect`` again).

Text: up to 3,000 characters by default; the instance's own limit (``maxNoteTextLength``
of ``/api/meta``, where it says) is read before sending, and ``max_note_length:`` tells
validation about a fork that takes more. Counted in code points ("surrogate pairs count as
one", Misskey's const.ts).

Exactly once: upstream Misskey keeps no idempotency key, so a delivery in doubt is looked
up among the account's own notes since the occurrence (``providers.misskey.recover``; the
rules are ``providers._scan``'s).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from providers.base import (
    IMAGE_TYPES,
    VIDEO_TYPES,
    AuthKind,
    Counts,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    OutgoingMedia,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.misskey import api
from providers.misskey import recover as _misskey_recover
from socialgit.errors import OutcomeUnknown, Rejected, Transient, UsageError

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "misskey"
TITLE = "Misskey"
THREADS: ThreadStyle = "replies"
_MB = 1024 * 1024
# Up to 16 files a note; sizes are the instance's (role policies): 50 MiB is ours, to
# fail at validation rather than half-way.
MEDIA = MediaRules(
    max_count=16,
    max_bytes={**{t: 50 * _MB for t in IMAGE_TYPES}, **{t: 50 * _MB for t in VIDEO_TYPES}},
    alt_max=512,  # a drive file's comment
)
SETTINGS: Mapping[str, Setting] = {
    "instance": Setting(str, required=True, help="https://your.misskey.instance"),
    "max_note_length": Setting(int, help="the instance's note limit, if not 3000"),
    "visibility": Setting(str, help="public | home | followers"),
}
SECRETS: tuple[str, ...] = ("access_token",)
MAX_TEXT = 3000
VISIBILITIES = frozenset({"public", "home", "followers"})
PERMISSIONS = "read:account,write:notes,write:drive"


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    configured = account.settings.get("max_note_length")
    return configured if isinstance(configured, int) else MAX_TEXT


# -- credentials ----------------------------------------------------------------------------
AUTH: AuthKind = "browser"
RESEND_IN_DOUBT = False  # nothing dedupes a resend on upstream Misskey


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    """The MiAuth page for session ``state`` (MiAuth has no PKCE: the challenge is unused)."""
    query = urlencode({"name": "socialgit", "callback": redirect_uri, "permission": PERMISSIONS})
    return f"{api.base(account)}/miauth/{quote(state, safe='')}?{query}"


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """``code`` is the MiAuth session the instance called back with: check it for the token."""
    if not code:
        raise UsageError(f"{account.name}: the MiAuth callback carried no session")
    op = f"Misskey MiAuth check on {api.host(account)}"
    answer = api.call(
        client, account, None, f"miauth/{quote(code, safe='')}/check", op=op, sent=False
    )
    found = answer.get("token") if isinstance(answer, dict) else None
    if not isinstance(found, str) or not found or not answer.get("ok", True):
        raise UsageError(
            f"{account.name}: {api.host(account)} issued no token for this sign-in (it was "
            "not granted, or already used); run `socialgit connect` again"
        )
    return {"access_token": found}


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    me = _misskey_recover.me(client, account, credentials)
    found = {
        "id": me.get("id"),
        "name": me.get("name") or me.get("username"),
        "handle": f"@{me['username']}@{api.host(account)}" if me.get("username") else None,
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
        _check(account, outgoing, len(done), _limit(client, account))
        extra = _extra(account)
        for index in range(len(done), len(outgoing.parts)):
            ident = _note(client, account, credentials, outgoing, index, ids, extra)
            ids.append(ident)
            on_part(ident)
    return Receipt(id=ids[0], url=link(account, ids[0]), parts=tuple(ids))


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    return api.counts(client, account, credentials, item)


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    return _misskey_recover.find(client, account, credentials, outgoing)


def link(account: Account, ident: str) -> str:
    return f"{api.base(account)}/notes/{ident}"


def _note(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    index: int,
    ids: list[str],
    extra: dict[str, Any],
) -> str:
    part = outgoing.parts[index]
    files = [_upload(client, account, credentials, media) for media in part.media]
    body: dict[str, Any] = dict(extra)
    if part.text.strip():
        body["text"] = part.text
    if files:
        body["fileIds"] = files
    if ids:
        body["replyId"] = ids[-1]
    op = f"Misskey note of part {index + 1}"
    answer = api.call(client, account, credentials, "notes/create", op=op, sent=True, json=body)
    note = answer.get("createdNote") if isinstance(answer, dict) else None
    ident = note.get("id") if isinstance(note, dict) else None
    if not isinstance(ident, str) or not ident:
        raise OutcomeUnknown(f"{op}: the answer carried no note id; it may have gone out")
    return ident


def _upload(
    client: httpx.Client, account: Account, credentials: Credentials, media: OutgoingMedia
) -> str:
    """One file into the account's drive, its alt text as the file's ``comment``. It
    publishes nothing, so a lost answer is ``Transient`` and a rerun uploads again."""
    op = f"Misskey drive upload of {media.path}"
    try:
        data = media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
    name = PurePosixPath(media.path).name
    form: dict[str, Any] = {"name": name}
    if media.alt:
        form["comment"] = media.alt
    answer = api.call(
        client, account, credentials, "drive/files/create", op=op, sent=False, json=form,
        files={"file": (name, data, media.mime)},
    )  # fmt: skip
    ident = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(ident, str) or not ident:
        raise Transient(f"{op}: the answer carried no file id; will retry")
    return ident


def _limit(client: httpx.Client, account: Account) -> int:
    """The instance's note limit where ``/api/meta`` says (older versions, forks); else the
    account's ``max_note_length``, else 3,000."""
    configured = account.settings.get("max_note_length")
    fallback = configured if isinstance(configured, int) else MAX_TEXT
    meta = api.call(client, account, None, "meta", op="Misskey meta", sent=False, json={})
    found = meta.get("maxNoteTextLength") if isinstance(meta, dict) else None
    return found if isinstance(found, int) and not isinstance(found, bool) and found else fallback


def _check(account: Account, outgoing: Outgoing, start: int, most: int) -> None:
    host = api.host(account)
    for number, part in enumerate(outgoing.parts[start:], start + 1):
        size = len(part.text)
        if size > most:
            raise Rejected(
                f"{outgoing.post}: part {number} is {size} characters; {host} takes {most}"
            )
        if not part.text.strip() and not part.media:
            raise Rejected(f"{outgoing.post}: part {number} is empty; a note needs text or a file")
        for media in part.media:
            if len(media.alt) > 512:
                raise Rejected(f"{outgoing.post}: {media.path}: alt text over 512 characters")


def _extra(account: Account) -> dict[str, Any]:
    visibility = account.settings.get("visibility")
    if not visibility:
        return {}
    if visibility not in VISIBILITIES:
        raise Rejected(
            f"{account.name}: `visibility: {visibility}` is not one of "
            f"{', '.join(sorted(VISIBILITIES))}"
        )
    return {"visibility": visibility}
