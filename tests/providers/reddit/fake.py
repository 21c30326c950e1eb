"""A local Reddit, written from the fact sheet (shared/docs/providers-wave2-platforms.md §6
and §9), PRAW and prawcore (error shapes, media, rate-limit headers) and r2's error codes.

``FakeReddit`` is an ``httpx.MockTransport`` handler serving one host, ``BASE``: the sign-in
page and token endpoint of ``www.reddit.com``, the API of ``oauth.reddit.com`` (an account's
``base_url``) and the storage images are uploaded to (``/s3``). It checks what Reddit checks
and keeps state, so a crash and a rerun can be asserted:

- a descriptive User-Agent on every request (a generic one is throttled: 429);
- OAuth 2.0: ``duration=permanent`` for a refresh token; the token endpoint wants HTTP Basic
  (an installed app: an empty password) and answers a bad code or refresh token with HTTP
  200 ``{"error": "invalid_grant"}``; refresh tokens rotate when ``rotate`` is on;
- ``Authorization: Bearer``: 401 with ``www-authenticate: Bearer realm="reddit",
  error="invalid_token"``; a missing scope, 403 ``insufficient_scope``;
- ``X-Ratelimit-Used/-Remaining/-Reset`` on every answer, 429 when the window is spent;
- ``POST /api/submit``: refusals in HTTP 200 bodies (``json.errors``): ``NO_TEXT``,
  ``TOO_LONG`` (title over 300), ``SUBREDDIT_NOEXIST``, ``SUBREDDIT_NOTALLOWED``,
  ``NO_SELFS``/``NO_LINKS``, ``ALREADY_SUB`` (a link again with ``resubmit=false``), a
  required flair, and ``RATELIMIT`` ("try again in N minutes") for posts too close together;
  an image post answers only a ``websocket_url`` and shows in the listing after
  ``image_lag`` looks;
- ``POST /api/submit_gallery_post.json``, ``POST /api/comment``, ``POST
  /api/media/asset.json`` and the upload form it hands out;
- ``GET /user/{name}/submitted`` and ``/comments`` (newest first, ``after``, ``raw_json``),
  ``/api/v1/me``, ``/r/{sr}/about``, ``/api/v1/{sr}/post_requirements``,
  ``/r/{sr}/api/link_flair_v2``.
"""

from __future__ import annotations

import base64
import contextlib
import html
import itertools
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx

from socialgit.model import Account
from tests.providers._support import account, parse_multipart

BASE = "https://reddit.fake"
ALL_SCOPES = frozenset({"identity", "submit", "read", "history", "flair"})
_AGENT = re.compile(r"^[^\s:]+:[^\s:]+:[^\s]+ \(by /u/[A-Za-z0-9_-]+\)$")
_WAIT = timedelta(minutes=9)  # RATELIMIT's answer to a post too soon after the last


@dataclass
class Subreddit:
    name: str
    kind: str = "public"  # public | restricted | private
    takes: str = "any"  # any | link | self
    flair_required: bool = False
    flairs: dict[str, str] = field(default_factory=dict)  # id -> text
    banned: set[str] = field(default_factory=set)


@dataclass
class Grant:
    user: str
    scopes: frozenset[str]
    expired: bool = False


@dataclass
class Thing:
    kind: str  # t3 (a post) or t1 (a comment)
    id: str
    author: str
    subreddit: str
    created: datetime
    text: str
    title: str = ""
    url: str = ""
    post_kind: str = "self"  # self | link | image | gallery
    images: int = 0
    parent: str = ""  # t1: the thing it answers
    link: str = ""  # t1: its post
    flair: str = ""
    looks: int = 0  # listings it was hidden from (an image post being processed)
    score: int = 1  # a new post starts with its author's own upvote
    crossposts: int = 0

    @property
    def name(self) -> str:
        return f"{self.kind}_{self.id}"


@dataclass
class FakeReddit:
    user: str = "sgtester"
    token: str = "reddit-MAIN-access-token-0123456789"
    clients: dict[str, str] = field(
        default_factory=lambda: {"sg-reddit-app": "reddit-secret-5e6f", "sg-installed": ""}
    )
    redirect_uris: tuple[str, ...] = ("http://127.0.0.1:8788/callback",)
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    rotate: bool = True  # each refresh answers a new refresh token and spends the old one
    image_lag: int = 0  # listings an image post is missing from after it was made
    post_gap: timedelta = timedelta(0)  # RATELIMIT for a post sooner than this after the last
    window: int = 100  # requests per window (Reddit: 100 a minute per client id)
    fail_after_submit: Exception | None = None  # raised once a post is stored (lost answer)
    queue: list[httpx.Response] = field(default_factory=list)  # answers to /api/submit
    subreddits: dict[str, Subreddit] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    things: list[Thing] = field(default_factory=list)
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    _used: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_000_000))

    def __post_init__(self) -> None:
        self.grants[self.token] = Grant(self.user, ALL_SCOPES)
        self.subreddits.setdefault("test", Subreddit("test"))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    @property
    def posts(self) -> list[Thing]:
        return [t for t in self.things if t.kind == "t3"]

    @property
    def comments(self) -> list[Thing]:
        return [t for t in self.things if t.kind == "t1"]

    def engage(self, post: str, votes: int = 0, comments: int = 0, crossposts: int = 0) -> None:
        """Other people vote on ``post`` (a fullname), comment on it and crosspost it."""
        (thing,) = [t for t in self.things if t.name == post]
        thing.score += votes
        thing.crossposts += crossposts
        for _ in range(comments):
            self.things.append(Thing("t1", self._id(), "someone", thing.subreddit, self.tick(),
                                     "nice", parent=post, link=post))  # fmt: skip

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def _id(self) -> str:
        number, digits = next(self._ids), ""
        while number:
            number, rest = divmod(number, 36)
            digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
        return digits

    # -- routing ---------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path, method = request.url.path, request.method
        if not str(request.url).startswith(BASE):
            return httpx.Response(404, text="no such host")
        # Reddit's pages (a person's browser) and its storage take any agent; the API not.
        if path == "/api/v1/authorize" and method == "GET":
            return self._authorize(request)
        if path == "/s3" and method == "POST":
            return self._s3(request)
        if not _AGENT.match(request.headers.get("user-agent", "")):
            return _error(429, "Too Many Requests")  # default agents are throttled
        if path == "/api/v1/access_token" and method == "POST":
            return self._token(request)
        grant = self._grant(request)
        if isinstance(grant, httpx.Response):
            return grant
        if self._used >= self.window:
            return _error(429, "Too Many Requests", self._limits())
        self._used += 1
        answer = self._route(grant, request)
        answer.headers.update(self._limits())
        return answer

    def _limits(self) -> dict[str, str]:
        left = max(self.window - self._used, 0)
        return {
            "x-ratelimit-used": str(self._used),
            "x-ratelimit-remaining": f"{left}.0",
            "x-ratelimit-reset": "42",
        }

    def _route(self, grant: Grant, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        routes: list[tuple[str, str, str]] = [
            ("GET", r"/api/v1/me", "identity"),
            ("POST", r"/api/submit", "submit"),
            ("POST", r"/api/submit_gallery_post\.json", "submit"),
            ("POST", r"/api/comment", "submit"),
            ("POST", r"/api/media/asset\.json", "submit"),
            ("GET", r"/user/[^/]+/(submitted|comments)", "history"),
            ("GET", r"/r/[^/]+/about", "read"),
            ("GET", r"/api/info", "read"),
            ("GET", r"/api/v1/[^/]+/post_requirements", "submit"),
            ("GET", r"/r/[^/]+/api/link_flair_v2", "flair"),
        ]
        for verb, pattern, scope in routes:
            if method == verb and re.fullmatch(pattern, path):
                if scope not in grant.scopes:
                    return _error(
                        403,
                        "Forbidden",
                        {"www-authenticate": 'Bearer realm="reddit", error="insufficient_scope"'},
                    )
                return self._handle(grant, request, pattern)
        return _error(404, "Not Found")

    def _handle(self, grant: Grant, request: httpx.Request, pattern: str) -> httpx.Response:
        path = request.url.path
        if pattern == r"/api/v1/me":
            return _json({"name": grant.user, "id": "9xyz1", "link_karma": 12})
        if pattern == r"/api/submit":
            return self._submit(grant, _form(request))
        if pattern.startswith(r"/api/submit_gallery"):
            return self._gallery(grant, json.loads(request.content or b"{}"))
        if pattern == r"/api/comment":
            return self._comment(grant, _form(request))
        if pattern.startswith(r"/api/media"):
            return self._asset(grant, _form(request))
        if pattern.startswith(r"/user/"):
            return self._listing(request)
        if pattern == r"/api/info":
            return self._info(request)
        sr = self.subreddits.get(
            path.split("/")[2] if path.startswith("/r/") else path.split("/")[3]
        )
        if sr is None:
            return _error(404, "Not Found")
        if path.endswith("/about"):
            return _json(
                {
                    "kind": "t5",
                    "data": {
                        "display_name": sr.name,
                        "subreddit_type": sr.kind,
                        "submission_type": sr.takes,
                        "user_is_banned": grant.user in sr.banned,
                        "user_is_contributor": False,
                    },
                }
            )
        if path.endswith("/post_requirements"):
            return _json(
                {
                    "is_flair_required": sr.flair_required,
                    "title_regexes": [],
                    "body_restriction_policy": "none",
                }
            )
        return httpx.Response(
            200, json=[{"id": k, "text": v, "text_editable": False} for k, v in sr.flairs.items()]
        )

    def _grant(self, request: httpx.Request) -> Grant | httpx.Response:
        auth = request.headers.get("authorization", "")
        grant = self.grants.get(auth[7:]) if auth.startswith("Bearer ") else None
        if grant is None or grant.expired:
            return _error(
                401,
                "Unauthorized",
                {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
            )
        return grant

    # -- OAuth 2.0 -------------------------------------------------------------------------
    def _authorize(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        client_id, redirect = q.get("client_id", ""), q.get("redirect_uri", "")
        if client_id not in self.clients or redirect not in self.redirect_uris:
            return httpx.Response(400, text="invalid client id or redirect uri")
        if q.get("response_type") != "code" or not q.get("state"):
            return httpx.Response(400, text="bad request")
        scopes = frozenset(q.get("scope", "").split())
        if not scopes or not scopes <= ALL_SCOPES:
            return httpx.Response(400, text="invalid scope requested")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "client_id": client_id,
            "redirect_uri": redirect,
            "scopes": scopes,
            "permanent": q.get("duration") == "permanent",
        }
        back = f"{redirect}?{urlencode({'state': q['state'], 'code': code})}"
        return httpx.Response(302, headers={"location": back})

    def _token(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return _error(401, "Unauthorized")
        name, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if name not in self.clients or self.clients[name] != secret:
            return _error(401, "Unauthorized")
        form = _form(request)
        kind = form.get("grant_type")
        if kind == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)  # single use
            if (
                issued is None
                or issued["client_id"] != name
                or (issued["redirect_uri"] != form.get("redirect_uri"))
            ):
                return _json({"error": "invalid_grant"})  # HTTP 200, as Reddit does
            return self._issue(name, self.user, issued["scopes"], issued["permanent"])
        if kind == "refresh_token":
            held = self.refresh_tokens.get(form.get("refresh_token", ""))
            if held is None or held["client_id"] != name:
                return _json({"error": "invalid_grant"})
            if not self.rotate:
                return self._issue(name, held["user"], held["scopes"], False)
            del self.refresh_tokens[form["refresh_token"]]
            return self._issue(name, held["user"], held["scopes"], True)
        return _json({"error": "unsupported_grant_type"})

    def _issue(
        self, client_id: str, user: str, scopes: frozenset[str], refresh: bool
    ) -> httpx.Response:
        access = f"reddit-{secrets.token_urlsafe(18)}"
        self.grants[access] = Grant(user, scopes)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": 3600,
            "scope": " ".join(sorted(scopes)),
        }
        if refresh:
            token = f"reddit-r-{secrets.token_urlsafe(18)}"
            self.refresh_tokens[token] = {"client_id": client_id, "user": user, "scopes": scopes}
            body["refresh_token"] = token
        return _json(body)

    # -- posts and comments ----------------------------------------------------------------
    def _refuse(
        self, grant: Grant, sr_name: str, title: object, extra: dict[str, str]
    ) -> httpx.Response | None:
        sr = self.subreddits.get(sr_name.lower())
        if sr is None:
            return _errors(["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"])
        if grant.user in sr.banned:
            return _errors(["SUBREDDIT_NOTALLOWED", "you aren't allowed to post there.", "sr"])
        if not isinstance(title, str) or not title.strip():
            return _errors(["NO_TEXT", "we need something here", "title"])
        if len(title) > 300:
            return _errors(["TOO_LONG", "this is too long (max: 300)", "title"])
        flair = extra.get("flair_id", "")
        if sr.flair_required and not flair:
            return _errors(
                ["SUBMIT_VALIDATION_FLAIR_REQUIRED", "Your post must contain post flair.", "flair"]
            )
        if flair and flair not in sr.flairs:
            return _errors(["BAD_FLAIR_TEMPLATE_ID", "that flair template doesn't exist", "flair"])
        last = max((t.created for t in self.posts if t.author == grant.user), default=None)
        if last is not None and self.now - last < self.post_gap:
            minutes = int(_WAIT.total_seconds() // 60)
            return _errors(
                [
                    "RATELIMIT",
                    f"you are doing that too much. try again in {minutes} minutes.",
                    "ratelimit",
                ]
            )
        return None

    def _submit(self, grant: Grant, form: dict[str, str]) -> httpx.Response:
        if self.queue:
            return self.queue.pop(0)
        if form.get("api_type") != "json":
            return httpx.Response(200, text="<html>jquery</html>")
        sr_name, kind = form.get("sr", ""), form.get("kind", "")
        refused = self._refuse(grant, sr_name, form.get("title"), form)
        if refused is not None:
            return refused
        sr = self.subreddits[sr_name.lower()]
        if kind not in {"self", "link", "image"}:
            return _errors(["INVALID_OPTION", "that option is not valid", "kind"])
        if kind == "self" and sr.takes == "link":
            return _errors(["NO_SELFS", "that subreddit doesn't allow text posts", "sr"])
        if kind == "link" and sr.takes == "self":
            return _errors(["NO_LINKS", "that subreddit only allows text posts", "sr"])
        url = form.get("url", "")
        if kind in {"link", "image"} and not url.startswith("https://"):
            return _errors(["BAD_URL", "you should check that url", "url"])
        if kind == "image" and not any(
            a["url"] == url and a["uploaded"] for a in self.assets.values()
        ):
            return _errors(["BAD_URL", "that image is not an upload of yours", "url"])
        if (
            kind == "link"
            and form.get("resubmit") == "false"
            and any(
                p.url == url and p.subreddit == sr.name and p.post_kind == "link"
                for p in self.posts
            )
        ):
            return _errors(["ALREADY_SUB", "that link has already been submitted", "url"])
        thing = Thing(
            "t3",
            self._id(),
            grant.user,
            sr.name,
            self.tick(),
            form.get("text", ""),
            form["title"],
            url if kind == "link" else "",
            kind,
            1 if kind == "image" else 0,
            flair=form.get("flair_id", ""),
            looks=self.image_lag if kind == "image" else 0,
        )
        self.things.append(thing)
        if self.fail_after_submit is not None:
            failure, self.fail_after_submit = self.fail_after_submit, None
            raise failure
        if kind == "image":
            return _json(
                {
                    "json": {
                        "errors": [],
                        "data": {
                            "user_submitted_page": f"https://www.reddit.com/user/{grant.user}/submitted/",
                            "websocket_url": f"wss://ws.reddit.fake/rte_images/{thing.id}",
                        },
                    }
                }
            )
        return _json(
            {
                "json": {
                    "errors": [],
                    "data": {
                        "url": self._permalink(thing),
                        "drafts_count": 0,
                        "id": thing.id,
                        "name": thing.name,
                    },
                }
            }
        )

    def _gallery(self, grant: Grant, body: dict[str, Any]) -> httpx.Response:
        refused = self._refuse(
            grant,
            str(body.get("sr", "")),
            body.get("title"),
            {"flair_id": str(body.get("flair_id") or "")},
        )
        if refused is not None:
            return refused
        items = body.get("items")
        if not isinstance(items, list) or len(items) < 2:
            return _errors(["MISSING_IMAGES", "a gallery needs at least 2 images", "items"])
        for item in items:
            asset = self.assets.get(str(item.get("media_id")) if isinstance(item, dict) else "")
            if asset is None or not asset["uploaded"]:
                return _errors(["INVALID_MEDIA_ID", "that media id is not valid", "items"])
        sr = self.subreddits[str(body["sr"]).lower()]
        thing = Thing(
            "t3",
            self._id(),
            grant.user,
            sr.name,
            self.tick(),
            str(body.get("text", "")),
            str(body["title"]),
            "",
            "gallery",
            len(items),
        )
        self.things.append(thing)
        return _json(
            {"json": {"errors": [], "data": {"id": thing.name, "url": self._permalink(thing)}}}
        )

    def _comment(self, grant: Grant, form: dict[str, str]) -> httpx.Response:
        parent = next((t for t in self.things if t.name == form.get("thing_id")), None)
        if form.get("api_type") != "json" or parent is None:
            return _errors(
                ["DELETED_LINK", "the link you are commenting on has been deleted", "parent"]
            )
        text = form.get("text", "")
        if not text.strip():
            return _errors(["NO_TEXT", "we need something here", "text"])
        if len(text) > 10_000:
            return _errors(["TOO_LONG", "this is too long (max: 10000)", "text"])
        post = (
            parent if parent.kind == "t3" else next(t for t in self.things if t.name == parent.link)
        )
        thing = Thing(
            "t1",
            self._id(),
            grant.user,
            post.subreddit,
            self.tick(),
            text,
            parent=parent.name,
            link=post.name,
        )
        self.things.append(thing)
        return _json(
            {
                "json": {
                    "errors": [],
                    "data": {"things": [{"kind": "t1", "data": self._data(thing, raw=True)}]},
                }
            }
        )

    # -- media -----------------------------------------------------------------------------
    def _asset(self, grant: Grant, form: dict[str, str]) -> httpx.Response:
        if form.get("mimetype") not in {"image/png", "image/jpeg", "image/gif"} or not form.get(
            "filepath"
        ):
            return _json(
                {
                    "json": {
                        "errors": [
                            ["INVALID_MEDIA_TYPE", "that file type is not allowed", "mimetype"]
                        ]
                    }
                }
            )
        asset_id = self._id()
        key = f"{secrets.token_hex(4)}/{asset_id}-{form['filepath']}"
        signed = {
            "key": key,
            "policy": secrets.token_urlsafe(12),
            "x-amz-signature": secrets.token_hex(12),
        }
        self.assets[asset_id] = {
            "key": key,
            "fields": signed,
            "uploaded": False,
            "url": f"{BASE}/s3/{key}",
        }
        return _json(
            {
                "args": {
                    "action": "//reddit.fake/s3",
                    "fields": [{"name": k, "value": v} for k, v in signed.items()],
                },
                "asset": {
                    "asset_id": asset_id,
                    "processing_state": "incomplete",
                    "websocket_url": f"wss://ws.reddit.fake/{asset_id}",
                },
            }
        )

    def _s3(self, request: httpx.Request) -> httpx.Response:
        if "authorization" in request.headers:
            return httpx.Response(400, text="<Error><Code>InvalidArgument</Code></Error>")
        fields = parse_multipart(request)
        key = fields.get("key", (None, None, b""))[2].decode()
        asset = next((a for a in self.assets.values() if a["key"] == key), None)
        if asset is None or not fields.get("file", (None, None, b""))[2]:
            return httpx.Response(400, text="<Error><Code>MalformedPOSTRequest</Code></Error>")
        if any(
            fields.get(k, (None, None, b""))[2].decode() != v for k, v in asset["fields"].items()
        ):
            return httpx.Response(403, text="<Error><Code>AccessDenied</Code></Error>")
        asset["uploaded"] = True
        return httpx.Response(
            201, text=f"<PostResponse><Location>{asset['url']}</Location></PostResponse>"
        )

    # -- listings --------------------------------------------------------------------------
    def _listing(self, request: httpx.Request) -> httpx.Response:
        _, _, who, where = request.url.path.split("/")
        q = request.url.params
        limit = int(q.get("limit", "25"))
        if not 1 <= limit <= 100 or q.get("sort", "new") != "new":
            return _error(400, "Bad Request")
        kind = "t3" if where == "submitted" else "t1"
        mine = [t for t in self.things if t.kind == kind and t.author == who]
        visible = []
        for thing in reversed(mine):  # newest first
            if thing.looks > 0:
                thing.looks -= 1  # still being processed: not listed yet
                continue
            visible.append(thing)
        after = q.get("after")
        start = next((n + 1 for n, t in enumerate(visible) if t.name == after), 0) if after else 0
        page = visible[start : start + limit]
        more = start + limit < len(visible)
        raw = q.get("raw_json") == "1"
        return _json(
            {
                "kind": "Listing",
                "data": {
                    "after": page[-1].name if more and page else None,
                    "before": None,
                    "children": [{"kind": t.kind, "data": self._data(t, raw)} for t in page],
                },
            }
        )

    def _info(self, request: httpx.Request) -> httpx.Response:
        """Things by fullname (``id``, comma-separated); unknown ones are left out."""
        wanted = request.url.params.get("id", "").split(",")
        raw = request.url.params.get("raw_json") == "1"
        found = [t for t in self.things if t.name in wanted]
        children = [{"kind": t.kind, "data": self._data(t, raw)} for t in found]
        return _json({"kind": "Listing", "data": {"after": None, "before": None,
                                                  "children": children}})  # fmt: skip

    def _data(self, thing: Thing, raw: bool) -> dict[str, Any]:
        escape = (lambda s: s) if raw else (lambda s: html.escape(s, quote=False))
        base = {
            "id": thing.id,
            "name": thing.name,
            "author": thing.author,
            "subreddit": thing.subreddit,
            "created_utc": thing.created.timestamp(),
            "permalink": self._permalink(thing, host=False),
        }
        if thing.kind == "t1":
            return {
                **base,
                "body": escape(thing.text),
                "parent_id": thing.parent,
                "link_id": thing.link,
            }
        data = {
            **base,
            "title": escape(thing.title),
            "selftext": escape(thing.text),
            "is_self": thing.post_kind == "self",
            "score": thing.score,
            "ups": thing.score,
            "num_comments": sum(1 for t in self.things if t.kind == "t1" and t.link == thing.name),
            "num_crossposts": thing.crossposts,
            "url": thing.url or self._permalink(thing),
            "link_flair_template_id": thing.flair or None,
        }
        if thing.post_kind == "image":
            data.update(
                post_hint="image", domain="i.redd.it", url=f"https://i.redd.it/{thing.id}.png"
            )
        if thing.post_kind == "gallery":
            data.update(
                is_gallery=True,
                gallery_data={"items": [{"media_id": str(n)} for n in range(thing.images)]},
            )
        return data

    def _permalink(self, thing: Thing, host: bool = True) -> str:
        if thing.kind == "t3":
            path = f"/r/{thing.subreddit}/comments/{thing.id}/slug/"
        else:
            path = f"/r/{thing.subreddit}/comments/{thing.link[3:]}/slug/{thing.id}/"
        return f"https://www.reddit.com{path}" if host else path


def _form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode(), keep_blank_values=True).items()}


def _json(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"message": message, "error": status}, headers=headers)


def _errors(*items: list[str]) -> httpx.Response:
    """A refusal as Reddit answers it: HTTP 200, the reasons in ``json.errors``."""
    return _json({"json": {"errors": [list(item) for item in items]}})


def reddit_account(name: str = "team-reddit", **settings: Any) -> Account:
    return account(
        "reddit",
        name,
        **{
            "client_id": "sg-reddit-app",
            "username": "sgtester",
            "subreddit": "test",
            "base_url": BASE,
            "authorize_url": f"{BASE}/api/v1/authorize",
            **settings,
        },
    )


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeReddit()
    with fake.client() as client:
        yield reddit_account(), {"client_secret": fake.clients["sg-reddit-app"]}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"reddit": _contract_env}
