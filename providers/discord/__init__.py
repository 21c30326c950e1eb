"""Discord, through a channel webhook (the URL is the credential)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from providers import _http
from providers.base import (
    IMAGE_TYPES,
    VIDEO_TYPES,
    AuthKind,
    Credentials,
    MediaRules,
    OnPart,
    Outgoing,
    OutgoingPart,
    Receipt,
    Setting,
    ThreadStyle,
)
from socialgit.errors import (
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Unsupported,
)

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "discord"
TITLE = "Discord"
THREADS: ThreadStyle = "messages"
_MIB = 1024 * 1024
# Discord: 10 attachments, a request of at most 25 MiB (discord-api-docs, Create Message), and
# per file the upload limit of an unboosted server, 10 MiB since 2024 (UNCONFIRMED in the API
# docs; a boosted server takes more); attachment description (alt) at most 1024.
MEDIA = MediaRules(
    max_count=10,
    max_bytes={t: 10 * _MIB for t in IMAGE_TYPES | VIDEO_TYPES},
    alt_max=1024,
)
SETTINGS: Mapping[str, Setting] = {
    "username": Setting(str, help="name the webhook posts under"),
}
SECRETS: tuple[str, ...] = ("webhook_url",)


def length(text: str) -> int:
    return len(text)


def limit(account: Account, part: Part) -> int:
    return 2000


# -- runtime ---------------------------------------------------------------------------
#
# A webhook URL is the whole credential: nothing to sign in to, nothing that expires.
AUTH: AuthKind = "webhook"
# Discord keeps no idempotency key, so a delivery in doubt is never simply resent.
RESEND_IN_DOUBT = False

_CONTENT_MAX = 2000
_ALT_MAX = 1024
# …/webhooks/{id}/{token}, under /api or /api/v10 on discord.com (or a test server).
_HOOK_PATH = re.compile(r"/webhooks/(?P<id>\d+)/(?P<token>[^/]+)/?$")


def _hook(account: Account, credentials: Credentials) -> tuple[str, tuple[str, ...]]:
    """The webhook URL and the strings never to show (the URL, its token)."""
    import httpx  # deferred: plan and validate never need it

    url = credentials.get("webhook_url")
    if not isinstance(url, str) or not url:
        raise AuthRevoked(f"no Discord webhook URL is stored: socialgit connect {account.name}")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    found = _HOOK_PATH.search(parsed.path) if parsed is not None else None
    if parsed is None or parsed.scheme not in {"https", "http"} or found is None:
        # The URL is not repeated here: its path is the secret.
        raise AuthRevoked(
            "the stored Discord webhook URL is not of the form "
            f"https://discord.com/api/webhooks/ID/TOKEN: socialgit connect {account.name}"
        )
    return url, (url, found["token"])


def _error(response: httpx.Response, op: str, account: Account, *, sent: bool) -> ProviderError:
    """Discord's answer classified (rate limits, deleted webhook, invalid form body)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    code = body.get("code")
    message = str(body.get("message") or "")
    status = response.status_code
    if status == 429:
        wait = body.get("retry_after")
        scope = "all requests from this address" if body.get("global") else "this webhook"
        seconds = float(wait) if isinstance(wait, int | float) else None
        return _http.rate_limited(response, op, seconds, why=scope)
    if code == 10015 or status == 404:
        return AuthRevoked(f"the webhook was deleted: socialgit connect {account.name}")
    if status == 401:
        return AuthRevoked(
            f"Discord no longer accepts this webhook's token: socialgit connect {account.name}"
        )
    if status in {400, 403, 413} or code in {50006, 50035, 40005}:
        detail = "; ".join(_form_errors(body.get("errors"))) or message or f"HTTP {status}"
        return Rejected(f"{op}: Discord refused the message ({code or status}): {detail}")
    return _http.status_error(response, op, sent=sent, message=message)


def _form_errors(tree: Any, path: str = "") -> list[str]:
    """Flatten 50035's nested ``errors`` into "field: message" lines a person can act on."""
    if not isinstance(tree, dict):
        return []
    found: list[str] = []
    for key, value in tree.items():
        if key == "_errors" and isinstance(value, list):
            found += [f"{path or 'body'}: {e.get('message', e)}" for e in value if e]
        else:
            found += _form_errors(value, f"{path}.{key}" if path else str(key))
    return found


def _get_hook(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, Any]:
    url, secrets = _hook(account, credentials)
    op = "Discord webhook check"
    response = _http.send(client, "GET", url, op=op, secrets=secrets)
    if not response.is_success:
        raise _error(response, op, account, sent=False)
    return _http.json_object(response, op, sent=False)


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported(
        "Discord accounts connect with a channel webhook URL (Channel settings → "
        "Integrations → Webhooks → Copy Webhook URL), not a sign-in link"
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """Check the webhook and keep the ids its messages' public links need."""
    hook = _get_hook(client, account, credentials)
    checked: Credentials = {"webhook_url": credentials["webhook_url"]}
    for key in ("guild_id", "channel_id"):
        if hook.get(key):
            checked[key] = str(hook[key])
    return checked


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    hook = _get_hook(client, account, credentials)
    found = {"id": hook.get("id"), "name": hook.get("name")}
    found |= {"channel_id": hook.get("channel_id"), "guild_id": hook.get("guild_id")}
    return {key: str(value) for key, value in found.items() if value}


def _message_url(guild_id: Any, channel_id: Any, message_id: str) -> str | None:
    if not guild_id or not channel_id:
        return None  # a link without the server's id would not open
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def _request(account: Account, part: OutgoingPart, number: int) -> dict[str, Any]:
    """The keyword arguments for one message: JSON, or multipart when it carries files."""
    if len(part.text) > _CONTENT_MAX:
        raise Rejected(f"part {number} is {len(part.text)} characters; Discord takes 2000")
    payload: dict[str, Any] = {"allowed_mentions": {"parse": []}}  # text must not ping
    if part.text:
        payload["content"] = part.text
    username = account.settings.get("username")
    if isinstance(username, str) and username:
        payload["username"] = username
    if not part.media:
        return {"json": payload}
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    attachments: list[dict[str, Any]] = []
    for index, media in enumerate(part.media):
        if len(media.alt) > _ALT_MAX:
            raise Rejected(f"the alt text of {media.path} is over Discord's {_ALT_MAX}")
        try:
            data = media.file.read_bytes()
        except OSError as exc:
            raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
        name = PurePosixPath(media.path).name
        files.append((f"files[{index}]", (name, data, media.mime)))
        attachment: dict[str, Any] = {"id": index, "filename": name}
        if media.alt:
            attachment["description"] = media.alt
        attachments.append(attachment)
    payload["attachments"] = attachments
    return {"data": {"payload_json": json.dumps(payload)}, "files": files}


def _send_message(
    client: httpx.Client, account: Account, url: str, secrets: tuple[str, ...], request: Any
) -> tuple[dict[str, Any], httpx.Response]:
    # wait=true: without it Discord answers 204 before validating, and failures are silent.
    import httpx  # deferred: plan and validate never need it

    target = httpx.URL(url).copy_merge_params({"wait": "true"})
    op = "Discord webhook message"
    response = _http.send(client, "POST", target, op=op, secrets=secrets, **request)
    if not response.is_success:
        raise _error(response, op, account, sent=True)
    message = _http.json_object(response, op, sent=True)
    if not message.get("id"):
        raise OutcomeUnknown(f"{op}: Discord answered without a message id; it may have arrived")
    return message, response


def _pace(response: httpx.Response | None) -> None:
    """Keep within the webhook's bucket between the messages of a thread: when it is
    spent, stop *before* the next send (the runner waits or defers, then resumes from the
    parts already recorded). Never after a send: a message that went out must reach
    ``on_part`` first."""
    if response is None or response.headers.get("X-RateLimit-Remaining") != "0":
        return
    seconds = _http.header_seconds(response, "X-RateLimit-Reset-After")
    if seconds is not None:
        until = _http.now() + timedelta(seconds=seconds)
        raise RateLimited("Discord: this webhook's rate limit is used up", until=until)


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    url, secrets = _hook(account, credentials)
    # Each part goes out as its own message (webhooks cannot reply); Discord has no way
    # to say "this one you already have", so resuming relies on ``done`` alone.
    requests = [
        _request(account, part, number)
        for number, part in enumerate(outgoing.parts, 1)
        if number > len(done)
    ]
    guild_id, channel_id = credentials.get("guild_id"), credentials.get("channel_id")
    if not guild_id:
        # Asked before anything is sent, so a failure here leaves nothing in doubt; once
        # everything is out, a link is not worth failing the delivery for.
        try:
            hook = _get_hook(client, account, credentials)
        except ProviderError:
            if requests:
                raise
            hook = {}
        guild_id, channel_id = hook.get("guild_id"), hook.get("channel_id") or channel_id
    ids = list(done)
    last: httpx.Response | None = None
    for request in requests:
        _pace(last)
        message, last = _send_message(client, account, url, secrets, request)
        ids.append(str(message["id"]))
        channel_id = message.get("channel_id") or channel_id
        on_part(ids[-1])
    return Receipt(id=ids[0], url=_message_url(guild_id, channel_id, ids[0]), parts=tuple(ids))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    # Webhooks can fetch a message only by an id we never got, cannot list the channel,
    # and Discord keeps no idempotency keys: there is no sound way to tell.
    raise OutcomeUnknown(
        f"Discord cannot tell whether {outgoing.post} reached the channel of account "
        f"{account.name}; look in the channel and record the outcome by hand"
    )
