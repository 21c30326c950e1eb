"""A local TikTok API v2 (Content Posting API and OAuth), written from the fact sheet
(shared/docs/providers-wave2-platforms.md §4, §9) and TikTok's API reference.

``FakeTikTok`` is an ``httpx.MockTransport`` handler (and, through ``tests/providers/serve.py``,
a real local server) for ``www.tiktok.com`` (the authorization page, which approves at once)
and ``open.tiktokapis.com``:

- OAuth: ``client_key`` (not ``client_id``) and ``client_secret`` in the form, single-use codes
  bound to the redirect URI, PKCE with the challenge in hex (the desktop flow); access tokens
  for 2 hours, refresh tokens for 180 days, **rotated on every refresh** (the old one is
  refused from then on with ``invalid_grant``);
- every API answer is ``{"data", "error": {"code", "message", "log_id"}}``: an unknown or
  expired token is ``401 access_token_invalid``, a missing scope ``401 scope_not_authorized``,
  bad fields ``400 invalid_params``, rate limits ``429 rate_limit_exceeded`` (``init``: 6 a
  minute per token), the daily cap ``spam_risk_too_many_posts`` with HTTP 200;
- ``creator_info/query`` (scope ``video.publish``): privacy options (``SELF_ONLY`` alone while
  the app is unaudited), interaction switches, the longest video;
- ``video/init`` (direct, ``video.publish``: ``post_info`` with a privacy level among the
  creator's options, a caption of 2,200 UTF-16 units) and ``inbox/video/init``
  (``video.upload``, ``source_info`` only): the chunk plan is checked as TikTok's media
  transfer guide says (5–64 MB chunks, the last up to 128 MB, ``floor(size / chunk)`` of them,
  a file under 5 MB whole), and a publish id and an upload URL come back;
- ``PUT`` on the upload URL: chunks in order with ``Content-Range``, ``206`` until the last,
  ``201`` then; the publish then moves through ``PROCESSING_UPLOAD`` to ``PUBLISH_COMPLETE``
  (or ``SEND_TO_USER_INBOX``) after ``processing_polls`` status fetches, with the public post
  id as a JSON number above 2**53;
- ``status/fetch``: the publish's status, ``uploaded_bytes``, ``fail_reason``.

``kill_after_init`` makes ``init`` start the publish and then die (``Killed``);
``expire_on_poll`` expires the token at the given status fetch.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx

from socialgit.model import Account
from tests.providers._support import account

CLIENT_KEY = "awsgtest0123456789"
CLIENT_SECRET = "tiktok-client-SECRET-5e4d3c2b1a"
REDIRECT = "http://127.0.0.1:8788/callback"
MB = 1024 * 1024
BIG = 7_493_148_529_416_723_457  # post ids are above 2**53: JSON numbers lose them as doubles
PRIVACY_LEVELS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]


@dataclass
class Grant:
    scopes: frozenset[str]
    expires: datetime
    open_id: str


@dataclass
class Publish:
    id: str
    inbox: bool
    size: int
    chunk_size: int
    chunks: int
    post_info: dict[str, Any]
    upload_token: str
    uploaded: int = 0
    status: str = "PROCESSING_UPLOAD"
    polls_left: int = 0
    post_id: int | None = None
    fail_reason: str = ""


@dataclass
class FakeTikTok:
    username: str = "sgtester"
    open_id: str = "-000Ux8WgDQcM3SF2c6nHtUc0mVgMMLKgN9b"
    token: str = "act.MAIN-access-token-0123456789abcdef"
    audited: bool = True
    max_duration: int = 600
    processing_polls: int = 1  # status fetches that still say processing after the upload
    daily_posts: int = 15
    init_per_minute: int = 6
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    kill_after_init: BaseException | None = None
    expire_on_poll: int | None = None  # the n-th status fetch (1-based) finds the token expired
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    publishes: dict[str, Publish] = field(default_factory=dict)
    inits: list[datetime] = field(default_factory=list)
    polls: int = 0
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        scopes = frozenset({"user.info.basic", "video.publish", "video.upload"})
        self.grants[self.token] = Grant(scopes, self.clock() + timedelta(hours=2), self.open_id)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def expire(self, token: str | None = None) -> None:
        self.grants[token or self.token].expires = self.clock() - timedelta(seconds=1)

    def posted(self) -> list[Publish]:
        """Publishes that went out (or reached the inbox)."""
        return [
            p
            for p in self.publishes.values()
            if p.status in ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX")
        ]

    def issue_refresh_token(self, scopes: frozenset[str] | None = None) -> str:
        token = f"rft.{secrets.token_urlsafe(24)}"
        every = frozenset({"user.info.basic", "video.publish", "video.upload"})
        self.refresh_tokens[token] = {"scopes": scopes or every, "spent": False}
        return token

    # -- routing ---------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, method = request.url.path, request.method
        if path == "/v2/auth/authorize/" and method == "GET":
            return self._authorize(request)
        if path == "/v2/oauth/token/" and method == "POST":
            return self._token(request)
        if path.startswith("/upload/") and method == "PUT":
            return self._upload(request)
        grant = self._grant(request)
        if isinstance(grant, httpx.Response):
            return grant
        if path == "/v2/user/info/" and method == "GET":
            return self._need(grant, "user.info.basic") or self._user(request)
        if path == "/v2/post/publish/creator_info/query/" and method == "POST":
            return self._need(grant, "video.publish") or self._creator()
        if path == "/v2/post/publish/video/init/" and method == "POST":
            return self._need(grant, "video.publish") or self._init(request, inbox=False)
        if path == "/v2/post/publish/inbox/video/init/" and method == "POST":
            return self._need(grant, "video.upload") or self._init(request, inbox=True)
        if path == "/v2/post/publish/status/fetch/" and method == "POST":
            return self._status(request, grant)
        return _envelope(404, "invalid_params", f"no route {method} {path}")

    def _grant(self, request: httpx.Request) -> Grant | httpx.Response:
        auth = request.headers.get("authorization", "")
        grant = self.grants.get(auth[7:]) if auth.startswith("Bearer ") else None
        if grant is None or grant.expires <= self.clock():
            return _envelope(
                401,
                "access_token_invalid",
                "The access token is invalid or not found in the request.",
            )
        return grant

    @staticmethod
    def _need(grant: Grant, scope: str) -> httpx.Response | None:
        if scope in grant.scopes:
            return None
        return _envelope(
            401, "scope_not_authorized", "The user did not authorize the scope required."
        )

    # -- OAuth -----------------------------------------------------------------------------
    def _authorize(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        if q.get("client_key") != CLIENT_KEY:
            return httpx.Response(400, text="client_key")
        redirect = q.get("redirect_uri", "")
        if not redirect.startswith("http://127.0.0.1:") and redirect != REDIRECT:
            return httpx.Response(400, text="redirect_uri")  # desktop: loopback only
        challenge = q.get("code_challenge", "")
        if q.get("response_type") != "code" or not q.get("state") or len(challenge) != 64:
            return httpx.Response(400, text="invalid_request")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "redirect_uri": redirect,
            "challenge": challenge,
            "scopes": frozenset(q.get("scope", "").split(",")),
        }
        answer = {"state": q["state"], "code": code, "scopes": q.get("scope", "")}
        back = f"{redirect}?{urlencode(answer)}"
        return httpx.Response(302, headers={"location": back})

    def _token(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("content-type") != "application/x-www-form-urlencoded":
            return _oauth_error("invalid_request", "Content-Type must be form-urlencoded")
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("client_key") != CLIENT_KEY or form.get("client_secret") != CLIENT_SECRET:
            return _oauth_error("invalid_client", "Client key or secret is incorrect.", 401)
        kind = form.get("grant_type")
        if kind == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)  # single use
            hexed = hashlib.sha256(form.get("code_verifier", "").encode()).hexdigest()
            if issued is None or issued["redirect_uri"] != form.get("redirect_uri"):
                return _oauth_error("invalid_grant", "Authorization code is expired.")
            if issued["challenge"] != hexed:
                return _oauth_error(
                    "invalid_request", "Code verifier or code challenge is invalid."
                )
            return self._issue(issued["scopes"])
        if kind == "refresh_token":
            held = self.refresh_tokens.get(form.get("refresh_token", ""))
            if held is None or held["spent"]:
                return _oauth_error("invalid_grant", "Refresh token is invalid or expired.")
            held["spent"] = True  # rotation: the old refresh token dies
            return self._issue(held["scopes"])
        return _oauth_error("unsupported_grant_type", "grant_type is not supported.")

    def _issue(self, scopes: frozenset[str]) -> httpx.Response:
        access = f"act.{secrets.token_urlsafe(24)}"
        self.grants[access] = Grant(scopes, self.clock() + timedelta(hours=2), self.open_id)
        refresh = self.issue_refresh_token(scopes)
        body = {
            "access_token": access,
            "expires_in": 7200,
            "open_id": self.open_id,
            "refresh_expires_in": 15552000,
            "refresh_token": refresh,
            "scope": ",".join(sorted(scopes)),
            "token_type": "Bearer",
        }
        return httpx.Response(200, json=body)

    # -- reading ---------------------------------------------------------------------------
    def _user(self, request: httpx.Request) -> httpx.Response:
        fields = set(request.url.params.get("fields", "").split(","))
        if not fields - {""}:
            return _envelope(400, "invalid_params", "fields is required")
        user = {
            "open_id": self.open_id,
            "display_name": "Socialgit Test",
            "username": self.username,
        }
        return _envelope(200, "ok", data={"user": {k: v for k, v in user.items() if k in fields}})

    def _creator(self) -> httpx.Response:
        data = {
            "creator_avatar_url": "https://p16.tiktokcdn.example/avatar.jpeg",
            "creator_username": self.username,
            "creator_nickname": "Socialgit Test",
            "privacy_level_options": PRIVACY_LEVELS if self.audited else ["SELF_ONLY"],
            "comment_disabled": False,
            "duet_disabled": True,
            "stitch_disabled": False,
            "max_video_post_duration_sec": self.max_duration,
        }
        return _envelope(200, "ok", data=data)

    # -- posting ---------------------------------------------------------------------------
    def _init(self, request: httpx.Request, *, inbox: bool) -> httpx.Response:
        now = self.clock()
        recent = [t for t in self.inits if now - t < timedelta(minutes=1)]
        if len(recent) >= self.init_per_minute:
            return _envelope(429, "rate_limit_exceeded", "The API rate limit was exceeded.")
        try:
            body = json.loads(request.content)
        except ValueError:
            return _envelope(400, "invalid_params", "body is not JSON")
        source = body.get("source_info") if isinstance(body, dict) else None
        if not isinstance(source, dict) or source.get("source") != "FILE_UPLOAD":
            return _envelope(400, "invalid_params", "source_info.source must be FILE_UPLOAD")
        problem = _chunk_plan(source)
        if problem:
            return _envelope(400, "invalid_params", problem)
        post_info = body.get("post_info")
        if inbox and post_info is not None:
            return _envelope(400, "invalid_params", "the inbox upload takes source_info only")
        if not inbox:
            problem = self._post_info(post_info)
            if problem is not None:
                return problem
        sent_today = [t for t in self.inits if now - t < timedelta(days=1)]
        if len(sent_today) >= self.daily_posts:
            return _envelope(200, "spam_risk_too_many_posts", "The daily post cap is reached.")
        self.inits.append(now)
        ident = f"v_{'inbox' if inbox else 'pub'}_file~v2-1.{7000000000000000000 + next(self._ids)}"
        publish = Publish(
            ident,
            inbox,
            source["video_size"],
            source["chunk_size"],
            source["total_chunk_count"],
            post_info or {},
            secrets.token_urlsafe(18),
        )
        self.publishes[ident] = publish
        if self.kill_after_init is not None:
            failure, self.kill_after_init = self.kill_after_init, None
            raise failure
        where = f"{request.url.scheme}://{request.url.netloc.decode()}/upload/"
        query = urlencode({"upload_id": ident, "upload_token": publish.upload_token})
        return _envelope(200, "ok", data={"publish_id": ident, "upload_url": f"{where}?{query}"})

    def _post_info(self, info: Any) -> httpx.Response | None:
        if not isinstance(info, dict):
            return _envelope(400, "invalid_params", "post_info is required for a direct post")
        options = PRIVACY_LEVELS if self.audited else ["SELF_ONLY"]
        level = info.get("privacy_level")
        if level not in PRIVACY_LEVELS:
            return _envelope(400, "invalid_params", "privacy_level is required")
        if not self.audited and level != "SELF_ONLY":
            return _envelope(
                403,
                "unaudited_client_can_only_post_to_private_accounts",
                "Unaudited clients can only post to private accounts.",
            )
        if level not in options:
            return _envelope(400, "privacy_level_option_mismatch", "privacy_level is not offered")
        title = info.get("title", "")
        units = len(title.encode("utf-16-le")) // 2 if isinstance(title, str) else 10**6
        if units > 2200:
            return _envelope(400, "invalid_params", "title is longer than 2200 runes")
        if info.get("disable_duet") is not True:  # the creator switched duets off
            return _envelope(
                400, "invalid_params", "disable_duet must follow the creator's settings"
            )
        return None

    def _upload(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        publish = self.publishes.get(q.get("upload_id", ""))
        if publish is None or q.get("upload_token") != publish.upload_token:
            return httpx.Response(404, text="upload not found")
        spec = request.headers.get("content-range", "")
        span, _, total = spec.removeprefix("bytes ").partition("/")
        first, _, last = span.partition("-")
        if not (spec.startswith("bytes ") and first.isdigit() and last.isdigit()):
            return httpx.Response(400, text="Content-Range is required")
        start, end, body = int(first), int(last), request.content
        index = start // publish.chunk_size
        expected_end = publish.size if index == publish.chunks - 1 else start + publish.chunk_size
        if (
            total != str(publish.size)
            or start != publish.uploaded  # in order, each chunk once
            or start % publish.chunk_size
            or end + 1 != expected_end
            or len(body) != end - start + 1
            or request.headers.get("content-length") != str(len(body))
            or not request.headers.get("content-type", "").startswith("video/")
        ):
            return httpx.Response(400, text="the chunk does not fit the upload's plan")
        publish.uploaded = end + 1
        if publish.uploaded < publish.size:
            return httpx.Response(206)
        publish.polls_left = self.processing_polls
        if not self.processing_polls:
            self._finish(publish)
        return httpx.Response(201)

    def _finish(self, publish: Publish) -> None:
        if publish.inbox:
            publish.status = "SEND_TO_USER_INBOX"
            return
        publish.status = "PUBLISH_COMPLETE"
        publish.post_id = BIG + next(self._ids)

    def _status(self, request: httpx.Request, grant: Grant) -> httpx.Response:
        self.polls += 1
        if self.expire_on_poll == self.polls:
            self.expire()
            return _envelope(
                401,
                "access_token_invalid",
                "The access token is invalid or not found in the request.",
            )
        needs = {"video.publish", "video.upload"} & grant.scopes
        if not needs:
            return _envelope(
                401, "scope_not_authorized", "The user did not authorize the scope required."
            )
        try:
            body = json.loads(request.content)
        except ValueError:
            return _envelope(400, "invalid_params", "body is not JSON")
        publish = self.publishes.get(body.get("publish_id", "") if isinstance(body, dict) else "")
        if publish is None:
            return _envelope(400, "invalid_publish_id", "publish_id is not valid")
        if publish.uploaded == publish.size and publish.status == "PROCESSING_UPLOAD":
            if publish.polls_left <= 0:
                self._finish(publish)
            publish.polls_left -= 1
        data: dict[str, Any] = {"status": publish.status, "uploaded_bytes": publish.uploaded}
        if publish.fail_reason:
            data["fail_reason"] = publish.fail_reason
        if publish.post_id is not None and publish.post_info.get("privacy_level") != "SELF_ONLY":
            data["publicaly_available_post_id"] = [publish.post_id]
        return _envelope(200, "ok", data=data)


def _chunk_plan(source: dict[str, Any]) -> str | None:
    """What TikTok's media transfer guide refuses in ``source_info``, if anything."""
    size, chunk, count = (source.get(k) for k in ("video_size", "chunk_size", "total_chunk_count"))
    if not all(isinstance(v, int) and v > 0 for v in (size, chunk, count)):
        return "video_size, chunk_size and total_chunk_count are required"
    assert isinstance(size, int) and isinstance(chunk, int) and isinstance(count, int)
    if size < 5 * MB and (chunk != size or count != 1):
        return "a video under 5 MB is uploaded whole"
    if size >= 5 * MB and not (5 * MB <= chunk <= 64 * MB) and not (chunk == size <= 64 * MB):
        return "chunk_size must be 5 MB to 64 MB"
    if count != size // chunk or not 1 <= count <= 1000:
        return "total_chunk_count must be video_size / chunk_size, rounded down"
    if size - (count - 1) * chunk > 128 * MB:
        return "the last chunk may be 128 MB at most"
    return None


def _envelope(
    status: int, code: str, message: str = "", data: dict[str, Any] | None = None
) -> httpx.Response:
    log_id = f"2026{secrets.token_hex(8).upper()}"
    body = {"data": data or {}, "error": {"code": code, "message": message, "log_id": log_id}}
    return httpx.Response(status, json=body)


def _oauth_error(error: str, description: str, status: int = 400) -> httpx.Response:
    log_id = f"2026{secrets.token_hex(8).upper()}"
    return httpx.Response(
        status, json={"error": error, "error_description": description, "log_id": log_id}
    )


def tiktok_account(name: str = "team-tt", **settings: Any) -> Account:
    return account("tiktok", name, **{"client_key": CLIENT_KEY, "privacy": "public", **settings})


def credentials(fake: FakeTikTok) -> dict[str, str]:
    """What the vault holds for the fake's main grant."""
    return {
        "access_token": fake.token,
        "refresh_token": fake.issue_refresh_token(),
        "client_secret": CLIENT_SECRET,
    }


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeTikTok(processing_polls=0)
    with fake.client() as client:
        yield tiktok_account(), {"client_secret": CLIENT_SECRET}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"tiktok": _contract_env}
