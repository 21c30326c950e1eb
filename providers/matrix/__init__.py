"""Matrix: messages into a room, the later parts of a thread as ``m.thread`` replies.

Exactly once through the transaction id: ``PUT /rooms/{room}/send/m.room.message/{txnId}``
with a txnId derived from the delivery key, the part and the event within it; a homeserver
answers a repeated txnId from the same device with the first event (Synapse: for 24 hours).
A delivery in doubt is looked up in the room: the events this device sent carry their
txnId in ``unsigned.transaction_id``, which proves they are ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from providers.base import (
    IMAGE_TYPES,
    AuthKind,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    OutgoingMedia,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.matrix import api
from socialgit.errors import AuthRevoked, OutcomeUnknown, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "matrix"
TITLE = "Matrix"
THREADS: ThreadStyle = "replies"
_MIB = 1024 * 1024
# Synapse's default max_upload_size is 50 MiB; one event per image, its alt text as `body`.
MEDIA = MediaRules(max_count=10, max_bytes={t: 50 * _MIB for t in IMAGE_TYPES}, alt_max=1000)
SETTINGS: Mapping[str, Setting] = {
    "homeserver": Setting(str, required=True, help="the homeserver's URL, https://…"),
    "room": Setting(str, required=True, help="the room: !id:server or #alias:server"),
    "user": Setting(str, help="the user to sign in as with a password, @name:server"),
}
SECRETS: tuple[str, ...] = ("password", "access_token")
PROMPTS = {"password": "Matrix account password (exchanged once for a token; not stored)"}
REFRESH_FIELDS: tuple[str, ...] = ("user_id", "device_id")
AUTH: AuthKind = "app_password"
# The homeserver keeps a txnId for a day only: a delivery in doubt is looked up, not resent.
RESEND_IN_DOUBT = False

EVENT_BYTES = 60_000  # the spec caps an event at 65,536 bytes, signatures and JSON included
DEVICE = "SOCIALGIT"  # one device per account, so txnIds stay in one scope across logins
HISTORY_PAGES = 10  # pages of 100 events read back by a look-up
TXN_MEMORY = timedelta(hours=23)  # within Synapse's 24 h, with a margin


def length(text: str) -> int:
    return len(text.encode("utf-8"))


def limit(account: Account, part: Part) -> int:
    return EVENT_BYTES


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """A password is exchanged once for an access token (and never stored); a token given
    instead is checked. Either way the account joins the room, as invites require."""
    password = credentials.get("password")
    if isinstance(password, str) and password:
        user = account.settings.get("user")
        if not isinstance(user, str) or not user:
            raise Rejected(f"account {account.name} needs `user:` to sign in with a password")
        body = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user},
            "password": password,
            "device_id": DEVICE,
            "initial_device_display_name": "socialgit",
        }
        made = api.call(client, account, "POST", f"{api.CLIENT}/login", "Matrix login", None,
                        json=body)  # fmt: skip
        stored = {k: str(made.get(k) or "") for k in ("access_token", "user_id", "device_id")}
        if not stored["access_token"]:
            raise AuthRevoked("Matrix login: the homeserver answered without an access token")
    else:
        stored = {"access_token": api.token(account, credentials)}
        stored |= whoami(client, account, stored)
        stored = {"access_token": stored["access_token"], "user_id": stored["id"],
                  "device_id": stored.get("device_id", "")}  # fmt: skip
    room = account.settings.get("room")
    path = f"{api.CLIENT}/join/{quote(str(room), safe='')}"
    api.call(client, account, "POST", path, "Matrix join", stored["access_token"], json={})
    return {key: value for key, value in stored.items() if value}


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    path = f"{api.CLIENT}/account/whoami"
    found = api.call(client, account, "GET", path, "Matrix whoami", api.token(account, credentials))
    user = str(found.get("user_id") or "")
    who = {"id": user, "name": user}
    if found.get("device_id"):
        who["device_id"] = str(found["device_id"])
    return who


# -- publishing ---------------------------------------------------------------------------


def txn(key: str, part: int, event: int) -> str:
    """The transaction id of event ``event`` (0: the text, 1…: images) of part ``part``."""
    return f"socialgit-{key}-{part}-{event}"


def _events(outgoing: Outgoing, index: int) -> list[tuple[str, dict[str, Any] | OutgoingMedia]]:
    """(txnId, content or image to upload) of each event of part ``index``, in order."""
    part = outgoing.parts[index]
    found: list[tuple[str, dict[str, Any] | OutgoingMedia]] = []
    if part.text:
        if length(part.text) > EVENT_BYTES:
            raise Rejected(f"part {index + 1} is over Matrix's {EVENT_BYTES} bytes")
        found.append((txn(outgoing.key, index, 0), {"msgtype": "m.text", "body": part.text}))
    for number, media in enumerate(part.media, 1):
        found.append((txn(outgoing.key, index, number), media))
    return found


def _image(
    client: httpx.Client, account: Account, token: str, media: OutgoingMedia
) -> dict[str, Any]:
    try:
        data = media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
    name = PurePosixPath(media.path).name
    uploaded = api.call(
        client, account, "POST", "/_matrix/media/v3/upload", "Matrix upload", token,
        idempotent=True,  # an upload nobody links to is harmless
        params={"filename": name}, content=data, headers={"Content-Type": media.mime},
    )  # fmt: skip
    uri = uploaded.get("content_uri")
    if not isinstance(uri, str) or not uri.startswith("mxc://"):
        raise Rejected(f"Matrix upload: the homeserver gave no mxc:// URI for {media.path}")
    # `body` is the alt text (spec, m.image); without one, the file name, as clients expect.
    info = {"mimetype": media.mime, "size": len(data)}
    return {"msgtype": "m.image", "body": media.alt or name, "filename": name, "url": uri,
            "info": info}  # fmt: skip


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    token = api.token(account, credentials)
    plans = [_events(outgoing, index) for index in range(len(outgoing.parts))]
    if any(not plan for plan in plans[len(done) :]):
        raise Rejected(f"{outgoing.post}: a part with neither text nor images")
    room = api.room_id(client, account, token)
    ids = list(done)
    previous = ids[-1] if ids else None
    for index in range(len(done), len(outgoing.parts)):
        first: str | None = None
        for txn_id, what in plans[index]:
            content = (
                _image(client, account, token, what)
                if isinstance(what, OutgoingMedia)
                else dict(what)
            )
            root = ids[0] if ids else first
            if root is not None and previous is not None:
                content["m.relates_to"] = {
                    "rel_type": "m.thread",
                    "event_id": root,
                    "is_falling_back": True,
                    "m.in_reply_to": {"event_id": previous},
                }
            path = (f"{api.CLIENT}/rooms/{quote(room, safe='')}/send/m.room.message/"
                    f"{quote(txn_id, safe='')}")  # fmt: skip
            sent = api.call(client, account, "PUT", path, "Matrix send", token, json=content)
            event_id = sent.get("event_id")
            if not isinstance(event_id, str) or not event_id:
                raise OutcomeUnknown("Matrix send: answered without an event id; it may be out")
            first = first or event_id
            previous = event_id
        assert first is not None
        ids.append(first)
        on_part(first)
    return Receipt(ids[0], api.permalink(account, room, ids[0]), tuple(ids))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """The room's history since the occurrence, read for our txnIds. A part counts when
    every event of it is there; the leading parts found are a receipt the runner resumes
    after."""
    token = api.token(account, credentials)
    room = api.room_id(client, account, token)
    plans = [[t for t, _ in _events(outgoing, i)] for i in range(len(outgoing.parts))]
    seen = _history(client, account, token, room, outgoing, {t for plan in plans for t in plan})
    lead = 0
    while lead < len(plans) and plans[lead] and all(t in seen for t in plans[lead]):
        lead += 1
    ids = tuple(seen[plans[i][0]][0] for i in range(lead))
    if lead == len(plans):
        return Receipt(ids[0], api.permalink(account, room, ids[0]), ids)
    rest = [seen[t] for plan in plans[lead:] for t in plan if t in seen]
    if rest:  # a part half out: the rest of it goes under the same txnIds, if still known
        earliest = datetime.fromtimestamp(min(when for _, when in rest) / 1000, UTC)
        if datetime.now(UTC) - earliest > TXN_MEMORY:
            link = api.permalink(account, room, rest[0][0])
            raise OutcomeUnknown(f"{outgoing.post}: part of it is in the room ({link}), too long "
                                 "ago to resend the rest safely; finish it by hand")  # fmt: skip
    return Receipt(ids[0], api.permalink(account, room, ids[0]), ids) if ids else None


def _history(
    client: httpx.Client,
    account: Account,
    token: str,
    room: str,
    outgoing: Outgoing,
    wanted: set[str],
) -> dict[str, tuple[str, int]]:
    """txnId → (event id, time) of our events in the room since the occurrence (less a
    margin); ``OutcomeUnknown`` when the history is too long to read back to it."""
    since = (outgoing.occurrence - api.SKEW).timestamp() * 1000
    found: dict[str, tuple[str, int]] = {}
    start: str | None = None
    path = f"{api.CLIENT}/rooms/{quote(room, safe='')}/messages"
    for _ in range(HISTORY_PAGES):
        params: dict[str, Any] = {"dir": "b", "limit": 100, **({"from": start} if start else {})}
        page = api.call(client, account, "GET", path, "Matrix history", token, params=params)
        chunk = page.get("chunk")
        chunk = [e for e in chunk if isinstance(e, dict)] if isinstance(chunk, list) else []
        oldest: int | None = None
        for event in chunk:
            unsigned = event.get("unsigned")
            txn_id = unsigned.get("transaction_id") if isinstance(unsigned, dict) else None
            when = event.get("origin_server_ts")
            when = when if isinstance(when, int) else 0
            if txn_id in wanted and isinstance(event.get("event_id"), str):
                found[str(txn_id)] = (event["event_id"], when)
            oldest = when if oldest is None else min(oldest, when)
        start = page.get("end") if isinstance(page.get("end"), str) else None
        if not chunk or not start or (oldest is not None and oldest < since):
            return found
    raise OutcomeUnknown(f"{outgoing.post}: too many messages in the room since it was due "
                         "to tell whether it went out; look in the room")  # fmt: skip
