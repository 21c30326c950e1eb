"""A local Tumblr API v2, written from the fact sheet (shared/docs/providers-wave2-open.md
§7) and Tumblr's API docs (OAuth2, "/posts - Create a Post (Neue Post Format)", "Errors and
Error Subcodes", rate limits).

``FakeTumblr`` is an ``httpx.MockTransport`` handler for one user and blog. It keeps
tokens, posts and the day's count, and checks what Tumblr checks:

- OAuth2: the authorize page auto-approves (``code``, ``state``); the token endpoint takes
  the client's id and secret in the form; access tokens last 42 minutes (401 after); every
  refresh spends the refresh token and answers a new one;
- ``POST /v2/blog/{blog}/posts``: JSON, or multipart with a ``json`` part and one part per
  image identifier; NPF blocks of a known type, text at most 4,096 characters, an image
  block naming an attached file (400 8001 / 8005 otherwise); 250 posts a day (403 8023);
- ``GET /v2/blog/{blog}/posts`` (NPF, newest first, ``limit`` ≤ 20, ``offset``),
  ``GET /v2/blog/{blog}/posts/{id}``, ``GET /v2/user/info``.

Failures on demand: ``lose`` names routes whose answer is lost after the fake acted;
``queue`` holds canned answers for the create.
"""

from __future__ import annotations

import contextlib
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

CLIENT_ID = "tmblr-consumer-key-1"
CLIENT_SECRET = "tmblr-secret-9f8e7d6c5b4a"
BLOG = "alice-notes"
USER = "alice"
SUBTYPES = {"heading1", "heading2", "quirky", "quote", "indented", "chat",
            "ordered-list-item", "unordered-list-item"}  # fmt: skip
DAILY_POSTS = 250


def _answer(status: int, response: Any = None, errors: list[dict[str, Any]] | None = None,
            msg: str = "OK") -> httpx.Response:  # fmt: skip
    body: dict[str, Any] = {"meta": {"status": status, "msg": msg}, "response": response or {}}
    if errors:
        body["errors"] = errors
    return httpx.Response(status, json=body)


def _refuse(status: int, msg: str, title: str, code: int = 0) -> httpx.Response:
    error = {"title": title, "code": code, "detail": title}
    return _answer(status, [], [error], msg)


@dataclass
class FakeTumblr:
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    clients: dict[str, str] = field(default_factory=lambda: {CLIENT_ID: CLIENT_SECRET})
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    access: dict[str, datetime] = field(default_factory=dict)  # token → when it ends
    refresh: set[str] = field(default_factory=set)
    posts: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    lose: set[str] = field(default_factory=set)
    queue: list[httpx.Response] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(7_420_000_000_000_000_001)
    )

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def token(self) -> dict[str, str]:
        """Credentials as connect stores them, issued now."""
        issued = self._issue()
        ends = (self.now + timedelta(seconds=2520)).isoformat()
        return {"access_token": issued["access_token"], "refresh_token": issued["refresh_token"],
                "expires_at": ends, "client_secret": CLIENT_SECRET}  # fmt: skip

    def _issue(self) -> dict[str, Any]:
        access, refresh = f"ta_{secrets.token_urlsafe(16)}", f"tr_{secrets.token_urlsafe(16)}"
        self.access[access] = self.now + timedelta(seconds=2520)
        self.refresh.add(refresh)
        return {"access_token": access, "refresh_token": refresh, "token_type": "bearer",
                "expires_in": 2520, "scope": "basic write offline_access"}  # fmt: skip

    def route(self, request: httpx.Request) -> tuple[str, ...]:
        host, path, method = request.url.host, request.url.path, request.method
        if host == "www.tumblr.com" and path == "/oauth2/authorize":
            return ("authorize",)
        if host != "api.tumblr.com":
            return ("none",)
        if path == "/v2/oauth2/token" and method == "POST":
            return ("token",)
        if path == "/v2/user/info" and method == "GET":
            return ("user",)
        found = re.fullmatch(r"/v2/blog/([^/]+)/posts(?:/(\d+))?", path)
        if found and found[1] in (BLOG, f"{BLOG}.tumblr.com"):
            if found[2]:
                return ("read", found[2]) if method == "GET" else ("none",)
            return ("create",) if method == "POST" else ("list",)
        return ("none",)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.route(request)
        kind = route[0]
        if kind == "none":
            return _refuse(404, "Not Found", "Not Found")
        if kind == "authorize":
            return self._authorize(request)
        if kind == "token":
            return self._token(request)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        ends = self.access.get(bearer)
        if ends is None or self.now >= ends:
            return _refuse(401, "Unauthorized", "Unauthorized")
        if kind == "user":
            user = {"name": USER, "blogs": [{"name": BLOG, "title": "Alice's Notes",
                                             "uuid": "t:a1ice", "url": f"https://{BLOG}.tumblr.com/"}]}  # fmt: skip  # noqa: E501
            answer = _answer(200, {"user": user})
        elif kind == "create":
            answer = self.queue.pop(0) if self.queue else self._create(request)
        elif kind == "list":
            answer = self._list(request)
        else:
            found = next((p for p in self.posts if p["id_string"] == route[1]), None)
            answer = _answer(200, found) if found else _refuse(404, "Not Found", "Not Found")
        if kind in self.lose:
            self.lose.discard(kind)
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return answer

    # -- OAuth2 ----------------------------------------------------------------------------
    def _authorize(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        if q.get("client_id") not in self.clients or q.get("response_type") != "code":
            return httpx.Response(400, text="invalid client_id or response_type")
        if not q.get("state") or not q.get("redirect_uri"):
            return httpx.Response(400, text="state and redirect_uri are required")
        code = secrets.token_urlsafe(12)
        self.codes[code] = {"client_id": q["client_id"], "redirect_uri": q["redirect_uri"]}
        back = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        return httpx.Response(302, headers={"location": back})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        client = form.get("client_id", "")
        if self.clients.get(client) != form.get("client_secret"):
            return httpx.Response(401, json={"error": "invalid_client"})
        if form.get("grant_type") == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)
            if issued is None or issued["redirect_uri"] != form.get("redirect_uri"):
                return httpx.Response(400, json={"error": "invalid_grant"})
            return httpx.Response(200, json=self._issue())
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh:
                return httpx.Response(400, json={"error": "invalid_grant"})
            self.refresh.discard(form["refresh_token"])  # spent: it rotates
            return httpx.Response(200, json=self._issue())
        return httpx.Response(400, json={"error": "unsupported_grant_type"})

    # -- posts -----------------------------------------------------------------------------
    def _create(self, request: httpx.Request) -> httpx.Response:
        kind = request.headers.get("content-type", "")
        attached: dict[str, tuple[str | None, str | None, bytes]] = {}
        try:
            if kind.startswith("multipart/form-data"):
                attached = parse_multipart(request)
                body = json.loads(attached.pop("json")[2])
            else:
                body = json.loads(request.content)
        except (KeyError, ValueError):
            return _refuse(400, "Bad Request", "Invalid NPF JSON", 8001)
        today = [
            p for p in self.posts if p["timestamp"] > (self.now - timedelta(days=1)).timestamp()
        ]
        if len(today) >= DAILY_POSTS:
            return _refuse(403, "Forbidden", "You have reached the daily post limit", 8023)
        content = body.get("content")
        if not isinstance(content, list) or not content:
            return _refuse(400, "Bad Request", "Invalid NPF JSON: content", 8001)
        stored = []
        for block in content:
            if block.get("type") == "text":
                text = block.get("text")
                if not isinstance(text, str) or len(text) > 4096:
                    return _refuse(400, "Bad Request", "Text block too long", 8001)
                if "subtype" in block and block["subtype"] not in SUBTYPES:
                    return _refuse(400, "Bad Request", "Unknown text subtype", 8001)
                stored.append(block)
            elif block.get("type") == "image":
                (media,) = block.get("media") or [{}]
                if "url" in media:
                    stored.append(block)
                    continue
                part = attached.get(str(media.get("identifier")))
                if part is None or not str(part[1]).startswith("image/"):
                    return _refuse(400, "Bad Request", "Invalid media", 8005)
                url = f"https://64.media.tumblr.com/{secrets.token_hex(8)}/s640x960/x.png"
                self.files[url] = part[2]
                stored.append({**block, "media": [{"url": url, "type": part[1]}]})
            else:
                return _refuse(400, "Bad Request", "Unknown block type", 8001)
        self.now += timedelta(seconds=1)
        ident = next(self._ids)
        slug = str(body.get("slug") or "")
        tags = [t.strip() for t in str(body.get("tags") or "").split(",") if t.strip()]
        self.posts.append({
            "id": ident, "id_string": str(ident), "blog_name": BLOG, "slug": slug,
            "timestamp": int(self.now.timestamp()), "state": body.get("state", "published"),
            "content": stored, "tags": tags,
            "post_url": f"https://{BLOG}.tumblr.com/post/{ident}/{slug}".rstrip("/"),
        })  # fmt: skip
        return _answer(201, {"id": ident, "id_string": str(ident)}, msg="Created")

    def _list(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        size, start = min(int(q.get("limit", "20")), 20), int(q.get("offset", "0"))
        newest = sorted(self.posts, key=lambda p: p["timestamp"], reverse=True)
        return _answer(200, {"posts": newest[start : start + size], "total_posts": len(newest)})


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeTumblr()
    with fake.client() as client:
        acct = account("tumblr", client_id=CLIENT_ID, blog=BLOG)
        yield acct, {"client_secret": CLIENT_SECRET}, client


CONTRACT = {"tumblr": _contract_env}
