"""A local Ghost 5 Admin API, written from the fact sheet (shared/docs/providers-wave2-open.md
§11, measured against a real Ghost 5.130) and Ghost's own code
(``core/server/services/auth/api-key/admin.js``, the posts and images endpoints).

``FakeGhost`` is an ``httpx.MockTransport`` handler for one site (``SITE``). It keeps posts,
tags and images, and checks every request's token the way Ghost does:

- no ``Authorization`` → 403 ``NoPermissionError``; a scheme other than ``Ghost`` → 401
  ``INVALID_AUTH_HEADER``; no ``kid`` → 400 ``MISSING_ADMIN_API_KID``; a ``kid`` it does not
  know → 401 ``UNKNOWN_ADMIN_API_KEY``;
- the JWT verified as jsonwebtoken does with Ghost's options: HS256 only, the signature over
  the secret's bytes, ``exp`` ("jwt expired"), the audience against ``/?admin/?$``, and
  ``maxAge: 5m`` on ``iat`` ("maxAge exceeded"), each a 401 ``INVALID_JWT``;
- ``POST /posts/``: one post, known fields only (422 ``ValidationError`` otherwise), title
  required and ≤ 255, ``custom_excerpt`` ≤ 300, ``feature_image_alt`` ≤ 191, a status Ghost
  knows; ``html`` is read only with ``?source=html`` (else dropped, as Ghost expects
  Lexical); a slug in use becomes ``slug-2``; tags by name are made when missing;
- ``POST /images/upload/``: a multipart ``file`` of an image type (415 otherwise);
- browse (newest first by ``created_at``, ``limit``/``page`` with ``meta.pagination``), read
  by id and by slug (404 ``NotFoundError``), ``GET /site/`` without a token.

Failures on demand: ``lose`` names routes whose answer is lost after the fake acted on it;
``queue`` holds canned answers for the create.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
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
from tests.providers._support import account, parse_multipart

SITE = "https://blog.ghost.fake"
ADMIN = "/ghost/api/admin"
KEY_ID = "6748592f4b9b7700010f6564"
SECRET = "b1b5b9c1d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1"
POST_FIELDS = frozenset(
    {
        "title", "slug", "html", "lexical", "mobiledoc", "status", "tags", "authors",
        "feature_image", "feature_image_alt", "feature_image_caption", "custom_excerpt",
        "canonical_url", "codeinjection_head", "codeinjection_foot", "published_at",
        "visibility", "featured", "meta_title", "meta_description", "og_image",
    }
)  # fmt: skip
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/svg+xml"})
LIMITS = {"title": 255, "slug": 191, "custom_excerpt": 300, "feature_image_alt": 191}


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def _error(status: int, kind: str, message: str, code: str | None = None) -> httpx.Response:
    item = {"message": message, "context": None, "type": kind, "details": None,
            "property": None, "help": None, "code": code, "id": "e0", "ghostErrorCode": None}  # fmt: skip  # noqa: E501
    return _json(status, {"errors": [item]})


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@dataclass
class FakeGhost:
    keys: dict[str, str] = field(default_factory=lambda: {KEY_ID: SECRET})
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    clock: Callable[[], float] = time.time  # what the token checks read (Ghost's clock)
    posts: list[dict[str, Any]] = field(default_factory=list)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)
    lose: set[str] = field(default_factory=set)  # routes whose next answer is lost
    queue: list[httpx.Response] = field(default_factory=list)  # answers to the create
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(0x6750))

    @property
    def admin_key(self) -> str:
        return f"{KEY_ID}:{self.keys[KEY_ID]}"

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    # -- routing -------------------------------------------------------------------------
    def route(self, request: httpx.Request) -> tuple[str, ...]:
        path, method = request.url.path, request.method
        if not path.startswith(ADMIN + "/"):
            return ("none",)
        rest = path[len(ADMIN) :]
        if rest == "/site/" and method == "GET":
            return ("site",)
        if rest == "/posts/":
            return ("posts.create",) if method == "POST" else ("posts.browse",)
        if rest == "/images/upload/" and method == "POST":
            return ("images.upload",)
        found = re.fullmatch(r"/posts/slug/([^/]+)/", rest)
        if found and method == "GET":
            return ("posts.slug", found[1])
        found = re.fullmatch(r"/posts/([0-9a-f]{24})/", rest)
        if found and method == "GET":
            return ("posts.read", found[1])
        return ("none",)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.route(request)
        if request.url.host != httpx.URL(SITE).host or route[0] == "none":
            return _error(404, "NotFoundError", "Resource not found")
        if route[0] == "site":
            return _json(200, {"site": {"title": "The Fake Blog", "url": f"{SITE}/",
                                        "version": "5.130"}})  # fmt: skip
        refused = self._auth(request)
        if refused is not None:
            return refused
        answer = self._serve(route, request)
        if route[0] in self.lose:
            self.lose.discard(route[0])
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return answer

    def _serve(self, route: tuple[str, ...], request: httpx.Request) -> httpx.Response:
        kind = route[0]
        if kind == "posts.create":
            return self.queue.pop(0) if self.queue else self._create(request)
        if kind == "posts.browse":
            return self._browse(request)
        if kind == "images.upload":
            return self._upload(request)
        post = next((p for p in self.posts if p["slug" if kind == "posts.slug" else "id"]
                     == route[1]), None)  # fmt: skip
        if post is None:
            return _error(404, "NotFoundError", "Post not found.")
        return _json(200, {"posts": [post]})

    # -- the token, as admin.js and jsonwebtoken check it ------------------------------------
    def _auth(self, request: httpx.Request) -> httpx.Response | None:
        header = request.headers.get("authorization")
        if not header:
            return _error(403, "NoPermissionError", "Authorization failed",
                          "Unable to determine the authenticated user or integration.")  # fmt: skip
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "ghost" or not token:
            return _error(401, "UnauthorizedError",
                          'Authorization header format is "Authorization: Ghost [token]"',
                          "INVALID_AUTH_HEADER")  # fmt: skip
        try:
            head_b64, body_b64, signature_b64 = token.split(".")
            head = json.loads(_unb64(head_b64))
            claims = json.loads(_unb64(body_b64))
        except (ValueError, json.JSONDecodeError):
            return _error(400, "BadRequestError", "Invalid token", "INVALID_JWT")
        kid = head.get("kid") if isinstance(head, dict) else None
        if not kid:
            return _error(400, "BadRequestError", "Admin API kid missing.",
                          "MISSING_ADMIN_API_KID")  # fmt: skip
        secret = self.keys.get(kid)
        if secret is None:
            return _error(401, "UnauthorizedError", "Unknown Admin API Key",
                          "UNKNOWN_ADMIN_API_KEY")  # fmt: skip

        def invalid(why: str) -> httpx.Response:
            return _error(401, "UnauthorizedError", f"Invalid token: {why}", "INVALID_JWT")

        if head.get("alg") != "HS256":
            return invalid("invalid algorithm")
        signed = f"{head_b64}.{body_b64}".encode()
        expected = hmac.new(bytes.fromhex(secret), signed, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature_b64)):
            return invalid("invalid signature")
        now = self.clock()
        if isinstance(claims.get("exp"), int | float) and now >= claims["exp"]:
            return invalid("jwt expired")
        audience = claims.get("aud")
        if not isinstance(audience, str) or not re.search(r"/?admin/?$", audience):
            return invalid("jwt audience invalid. expected: /\\/?admin\\/?$/")
        if not isinstance(claims.get("iat"), int | float):
            return invalid("iat required when maxAge is specified")
        if now >= claims["iat"] + 300:
            return invalid("maxAge exceeded")
        return None

    # -- posts ---------------------------------------------------------------------------
    def _create(self, request: httpx.Request) -> httpx.Response:
        try:
            body = json.loads(request.content)
            (given,) = body["posts"]
        except (ValueError, KeyError, TypeError):
            return _error(422, "ValidationError", "Validation error, cannot save post.",
                          "posts must be an array of one post")  # fmt: skip
        unknown = sorted(set(given) - POST_FIELDS)
        if unknown:
            return _error(422, "ValidationError", f"Validation error: unknown field {unknown[0]}")
        if not isinstance(given.get("title"), str) or not given["title"].strip():
            return _error(422, "ValidationError", "Value in [posts.title] cannot be blank.")
        for name, most in LIMITS.items():
            value = given.get(name)
            if isinstance(value, str) and len(value) > most:
                return _error(422, "ValidationError",
                              f"Value in [posts.{name}] exceeds maximum length of {most} "
                              "characters.")  # fmt: skip
        status = given.get("status", "draft")
        if status not in ("published", "draft", "scheduled"):
            return _error(422, "ValidationError", f"Value in [posts.status] is invalid: {status}")
        html = given.get("html") if request.url.params.get("source") == "html" else None
        slug = self._free_slug(str(given.get("slug") or given["title"].lower().replace(" ", "-")))
        made = self.tick()
        ident = f"{next(self._ids):024x}"
        post = {
            "id": ident,
            "uuid": f"uuid-{ident}",
            "title": given["title"],
            "slug": slug,
            "html": html or "",
            "status": status,
            "url": f"{SITE}/{slug}/" if status == "published" else f"{SITE}/p/uuid-{ident}/",
            "created_at": made.isoformat().replace("+00:00", ".000Z"),
            "published_at": made.isoformat().replace("+00:00", ".000Z"),
            "tags": [self._tag(t) for t in given.get("tags") or ()],
        }
        for name in ("feature_image", "feature_image_alt", "custom_excerpt", "canonical_url",
                     "codeinjection_head", "codeinjection_foot"):  # fmt: skip
            post[name] = given.get(name)
        self.posts.append(post)
        return _json(201, {"posts": [post]})

    def _free_slug(self, wanted: str) -> str:
        taken = {p["slug"] for p in self.posts}
        slug, n = wanted, 1
        while slug in taken:  # Ghost de-duplicates silently
            n += 1
            slug = f"{wanted}-{n}"
        return slug

    def _tag(self, given: Any) -> dict[str, str]:
        name = given if isinstance(given, str) else str(given.get("name"))
        if name not in self.tags:
            self.tags[name] = {"id": f"t{len(self.tags)}", "name": name,
                               "slug": name.lower().replace(" ", "-")}  # fmt: skip
        return self.tags[name]

    def _browse(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        size, page = int(q.get("limit", "15")), int(q.get("page", "1"))
        ordered = sorted(self.posts, key=lambda p: p["created_at"], reverse=True)
        chunk = ordered[(page - 1) * size : page * size]
        if q.get("fields"):
            wanted = q["fields"].split(",")
            chunk = [{k: p[k] for k in wanted if k in p} for p in chunk]
        pages = max(1, -(-len(ordered) // size))
        meta = {"page": page, "limit": size, "pages": pages, "total": len(ordered),
                "next": page + 1 if page < pages else None, "prev": page - 1 or None}  # fmt: skip
        return _json(200, {"posts": chunk, "meta": {"pagination": meta}})

    # -- images --------------------------------------------------------------------------
    def _upload(self, request: httpx.Request) -> httpx.Response:
        fields = parse_multipart(request)
        if "file" not in fields:
            return _error(422, "ValidationError", "Please select an image.")
        name, mime, data = fields["file"]
        if mime not in IMAGE_TYPES:
            return _error(415, "UnsupportedMediaTypeError",
                          "Please select a valid image file.")  # fmt: skip
        url = f"{SITE}/content/images/2024/05/{name}"
        self.images[url] = data
        ref = fields.get("ref", (None, None, b""))[2].decode() or None
        return _json(201, {"images": [{"url": url, "ref": ref}]})


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeGhost()
    with fake.client() as client:
        yield account("ghost", site=SITE), {"admin_api_key": fake.admin_key}, client


CONTRACT = {"ghost": _contract_env}
