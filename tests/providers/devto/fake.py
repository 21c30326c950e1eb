"""A local Dev.to (Forem API v1), written from the fact sheet
(shared/docs/providers-wave2-open.md §4) and Forem's code (``api_controller.rb``,
``articles_controller.rb``, the Article model, ``rack_attack.rb``).

``FakeDevto`` is an ``httpx.MockTransport`` handler for one user. It checks what Forem
checks:

- ``api-key``: none, or one it does not know → 401 ``{"error": "unauthorized"}``;
- ``POST /api/articles``: ``{"article": {…}}`` with the permitted fields only (others are
  dropped, as Rails' ``permit`` does); a title (≤ 128), a body of at most 800 KB, at most
  four tags of letters and digits; one article per title and body per user and one published
  article per canonical URL ("… has already been taken"), each a 422 ``{"error", "status"}``;
- one write a second per key (Rack::Attack): 429 with ``Retry-After: 1``;
- ``GET /api/articles/me/all`` (drafts first, then newest published first; ``per_page``,
  ``page``), ``GET /api/articles/{id}`` (with ``public_reactions_count`` and
  ``comments_count``), ``GET /api/users/me``.

Failures on demand: ``lose`` names routes whose answer is lost after the fake acted;
``queue`` holds canned answers for the create.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from socialgit.model import Account
from tests.providers._support import account

BASE = "https://dev.to"
MEDIA_BASE_URL = "https://media.example.com/site"  # where the images are public
KEY = "DevToKey7w3nq9XHc2ZsA1Lb"
USER = {"id": 1042, "username": "alice", "name": "Alice Example"}
PERMITTED = frozenset(
    {"title", "body_markdown", "published", "series", "main_image", "canonical_url",
     "description", "tags", "published_at", "subforem_id", "language"}
)  # fmt: skip


def _error(status: int, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"error": message, "status": status}, headers=headers)


@dataclass
class FakeDevto:
    keys: set[str] = field(default_factory=lambda: {KEY})
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    clock: Callable[[], float] = lambda: time.monotonic()  # what the write limit reads
    write_every: float = 1.0  # seconds between two writes per key
    articles: list[dict[str, Any]] = field(default_factory=list)
    lose: set[str] = field(default_factory=set)
    queue: list[httpx.Response] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    last_write: dict[str, float] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1_800_001))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def route(self, request: httpx.Request) -> tuple[str, ...]:
        path, method = request.url.path, request.method
        if path == "/api/articles" and method == "POST":
            return ("create",)
        if path == "/api/articles/me/all" and method == "GET":
            return ("mine",)
        if path == "/api/users/me" and method == "GET":
            return ("me",)
        found = re.fullmatch(r"/api/articles/(\d+)", path)
        if found and method == "GET":
            return ("show", found[1])
        return ("none",)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.route(request)
        if request.url.host != httpx.URL(BASE).host or route[0] == "none":
            return _error(404, "not found")
        key = request.headers.get("api-key")
        if key not in self.keys:
            return _error(401, "unauthorized")
        if route[0] == "create":
            last = self.last_write.get(key)
            if last is not None and self.clock() - last < self.write_every:
                return _error(
                    429, "Rate limit reached, try again in 1 seconds", **{"Retry-After": "1"}
                )
            self.last_write[key] = self.clock()
            answer = self.queue.pop(0) if self.queue else self._create(json.loads(request.content))
        elif route[0] == "mine":
            answer = self._mine(request)
        elif route[0] == "me":
            answer = httpx.Response(200, json={**USER, "summary": None})
        else:
            found = next((a for a in self.articles if str(a["id"]) == route[1]), None)
            answer = httpx.Response(200, json=found) if found else _error(404, "not found")
        if route[0] in self.lose:
            self.lose.discard(route[0])
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return answer

    def _create(self, body: Any) -> httpx.Response:
        given = body.get("article") if isinstance(body, dict) else None
        if not isinstance(given, dict):
            return _error(422, "article param must be a JSON object. You provided NilClass")
        given = {k: v for k, v in given.items() if k in PERMITTED}
        title, text = str(given.get("title") or ""), str(given.get("body_markdown") or "")
        problems = []
        if not title.strip():
            problems.append("Title can't be blank")
        if len(title) > 128:
            problems.append("Title is too long (maximum is 128 characters)")
        if len(text.encode()) > 800 * 1024:
            problems.append("Body markdown is too long")
        tags = given.get("tags") or []
        tags = tags.split(",") if isinstance(tags, str) else tags
        if len(tags) > 4:
            problems.append("Tag list exceed the maximum of 4 tags")
        if any(not re.fullmatch(r"[A-Za-z0-9]+", str(t).strip()) for t in tags):
            problems.append("Tag contains non-alphanumeric characters")
        if any(a["title"] == title and a["body_markdown"] == text for a in self.articles):
            problems.append("Body markdown has already been taken")
        canonical = given.get("canonical_url")
        if canonical and any(a["canonical_url"] == canonical for a in self.articles):
            problems.append("Canonical url has already been taken")
        if problems:
            return _error(422, " and ".join(problems))
        self.now += timedelta(seconds=1)
        ident = next(self._ids)
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") + f"-{ident % 10000:x}"
        published = bool(given.get("published"))
        article = {
            "id": ident,
            "title": title,
            "description": given.get("description") or text[:100],
            "slug": slug,
            "path": f"/{USER['username']}/{slug}",
            "url": f"{BASE}/{USER['username']}/{slug}",
            "canonical_url": canonical or f"{BASE}/{USER['username']}/{slug}",
            "published": published,
            "published_at": self.now.isoformat().replace("+00:00", "Z") if published else None,
            "tag_list": [str(t).strip().lower() for t in tags],
            "main_image": given.get("main_image"),
            "body_markdown": text,
            "public_reactions_count": 0,
            "comments_count": 0,
        }
        self.articles.append(article)
        return httpx.Response(201, json=article, headers={"Location": article["url"]})

    def engage(self, ident: int, reactions: int = 0, comments: int = 0) -> None:
        (found,) = [a for a in self.articles if a["id"] == ident]
        found["public_reactions_count"] += reactions
        found["comments_count"] += comments

    def _mine(self, request: httpx.Request) -> httpx.Response:
        size = int(request.url.params.get("per_page", "30"))
        page = int(request.url.params.get("page", "1"))
        drafts = [a for a in self.articles if a["published_at"] is None]
        out = sorted((a for a in self.articles if a["published_at"]),
                     key=lambda a: a["published_at"], reverse=True)  # fmt: skip
        ordered = drafts[::-1] + out
        return httpx.Response(200, json=ordered[(page - 1) * size : page * size])


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeDevto()
    with fake.client() as client:
        yield account("devto"), {"api_key": KEY}, client


CONTRACT = {"devto": _contract_env}
