"""Telegram, through the Bot API into a channel or group."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from providers import _http
from providers._text import utf16_units
from providers.base import (
    IMAGE_TYPES,
    VIDEO_TYPES,
    AuthKind,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    OutgoingMedia,
    OutgoingPart,
    Receipt,
    Setting,
    ThreadStyle,
)
from socialgit.errors import (
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    Rejected,
    Unsupported,
)

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "telegram"
TITLE = "Telegram"
THREADS: ThreadStyle = "replies"
_MB = 1024 * 1024
# Bot API, sending files by multipart upload: photos at most 10 MB, other files 50 MB; 2 to 10
# items in a media group; no alt text (core.telegram.org/bots/api#sending-files).
MEDIA = MediaRules(
    max_count=10,
    max_bytes={**{t: 10 * _MB for t in IMAGE_TYPES}, **{t: 50 * _MB for t in VIDEO_TYPES}},
    alt_max=None,
)
SETTINGS: Mapping[str, Setting] = {
    "chat": Setting(str, required=True, help="@channelname or numeric chat id"),
}
SECRETS: tuple[str, ...] = ("bot_token",)


def length(text: str) -> int:
    # Telegram measures text in UTF-16 code units (its entity offsets use them too).
    return utf16_units(text)


def limit(account: Account, part: Part) -> int:
    return 1024 if part.media else 4096


# -- runtime ---------------------------------------------------------------------------
#
# A bot token from @BotFather, pasted once; Telegram has no OAuth and tokens never expire.
AUTH: AuthKind = "token"
# The Bot API keeps no idempotency key and cannot read a channel's history back.
RESEND_IN_DOUBT = False

_API = "https://api.telegram.org"
_TEXT_MAX = 4096
_CAPTION_MAX = 1024
_GROUP_MAX = 10


def _token(account: Account, credentials: Credentials) -> str:
    token = credentials.get("bot_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(f"no Telegram bot token is stored: socialgit connect {account.name}")
    return token


def _chat(account: Account) -> str:
    chat = account.settings.get("chat")
    if isinstance(chat, int) and not isinstance(chat, bool):
        return str(chat)
    if not isinstance(chat, str) or not chat:
        raise Rejected(f"account {account.name} has no `chat:` (@channel or numeric id)")
    return chat


def _error(
    body: dict[str, Any], response: httpx.Response, op: str, account: Account, *, sent: bool
) -> ProviderError:
    """Telegram's ``{"ok": false, "error_code", "description", "parameters"}`` classified."""
    code = body.get("error_code")
    code = code if isinstance(code, int) else response.status_code
    said = str(body.get("description") or f"HTTP {code}")
    parameters = body.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    chat = account.settings.get("chat", "the chat")
    if code == 429:
        wait = parameters.get("retry_after")
        seconds = float(wait) if isinstance(wait, int | float) else None
        return _http.rate_limited(response, op, seconds, why=said)
    if code in {401, 404}:
        # 404 is what Telegram answers for a token of the wrong shape.
        return AuthRevoked(
            f"{op}: Telegram no longer accepts the bot token ({said}): "
            f"socialgit connect {account.name}"
        )
    if code == 403:
        return AuthRevoked(
            f"{op}: the bot cannot post to {chat} ({said}): add the bot back as an admin "
            "allowed to post messages"
        )
    if code == 400:
        moved = parameters.get("migrate_to_chat_id")
        if moved:
            return Rejected(f"{op}: the group became a supergroup: set `chat:` to {moved}")
        hint = ""
        if "chat not found" in said:
            hint = f": check `chat:` ({chat}) and that the bot is a member"
        return Rejected(f"{op}: Telegram refused: {said}{hint}")
    return _http.status_error(response, op, sent=sent, message=said)


def _call(
    client: httpx.Client,
    account: Account,
    token: str,
    method: str,
    *,
    sent: bool,
    **request: Any,
) -> Any:
    """POST one Bot API method and return its ``result``. The token lives in the URL path,
    so the URL never reaches a message: errors name the method only."""
    op = f"Telegram {method}"
    url = f"{_root(account)}/bot{token}/{method}"
    response = _http.send(
        client, "POST", url, op=op, secrets=(token,), idempotent=not sent, **request
    )
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        if response.is_success:
            _http.json_object(response, op, sent=sent)  # raises: unreadable after a send
        raise _http.status_error(response, op, sent=sent)
    if body.get("ok") is True:
        return body.get("result")
    raise _error(body, response, op, account, sent=sent)


def _root(account: Account) -> str:
    return _http.root(account, _API)


def _kind(media: OutgoingMedia) -> tuple[str, str]:
    """(sendX method, field and media type) for one file."""
    if media.mime in VIDEO_TYPES:
        return "sendVideo", "video"
    if media.mime == "image/gif":
        return "sendAnimation", "animation"  # sendPhoto would keep a still frame only
    return "sendPhoto", "photo"


def _read(media: OutgoingMedia) -> bytes:
    try:
        return media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None


def _request(chat: str, part: OutgoingPart, reply_to: str | None) -> tuple[str, dict[str, Any]]:
    """The method and keyword arguments for one part: JSON for text, multipart for files."""
    length = utf16_units(part.text)
    if part.media and length > _CAPTION_MAX:
        raise Rejected(f"a caption is {length} characters; Telegram takes {_CAPTION_MAX}")
    if length > _TEXT_MAX:
        raise Rejected(f"a message is {length} characters; Telegram takes {_TEXT_MAX}")
    if len(part.media) > _GROUP_MAX:
        raise Rejected(f"{len(part.media)} files in one part; Telegram takes {_GROUP_MAX}")
    # Should an earlier part have been deleted, the rest still go out (unthreaded).
    reply = {"message_id": int(reply_to), "allow_sending_without_reply": True} if reply_to else None
    if not part.media:
        body: dict[str, Any] = {"chat_id": chat, "text": part.text}
        if reply:
            body["reply_parameters"] = reply
        return "sendMessage", {"json": body}
    form: dict[str, str] = {"chat_id": chat}
    if reply:
        form["reply_parameters"] = json.dumps(reply)  # multipart: objects go as JSON text
    if len(part.media) == 1:
        media = part.media[0]
        method, field = _kind(media)
        if part.text:
            form["caption"] = part.text
        upload = (PurePosixPath(media.path).name, _read(media), media.mime)
        return method, {"data": form, "files": {field: upload}}
    items: list[dict[str, Any]] = []
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for index, media in enumerate(part.media):
        # Albums take photos and videos only: a GIF goes as a photo (its first frame).
        kind = "video" if media.mime in VIDEO_TYPES else "photo"
        item: dict[str, Any] = {"type": kind, "media": f"attach://file{index}"}
        if index == 0 and part.text:
            item["caption"] = part.text  # the album's caption is its first item's
        items.append(item)
        name = PurePosixPath(media.path).name
        files.append((f"file{index}", (name, _read(media), media.mime)))
    form["media"] = json.dumps(items)
    return "sendMediaGroup", {"data": form, "files": files}


def _link(chat: dict[str, Any] | str, message_id: str) -> str | None:
    """The public link: by username for public chats, /c/ for private channels and
    supergroups; basic groups and private chats have none."""
    if isinstance(chat, dict):
        username, ident = chat.get("username"), str(chat.get("id", ""))
    else:
        username = chat[1:] if chat.startswith("@") else None
        ident = chat
    if username:
        return f"https://t.me/{username}/{message_id}"
    if ident.startswith("-100"):
        return f"https://t.me/c/{ident[4:]}/{message_id}"
    return None


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported(
        "Telegram accounts connect with a bot token from @BotFather, not a sign-in link; "
        "add the bot to the channel as an admin allowed to post"
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    whoami(client, account, credentials)  # the token works and the bot sees the chat
    return {"bot_token": credentials["bot_token"]}


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    token = _token(account, credentials)
    me = _call(client, account, token, "getMe", sent=False, json={})
    chat = _call(client, account, token, "getChat", sent=False, json={"chat_id": _chat(account)})
    me = me if isinstance(me, dict) else {}
    chat = chat if isinstance(chat, dict) else {}
    found = {
        "id": me.get("id"),
        "name": me.get("username"),
        "chat_id": chat.get("id"),
        "chat": chat.get("title") or chat.get("username"),
    }
    return {key: str(value) for key, value in found.items() if value}


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    token = _token(account, credentials)
    chat = _chat(account)
    where: dict[str, Any] | str = chat  # the chat as Telegram describes it, once known
    ids = list(done)
    for number, part in enumerate(outgoing.parts, 1):
        if number <= len(done):
            continue
        method, request = _request(chat, part, ids[-1] if ids else None)
        result = _call(client, account, token, method, sent=True, **request)
        # sendMediaGroup answers with every message of the album; the first stands for it.
        first = result[0] if isinstance(result, list) and result else result
        if not isinstance(first, dict) or "message_id" not in first:
            raise OutcomeUnknown(f"Telegram {method}: no message id came back; it may be out")
        if isinstance(first.get("chat"), dict):
            where = first["chat"]
        ids.append(str(first["message_id"]))
        on_part(ids[-1])
    return Receipt(id=ids[0], url=_link(where, ids[0]), parts=tuple(ids))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    # Bots cannot read a channel's history, and Telegram keeps no idempotency key.
    raise OutcomeUnknown(
        f"Telegram cannot tell whether {outgoing.post} reached {account.settings.get('chat')}; "
        "look in the chat and record the outcome by hand"
    )
