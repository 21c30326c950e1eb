"""A local Lemmy 0.19 instance (API v3), written from the fact sheet
(shared/docs/providers-wave2-open.md §2) and lemmy-js-client's types.

``FakeLemmy`` is an ``httpx.MockTransport`` handler that keeps users, login tokens,
communities, posts, comments and pict-rs uploads, and answers as Lemmy does:

- login: ``{"jwt"}``, or 401 ``incorrect_login``; a token is checked against the live
  logins (``Authorization: Bearer``), and one the server forgot is 400 ``not_logged_in``;
- every other error is ``{"error": code}`` with 400 (404 for a community it lacks):
  ``invalid_post_title`` (3–200 characters, one line), ``invalid_body_field`` (post body
  50,000 / comment 10,000 UTF-16 units), ``alt_text_length_overflow`` (1,500),
  ``invalid_url``, ``banned_from_community``, ``locked``, ``honeypot_failed``;
- the rate limit: 6 posts and 6 comments per 600 s, ``rate_limit_error`` with 400;
- ``GET /api/v3/post`` answers a post with its ``counts`` (its creator's own upvote
  included, as Lemmy does);
- ``GET /api/v3/user`` lists the person's posts and comments, newest first, 50 a page,
  filtered by community.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialgit.model import Account
from tests.providers._support import account, parse_multipart

WINDOW = timedelta(seconds=600)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def _error(code: str, status: int = 400) -> httpx.Response:
    return _json(status, {"error": code})


@dataclass
class FakeLemmy:
    base: str = "https://lemmy.example"
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    users: dict[str, str] = field(default_factory=lambda: {"alice": "correct horse"})
    person_ids: dict[str, int] = field(default_factory=lambda: {"alice": 7})
    communities: dict[str, int] = field(default_factory=lambda: {"news": 3, "other": 4})
    logins: dict[str, str] = field(default_factory=dict)  # jwt → user name
    posts: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    banned_from: set[int] = field(default_factory=set)
    rate: int = 6  # posts (and comments) per WINDOW
    lose_answers: int = 0  # create the next N posts or comments, then time out
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def login(self, user: str = "alice") -> str:
        token = f"eyJhbGciOiJIUzI1NiJ9.{secrets.token_urlsafe(24)}.sig"
        self.logins[token] = user
        return token

    # -- dispatch ------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host != httpx.URL(self.base).host:
            return _error("not_found", 404)
        path, method = request.url.path, request.method
        if (path, method) == ("/api/v3/user/login", "POST"):
            return self._login(_body(request))
        user = self._user(request)
        if (path, method) == ("/api/v3/site", "GET"):
            return self._site(user)
        if user is None:
            return _error("not_logged_in")
        routes = {
            ("/api/v3/community", "GET"): self._community,
            ("/api/v3/post", "POST"): self._post,
            ("/api/v3/post", "GET"): self._read_post,
            ("/api/v3/comment", "POST"): self._comment,
            ("/api/v3/user", "GET"): self._person,
            ("/pictrs/image", "POST"): self._upload,
        }
        handler = routes.get((path, method))
        if handler is None:
            return _error("not_found", 404)
        answer: httpx.Response = handler(request, user)
        return answer

    def _user(self, request: httpx.Request) -> str | None:
        header = request.headers.get("authorization", "")
        return self.logins.get(header[7:]) if header.startswith("Bearer ") else None

    # -- handlers ------------------------------------------------------------------------
    def _login(self, form: dict[str, Any]) -> httpx.Response:
        user = str(form.get("username_or_email") or "")
        if self.users.get(user) != form.get("password"):
            return _error("incorrect_login", 401)
        return _json(200, {"jwt": self.login(user), "registration_created": False,
                           "verify_email_sent": False})  # fmt: skip

    def _site(self, user: str | None) -> httpx.Response:
        site: dict[str, Any] = {"site_view": {"site": {"name": "Lemmy fake"}}, "version": "0.19.5"}
        if user is not None:
            person = {"id": self.person_ids[user], "name": user, "display_name": "Alice"}
            site["my_user"] = {"local_user_view": {"person": person}}
        return _json(200, site)

    def _community(self, request: httpx.Request, user: str) -> httpx.Response:
        name = request.url.params.get("name", "")
        ident = self.communities.get(name.split("@")[0])
        if ident is None:
            return _error("couldnt_find_community", 404)
        return _json(200, {"community_view": {"community": {"id": ident, "name": name}}})

    def _limited(self, items: list[dict[str, Any]]) -> bool:
        recent = [i for i in items if i["_at"] > self.now - WINDOW]
        return len(recent) >= self.rate

    def _post(self, request: httpx.Request, user: str) -> httpx.Response:
        form = _body(request)
        if "honeypot" in form:
            return _error("honeypot_failed")
        if self._limited(self.posts):
            return _error("rate_limit_error")
        name = form.get("name")
        if not isinstance(name, str) or "\n" in name or not 3 <= len(name.strip()) <= 200:
            return _error("invalid_post_title")
        body, url = form.get("body"), form.get("url")
        if isinstance(body, str) and _units(body) > 50_000:
            return _error("invalid_body_field")
        if url is not None and (not isinstance(url, str) or not url.startswith("http")):
            return _error("invalid_url")
        if _units(str(form.get("alt_text") or "")) > 1500:
            return _error("alt_text_length_overflow")
        community = form.get("community_id")
        if community not in self.communities.values():
            return _error("couldnt_find_community", 404)
        if community in self.banned_from:
            return _error("banned_from_community")
        ident = next(self._ids)
        post = {
            "id": ident, "name": name, "body": body, "url": url, "alt_text": form.get("alt_text"),
            "community_id": community, "creator_id": self.person_ids[user],
            "published": self._stamp(), "deleted": False, "removed": False,
            "ap_id": f"{self.base}/post/{ident}", "_at": self.now,
        }  # fmt: skip
        self.posts.append(post)
        return self._answer(request, {"post_view": {"post": _public(post)}})

    def _read_post(self, request: httpx.Request, user: str) -> httpx.Response:
        wanted = request.url.params.get("id", "")
        post = next((p for p in self.posts if str(p["id"]) == wanted), None)
        if post is None or post["deleted"]:
            return _error("couldnt_find_post", 404)
        comments = sum(1 for c in self.comments if c["post_id"] == post["id"])
        up, down = 1 + post.get("_upvotes", 0), post.get("_downvotes", 0)  # 1: its creator's
        counts = {"post_id": post["id"], "comments": comments, "score": up - down,
                  "upvotes": up, "downvotes": down, "published": post["published"]}  # fmt: skip
        return _json(200, {"post_view": {"post": _public(post), "counts": counts},
                           "cross_posts": []})  # fmt: skip

    def engage(self, post: int, upvotes: int = 0, downvotes: int = 0) -> None:
        (found,) = [p for p in self.posts if p["id"] == post]
        found["_upvotes"] = found.get("_upvotes", 0) + upvotes
        found["_downvotes"] = found.get("_downvotes", 0) + downvotes

    def _comment(self, request: httpx.Request, user: str) -> httpx.Response:
        form = _body(request)
        if self._limited(self.comments):
            return _error("rate_limit_error")
        content = form.get("content")
        if not isinstance(content, str) or not content.strip() or _units(content) > 10_000:
            return _error("invalid_body_field")
        post = next((p for p in self.posts if p["id"] == form.get("post_id")), None)
        if post is None:
            return _error("couldnt_find_post", 404)
        path = "0"
        if form.get("parent_id") is not None:
            parent = next((c for c in self.comments if c["id"] == form["parent_id"]), None)
            if parent is None or parent["post_id"] != post["id"]:
                return _error("couldnt_find_comment", 404)
            path = parent["path"]
        ident = next(self._ids)
        comment = {
            "id": ident, "content": content, "post_id": post["id"], "path": f"{path}.{ident}",
            "creator_id": self.person_ids[user], "published": self._stamp(),
            "ap_id": f"{self.base}/comment/{ident}", "_at": self.now,
            "_community": post["community_id"],
        }  # fmt: skip
        self.comments.append(comment)
        return self._answer(request, {"comment_view": {"comment": _public(comment)}})

    def _answer(self, request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        self.now += timedelta(seconds=1)
        if self.lose_answers:
            self.lose_answers -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return _json(200, body)

    def _upload(self, request: httpx.Request, user: str) -> httpx.Response:
        fields = parse_multipart(request)
        if "images[]" not in fields:
            return _json(400, {"msg": "no images", "files": []})
        name = f"{secrets.token_hex(8)}.png"
        self.images[name] = fields["images[]"][2]
        return _json(201, {"msg": "ok", "files": [{"file": name, "delete_token": "t"}]})

    def _person(self, request: httpx.Request, user: str) -> httpx.Response:
        q = request.url.params
        name = q.get("username", "")
        if name not in self.person_ids:
            return _error("couldnt_find_person", 404)
        ident = self.person_ids[name]
        limit = min(int(q.get("limit", "10")), 50)
        page = int(q.get("page", "1"))
        community = int(q["community_id"]) if "community_id" in q else None

        def mine(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
            own = [i for i in items if i["creator_id"] == ident]
            if community is not None:
                own = [i for i in own if i.get(key) == community]
            newest = sorted(own, key=lambda i: i["id"], reverse=True)
            return newest[(page - 1) * limit : page * limit]

        return _json(200, {
            "person_view": {"person": {"id": ident, "name": name}},
            "posts": [{"post": _public(p)} for p in mine(self.posts, "community_id")],
            "comments": [{"comment": _public(c)} for c in mine(self.comments, "_community")],
            "moderates": [],
        })  # fmt: skip

    def _stamp(self) -> str:
        return self.now.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _body(request: httpx.Request) -> dict[str, Any]:
    if not request.headers.get("content-type", "").startswith("application/json"):
        return {}
    found = json.loads(request.content or b"{}")
    return found if isinstance(found, dict) else {}


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeLemmy()
    with fake.client() as client:
        acct = account("lemmy", instance=fake.base, community="news")
        yield acct, {"username": "alice", "password": "correct horse"}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"lemmy": _contract_env}
