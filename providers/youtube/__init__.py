"""YouTube (Data API v3): one video per post, uploaded with the resumable protocol.

A post is one part with one video: its ``title:`` is the video's title (100 characters, no
``<`` or ``>``), its text the description (5,000 UTF-8 bytes, no ``<`` or ``>``). Settings:
``privacy`` (public, unlisted or private; default public), ``category`` (a video category
id; default 22, People & Blogs), ``made_for_kids`` (default false).

Auth: Google's OAuth 2.0 web-server flow with PKCE, ``access_type=offline`` and
``prompt=consent`` (without it a repeated consent gives no refresh token); scopes
``youtube.upload`` to upload and ``youtube.readonly`` to read the channel back. Access tokens
last an hour; Google's refresh tokens do not rotate (an answer without one keeps ours), but
die after 7 days while the app's consent screen is in "Testing" (docs/networks/youtube.md).

Exactly once (providers/youtube/upload.py): YouTube takes no idempotency key, but a
resumable session makes one video at most, when its last byte arrives. So the session is
opened, recorded as the delivery's pending id (sealed), and only then are bytes sent; a rerun
asks the session how far it got and goes on from there, and a session that has every byte
answers with the video, which is the receipt. ``RESEND_IN_DOUBT`` is False.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from providers._text import utf8_bytes
from providers.base import (
    AuthKind,
    Counts,
    Credentials,
    KeyRule,
    MediaRules,
    Note,
    OnPart,
    Outgoing,
    OutgoingMedia,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.youtube import api as _yt_api
from providers.youtube import upload as _yt_upload
from socialgit.credentials import oauth
from socialgit.errors import AuthRevoked, OutcomeUnknown, ProviderError, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "youtube"
TITLE = "YouTube"
THREADS: ThreadStyle = "single"
EXACT_REDIRECT = True  # a web client's registered redirect URI must match, port included
_GB = 1024**3
MEDIA = MediaRules(
    max_count=1,
    required=True,
    max_bytes={"video/mp4": 256 * _GB, "video/quicktime": 256 * _GB},
    alt_max=None,
)
PRIVACY = ("public", "unlisted", "private")
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the Google OAuth client id"),
    "privacy": Setting(str, help="public, unlisted or private (default public)", choices=PRIVACY),
    "category": Setting(int, help="the video category id (default 22, People & Blogs)"),
    "made_for_kids": Setting(bool, help="the videos are made for children (default false)"),
    "scope": Setting(str, help="OAuth scopes, space-separated (default: upload and read)"),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")
KEYS: Mapping[str, KeyRule] = {
    "title": KeyRule(
        required=True, max_length=100, pattern=r"[^<>]*", pattern_help="may not contain < or >"
    )
}
DESCRIPTION_BYTES = 5000
DEFAULT_CATEGORY = 22


def length(text: str) -> int:
    return utf8_bytes(text)  # YouTube counts the description in bytes


def limit(account: Account, part: Part) -> int:
    return DESCRIPTION_BYTES


def text_problems(text: str) -> list[str]:
    if "<" in text or ">" in text:
        return ["YouTube descriptions may not contain < or >"]
    return []


# -- runtime ---------------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
RESEND_IN_DOUBT = False  # see the module's docstring

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload "
    "https://www.googleapis.com/auth/youtube.readonly"
)
MARGIN = timedelta(minutes=5)  # a video found this long before it was due may still be ours


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    scope = account.settings.get("scope")
    return oauth.authorize_url(
        oauth.endpoint(account, "authorize_url", AUTHORIZE_URL),
        client_id=oauth.client_id(account),
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=code_challenge,
        scope=scope if isinstance(scope, str) and scope else SCOPES,
        extra={"access_type": "offline", "prompt": "consent"},
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    stored = oauth.authenticate(
        client,
        account,
        code,
        code_verifier,
        redirect_uri,
        credentials,
        default_token_url=TOKEN_URL,
        auth="post",
    )
    if not stored.get("refresh_token"):
        raise AuthRevoked(
            f"{account.name}: Google gave no refresh token (offline access was not granted); "
            f"run `socialgit connect {account.name}` again"
        )
    if not stored.get("client_secret"):
        raise AuthRevoked(
            f"{account.name}: YouTube needs the app's client secret (it also seals upload "
            f"sessions); run `socialgit connect {account.name}` and give it"
        )
    return stored


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    # Google's refresh tokens do not rotate; an answer without one keeps the stored one.
    return oauth.refresh(client, account, credentials, default_token_url=TOKEN_URL, auth="post")


def expires_at(credentials: Credentials) -> datetime | None:
    return oauth.expires_at(credentials)


def watch(video: str) -> str:
    return f"https://www.youtube.com/watch?v={video}"


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    channel = _channel(client, account, credentials, "snippet")
    snippet = channel.get("snippet") or {}
    found = {
        "id": channel.get("id"),
        "name": snippet.get("title"),
        "handle": snippet.get("customUrl"),
    }
    return {key: str(value) for key, value in found.items() if isinstance(value, str) and value}


def diagnose(client: httpx.Client, account: Account, credentials: Credentials) -> list[Note]:
    """What doctor can tell from the channel: long uploads not allowed (an unverified
    channel), and the newest upload private while this account posts publicly (YouTube locks
    uploads from API projects it has not audited as private)."""
    channel = _channel(client, account, credentials, "status")
    found: list[Note] = []
    long_uploads = (channel.get("status") or {}).get("longUploadsStatus")
    if isinstance(long_uploads, str) and long_uploads not in ("allowed", ""):
        found.append(
            (
                "warning",
                f"videos over 15 minutes are refused until the channel is verified "
                f"(longUploadsStatus {long_uploads})",
            )
        )
    wanted = account.settings.get("privacy") or "public"
    if wanted != "private":
        newest = _uploads(client, account, credentials, 1)
        status = (newest[0].get("status") or {}).get("privacyStatus") if newest else None
        if status == "private":
            video = ((newest[0].get("snippet") or {}).get("resourceId") or {}).get("videoId")
            found.append(
                (
                    "warning",
                    f"the newest upload ({watch(str(video))}) is private although this account "
                    f"posts {wanted}: uploads from an API project YouTube has not audited are "
                    "locked private (docs/networks/youtube.md#access)",
                )
            )
    return found


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    if done:  # the video is out: a rerun has nothing to send
        return Receipt(id=done[0], url=watch(done[0]), parts=done[:1])
    media, size = _video(outgoing)
    secret = _secret(account, credentials)
    session = _session(outgoing, secret)
    offset = 0
    if session is not None:
        try:
            state = _yt_upload.probe(client, account, credentials, session, size)
        except _yt_upload.SessionGone as exc:
            raise _gone(client, account, credentials, outgoing, exc) from None
        if isinstance(state, dict):
            return _out(state, on_part)
        offset = state
    else:
        metadata = _metadata(account, outgoing)
        session = _yt_upload.start(client, account, credentials, metadata, media, size)
        # Recorded before any byte goes: a rerun resumes this session, never opens another.
        outgoing.on_pending(_yt_upload.seal(session, secret, outgoing.key))
    try:
        video = _yt_upload.send(client, account, credentials, session, media, offset, size)
    except _yt_upload.SessionGone as exc:
        raise _gone(client, account, credentials, outgoing, exc) from None
    return _out(video, on_part)


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    return _yt_api.counts(client, account, credentials, item)


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """The video when its session has every byte; None when no session was recorded (no
    byte is sent before it is) or the session still waits for bytes (``post`` resumes it)."""
    if not outgoing.pending:
        return None
    _media, size = _video(outgoing)
    session = _session(outgoing, _secret(account, credentials))
    if session is None:
        return None
    try:
        state = _yt_upload.probe(client, account, credentials, session, size)
    except _yt_upload.SessionGone as exc:
        raise _gone(client, account, credentials, outgoing, exc) from None
    if isinstance(state, dict):
        return Receipt(id=state["id"], url=watch(state["id"]), parts=(state["id"],))
    return None


# -- helpers ----------------------------------------------------------------------------------
def _video(outgoing: Outgoing) -> tuple[OutgoingMedia, int]:
    part = outgoing.parts[0] if outgoing.parts else None
    if part is None or len(part.media) != 1 or not part.media[0].mime.startswith("video/"):
        raise Rejected(f"{outgoing.post}: a YouTube post is one video")
    media = part.media[0]
    try:
        size = media.file.stat().st_size
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
    return media, size


def _secret(account: Account, credentials: Credentials) -> str:
    secret = credentials.get("client_secret")
    if not isinstance(secret, str) or not secret:
        raise AuthRevoked(
            f"{account.name}: no client secret is stored; run `socialgit connect {account.name}`"
        )
    return secret


def _session(outgoing: Outgoing, secret: str) -> str | None:
    if not outgoing.pending:
        return None
    session = _yt_upload.unseal(outgoing.pending, secret, outgoing.key)
    if session is None:
        raise OutcomeUnknown(
            f"the upload of {outgoing.post} that was under way cannot be read back (the "
            "client secret changed since); check the channel's uploads"
        )
    return session


def _metadata(account: Account, outgoing: Outgoing) -> dict[str, Any]:
    title = outgoing.keys.get("title")
    if not isinstance(title, str) or not title:
        raise Rejected(f"{outgoing.post}: YouTube needs a `title:`")
    category = account.settings.get("category")
    privacy = account.settings.get("privacy")
    return {
        "snippet": {
            "title": title,
            "description": outgoing.parts[0].text,
            "categoryId": str(category if isinstance(category, int) else DEFAULT_CATEGORY),
        },
        "status": {
            "privacyStatus": privacy if privacy in PRIVACY else "public",
            "selfDeclaredMadeForKids": account.settings.get("made_for_kids") is True,
        },
    }


def _out(video: dict[str, Any], on_part: OnPart) -> Receipt:
    ident = str(video["id"])
    on_part(ident)
    return Receipt(id=ident, url=watch(ident), parts=(ident,))


def _gone(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    failure: ProviderError,
) -> OutcomeUnknown:
    """The session expired or is unknown: it cannot say whether it made the video, so a
    person decides, shown a video with the same title on the channel since it was due."""
    title = str(outgoing.keys.get("title") or "")
    since = outgoing.occurrence - MARGIN
    try:
        found = [
            item
            for item in _uploads(client, account, credentials, 50)
            if (item.get("snippet") or {}).get("title") == title
            and _when((item.get("snippet") or {}).get("publishedAt")) >= since
        ]
    except ProviderError:
        found = []
    where = ""
    if found:
        video = ((found[0].get("snippet") or {}).get("resourceId") or {}).get("videoId")
        where = f"; a video titled like it is on the channel: {watch(str(video))}"
    return OutcomeUnknown(
        f"{failure}: it cannot tell whether {outgoing.post} went out{where}. If it did, set "
        "this entry's status to published; if not, delete the entry to upload it again"
    )


def _channel(
    client: httpx.Client, account: Account, credentials: Credentials, part: str
) -> dict[str, Any]:
    answer = _yt_api.call(
        client,
        account,
        credentials,
        "GET",
        "/youtube/v3/channels",
        op="YouTube channel",
        params={"part": part, "mine": "true"},
    )
    items = answer.get("items")
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise AuthRevoked(
            f"{account.name}: the Google account that signed in has no YouTube channel; "
            f"create one, then run `socialgit connect {account.name}`"
        )
    return items[0]


def _uploads(
    client: httpx.Client, account: Account, credentials: Credentials, count: int
) -> list[dict[str, Any]]:
    """The channel's newest uploads, newest first (1 quota unit a request)."""
    channel = _channel(client, account, credentials, "contentDetails")
    playlist = ((channel.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
    if not isinstance(playlist, str) or not playlist:
        return []
    answer = _yt_api.call(
        client,
        account,
        credentials,
        "GET",
        "/youtube/v3/playlistItems",
        op="YouTube uploads",
        params={"part": "snippet,status", "playlistId": playlist, "maxResults": str(count)},
    )
    items = answer.get("items")
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _when(value: object) -> datetime:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
