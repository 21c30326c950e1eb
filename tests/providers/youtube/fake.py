"""A local YouTube Data API v3 and Google OAuth, written from the fact sheet
(shared/docs/providers-wave2-platforms.md §3, §9) and Google's resumable upload guide.

``FakeYouTube`` is an ``httpx.MockTransport`` handler (and, through ``tests/providers/serve.py``,
a real local server) for ``accounts.google.com`` (the consent page, which approves at once),
``oauth2.googleapis.com`` and ``www.googleapis.com``:

- OAuth: authorization code with PKCE S256, single-use codes bound to client and redirect URI,
  client_secret_post; a refresh token only with ``access_type=offline``; refresh tokens do not
  rotate (the answer has none); a revoked one is ``400 invalid_grant`` "Token has been
  expired or revoked."; an expired access token is ``401`` with ``WWW-Authenticate`` and
  Google's ``authError`` body;
- uploads: ``POST /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status``
  checks the scope, ``X-Upload-Content-Length`` / ``-Type``, the metadata (title 1–100
  characters, description 5,000 bytes, tags 500 characters counted YouTube's way, no ``<``
  ``>``, a known category, a privacy status) and the quota (100 ``videos.insert`` a Pacific
  day: ``403 quotaExceeded``; the channel's own cap: ``400 uploadLimitExceeded``), and answers
  a session address in ``Location``. ``PUT`` on it takes chunks in order (``Content-Range``
  from the offset it has, 256 KiB multiples but the last, the declared total), answers ``308``
  with ``Range`` until the last byte, then creates the video (once) and answers ``200`` with
  it; ``bytes */N`` asks how far it got; an unknown or expired session is ``404``;
- reading: ``channels?mine=true`` and ``playlistItems`` of the uploads playlist, newest first.

An unaudited project (``audited=False``) gets every upload locked private, as YouTube does.
Errors are Google's ``{"error": {"code", "message", "errors": [{"domain", "reason"}]}}``.
``kill_after_upload`` / ``lose_after_upload`` make the last chunk create the video and then
die (``Killed``) or lose the answer.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

import httpx

from socialgit.model import Account
from tests.providers._support import account

CLIENT_ID = "483927-socialgit.apps.googleusercontent.com"
CLIENT_SECRET = "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"
REDIRECT = "http://127.0.0.1:8788/callback"
UPLOAD = "https://www.googleapis.com/auth/youtube.upload"
READ = "https://www.googleapis.com/auth/youtube.readonly"
QUANTUM = 256 * 1024
CATEGORIES = frozenset({"1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26"})
PACIFIC = ZoneInfo("America/Los_Angeles")


@dataclass
class Grant:
    scopes: frozenset[str]
    expired: bool = False


@dataclass
class Session:
    id: str
    metadata: dict[str, Any]
    size: int
    mime: str
    received: int = 0
    video: str | None = None
    gone: bool = False  # expired: 404 from now on


@dataclass
class Video:
    id: str
    title: str
    description: str
    category: str
    privacy: str
    published: datetime
    size: int
    views: int = 0
    likes: int = 0
    comments: int = 0
    likes_hidden: bool = False  # the channel hides its like counts


@dataclass
class FakeYouTube:
    channel: str = "UCsgTESTchannel00000000a"
    title: str = "Socialgit Test"
    handle: str = "@sgtest"
    token: str = "ya29.MAIN-access-token-0123456789"
    audited: bool = True
    long_uploads: str = "allowed"
    insert_quota: int = 100  # videos.insert calls a Pacific day
    channel_cap: int | None = None  # uploads a day before uploadLimitExceeded
    redirect_uris: tuple[str, ...] = (REDIRECT,)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    kill_after_upload: BaseException | None = None  # raised once the video exists
    lose_after_upload: Exception | None = None  # likewise: the answer is lost
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    videos: list[Video] = field(default_factory=list)
    inserts: dict[date, int] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.grants[self.token] = Grant(frozenset({UPLOAD, READ}))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def expire(self, token: str | None = None) -> None:
        self.grants[token or self.token].expired = True

    def uploads_started(self) -> int:
        return sum(1 for r in self.requests if r.method == "POST" and "/upload/" in r.url.path)

    # -- routing ---------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, method = request.url.path, request.method
        if path == "/o/oauth2/v2/auth" and method == "GET":
            return self._authorize(request)
        if path == "/token" and method == "POST":
            return self._token(request)
        grant = self._grant(request)
        if isinstance(grant, httpx.Response):
            return grant
        if path == "/upload/youtube/v3/videos":
            if method == "POST":
                return self._need(grant, UPLOAD) or self._start(request)
            if method == "PUT":
                return self._need(grant, UPLOAD) or self._put(request)
        if path == "/youtube/v3/channels" and method == "GET":
            return self._need(grant, READ) or self._channels(request)
        if path == "/youtube/v3/playlistItems" and method == "GET":
            return self._need(grant, READ) or self._playlist(request)
        if path == "/youtube/v3/videos" and method == "GET":
            return self._need(grant, READ) or self._videos(request)
        return _error(404, "notFound", f"no route {method} {path}")

    def _grant(self, request: httpx.Request) -> Grant | httpx.Response:
        auth = request.headers.get("authorization", "")
        grant = self.grants.get(auth[7:]) if auth.startswith("Bearer ") else None
        if grant is None or grant.expired:
            answer = _error(
                401,
                "authError",
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
                domain="global",
            )
            answer.headers["WWW-Authenticate"] = (
                'Bearer realm="https://accounts.google.com/", error="invalid_token"'
            )
            return answer
        return grant

    @staticmethod
    def _need(grant: Grant, scope: str) -> httpx.Response | None:
        if scope in grant.scopes:
            return None
        return _error(
            403, "insufficientPermissions", "Request had insufficient authentication scopes."
        )

    # -- OAuth -----------------------------------------------------------------------------
    def _authorize(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        if q.get("client_id") != CLIENT_ID or q.get("redirect_uri") not in self.redirect_uris:
            return httpx.Response(400, text="Error 400: redirect_uri_mismatch")
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return httpx.Response(400, text="Error 400: invalid_request")
        if not q.get("code_challenge") or not q.get("state"):
            return httpx.Response(400, text="Error 400: invalid_request")
        code = f"4/0A{secrets.token_urlsafe(24)}"
        self.codes[code] = {
            "redirect_uri": q["redirect_uri"],
            "challenge": q["code_challenge"],
            "scopes": frozenset(q.get("scope", "").split()),
            "offline": q.get("access_type") == "offline",
        }
        back = f"{q['redirect_uri']}?{urlencode({'state': q['state'], 'code': code})}"
        return httpx.Response(302, headers={"location": back})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        kind = form.get("grant_type")
        if kind == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)  # single use
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (
                issued is None
                or issued["redirect_uri"] != form.get("redirect_uri")
                or issued["challenge"] != challenge
            ):
                return _oauth_error(400, "invalid_grant", "Malformed auth code.")
            return self._issue(issued["scopes"], refresh=issued["offline"])
        if kind == "refresh_token":
            scopes = self.refresh_tokens.get(form.get("refresh_token", ""))
            if scopes is None:
                return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            return self._issue(scopes, refresh=False)  # Google does not rotate
        return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type.")

    def _issue(self, scopes: frozenset[str], *, refresh: bool) -> httpx.Response:
        access = f"ya29.{secrets.token_urlsafe(30)}"
        self.grants[access] = Grant(scopes)
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": 3599,
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
        }
        if refresh:
            token = f"1//0g{secrets.token_urlsafe(30)}"
            self.refresh_tokens[token] = scopes
            body["refresh_token"] = token
        return httpx.Response(200, json=body)

    def issue_refresh(self) -> str:
        """A refresh token for the main grant's scopes, as a consent would give one."""
        token = f"1//0g{secrets.token_urlsafe(30)}"
        self.refresh_tokens[token] = self.grants[self.token].scopes
        return token

    def revoke_refresh_tokens(self) -> None:
        self.refresh_tokens.clear()

    # -- uploads ---------------------------------------------------------------------------
    def _start(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        if q.get("uploadType") != "resumable":
            return _error(400, "badRequest", "uploadType must be resumable here")
        if set(q.get("part", "").split(",")) != {"snippet", "status"}:
            return _error(400, "unexpectedPart", "part must be snippet,status")
        length = request.headers.get("x-upload-content-length", "")
        mime = request.headers.get("x-upload-content-type", "")
        if not length.isdigit() or int(length) <= 0:
            return _error(400, "badRequest", "X-Upload-Content-Length is required")
        if not (mime.startswith("video/") or mime == "application/octet-stream"):
            return _error(400, "invalidContentType", "Media type not supported")
        if not request.headers.get("content-type", "").startswith("application/json"):
            return _error(400, "parseError", "the metadata must be JSON")
        try:
            metadata = json.loads(request.content)
        except ValueError:
            return _error(400, "parseError", "Parse Error")
        problem = _check_metadata(metadata)
        if problem is not None:
            return problem
        day = self.clock().astimezone(PACIFIC).date()
        if self.inserts.get(day, 0) >= self.insert_quota:
            return _error(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your quota.",
                domain="youtube.quota",
            )
        self.inserts[day] = self.inserts.get(day, 0) + 1
        today = [v for v in self.videos if v.published.astimezone(PACIFIC).date() == day]
        if self.channel_cap is not None and len(today) >= self.channel_cap:
            return _error(
                400,
                "uploadLimitExceeded",
                "The user has exceeded the number of videos they may upload.",
                domain="youtube.video",
            )
        session = Session(secrets.token_urlsafe(18), metadata, int(length), mime)
        self.sessions[session.id] = session
        where = f"{request.url.scheme}://{request.url.netloc.decode()}/upload/youtube/v3/videos"
        query = urlencode({"uploadType": "resumable", "upload_id": session.id})
        return httpx.Response(200, headers={"location": f"{where}?{query}"})

    def _put(self, request: httpx.Request) -> httpx.Response:
        session = self.sessions.get(request.url.params.get("upload_id", ""))
        if session is None or session.gone:
            return _error(404, "notFound", "Upload session not found or expired.")
        spec = request.headers.get("content-range", "")
        if not spec.startswith("bytes "):
            return _error(400, "badRequest", "Content-Range is required")
        span, _, total = spec[6:].partition("/")
        if total != str(session.size):
            return _error(400, "badRequest", "Content-Range total does not match the upload")
        if span == "*":  # how far did it get?
            if request.content:
                return _error(400, "badRequest", "a status request has no body")
            return self._progress(session)
        if session.video is not None:
            return self._progress(session)  # complete: the video, again
        first, _, last = span.partition("-")
        if not (first.isdigit() and last.isdigit()):
            return _error(400, "badRequest", "bad Content-Range")
        start, end = int(first), int(last)
        body = request.content
        if start != session.received or end - start + 1 != len(body) or end >= session.size:
            return _error(400, "badRequest", "the chunk does not continue the upload")
        if request.headers.get("content-length") != str(len(body)):
            return _error(400, "badRequest", "Content-Length does not match the chunk")
        final = end + 1 == session.size
        if not final and len(body) % QUANTUM:
            return _error(400, "badRequest", "chunks must be multiples of 256 KiB but the last")
        session.received = end + 1
        if not final:
            return self._progress(session)
        self._create(session)
        if self.kill_after_upload is not None:
            failure, self.kill_after_upload = self.kill_after_upload, None
            raise failure
        if self.lose_after_upload is not None:
            lost, self.lose_after_upload = self.lose_after_upload, None
            raise lost
        return self._progress(session)

    def _progress(self, session: Session) -> httpx.Response:
        if session.video is not None:
            video = next(v for v in self.videos if v.id == session.video)
            return httpx.Response(200, json=self._resource(video))
        if session.received == 0:
            return httpx.Response(308)
        return httpx.Response(308, headers={"range": f"bytes=0-{session.received - 1}"})

    def _create(self, session: Session) -> None:
        snippet, status = session.metadata["snippet"], session.metadata["status"]
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
        ident = "".join(secrets.choice(alphabet) for _ in range(10)) + str(next(self._ids) % 10)
        privacy = status.get("privacyStatus", "public") if self.audited else "private"
        self.videos.append(
            Video(
                ident,
                snippet["title"],
                snippet.get("description", ""),
                str(snippet.get("categoryId", "22")),
                privacy,
                self.clock(),
                session.size,
            )
        )
        session.video = ident

    def _resource(self, video: Video) -> dict[str, Any]:
        return {
            "kind": "youtube#video",
            "id": video.id,
            "snippet": {
                "publishedAt": _iso(video.published),
                "channelId": self.channel,
                "title": video.title,
                "description": video.description,
                "categoryId": video.category,
            },
            "status": {"uploadStatus": "uploaded", "privacyStatus": video.privacy},
        }

    # -- reading ---------------------------------------------------------------------------
    def _channels(self, request: httpx.Request) -> httpx.Response:
        if request.url.params.get("mine") != "true":
            return _error(400, "missingRequiredParameter", "No filter selected.")
        parts = set(request.url.params.get("part", "").split(","))
        item: dict[str, Any] = {"kind": "youtube#channel", "id": self.channel}
        if "snippet" in parts:
            item["snippet"] = {"title": self.title, "customUrl": self.handle}
        if "contentDetails" in parts:
            item["contentDetails"] = {"relatedPlaylists": {"uploads": "UU" + self.channel[2:]}}
        if "status" in parts:
            item["status"] = {"privacyStatus": "public", "longUploadsStatus": self.long_uploads}
        return httpx.Response(200, json={"kind": "youtube#channelListResponse", "items": [item]})

    def _videos(self, request: httpx.Request) -> httpx.Response:
        """``videos.list`` by ``id`` with ``part=statistics``: counts as strings; an unknown
        id is no item (not an error)."""
        q = request.url.params
        if "statistics" not in q.get("part", "").split(","):
            return _error(400, "missingRequiredParameter", "No part selected.")
        wanted = q.get("id", "").split(",")
        items = []
        for video in (v for v in self.videos if v.id in wanted):
            stats = {"viewCount": str(video.views), "favoriteCount": "0",
                     "commentCount": str(video.comments)}  # fmt: skip
            if not video.likes_hidden:
                stats["likeCount"] = str(video.likes)
            items.append({"kind": "youtube#video", "id": video.id, "statistics": stats})
        return httpx.Response(200, json={"kind": "youtube#videoListResponse", "items": items})

    def _playlist(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        if q.get("playlistId") != "UU" + self.channel[2:]:
            return _error(404, "playlistNotFound", "The playlist cannot be found.")
        size = int(q.get("maxResults", "5"))
        if not 0 <= size <= 50:
            return _error(400, "invalidParameter", "maxResults must be 0 to 50")
        newest = sorted(self.videos, key=lambda v: v.published, reverse=True)[:size]
        items = [
            {
                "kind": "youtube#playlistItem",
                "snippet": {
                    "publishedAt": _iso(v.published),
                    "title": v.title,
                    "resourceId": {"kind": "youtube#video", "videoId": v.id},
                },
                "status": {"privacyStatus": v.privacy},
            }
            for v in newest
        ]
        return httpx.Response(
            200, json={"kind": "youtube#playlistItemListResponse", "items": items}
        )


def _check_metadata(metadata: Any) -> httpx.Response | None:
    snippet = metadata.get("snippet") if isinstance(metadata, dict) else None
    status = metadata.get("status") if isinstance(metadata, dict) else None
    if not isinstance(snippet, dict) or not isinstance(status, dict):
        return _error(400, "invalidVideoMetadata", "snippet and status are required")
    title, description = snippet.get("title"), snippet.get("description", "")
    invalid = "The request metadata specifies an invalid video"
    if not isinstance(title, str) or not title.strip() or len(title) > 100 or _angled(title):
        return _error(400, "invalidTitle", f"{invalid} title.")
    if not isinstance(description, str) or len(description.encode()) > 5000:
        return _error(400, "invalidDescription", f"{invalid} description.")
    if _angled(description):
        return _error(400, "invalidDescription", f"{invalid} description.")
    tags = snippet.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        return _error(400, "invalidTags", "The request metadata specifies invalid video keywords.")
    # Commas between tags count, and a tag with a space counts with its quotes.
    counted = sum(len(t) + (2 if " " in t else 0) for t in tags) + max(len(tags) - 1, 0)
    if counted > 500:
        return _error(400, "invalidTags", "The request metadata specifies invalid video keywords.")
    if str(snippet.get("categoryId", "22")) not in CATEGORIES:
        return _error(400, "invalidCategoryId", "The snippet.categoryId is an invalid category.")
    if status.get("privacyStatus", "public") not in ("public", "unlisted", "private"):
        return _error(400, "invalidVideoMetadata", "privacyStatus is invalid")
    return None


_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED"}


def _angled(text: str) -> bool:
    return "<" in text or ">" in text


def _error(status: int, reason: str, message: str, domain: str = "youtube.api") -> httpx.Response:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": _STATUS.get(status, "UNKNOWN"),
        }
    }
    return httpx.Response(status, json=body)


def _oauth_error(status: int, error: str, description: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "error_description": description})


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def youtube_account(name: str = "team-yt", **settings: Any) -> Account:
    return account("youtube", name, **{"client_id": CLIENT_ID, **settings})


def credentials(fake: FakeYouTube) -> dict[str, str]:
    """What the vault holds for the fake's main grant."""
    return {"access_token": fake.token, "client_secret": CLIENT_SECRET}


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeYouTube()
    with fake.client() as client:
        yield youtube_account(), {"client_secret": CLIENT_SECRET}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"youtube": _contract_env}
