"""A WordPress site as its REST API behaves (checked against the real one in
test_real_wordpress.py): application passwords over Basic auth, the media library (raw body,
``Content-Disposition``, ``alt_text``), tags (``term_exists`` with the id), categories, posts
(a second create with a slug it has becomes ``slug-2``; ``status=any`` and ``search`` reach
every post's raw content with ``context=edit``), and WordPress's error bodies.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from socialgit.model import Account
from tests.providers._support import account

SITE = "https://blog.example.org"
USER = "editor"
PASSWORD = "abcd EFGH ijkl MNOP qrst UVWX"


def _error(status: int, code: str, message: str, **data: Any) -> httpx.Response:
    return httpx.Response(
        status, json={"code": code, "message": message, "data": {"status": status, **data}}
    )


@dataclass
class FakeWordPress:
    site: str = SITE
    user: str = USER
    password: str = PASSWORD
    can: dict[str, bool] = field(
        default_factory=lambda: {
            "publish_posts": True,
            "upload_files": True,
            "manage_categories": True,
        }
    )
    posts: list[dict[str, Any]] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(
        default_factory=lambda: [{"id": 1, "name": "Uncategorized", "slug": "uncategorized"}]
    )
    # Served first, whatever the request (an httpx exception is raised instead).
    canned: list[httpx.Response | Exception] = field(default_factory=list)
    lose_create: bool = False  # store the next post, then lose the answer
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(10))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def account(self) -> Account:
        return account("wordpress", site=self.site, username=self.user)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.canned:
            answer = self.canned.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        prefix = f"{self.site}/wp-json/wp/v2/"
        url = str(request.url.copy_with(query=None))
        if not url.startswith(prefix):
            return httpx.Response(404, text="<html>Not Found</html>")
        if not self._authorized(request):
            return _error(
                401,
                "incorrect_password",
                "The provided password is an invalid application password.",
            )
        route = url[len(prefix) :].rstrip("/")
        method = request.method
        if route == "users/me" and method == "GET":
            return httpx.Response(
                200, json={"id": 3, "name": "Editor", "slug": self.user, "capabilities": self.can}
            )
        if route == "media" and method == "POST":
            return self._upload(request)
        if route == "tags":
            return self._tags(request)
        if route == "categories" and method == "GET":
            return httpx.Response(200, json=self.categories)
        if route == "posts" and method == "POST":
            return self._create(request)
        if route == "posts" and method == "GET":
            return self._list(request)
        found = re.fullmatch(r"posts/(\d+)", route)
        if found and method == "GET":
            post = next((p for p in self.posts if p["id"] == int(found[1])), None)
            if post is None:
                return _error(404, "rest_post_invalid_id", "Invalid post ID.")
            return httpx.Response(200, json=post)
        return _error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _authorized(self, request: httpx.Request) -> bool:
        given = request.headers.get("authorization", "")
        if not given.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(given[6:]).decode().partition(":")
        return user == self.user and password.replace(" ", "") == self.password.replace(" ", "")

    def _upload(self, request: httpx.Request) -> httpx.Response:
        if not self.can["upload_files"]:
            return _error(403, "rest_cannot_create", "Sorry, you are not allowed to upload files.")
        disposition = request.headers.get("content-disposition", "")
        name = re.search(r'filename="([^"]+)"', disposition)
        if not name or not request.content:
            return _error(400, "rest_upload_no_data", "No data supplied.")
        ident = next(self._ids)
        slug = re.sub(r"[^a-z0-9.]+", "-", name[1].lower())
        item = {
            "id": ident,
            "source_url": f"{self.site}/wp-content/uploads/2026/12/{slug}",
            "media_type": "image",
            "mime_type": request.headers.get("content-type"),
            "alt_text": request.url.params.get("alt_text", ""),
            "bytes": len(request.content),
        }
        self.media.append(item)
        return httpx.Response(201, json=item)

    def _tags(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            term = request.url.params.get("search", "").lower()
            return httpx.Response(200, json=[t for t in self.tags if term in t["name"].lower()])
        if not self.can["manage_categories"]:
            return _error(403, "rest_cannot_create", "Sorry, you are not allowed to create terms.")
        name = json.loads(request.content)["name"]
        same = next((t for t in self.tags if t["name"].lower() == name.lower()), None)
        if same is not None:
            return _error(
                400, "term_exists", "A term with the name provided already exists.",
                term_id=same["id"],
            )  # fmt: skip
        tag = {"id": next(self._ids), "name": name, "slug": name.lower()}
        self.tags.append(tag)
        return httpx.Response(201, json=tag)

    def _create(self, request: httpx.Request) -> httpx.Response:
        if not self.can["publish_posts"]:
            return _error(
                403, "rest_cannot_publish", "Sorry, you are not allowed to publish posts."
            )
        body = json.loads(request.content)
        unknown = set(body) - {
            "title", "content", "status", "slug", "excerpt", "tags", "categories",
            "featured_media",
        }  # fmt: skip
        if unknown:
            return _error(400, "rest_invalid_param", f"Invalid parameter(s): {sorted(unknown)}")
        if not any(body.get(k) for k in ("title", "content", "excerpt")):
            return _error(400, "empty_content", "Content, title, and excerpt are empty.")
        for ident in body.get("tags", []):
            if not any(t["id"] == ident for t in self.tags):
                return _error(400, "rest_invalid_param", "Invalid parameter(s): tags")
        slug = body.get("slug") or "post"
        taken = {p["slug"] for p in self.posts}
        final, number = slug, 2
        while final in taken:  # what WordPress does, silently
            final, number = f"{slug}-{number}", number + 1
        ident = next(self._ids)
        post = {
            "id": ident,
            "slug": final,
            "status": body.get("status", "draft"),
            "link": f"{self.site}/{final}/",
            "title": {"raw": body.get("title", ""), "rendered": body.get("title", "")},
            "content": {"raw": body.get("content", ""), "rendered": body.get("content", "")},
            "excerpt": {"raw": body.get("excerpt", "")},
            "tags": body.get("tags", []),
            "categories": body.get("categories", [1]),
            "featured_media": body.get("featured_media", 0),
        }
        self.posts.append(post)
        if self.lose_create:
            self.lose_create = False
            raise httpx.ReadTimeout("lost after storing", request=request)
        return httpx.Response(201, json=post)

    def _list(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if params.get("context") == "edit" and params.get("status") != "any":
            return _error(400, "rest_invalid_param", "Invalid parameter(s): status")
        found = [p for p in self.posts if p["status"] != "trash"]
        if params.get("slug"):
            found = [p for p in found if p["slug"] == params["slug"]]
        if params.get("search"):
            term = params["search"]
            found = [p for p in found if term in p["content"]["raw"] or term in p["title"]["raw"]]
        return httpx.Response(200, json=found)


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeWordPress()
    with fake.client() as client:
        yield fake.account(), {"app_password": fake.password}, client


CONTRACT = {"wordpress": _contract_env}
