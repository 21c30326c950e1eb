"""Lemmy, through its v3 API: a post in one community per account, the later parts of a
thread as comments under it.

Credentials: Lemmy has no OAuth app registration and no app passwords; the account logs in
with its user name and password (``POST /api/v3/user/login``) and gets a token (a JWT).
The vault keeps all three, so that a token the server no longer takes (``not_logged_in``:
a logout, a password change, Lemmy 1.0's week) is replaced by logging in again: that is
``refresh_token``. An account with two-factor login cannot be logged in unattended.

A post needs a ``title:`` (3–200 characters); ``link:`` makes it a link post. The first
part's image is uploaded to the instance's pict-rs and becomes the post's URL with its alt
text; when the post also has a ``link:``, or on a comment, the image goes into the text as
Markdown. Texts are Markdown as written, counted in UTF-16 units, 10,000 at most (a
comment's limit; a post's body may hold 50,000, but a part does not know whether it is the
first).

Exactly once: Lemmy keeps no idempotency key and lets a title repeat, so a delivery in doubt
is looked up among the account's own posts and comments in the community since the
occurrence (``providers.lemmy.recover``; the rules are ``providers._scan``'s).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from providers._text import utf16_units
from providers.atproto.xrpc import jwt_expiry
from providers.base import (
    AuthKind,
    Counts,
    Credentials,
    KeyRule,
    MediaRules,
    OnPart,
    Outgoing,
    OutgoingMedia,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.lemmy import api
from providers.lemmy import recover as _lemmy_recover
from socialgit.errors import OutcomeUnknown, Rejected, Transient, Unsupported

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "lemmy"
TITLE = "Lemmy"
THREADS: ThreadStyle = "comments"
_MB = 1024 * 1024
# One image per part (a post's URL, or Markdown in a comment); alt text 1,500 (Lemmy's
# ALT_TEXT_MAX_LENGTH). The size is the instance's pict-rs setting, which the API does not
# tell: 10 MiB is socialgit's cap, to fail at validation rather than at the upload.
MEDIA = MediaRules(
    max_count=1,
    max_bytes={t: 10 * _MB for t in ("image/png", "image/jpeg", "image/gif", "image/webp")},
    alt_max=1500,
)
SETTINGS: Mapping[str, Setting] = {
    "instance": Setting(str, required=True, help="https://your.lemmy.instance"),
    "community": Setting(str, required=True, help="the community's name (name@instance if remote)"),
}
SECRETS: tuple[str, ...] = ("username", "password", "access_token")
KEYS: Mapping[str, KeyRule] = {
    "title": KeyRule(
        required=True, max_length=200, pattern=r"\S.{1,}\S", pattern_help="needs 3 characters"
    ),
    "link": KeyRule(max_length=2000),
}
PROMPTS = {"username": "Lemmy user name (or email)", "password": "Password"}

MAX_UNITS = 10_000  # a comment's limit (a post's body takes 50,000)


def length(text: str) -> int:
    return utf16_units(text)


def limit(account: Account, part: Part) -> int:
    return MAX_UNITS


# -- credentials ----------------------------------------------------------------------------
AUTH: AuthKind = "app_password"
RESEND_IN_DOUBT = False  # nothing on Lemmy dedupes a resend


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported("Lemmy logs in with a user name and password: socialgit connect asks")


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """Log in with the user name and password in ``credentials``; code and verifier unused."""
    return api.login(client, account, credentials)


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    return api.login(client, account, credentials)


def expires_at(credentials: Credentials) -> datetime | None:
    token = credentials.get("access_token")
    return jwt_expiry(token) if isinstance(token, str) else None  # 0.19's never end


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    person = _lemmy_recover.me(client, account, credentials)
    found = {
        "id": person.get("id"),
        "name": person.get("display_name") or person.get("name"),
        "handle": f"@{person['name']}@{api.host(account)}" if person.get("name") else None,
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
        title, link = _check(outgoing, len(done))
        for index in range(len(done), len(outgoing.parts)):
            if index == 0:
                ident = _post(client, account, credentials, outgoing, title, link)
            else:
                ident = _comment(client, account, credentials, outgoing, index, ids)
            ids.append(ident)
            on_part(ident)
    return Receipt(id=ids[0], url=f"{api.base(account)}/post/{ids[0]}", parts=tuple(ids))


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    return api.counts(client, account, credentials, item)


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    return _lemmy_recover.find(client, account, credentials, outgoing)


def _check(outgoing: Outgoing, start: int) -> tuple[str, str | None]:
    title = outgoing.keys.get("title")
    if not isinstance(title, str) or not 3 <= len(title.strip()) <= 200 or "\n" in title:
        raise Rejected(f"{outgoing.post}: a Lemmy post needs a `title:` of 3 to 200 characters")
    link = outgoing.keys.get("link")
    for number, part in enumerate(outgoing.parts[start:], start + 1):
        size = utf16_units(part.text)
        if size > MAX_UNITS:
            raise Rejected(f"{outgoing.post}: part {number} is {size} units; Lemmy takes 10,000")
        if number > 1 and not part.text.strip() and not part.media:
            raise Rejected(f"{outgoing.post}: part {number} is empty; a comment needs text")
    return title.strip(), link if isinstance(link, str) else None


def _post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    title: str,
    link: str | None,
) -> str:
    part = outgoing.parts[0]
    form: dict[str, Any] = {
        "name": title,
        "community_id": api.community(client, account, credentials),
    }
    text = part.text
    if part.media:
        image = part.media[0]
        url = _upload(client, account, credentials, image)
        if link:
            text = with_image(text, image.alt, url)
        else:
            form["url"] = url
            if image.alt:
                form["alt_text"] = image.alt
    if link:
        form["url"] = link
    if text.strip():
        form["body"] = text
    op = "Lemmy post of part 1"
    response = api.call(
        client, account, credentials, "POST", "/api/v3/post", op=op, sent=True, json=form
    )
    view = api.body(response, op, sent=True).get("post_view")
    return _ident(view, "post", op)


def _comment(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    index: int,
    ids: list[str],
) -> str:
    part = outgoing.parts[index]
    text = part.text
    for image in part.media:
        text = with_image(text, image.alt, _upload(client, account, credentials, image))
    form: dict[str, Any] = {"content": text, "post_id": int(ids[0])}
    if index >= 2:
        form["parent_id"] = int(ids[-1])  # each comment answers the one before
    op = f"Lemmy comment of part {index + 1}"
    response = api.call(
        client, account, credentials, "POST", "/api/v3/comment", op=op, sent=True, json=form
    )
    view = api.body(response, op, sent=True).get("comment_view")
    return _ident(view, "comment", op)


def with_image(text: str, alt: str, url: str) -> str:
    """The text with the image below it, as Markdown (brackets in the alt text escaped)."""
    label = re.sub(r"([\[\]\\])", r"\\\1", " ".join(alt.split()))
    return f"{text.rstrip()}\n\n![{label}]({url})".lstrip()


def _upload(
    client: httpx.Client, account: Account, credentials: Credentials, media: OutgoingMedia
) -> str:
    """Upload one image to the instance's pict-rs; its URL. Publishes nothing, so failures
    are ``Transient`` and a rerun uploads again."""
    op = f"Lemmy image upload of {media.path}"
    try:
        data = media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot read {media.path}: {exc.strerror}") from None
    files = {"images[]": (PurePosixPath(media.path).name, data, media.mime)}
    response = api.call(
        client, account, credentials, "POST", "/pictrs/image", op=op, sent=False, files=files
    )
    found = api.body(response, op, sent=False)
    listed = found.get("files")
    first = listed[0] if isinstance(listed, list) and listed else None
    name = first.get("file") if isinstance(first, dict) else None
    if found.get("msg") != "ok" or not isinstance(name, str) or not name:
        raise Transient(f"{op}: pict-rs did not take the image ({found.get('msg')}); will retry")
    return f"{api.base(account)}/pictrs/image/{name}"


def _ident(view: object, kind: str, op: str) -> str:
    item = view.get(kind) if isinstance(view, dict) else None
    ident = item.get("id") if isinstance(item, dict) else None
    if not isinstance(ident, int):
        raise OutcomeUnknown(f"{op}: the answer carried no {kind} id; it may have gone out")
    return str(ident)
