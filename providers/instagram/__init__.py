"""Instagram professional accounts (Meta's Graph API): a container, then publish; later
parts as comments. Media must be reachable at a public URL (``media_base_url``).

Sign-in (with Facebook Login or Instagram Login) lives in ``auth.py``, containers and
comments in ``publish.py``, the Graph plumbing shared with Threads and Facebook in
``providers/meta/``; this module holds the text and media rules and fits them together."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING

import regex

from providers import _http
from providers._counts import pick, without_own
from providers.base import (
    AuthKind,
    Counts,
    Credentials,
    MediaRules,
    Note,
    OnPart,
    Outgoing,
    Published,
    Receipt,
    Setting,
    ThreadStyle,
)
from providers.instagram import auth as _auth
from providers.instagram import publish as _publish
from providers.meta import containers, graph
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    Rejected,
    UsageError,
)

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "instagram"
TITLE = "Instagram"
THREADS: ThreadStyle = "comments"
EXACT_REDIRECT = True  # the app's registered redirect URI must match, port included
_MB = 1024 * 1024
MAX_ITEMS = 10  # a carousel's most (Meta's errors and other schedulers say 10)
MEDIA = MediaRules(
    max_count=MAX_ITEMS,
    # JPEG only for images (Meta refuses PNG), up to 8 MB; Reels up to 300 MB.
    max_bytes={"image/jpeg": 8 * _MB, "video/mp4": 300 * _MB, "video/quicktime": 300 * _MB},
    alt_max=1000,
    needs_public_url=True,
    required=True,  # every post is an image, a Reel or a carousel
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(
        str, required=True, help="the app id (its Instagram app id for `login: instagram`)"
    ),
    "user": Setting(str, required=True, help="the Instagram professional account's id"),
    "login": Setting(str, help="`facebook` (default: via a Facebook Page) or `instagram`"),
    "scope": Setting(str, help="OAuth scopes, comma-separated (default: publish and comment)"),
    "version": Setting(str, help=f"Graph API version (default {_auth.VERSION})"),
}
# issued_at: Instagram Login refreshes a token only once it is 24 hours old.
SECRETS: tuple[str, ...] = ("access_token", "expires_at", "issued_at", "client_secret")

MAX_TEXT = 2200
MAX_HASHTAGS = 5  # Instagram's cap since December 2025 (30 before; the API's is not published)
MAX_MENTIONS = 20
_HASHTAG = regex.compile(r"(?<![\w#])#\w+")
_MENTION = regex.compile(r"(?<![\w@])@[\w.]+")


def length(text: str) -> int:
    # Meta does not say what it counts; UTF-16 units never count less than code points.
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def limit(account: Account, part: Part) -> int:
    return MAX_TEXT


def text_problems(text: str) -> list[str]:
    problems = []
    tags = len(_HASHTAG.findall(text))
    if tags > MAX_HASHTAGS:
        problems.append(f"Instagram takes at most {MAX_HASHTAGS} hashtags; this part has {tags}")
    mentions = len(_MENTION.findall(text))
    if mentions > MAX_MENTIONS:
        problems.append(
            f"Instagram takes at most {MAX_MENTIONS} @-mentions; this part has {mentions}"
        )
    return problems


def media_problems(number: int, kinds: tuple[str, ...]) -> list[str]:
    if number > 1 and kinds:
        return ["Instagram comments take text only; move the media to the first part"]
    return []


# -- runtime ---------------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
# Instagram keeps no idempotency key: a delivery in doubt is looked up, never resent blind.
RESEND_IN_DOUBT = False

generate_auth_url = _auth.generate_auth_url
refresh_token = _auth.refresh_token
expires_at = _auth.expires_at


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    _user(account)
    return _auth.authenticate(client, account, code, code_verifier, redirect_uri, credentials)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    session = _session(client, account, credentials)
    me = session.get(session.user, "Instagram whoami", fields="id,username")
    name = me.get("username")
    found = {"id": me.get("id"), "name": name, "handle": name}
    return {key: str(value) for key, value in found.items() if value}


def diagnose(client: httpx.Client, account: Account, credentials: Credentials) -> list[Note]:
    """The day's publishing quota when it is used up; permissions a Facebook login did not
    grant. (Whether the app is Live cannot be asked: see docs/networks/instagram.md.)"""
    session = _session(client, account, credentials)
    said: list[Note] = []
    quota = containers.read_quota(session, _publish.FLAVOUR)
    if quota is not None and quota[0] >= quota[1]:
        said.append(("warning", containers.quota_words(session, quota)))
    if _auth.login(account) == "facebook":
        from providers.facebook.auth import ungranted

        with contextlib.suppress(AuthExpired, AuthRevoked):  # whoami said so already
            said.extend(ungranted(client, account, session.token, _auth.scopes(account)))
    return said


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    for number, part in enumerate(outgoing.parts, 1):
        if number > len(done):
            _check(part.text, number, [media.mime for media in part.media])
    session = _session(client, account, credentials)
    ids = list(done)
    # An earlier attempt may have left its container, or comments: look before writing.
    resumed = bool(done) or bool(outgoing.pending)
    me = ""
    for number, part in enumerate(outgoing.parts, 1):
        if number <= len(done):
            continue
        if not ids:
            pending = outgoing.pending
            if not pending:
                _publish.check_quota(session)
            since = (outgoing.occurrence if pending else _http.now()) - _publish.SLACK
            alone = len(outgoing.parts) == 1
            ids.append(
                _publish.first_part(session, part, pending, outgoing.on_pending, since, alone)
            )
        else:
            if resumed and not me:
                me = _publish.username(session)
            ids.append(_publish.later_part(session, ids[0], part.text, resumed, ids, me))
        on_part(ids[-1])
    if not ids:
        raise Rejected(f"{outgoing.post}: nothing to post")
    name = me or _publish.username(session)
    return Receipt(id=ids[0], url=_publish.permalink(session, ids[0], name), parts=tuple(ids))


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """The media's likes and comments (``like_count``, ``comments_count``: on this media
    only, not on ads made from it). Comments leave out the thread's own later parts."""
    session = _session(client, account, credentials)
    found = session.get(item.id, f"Instagram counts of {item.post or item.id}", fields=_COUNTS)
    counts = pick(found, {"likes": "like_count", "replies": "comments_count"})
    return without_own(counts, len(item.parts) - 1)


_COUNTS = "like_count,comments_count"


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """With the post recorded: None (the rerun takes comments already there instead of
    writing them twice). With its container recorded: the container decides (published:
    the post's receipt, and the runner sends what follows; not published: None, the rerun
    finishes that container). With
    neither (the run that made it died before recording anything): None only when no post
    has the first part's caption since the occurrence; a match is for a person to judge,
    with its link, since another post may carry the same caption."""
    session = _session(client, account, credentials)
    if outgoing.done:
        return None
    if outgoing.pending:
        if containers.resume(session, _publish.FLAVOUR, outgoing.pending) != "PUBLISHED":
            return None
        # Out: the receipt (of the post alone when comments are to follow; the runner then
        # sends them). Its media is needed to comment under; a post alone may keep the
        # container's id when its media cannot be told apart.
        alone = len(outgoing.parts) == 1
        since = outgoing.occurrence - _publish.SLACK
        doubt = f"Instagram had published container {outgoing.pending}"
        caption = outgoing.parts[0].text
        fallback = outgoing.pending if alone else ""
        media = _publish.media_of(session, caption, since, doubt, fallback=fallback)
        url = _publish.permalink(session, media, _publish.username(session))
        return Receipt(id=media, url=url, parts=(media,))
    first = outgoing.parts[0] if outgoing.parts else None
    if first is None or not first.text.strip():
        raise OutcomeUnknown(
            f"{outgoing.post}: an Instagram post without a caption cannot be matched; "
            "check the account"
        )
    since = outgoing.occurrence - _publish.SLACK
    found = _publish.matches(session, first.text, since)
    if not found:
        return None
    where = found[0].get("permalink") or f"media {found[0].get('id')}"
    raise OutcomeUnknown(
        f"{outgoing.post}: an Instagram post with this caption went out since "
        f"{since:%Y-%m-%d %H:%M} UTC ({where}); Instagram keeps nothing that ties it to this "
        "delivery"
    )


def _check(text: str, number: int, kinds: list[str]) -> None:
    problems = text_problems(text)
    if length(text) > MAX_TEXT:
        problems.append(f"Instagram takes {MAX_TEXT} characters; this part has {length(text)}")
    if number == 1 and not 1 <= len(kinds) <= MAX_ITEMS:
        problems.append(f"an Instagram post takes 1 to {MAX_ITEMS} images or videos")
    if [kind for kind in kinds if kind not in MEDIA.max_bytes]:
        problems.append("Instagram takes JPEG images, MP4 and MOV videos only")
    if number > 1 and kinds:
        problems.append("Instagram comments take text only")
    if number > 1 and not text.strip():
        problems.append("an Instagram comment needs text")
    if problems:
        raise Rejected(f"part {number}: {'; '.join(problems)}")


def _user(account: Account) -> str:
    user = account.settings.get("user")
    if not isinstance(user, str | int) or not str(user):
        raise UsageError(f"{account.name}: set `user:` (the Instagram account id) in socialgit.yml")
    return str(user)


def _session(client: httpx.Client, account: Account, credentials: Credentials) -> graph.Session:
    token = credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"no Instagram access token is stored: run `socialgit connect {account.name}`"
        )
    return graph.Session(
        client, account, _auth.product(account), token, _user(account),
        sleep=lambda seconds: _publish.SLEEP(seconds),
    )  # fmt: skip
