"""Bluesky (AT Protocol), with an app password session.

Publishing is exactly-once by construction: every part goes out with
``com.atproto.repo.putRecord`` under a record key derived from the delivery key and the
part's index (``_atproto.record_key``). Writing the same record under the same key again is
a no-op on the PDS, so a resend after a crash, kill or timeout cannot make a second post.

Session state (``accessJwt``, ``refreshJwt``, ``did``, ``pds``) lives in the vault entry
beside the app password. Only ``authenticate`` and ``refresh_token`` change it, and they
return it, so the caller saves a rotated refresh token before anything else uses it; the
publishing calls never log in on their own (createSession allows 30 calls per 5 minutes).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from providers import _http
from providers._counts import pick, without_own
from providers._text import graphemes, utf8_bytes
from providers.atproto.richtext import detect_facets
from providers.atproto.xrpc import Xrpc, jwt_expiry, pds_endpoint, record_key
from providers.base import (
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
from socialgit.errors import AuthExpired, AuthRevoked, Rejected, Transient, Unsupported
from socialgit.times import iso_utc

if TYPE_CHECKING:
    import httpx

    from socialgit.model import Account, Part

NAME = "bluesky"
# Counts live on an AppView, which indexes the whole network; a PDS holds only its own
# accounts' records and does not serve app.bsky.feed.getPosts. The public one needs no login.
DEFAULT_APPVIEW_URL = "https://public.api.bsky.app"
TITLE = "Bluesky"
THREADS: ThreadStyle = "replies"
# app.bsky.embed.images: at most 4 images of maxSize 2,000,000 bytes each. The lexicon said
# 1,000,000 until bluesky-social/atproto#4823 (2026-04-08, "Increase max image upload size to
# 2mb from 1mb"); a PDS built before it (@atproto/pds 0.4.217 and older) still refuses more
# than 1,000,000, and such a refusal is a rejection with the PDS's message.
MEDIA = MediaRules(
    max_count=4,
    max_bytes={
        "image/png": 2_000_000,
        "image/jpeg": 2_000_000,
        "image/webp": 2_000_000,
        "image/gif": 2_000_000,
    },
    alt_max=2000,
)
SETTINGS: Mapping[str, Setting] = {
    "handle": Setting(str, required=True, help="the account's handle, e.g. news.example.com"),
    "appview_url": Setting(
        str, help=f"the AppView metrics are read from (default {DEFAULT_APPVIEW_URL})"
    ),
}
SECRETS: tuple[str, ...] = ("password",)

MAX_GRAPHEMES = 300
MAX_BYTES = 3000


def length(text: str) -> int:
    return graphemes(text)


def limit(account: Account, part: Part) -> int:
    return MAX_GRAPHEMES


def text_problems(text: str) -> list[str]:
    size = utf8_bytes(text)
    if size > MAX_BYTES:
        return [f"Bluesky allows at most {MAX_BYTES} bytes of UTF-8 text; this part has {size}"]
    return []


def facets(text: str) -> list[dict[str, Any]]:
    return detect_facets(text)


# -- credentials ----------------------------------------------------------------------------

AUTH: AuthKind = "app_password"
# A resend writes the same records under the same keys, which the PDS treats as no-ops.
RESEND_IN_DOUBT = True

DEFAULT_BASE_URL = "https://bsky.social"
COLLECTION = "app.bsky.feed.post"
APP_URL = "https://bsky.app"
# Before any session exists, the credentials count as expired, so the runner refreshes
# (that is, logs in) before publishing.
NO_SESSION = datetime(1970, 1, 1, tzinfo=UTC)


def generate_auth_url(account: Account, redirect_uri: str, state: str, code_challenge: str) -> str:
    raise Unsupported("Bluesky uses an app password: socialgit connect will ask for it")


def authenticate(
    client: httpx.Client,
    account: Account,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    credentials: Credentials,
) -> Credentials:
    """Log in with the app password in ``credentials``; code and verifier are unused."""
    return _create_session(client, account, credentials)


def refresh_token(client: httpx.Client, account: Account, credentials: Credentials) -> Credentials:
    """Rotate the session; log in again only when there is none or it cannot be refreshed."""
    refresh = _text(credentials, "refreshJwt")
    if refresh is not None:
        xrpc = Xrpc(client, _base_url(account), account.name)
        try:
            # A refresh whose answer was lost may be repeated: the PDS hands out the same
            # next token for the old one during a two-hour grace period.
            answer = xrpc.call(
                "POST", "com.atproto.server.refreshSession", effect="read", token=refresh
            )
        except (AuthExpired, AuthRevoked):
            # The refresh token ran out (90 days) or was revoked: the password decides.
            pass
        else:
            assert answer is not None
            return _session_from(answer, account, credentials)
    return _create_session(client, account, credentials)


def expires_at(credentials: Credentials) -> datetime | None:
    token = _text(credentials, "accessJwt")
    if token is None:
        return NO_SESSION
    return jwt_expiry(token) or NO_SESSION


def whoami(client: httpx.Client, account: Account, credentials: Credentials) -> dict[str, str]:
    token, _, _ = _session(account, credentials)
    xrpc = Xrpc(client, _base_url(account), account.name)
    answer = xrpc.call("GET", "com.atproto.server.getSession", effect="read", token=token)
    assert answer is not None
    return {"id": str(answer.get("did", "")), "name": str(answer.get("handle", ""))}


def _create_session(
    client: httpx.Client, account: Account, credentials: Credentials
) -> Credentials:
    password = _text(credentials, "password")
    if password is None:
        raise AuthRevoked(
            f"no Bluesky app password stored for {account.name}; "
            f"run `socialgit connect {account.name}`"
        )
    xrpc = Xrpc(client, _base_url(account), account.name)
    answer = xrpc.call(
        "POST",
        "com.atproto.server.createSession",
        effect="read",  # a lost answer leaves nothing behind but a spent rate-limit point
        body={"identifier": _handle(account), "password": password},
        secrets=(password,),
    )
    assert answer is not None
    return _session_from(answer, account, credentials)


def _session_from(
    answer: dict[str, Any], account: Account, credentials: Credentials
) -> Credentials:
    access, refresh, did = answer.get("accessJwt"), answer.get("refreshJwt"), answer.get("did")
    if not (isinstance(access, str) and isinstance(refresh, str) and isinstance(did, str)):
        raise Transient("Bluesky answered the session call without accessJwt, refreshJwt and did")
    # Writes go to the account's own PDS (bsky.social is an entryway in front of many);
    # without a DID document in the answer, the one we have or the base URL serves.
    pds = pds_endpoint(answer.get("didDoc")) or _text(credentials, "pds") or _base_url(account)
    fresh = {**credentials, "accessJwt": access, "refreshJwt": refresh, "did": did, "pds": pds}
    # Also as the vault's clear expiry (what OAuth networks store), so that `connect` records
    # when the session needs a refresh and the runner plans it.
    expiry = jwt_expiry(access)
    if expiry is not None:
        fresh["expires_at"] = iso_utc(expiry)
    return fresh


def _session(account: Account, credentials: Credentials) -> tuple[str, str, str]:
    """Access token, DID and PDS URL; AuthExpired (so the runner logs in) when absent."""
    token, did = _text(credentials, "accessJwt"), _text(credentials, "did")
    if token is None or did is None:
        raise AuthExpired(f"no Bluesky session yet for {account.name}")
    return token, did, _text(credentials, "pds") or _base_url(account)


# -- publishing -----------------------------------------------------------------------------


def post(
    client: httpx.Client,
    account: Account,
    credentials: Credentials,
    outgoing: Outgoing,
    done: tuple[str, ...],
    on_part: OnPart,
) -> Receipt:
    """Put each part not in ``done`` under its deterministic key, replying to the one before.

    A part already in ``done`` is not written again; only the thread's root and the last
    part done are read back, for the content ids a reply has to name.
    """
    token, did, pds = _session(account, credentials)
    if not outgoing.parts:
        raise Rejected(f"{outgoing.post}: nothing to post")
    if len(done) > len(outgoing.parts):
        raise Rejected(
            f"{outgoing.post}: {len(done)} parts recorded as published, "
            f"but the post has {len(outgoing.parts)}"
        )
    xrpc = Xrpc(client, pds, account.name)
    uris = list(done)
    if len(done) == len(outgoing.parts):
        return _receipt(account, tuple(uris))
    root = _strong_ref(xrpc, done[0]) if done else None
    parent = _strong_ref(xrpc, done[-1]) if len(done) > 1 else root
    handles: dict[str, str | None] = {}
    for index in range(len(done), len(outgoing.parts)):
        record = _record(xrpc, token, outgoing, index, root, parent, handles)
        answer = xrpc.call(
            "POST",
            "com.atproto.repo.putRecord",
            effect="write",
            token=token,
            body={
                "repo": did,
                "collection": COLLECTION,
                "rkey": record_key(outgoing.key, index),
                "record": record,
            },
        )
        assert answer is not None
        ref = _ref_of(answer, "putRecord")
        parent = ref
        root = root or ref
        uris.append(ref["uri"])
        on_part(ref["uri"])
    return _receipt(account, tuple(uris))


def lookup(
    client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
) -> Receipt | None:
    """The delivery if every part arrived (read by their deterministic keys), else None.

    A thread that is only partly there also gives None, not a partial Receipt: the runner
    records any Receipt as published, and this thread is not. None makes it send again
    with ``done`` = the parts it recorded, which finishes the thread; a part that arrived
    without being recorded is written again under the same key with the same content,
    which the PDS treats as a no-op (hence ``RESEND_IN_DOUBT``).
    """
    did = _text(credentials, "did")
    pds = _text(credentials, "pds") or _base_url(account)
    xrpc = Xrpc(client, pds, account.name)
    if did is None:
        did = _resolve(xrpc, _handle(account))
        if did is None:
            raise Rejected(f"the handle of {account.name} does not resolve to an account")
    uris: list[str] = []
    for index in range(len(outgoing.parts)):
        answer = xrpc.call(
            "GET",
            "com.atproto.repo.getRecord",
            effect="read",
            params={"repo": did, "collection": COLLECTION, "rkey": record_key(outgoing.key, index)},
            missing=frozenset({"RecordNotFound"}),
        )
        if answer is None:
            return None
        uris.append(_ref_of(answer, "getRecord")["uri"])
    return _receipt(account, tuple(uris)) if uris else None


def metrics(
    client: httpx.Client, account: Account, credentials: Credentials, item: Published
) -> Counts:
    """Likes, reposts, replies and quotes of the first part, from the AppView's
    app.bsky.feed.getPosts (no login: the counts are public). Replies leave out the
    thread's own second part, which replies to the first."""
    appview = account.settings.get("appview_url")
    base = appview if isinstance(appview, str) and appview else DEFAULT_APPVIEW_URL
    xrpc = Xrpc(client, base, account.name)
    answer = xrpc.call("GET", "app.bsky.feed.getPosts", effect="read", params={"uris": item.id})
    found = [p for p in (answer or {}).get("posts") or () if isinstance(p, dict)]
    post = next((p for p in found if p.get("uri") == item.id), None)
    if post is None:
        raise Rejected(
            f"{item.post}: the AppView does not know {item.id} (deleted, or a PDS it does not "
            "index: set `appview_url`)"
        )
    return without_own(pick(post, _COUNTS), min(len(item.parts) - 1, 1))


_COUNTS = {
    "likes": "likeCount",
    "reposts": "repostCount",
    "replies": "replyCount",
    "quotes": "quoteCount",
}


def _record(
    xrpc: Xrpc,
    token: str,
    outgoing: Outgoing,
    index: int,
    root: dict[str, str] | None,
    parent: dict[str, str] | None,
    handles: dict[str, str | None],
) -> dict[str, Any]:
    """The post record; the same inputs give the same record, so a resend is a no-op."""
    part = outgoing.parts[index]
    record: dict[str, Any] = {
        "$type": COLLECTION,
        "text": part.text,
        "createdAt": _created_at(outgoing.occurrence, index),
    }
    found = _resolved_facets(xrpc, part.text, handles)
    if found:
        record["facets"] = found
    if index > 0:
        assert root is not None and parent is not None
        record["reply"] = {"root": root, "parent": parent}
    if part.media:
        record["embed"] = {
            "$type": "app.bsky.embed.images",
            "images": [
                {"image": _upload(xrpc, token, outgoing, media), "alt": media.alt}
                for media in part.media
            ],
        }
    return record


def _created_at(occurrence: datetime, index: int) -> str:
    # The occurrence, not the clock: a resend must write an identical record. Later parts
    # are a millisecond apart so that anything sorting by time keeps the thread's order.
    when = occurrence if occurrence.tzinfo else occurrence.replace(tzinfo=UTC)
    when = when.astimezone(UTC) + timedelta(milliseconds=index)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _resolved_facets(xrpc: Xrpc, text: str, handles: dict[str, str | None]) -> list[Any]:
    """The text's facets with each mentioned handle replaced by its DID.

    A mention of a handle that does not resolve loses its facet (the text stays), as the
    official app does; the post is not refused for it.
    """
    out: list[Any] = []
    for facet in detect_facets(text):
        features = []
        for feature in facet.get("features", ()):
            if str(feature.get("$type", "")).endswith("#mention"):
                handle = str(feature.get("did", "")).removeprefix("@")
                if handle.startswith("did:"):
                    features.append(dict(feature))
                    continue
                if handle not in handles:
                    handles[handle] = _resolve(xrpc, handle)
                did = handles[handle]
                if did is None:
                    continue
                features.append({**feature, "did": did})
            else:
                features.append(dict(feature))
        if features:
            out.append({**facet, "index": dict(facet["index"]), "features": features})
    return out


def _resolve(xrpc: Xrpc, handle: str) -> str | None:
    answer = xrpc.call(
        "GET",
        "com.atproto.identity.resolveHandle",
        effect="read",
        params={"handle": handle},
        # Unknown handles come back as 400 InvalidRequest ("Unable to resolve handle"),
        # newer servers say HandleNotFound.
        missing=frozenset({"InvalidRequest", "HandleNotFound"}),
    )
    did = answer.get("did") if answer else None
    return did if isinstance(did, str) else None


def _upload(xrpc: Xrpc, token: str, outgoing: Outgoing, media: OutgoingMedia) -> Any:
    most = MEDIA.max_bytes.get(media.mime)
    if most is None:
        raise Unsupported(f"{media.path}: Bluesky posts take images only, not {media.mime}")
    try:
        data = media.file.read_bytes()
    except OSError as exc:
        raise Rejected(f"{media.path}: cannot read it ({exc.strerror})") from exc
    if len(data) > most:
        raise Rejected(f"{media.path}: {len(data)} bytes; Bluesky takes images up to {most}")
    answer = xrpc.call(
        "POST",
        "com.atproto.repo.uploadBlob",
        # A blob no record points to is dropped by the PDS, so a lost answer costs nothing.
        effect="read",
        token=token,
        content=data,
        content_type=media.mime,
    )
    blob = answer.get("blob") if answer else None
    if not isinstance(blob, dict):
        raise Transient(f"{media.path}: uploadBlob answered without a blob")
    return blob


def _strong_ref(xrpc: Xrpc, uri: str) -> dict[str, str]:
    """The {uri, cid} of a part already out, read back from its at:// URI."""
    try:
        did, collection, rkey = uri.removeprefix("at://").split("/")
    except ValueError:
        raise Rejected(f"a recorded part id is not an at:// record URI: {uri}") from None
    answer = xrpc.call(
        "GET",
        "com.atproto.repo.getRecord",
        effect="read",
        params={"repo": did, "collection": collection, "rkey": rkey},
        missing=frozenset({"RecordNotFound"}),
    )
    if answer is None:
        # Re-creating it would bring back a post someone deleted on purpose.
        raise Rejected(f"{uri} was published by an earlier run but is gone; not replying to it")
    return _ref_of(answer, "getRecord")


def _ref_of(answer: dict[str, Any], call: str) -> dict[str, str]:
    uri, cid = answer.get("uri"), answer.get("cid")
    if not (isinstance(uri, str) and isinstance(cid, str)):
        raise Transient(f"{call} answered without uri and cid")
    return {"uri": uri, "cid": cid}


def _receipt(account: Account, uris: tuple[str, ...]) -> Receipt:
    rkey = uris[0].rsplit("/", 1)[-1]
    return Receipt(id=uris[0], url=f"{APP_URL}/profile/{_handle(account)}/post/{rkey}", parts=uris)


# -- small helpers --------------------------------------------------------------------------


def _base_url(account: Account) -> str:
    return _http.root(account, DEFAULT_BASE_URL)


def _handle(account: Account) -> str:
    handle = account.settings.get("handle")
    if not isinstance(handle, str) or not handle:
        raise Rejected(f"account {account.name} has no `handle:` in socialgit.yml")
    return handle.removeprefix("@")


def _text(credentials: Credentials, key: str) -> str | None:
    value = credentials.get(key)
    return value if isinstance(value, str) and value else None
