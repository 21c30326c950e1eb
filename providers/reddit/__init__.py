"""Reddit: a post in the account's subreddit, later thread parts as comments.

Auth: OAuth 2.0 authorization code at ``www.reddit.com/api/v1/authorize`` with
``duration=permanent`` (else no refresh token) and ``POST /api/v1/access_token`` with HTTP
Basic client authentication (an installed app without a secret: an empty password). Scopes
``identity submit read history flair``. Access tokens last an hour; a refresh may answer a
new refresh token (Reddit announced rotation in 2021; whether it is enforced is
UNCONFIRMED), which is stored whenever it comes. The token endpoint answers a refused grant
with HTTP 200 and ``{"error": "invalid_grant"}`` (prawcore ``auth.py``). Every request
carries the User-Agent Reddit's API rules ask for (providers/reddit/api.py).

Posting: ``POST /api/submit`` (``kind=self`` with the body, ``kind=link`` with ``link:``,
``kind=image`` with one uploaded image) or ``POST /api/submit_gallery_post.json`` for
several images; ``title:`` is required. Later parts: ``POST /api/comment``, each answering
the part before. Reddit answers refusals inside HTTP 200 bodies (``json.errors``).

``RESEND_IN_DOUBT`` is False: Reddit takes no idempotency key. A delivery in doubt is looked
for among the account's own posts and comments (providers/reddit/recover.py): an exact
match, alone, since the occurrence, is this delivery; a post with the same title that does
not match in the rest goes to a person; nothing at all means it did not go out. An image
post's answer holds no id (only a websocket address), so its id is read from the same
listing right after posting; when the listing is slow, the delivery stays in doubt and a
later run finds it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from providers import _scan
from providers._text import utf16_units
from providers.base import (
    AuthKind,
    Counts,
    Credentials,
    KeyRule,
    MediaRules,
    Note,
    OnPart,
    Outgoing,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.reddit import api
from providers.reddit import media as _media
from providers.reddit import recover as _recover
from socialgit.errors import AuthRevoked, OutcomeUnknown, Rejected

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "reddit"
TITLE = "Reddit"
THREADS: ThreadStyle = "comments"
_MB = 1024 * 1024
MEDIA = MediaRules(
    max_count=_media.GALLERY,
    # 20 MB per image in Reddit's apps (UNCONFIRMED for the API); Reddit has no alt text.
    max_bytes={"image/png": 20 * _MB, "image/jpeg": 20 * _MB, "image/gif": 20 * _MB},
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the app's client id (under its name)"),
    "username": Setting(str, required=True, help="the Reddit account's name, without u/"),
    "subreddit": Setting(str, required=True, help="where posts go, without r/"),
    "flair": Setting(str, help="a post flair: its template id, or its text as it shows"),
}
SECRETS: tuple[str, ...] = ("access_token", "refresh_token", "expires_at", "client_secret")
KEYS: Mapping[str, KeyRule] = {
    "title": KeyRule(required=True, max_length=300),
    "link": KeyRule(without_media=True),  # makes it a link post
}
LIMIT = 10_000  # a comment's limit; self posts may be longer on Reddit (UNCONFIRMED 40,000)
_NAME = re.compile(r"[A-Za-z0-9_]{2,21}")
_TEMPLATE = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
LISTED = (0.0, 2.0, 4.0, 8.0, 15.0)  # seconds before each look for an image post's id
IMAGE_SENT = "image:"  # the pending step of an image post sent, whose id is not known yet
sleep = time.sleep  # tests replace it


def length(text: str) -> int:
    # Reddit does not say how it counts (UNCONFIRMED): UTF-16 units are never fewer than
    # the code points it may count.
    return utf16_units(text)


def limit(account: Account, part: Part) -> int:
    return LIMIT


def media_problems(number: int, kinds: tuple[str, ...]) -> list[str]:
    if number > 1 and kinds:
        return ["Reddit comments take no images; move them to the first part"]
    return []


# -- credentials -----------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
RESEND_IN_DOUBT = False  # see the module's docstring
EXACT_REDIRECT = True  # the app's registered redirect URI must match, port included

AUTHORIZE_URL = "https://www.reddit.com/api/v1/authorize"
TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
SCOPES = "identity submit read history flair"


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    from socialgit.credentials import oauth

    # Reddit documents no PKCE; the challenge is harmless where it is not read.
    return oauth.authorize_url(
        oauth.endpoint(account, "authorize_url", AUTHORIZE_URL),
        client_id=oauth.client_id(account),
        redirect_uri=redirect_uri,
        state=state,
        code_challenge=code_challenge,
        scope=SCOPES,
        extra={"duration": "permanent"},  # else Reddit gives no refresh token
    )


def _token(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    form: dict[str, str],
    op: str,
) -> Credentials:
    from socialgit.credentials import oauth

    default = TOKEN_URL if not account.settings.get("base_url") else None
    tokens = oauth.token_request(
        client,
        oauth.endpoint(account, "token_url", default or f"{api.root(account)}/api/v1/access_token"),
        form,
        account=account.name,
        op=op,
        client_id=oauth.client_id(account, credentials),
        client_secret=credentials.get("client_secret") or None,
        auth="basic-always",
        headers={"User-Agent": api.user_agent(account)},
    )
    return oauth.keep_refresh_token(dict(credentials), tokens)


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    stored = _token(client, account, credentials, form, "code exchange")
    if not stored.get("refresh_token"):
        raise AuthRevoked(
            f"{account.name}: Reddit gave no refresh token (the sign-in was not permanent); "
            f"run `socialgit connect {account.name}` again"
        )
    return stored


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    token = credentials.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"{account.name}: no refresh token is stored; run `socialgit connect {account.name}`"
        )
    form = {"grant_type": "refresh_token", "refresh_token": token}
    return _token(client, account, credentials, form, "token refresh")


def expires_at(credentials: Credentials) -> datetime | None:
    from socialgit.credentials import oauth

    return oauth.expires_at(credentials)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    me = api.call(client, account, credentials, "GET", "/api/v1/me", op="Reddit whoami")
    name = me.get("name")
    found = {"id": me.get("id") or name, "handle": f"u/{name}" if name else None, "name": name}
    return {key: str(value) for key, value in found.items() if value}


def diagnose(client: httpx.Client, account: Account, credentials: Credentials) -> list[Note]:
    """Whether the token is the configured account's, and what the subreddit allows."""
    notes: list[Note] = []
    who = whoami(client, account, credentials).get("name", "")
    wanted = str(account.settings.get("username") or "")
    if who.lower() != wanted.lower():
        notes.append(("error", f"signed in as u/{who}, but `username:` is {wanted!r}"))
    sr = _subreddit(account)
    try:
        about = api.call(
            client,
            account,
            credentials,
            "GET",
            f"/r/{sr}/about",
            op="Reddit subreddit",
            params={"raw_json": "1"},
        )
    except Rejected as exc:
        return [*notes, ("error", f"r/{sr} cannot be used: {exc}")]
    data = about.get("data") if about.get("kind") == "t5" else None
    if not isinstance(data, dict):
        return [*notes, ("error", f"r/{sr} does not exist (or is banned)")]
    kinds = {"any": "link and text posts", "link": "link posts only", "self": "text posts only"}
    allowed = kinds.get(str(data.get("submission_type")), "posts")
    notes.append(("ok", f"r/{sr}: {data.get('subreddit_type', '?')}, takes {allowed}"))
    if data.get("user_is_banned"):
        notes.append(("error", f"u/{who} is banned from r/{sr}"))
    elif data.get("subreddit_type") in {"restricted", "private"} and not data.get(
        "user_is_contributor"
    ):
        notes.append(("warning", f"r/{sr} is {data['subreddit_type']}: only approved users post"))
    rules = api.call(
        client,
        account,
        credentials,
        "GET",
        f"/api/v1/{sr}/post_requirements",
        op="Reddit post requirements",
    )
    if rules.get("is_flair_required") and not account.settings.get("flair"):
        notes.append(("error", f"r/{sr} requires a post flair: set `flair:`"))
    if account.settings.get("flair"):
        try:
            flair = _flair(client, account, credentials)
        except Rejected as exc:
            notes.append(("error", str(exc)))
        else:
            notes.append(("ok", f"flair {flair}"))
    return notes


# -- publishing ------------------------------------------------------------------------
def _subreddit(account: Account) -> str:
    name = str(account.settings.get("subreddit") or "").strip().removeprefix("r/")
    if not _NAME.fullmatch(name):
        raise Rejected(f"{account.name}: `subreddit:` must be a subreddit's name, e.g. test")
    return name


def _flair(client: httpx.Client, account: Account, credentials: Credentials) -> str | None:
    """The flair template id for ``flair:`` (given as an id, or as the flair's text)."""
    wanted = account.settings.get("flair")
    if not isinstance(wanted, str) or not wanted:
        return None
    if _TEMPLATE.fullmatch(wanted):
        return wanted
    sr = _subreddit(account)
    listed = api.get_list(
        client, account, credentials, f"/r/{sr}/api/link_flair_v2", op="Reddit flairs"
    )
    flairs = [f for f in listed if isinstance(f, dict)]
    for flair in flairs:
        if str(flair.get("text", "")).strip().lower() == wanted.strip().lower():
            return str(flair.get("id"))
    names = ", ".join(repr(str(f.get("text"))) for f in flairs[:10]) or "none"
    raise Rejected(f"r/{sr} has no post flair {wanted!r} (it has {names})")


def _check(account: Account, outgoing: Outgoing) -> None:
    """Everything that can be refused before anything is sent."""
    title = outgoing.keys.get("title")
    if not isinstance(title, str) or not title.strip():
        raise Rejected(f"{outgoing.post}: a Reddit post needs `title:`")
    if len(title) > 300:
        raise Rejected(f"{outgoing.post}: the title is {len(title)} characters; Reddit takes 300")
    if not _NAME.fullmatch(str(account.settings.get("username") or "")):
        raise Rejected(f"{account.name}: set `username:` to the Reddit account's name")
    _subreddit(account)
    first = outgoing.parts[0]
    if first.media and outgoing.keys.get("link"):
        raise Rejected(f"{outgoing.post}: a Reddit post is a link or images, not both")
    for number, part in enumerate(outgoing.parts, 1):
        if length(part.text) > LIMIT:
            raise Rejected(
                f"{outgoing.post}: part {number} is {length(part.text)} characters; Reddit "
                f"takes {LIMIT}"
            )
        if number > 1 and part.media:
            raise Rejected(f"{outgoing.post}: part {number} has images; Reddit comments take none")


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    sr = _subreddit(account)
    ids = list(done)
    if len(ids) < len(outgoing.parts):
        _check(account, outgoing)
        # Who the token is, and whether this client has requests left, before any write.
        me = api.call(
            client, account, credentials, "GET", "/api/v1/me", op="Reddit whoami", budget=True
        )
        if str(me.get("name", "")).lower() != str(account.settings.get("username")).lower():
            raise Rejected(
                f"{account.name}: the token is u/{me.get('name')}'s, but `username:` says "
                f"{account.settings.get('username')!r}"
            )
    if not ids:
        ids.append(_submit(client, account, credentials, outgoing, sr))
        on_part(ids[0])
    for part in outgoing.parts[len(ids) :]:
        ident = _comment(client, account, credentials, ids[-1], part.text)
        ids.append(ident)
        on_part(ident)
    return Receipt(ids[0], _recover.post_link(sr, ids[0]), tuple(ids))


def _submit(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing, sr: str
) -> str:
    """The one request that makes the post; its fullname (``t3_…``)."""
    part = outgoing.parts[0]
    flair = _flair(client, account, credentials)
    form: dict[str, Any] = {
        "api_type": "json",
        "sr": sr,
        "title": outgoing.keys["title"],
        "text": part.text,
        "sendreplies": "true",
        "resubmit": "false",  # a repeated link is refused (ALREADY_SUB) and looked up
        "validate_on_submit": "true",
        **({"flair_id": flair} if flair else {}),
    }
    op = "Reddit submit"
    if len(part.media) > 1:
        uploads = [_media.upload(client, account, credentials, m) for m in part.media]
        body = {
            **form,
            "items": [{"media_id": u.asset_id, "caption": "", "outbound_url": ""} for u in uploads],
            "show_error_list": True,
        }
        answer = api.call(
            client,
            account,
            credentials,
            "POST",
            "/api/submit_gallery_post.json",
            op=op,
            sent=True,
            json=body,
        )
        return _fullname(answer, op)
    if part.media:
        image = _media.upload(client, account, credentials, part.media[0])
        # Its answer will hold no id: say on record that an image post may be out, so a
        # look-up that does not find it yet never takes that for "not sent".
        outgoing.on_pending(f"{IMAGE_SENT}{image.asset_id}")
        api.call(
            client,
            account,
            credentials,
            "POST",
            "/api/submit",
            op=op,
            sent=True,
            data={**form, "kind": "image", "url": image.url},
        )
        return _listed(client, account, credentials, outgoing)
    link = outgoing.keys.get("link")
    kind = {"kind": "link", "url": link} if isinstance(link, str) and link else {"kind": "self"}
    answer = api.call(
        client, account, credentials, "POST", "/api/submit", op=op, sent=True, data={**form, **kind}
    )
    return _fullname(answer, op)


def _fullname(answer: dict[str, Any], op: str) -> str:
    data = answer.get("json", {}).get("data") if isinstance(answer.get("json"), dict) else None
    data = data if isinstance(data, dict) else {}
    name, ident, url = data.get("name"), data.get("id"), data.get("url")
    if isinstance(name, str) and name.startswith("t3_"):
        return name
    if isinstance(ident, str) and ident:
        return ident if ident.startswith("t3_") else f"t3_{ident}"
    found = re.search(r"/comments/([a-z0-9]+)", url) if isinstance(url, str) else None
    if found:
        return f"t3_{found[1]}"
    raise OutcomeUnknown(f"{op}: Reddit took it but gave no post id; it may be out")


def _listed(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> str:
    """An image post's id, from the account's posts: Reddit's answer carries none."""
    for pause in LISTED:
        sleep(pause)
        found = _recover.find(client, account, credentials, _first_only(outgoing))
        if found:
            return found[0].id
    raise OutcomeUnknown(
        "Reddit took the image post but it is not in the account's posts yet; a later run "
        "looks it up"
    )


def _first_only(outgoing: Outgoing) -> Outgoing:
    from dataclasses import replace

    return replace(outgoing, parts=outgoing.parts[:1], done=())


def _comment(
    client: httpx.Client, account: Account, credentials: Credentials, parent: str, text: str
) -> str:
    op = "Reddit comment"
    answer = api.call(
        client,
        account,
        credentials,
        "POST",
        "/api/comment",
        op=op,
        sent=True,
        data={"api_type": "json", "thing_id": parent, "text": text},
    )
    data = answer.get("json", {}).get("data") if isinstance(answer.get("json"), dict) else None
    things = data.get("things") if isinstance(data, dict) else None
    first = things[0] if isinstance(things, list) and things else None
    inner = first.get("data") if isinstance(first, dict) else None
    name = inner.get("name") if isinstance(inner, dict) else None
    ident = inner.get("id") if isinstance(inner, dict) else None
    if isinstance(name, str) and name:
        return name
    if isinstance(ident, str) and ident:
        return f"t1_{ident}"
    raise OutcomeUnknown(f"{op}: Reddit took it but gave no comment id; it may be out")


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    return api.counts(client, account, credentials, item)


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    found = _recover.find(client, account, credentials, outgoing)
    receipt = _scan.receipt(found)
    if receipt is None and outgoing.pending.startswith(IMAGE_SENT):
        raise OutcomeUnknown(
            f"{outgoing.post}: Reddit took an image post for it but has not listed it since; "
            f"check u/{account.settings.get('username')}'s posts in r/{_subreddit(account)}"
        )
    if receipt is None:
        return None
    return Receipt(receipt.id, _recover.post_link(_subreddit(account), receipt.id), receipt.parts)
