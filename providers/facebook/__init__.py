"""Facebook Pages (Meta's Graph API): a post on the Page's feed, later parts as comments.

Sign-in and the Page's token live in ``auth.py``, the requests that publish in
``publish.py``, the Graph plumbing shared with Threads and Instagram in ``providers/meta/``;
this module holds the text and media rules and fits them together as the ``Provider``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from providers._counts import without_own
from providers._text import utf16_units
from providers.base import (
    VIDEO_TYPES,
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
from providers.facebook import auth as _auth
from providers.facebook import publish as _publish
from providers.meta import graph
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

NAME = "facebook"
TITLE = "Facebook"
THREADS: ThreadStyle = "comments"
EXACT_REDIRECT = True  # the app's registered redirect URI must match, port included
_MB = 1024 * 1024
# Photos: Meta's Photo reference says under 10 MB; 4 MB is what its errors ask for
# (subcode 1366046), so validation asks for that. How many photos one post takes is not
# published: 10, as Instagram's carousels.
MAX_PHOTOS = 10
MEDIA = MediaRules(
    max_count=MAX_PHOTOS,
    max_bytes={
        "image/jpeg": 4 * _MB,
        "image/png": 4 * _MB,
        "image/gif": 4 * _MB,
        "video/mp4": 1024 * _MB,
        "video/quicktime": 1024 * _MB,
    },
    alt_max=1000,
)
SETTINGS: Mapping[str, Setting] = {
    "client_id": Setting(str, required=True, help="the Meta app id"),
    "page": Setting(str, required=True, help="the Facebook Page id to post as"),
    "scope": Setting(str, help="OAuth scopes, comma-separated (default: post and comment)"),
    "version": Setting(str, help=f"Graph API version (default {_auth.FACEBOOK.version})"),
}
# access_token: the Page's token (no expiry); user_token: the login it was read with.
SECRETS: tuple[str, ...] = ("access_token", "user_token", "client_secret")
KEYS: Mapping[str, KeyRule] = {"link": KeyRule()}
# Meta publishes no limit for a Page post; 63,206 is what other schedulers enforce.
MAX_TEXT = 63_206


def length(text: str) -> int:
    # The unit is not published either: UTF-16 units count no less than any other.
    return utf16_units(text)


def limit(account: Account, part: Part) -> int:
    return MAX_TEXT


def media_problems(number: int, kinds: tuple[str, ...]) -> list[str]:
    if number > 1 and kinds:
        return ["Facebook comments take text only; move the media to the first part"]
    videos = sum(1 for kind in kinds if kind in VIDEO_TYPES)
    if videos and len(kinds) > 1:
        return ["a Facebook post takes photos or one video, not both or several videos"]
    return []


# -- runtime ---------------------------------------------------------------------------
AUTH: AuthKind = "oauth2"
# Facebook keeps no idempotency key and offers nothing to ask after a lost answer.
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
    _page(account)
    return _auth.authenticate(client, account, code, code_verifier, redirect_uri, credentials)


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    session = _session(client, account, credentials)
    page = session.get(session.user, "Facebook whoami", fields="id,name")
    found = {"id": page.get("id"), "name": page.get("name")}
    return {key: str(value) for key, value in found.items() if value}


def diagnose(client: httpx.Client, account: Account, credentials: Credentials) -> list[Note]:
    """Permissions the login did not grant. (Whether the app is Live cannot be asked: an app
    in Development mode publishes posts only its own role holders can see.)"""
    user = credentials.get("user_token")
    if not isinstance(user, str) or not user:
        return []
    try:
        return _auth.ungranted(client, account, user, _auth.scopes(account))
    except (AuthExpired, AuthRevoked):
        said = (
            "the Facebook login the Page token was read with has ended: posting goes on with "
            f"the Page token, but if Meta refuses it, run `socialgit connect {account.name}`"
        )
        return [("warning", said)]


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
            _check(part.text, number, len(part.media))
    session = _session(client, account, credentials)
    link = outgoing.keys.get("link")
    ids = list(done)
    resumed = bool(done)  # an earlier attempt may have left comments: look before writing
    for number, part in enumerate(outgoing.parts, 1):
        if number <= len(done):
            continue
        if not ids:
            ids.append(_publish.first_part(session, part, link if isinstance(link, str) else None))
        else:
            ids.append(_publish.later_part(session, ids[0], part.text, resumed, ids))
        on_part(ids[-1])
    if not ids:
        raise Rejected(f"{outgoing.post}: nothing to post")
    return Receipt(id=ids[0], url=_publish.permalink(session, ids[0]), parts=tuple(ids))


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """A Page post's reactions (every kind, as likes), comments and shares, in one read
    (``pages_read_engagement``, in the default scope). Comments leave out the thread's own
    later parts, which are comments on the post."""
    session = _session(client, account, credentials)
    found = session.get(item.id, f"Facebook counts of {item.post or item.id}", fields=_COUNTS)
    counts = {
        ours: total
        for ours, edge in (("likes", "reactions"), ("replies", "comments"))
        if (total := _summary(found.get(edge))) is not None
    }
    shares = found.get("shares")
    if isinstance(shares, dict) and isinstance(shares.get("count"), int):
        counts["reposts"] = shares["count"]
    elif "_" in item.id:
        # A feed post (PAGE_POST) nobody shared comes without ``shares``: 0 shares. A
        # video (a bare id) has no share count to read: left out.
        counts["reposts"] = 0
    return without_own(counts, len(item.parts) - 1)


_COUNTS = "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"


def _summary(edge: object) -> int | None:
    summary = edge.get("summary") if isinstance(edge, dict) else None
    total = summary.get("total_count") if isinstance(summary, dict) else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """With the post recorded, None: the rerun takes the comments already there instead of
    writing them twice. Without, Facebook cannot tell: nothing it keeps ties a post to this
    delivery, and the Page's feed is ranked and bounded, so a post missing from it proves
    nothing. The person gets the matching post's link, or the Page's, to check by hand."""
    if outgoing.done:
        return None
    session = _session(client, account, credentials)
    first = outgoing.parts[0] if outgoing.parts else None
    since = outgoing.occurrence - _publish.SLACK
    found = []
    if first is not None and first.text.strip():
        found = list(_publish.matches(session, first.text, since))
    if found:
        where = found[0].get("permalink_url") or _publish.permalink(session, str(found[0]["id"]))
        raise OutcomeUnknown(
            f"{outgoing.post}: a post with this text is on the Page since "
            f"{since:%Y-%m-%d %H:%M} UTC ({where}); Facebook keeps nothing that ties it to "
            "this delivery"
        )
    raise OutcomeUnknown(
        f"{outgoing.post}: Facebook cannot tell whether this went out: its Page feed is "
        f"ranked, so a post missing from it proves nothing; look at "
        f"{_publish.WEB}/{session.user}"
    )


def _check(text: str, number: int, media: int) -> None:
    if length(text) > MAX_TEXT:
        raise Rejected(f"part {number}: Facebook takes {MAX_TEXT} characters")
    if not text.strip() and not media:
        raise Rejected(f"part {number}: a Facebook post needs text or media")
    if number > 1 and media:
        raise Rejected(f"part {number}: Facebook comments take text only")


def _page(account: Account) -> str:
    page = account.settings.get("page")
    if not isinstance(page, str | int) or not str(page):
        raise UsageError(f"{account.name}: set `page:` (the Page id) in socialgit.yml")
    return str(page)


def _session(client: httpx.Client, account: Account, credentials: Credentials) -> graph.Session:
    token = credentials.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthRevoked(
            f"no Facebook Page token is stored: run `socialgit connect {account.name}`"
        )
    return graph.Session(client, account, _auth.FACEBOOK, token, _page(account))
