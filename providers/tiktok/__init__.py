"""TikTok (Content Posting API): one video per post, published or sent to the inbox.

``mode: direct`` (default) publishes with the post's text as the caption (2,200 UTF-16
units) and the account's ``privacy`` (public, followers, friends or private: it must be one
TikTok offers the creator, asked first with creator info, which also gives the longest video
the creator may post and which interactions the creator switched off). ``mode: inbox``
uploads a draft the creator finishes in the TikTok app: TikTok takes no caption that way.

Auth: TikTok's OAuth 2.0 (``client_key`` where others say client id, scopes comma-separated)
for a desktop app, so that the loopback redirect ``http://127.0.0.1:*/callback`` is allowed;
PKCE with the challenge in hex (``pkce: base64url`` to change it). Access tokens last 2
hours, refresh tokens 180 days, and **refresh tokens rotate**: each refresh spends the old
one, so the runner saves and pushes the answer before it uses it (docs/publishing.md).

Exactly once (providers/tiktok/publish.py): ``init`` is recorded as the delivery's pending
id the moment it returns and before any byte goes; a rerun only asks that publish's status,
starting again only when it can never go out. ``RESEND_IN_DOUBT`` is False.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from providers._text import utf16_units
from providers.base import (
    AuthKind,
    Credentials,
    MediaRules,
    Note,
    OnPart,
    Outgoing,
    OutgoingMedia,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.tiktok import api as _tt_api
from providers.tiktok import publish as _tt_publish
from providers.tiktok import video as _tt_video
from socialgit.credentials import oauth
from socialgit.errors import AuthRevoked, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "tiktok"
TITLE = "TikTok"
THREADS: ThreadStyle = "single"
_GB = 1024**3
MEDIA = MediaRules(
    max_count=1,
    required=True,
    max_bytes={"video/mp4": 4 * _GB, "video/quicktime": 4 * _GB},
    alt_max=None,
)
# Our words for TikTok's privacy levels.
PRIVACY = {
    "public": "PUBLIC_TO_EVERYONE",
    "followers": "FOLLOWER_OF_CREATOR",
    "friends": "MUTUAL_FOLLOW_FRIENDS",
    "private": "SELF_ONLY",
}
SETTINGS: Mapping[str, Setting] = {
    "client_key": Setting(str, required=True, help="the TikTok app's client key"),
    "mode": Setting(str, help="direct (default) or inbox (a draft)", choices=("direct", "inbox")),
    "privacy": Setting(
        str,
        help="who may see the post (mode direct): public, followers, friends or private",
        choices=tuple(PRIVACY),
    ),
    "comments": Setting(bool, help="allow comments (default true)"),
    "duet": Setting(bool, help="allow duets (default true)"),
    "stitch": Setting(bool, help="allow stitches (default true)"),
    "scope": Setting(str, help="OAuth scopes, comma-separated (default: what `mode` needs)"),
    "pkce": Setting(
        str, help="PKCE challenge encoding (default hex)", choices=("hex", "base64url")
    ),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")
REFRESH_FIELDS: tuple[str, ...] = ("open_id",)
CAPTION_UNITS = 2200


def length(text: str) -> int:
    return utf16_units(text)  # TikTok counts "UTF-16 runes"


def limit(account: Account, part: Part) -> int:
    return CAPTION_UNITS


# -- runtime ---------------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
RESEND_IN_DOUBT = False  # see the module's docstring

AUTHORIZE_URL = "https://www.tiktok.com/v2/auth/authorize/"
TOKEN_PATH = "/v2/oauth/token/"  # on the API's host (``base_url``)
SCOPES = {"direct": "user.info.basic,video.publish", "inbox": "user.info.basic,video.upload"}


def _mode(account: Account) -> str:
    return "inbox" if account.settings.get("mode") == "inbox" else "direct"


def _client_key(account: Account) -> str:
    return str(account.settings.get("client_key") or "")


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    from urllib.parse import urlencode, urlsplit

    challenge = code_challenge
    if account.settings.get("pkce") != "base64url":
        # TikTok's desktop flow wants the SHA-256 in hex: the same digest, spelled otherwise.
        challenge = base64.urlsafe_b64decode(
            code_challenge + "=" * (-len(code_challenge) % 4)
        ).hex()
    scope = account.settings.get("scope")
    query = {
        "client_key": _client_key(account),
        "response_type": "code",
        "scope": scope if isinstance(scope, str) and scope else SCOPES[_mode(account)],
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    base = oauth.endpoint(account, "authorize_url", AUTHORIZE_URL)
    return f"{base}{'&' if urlsplit(base).query else '?'}{urlencode(query)}"


def _token(
    client: httpx.Client, account: Account, form: dict[str, str], op: str, secret: str | None
) -> Credentials:
    url = oauth.endpoint(account, "token_url", f"{_tt_api.root(account)}{TOKEN_PATH}")
    return oauth.token_request(
        client,
        url,
        form,
        account=account.name,
        op=op,
        client_id=_client_key(account),
        client_secret=secret,
        auth="post",
        client_field="client_key",
    )


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    secret = credentials.get("client_secret") or None
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    tokens = _token(client, account, form, "code exchange", secret)
    if not tokens.get("refresh_token"):
        raise AuthRevoked(f"{account.name}: TikTok gave no refresh token; connect again")
    return oauth.keep_refresh_token(dict(credentials), tokens)


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    # Rotation: the answer's refresh token replaces ours, which is spent from now on. The
    # runner saves and pushes what this returns before anything uses it.
    token = credentials.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account.name}: no refresh token is stored; run `socialgit connect {account.name}`"
        )
    form = {"grant_type": "refresh_token", "refresh_token": token}
    secret = credentials.get("client_secret") or None
    tokens = _token(client, account, form, "token refresh", secret)
    return oauth.keep_refresh_token(credentials, tokens)


def expires_at(credentials: Credentials) -> datetime | None:
    return oauth.expires_at(credentials)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    user = _tt_api.call(
        client,
        account,
        credentials,
        "GET",
        "/v2/user/info/",
        op="TikTok user info",
        params={"fields": "open_id,display_name"},
    ).get("user")
    user = user if isinstance(user, dict) else {}
    found = {"id": user.get("open_id"), "name": user.get("display_name")}
    who = {key: str(value) for key, value in found.items() if isinstance(value, str) and value}
    if _mode(account) == "direct":
        creator = _tt_publish.creator_info(_tt_publish.Session(client, account, credentials))
        if isinstance(creator.get("creator_username"), str):
            who["handle"] = creator["creator_username"]
    return who


def diagnose(client: httpx.Client, account: Account, credentials: Credentials) -> list[Note]:
    """What TikTok's creator info says of a direct post with this account's ``privacy``: an
    app TikTok has not audited is offered only private posts."""
    if _mode(account) == "inbox":
        return []  # creator info needs video.publish; drafts have no privacy to check
    creator = _tt_publish.creator_info(_tt_publish.Session(client, account, credentials))
    problem = _privacy_warning(account, creator)
    return [("warning", problem)] if problem else []


def link(username: str | None, post_id: str | None) -> str | None:
    if not username:
        return None
    profile = f"https://www.tiktok.com/@{username}"
    return f"{profile}/video/{post_id}" if post_id else profile


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    if done:  # out already: a rerun has nothing to send
        return Receipt(id=done[0], url=None, parts=done[:1])
    media, size = _video(outgoing)
    session = _tt_publish.Session(client, account, credentials)
    inbox = _mode(account) == "inbox"
    creator = None if inbox else _tt_publish.creator_info(session)  # asked first, always
    publish_id = outgoing.pending
    if publish_id:
        state = _tt_publish.status(session, publish_id)
        if _tt_publish.broken_off(state, size):
            publish_id = ""  # that publish never goes out: start again
    if not publish_id:
        post_info = None if creator is None else _post_info(account, outgoing, media, creator)
        publish_id, upload_url = _tt_publish.init(session, inbox, post_info, size)
        # Recorded the moment init returns, before a byte goes: reruns only ask its status.
        outgoing.on_pending(publish_id)
        _tt_publish.upload(session, upload_url, media, size)
    state = _tt_publish.wait(session, publish_id, outgoing.post)
    receipt = _receipt(publish_id, state, creator)
    on_part(receipt.id)
    return receipt


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """The recorded publish, when it is out (or in the inbox). Otherwise None, and ``post``
    goes on with it: waits for one that may still go out, starts again one that never can.
    Without a recorded publish nothing went out: no byte is sent before it is recorded."""
    if not outgoing.pending:
        return None
    session = _tt_publish.Session(client, account, credentials)
    state = _tt_publish.status(session, outgoing.pending)
    if state.get("status") not in _tt_publish.DONE:
        return None
    creator = None if _mode(account) == "inbox" else _tt_publish.creator_info(session)
    return _receipt(outgoing.pending, state, creator)


# -- helpers ----------------------------------------------------------------------------------
def _video(outgoing: Outgoing) -> tuple[OutgoingMedia, int]:
    part = outgoing.parts[0] if outgoing.parts else None
    if part is None or len(part.media) != 1 or not part.media[0].mime.startswith("video/"):
        raise Rejected(f"{outgoing.post}: a TikTok post is one video")
    media = part.media[0]
    try:
        size = media.file.stat().st_size
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
    return media, size


def _post_info(
    account: Account, outgoing: Outgoing, media: OutgoingMedia, creator: dict[str, Any]
) -> dict[str, Any]:
    """What a direct post says, checked against what TikTok offers this creator now."""
    problem = _privacy_warning(account, creator)
    if problem:
        raise Rejected(f"{outgoing.post}: {problem}")
    longest = creator.get("max_video_post_duration_sec")
    seconds = _tt_video.duration(media.file)
    if isinstance(longest, int) and seconds is not None and seconds > longest:
        raise Rejected(
            f"{media.path} lasts {seconds:.0f} seconds; TikTok lets this creator post "
            f"{longest} at most"
        )

    def off(setting: str, field: str) -> bool:
        return account.settings.get(setting) is False or creator.get(field) is True

    return {
        "title": outgoing.parts[0].text,
        "privacy_level": PRIVACY[str(account.settings["privacy"])],
        "disable_comment": off("comments", "comment_disabled"),
        "disable_duet": off("duet", "duet_disabled"),
        "disable_stitch": off("stitch", "stitch_disabled"),
    }


def _privacy_warning(account: Account, creator: dict[str, Any]) -> str | None:
    """Why a direct post with this account's ``privacy`` would be refused, if it would."""
    offered = creator.get("privacy_level_options")
    offered = [o for o in offered if isinstance(o, str)] if isinstance(offered, list) else []
    ours = {level: word for word, level in PRIVACY.items()}
    names = ", ".join(ours.get(o, o) for o in offered) or "none"
    wanted = account.settings.get("privacy")
    if offered == ["SELF_ONLY"] and wanted != "private":
        return (
            "TikTok lets this app post only privately (an app TikTok has not audited): set "
            "`privacy: private`, use `mode: inbox`, or have the app audited "
            "(docs/networks/tiktok.md#access)"
        )
    if not isinstance(wanted, str):
        return f"set `privacy:` for this account (TikTok offers this creator: {names})"
    if PRIVACY.get(wanted) not in offered:
        return f"`privacy: {wanted}` is not offered to this creator now (offered: {names})"
    return None


def _receipt(publish_id: str, state: dict[str, Any], creator: dict[str, Any] | None) -> Receipt:
    username = creator.get("creator_username") if creator else None
    username = username if isinstance(username, str) else None
    ids = _tt_publish.post_ids(state)
    if ids:
        return Receipt(id=ids[0], url=link(username, ids[0]), parts=(ids[0],))
    # A draft in the inbox, or a post moderation has not cleared yet (private posts may
    # never get a public id): the publish id, and the profile.
    return Receipt(id=publish_id, url=link(username, None), parts=(publish_id,))
