"""A local Pinterest API v5, written from the fact sheet (shared/docs/providers-wave2-
platforms.md §5 and §9) and Pinterest's OpenAPI description (pinterest/api-description,
v5.23.0).

``FakePinterest`` is an ``httpx.MockTransport`` handler serving one host, ``BASE``, with the
pieces of three: the sign-in page (``/oauth/``, approving at once), the API under ``/v5``
(an account's ``base_url``), and the storage a video is uploaded to (``/upload/``). It
checks what Pinterest checks and keeps state, so a crash and a rerun can be asserted:

- OAuth 2.0: single-use codes bound to client and redirect URI; the token endpoint wants
  HTTP Basic client authentication; each refresh answers a new refresh token and kills the
  old one (continuous refresh tokens);
- ``Authorization: Bearer`` on every API call, scopes per endpoint (401 ``{"code": 2,
  "message": "Authentication failed."}`` for a token it does not know or that expired);
- ``POST /v5/pins``: ``board_id`` of digits and a board of the caller's, field lengths as
  the OpenAPI (title 100, description 800, link 2048, alt text 500), unknown fields refused,
  ``image_base64`` (PNG/JPEG), ``multiple_image_base64`` with 2 to 5 items, ``video_id``
  with a media upload in ``succeeded`` and a cover; 403 code 29 for an app with Trial
  access (``trial``); a limit of pins per window with 429 and ``X-RateLimit-*`` headers;
- ``POST /v5/media`` → signed form fields; the upload must carry all of them and no
  bearer token; ``GET /v5/media/{id}`` goes registered → processing → succeeded;
- ``GET /v5/boards/{id}``, ``GET /v5/boards/{id}/pins`` (pages with a ``bookmark``; newest
  first unless ``newest_first`` is off, since the order is not documented) and
  ``GET /v5/user_account``.
"""

from __future__ import annotations

import base64
import binascii
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

BASE = "https://pinterest.fake"
API = f"{BASE}/v5"
UPLOAD = f"{BASE}/upload/"
ALL_SCOPES = frozenset(
    {"boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read"}
)
PIN_FIELDS = frozenset(
    {
        "board_id",
        "board_section_id",
        "title",
        "description",
        "link",
        "alt_text",
        "dominant_color",
        "media_source",
        "parent_pin_id",
    }
)
_DIGITS = re.compile(r"\d+")


@dataclass
class User:
    id: str
    username: str
    account_type: str = "BUSINESS"


@dataclass
class Board:
    id: str
    name: str
    owner: User
    privacy: str = "PUBLIC"


@dataclass
class Grant:
    user: User
    scopes: frozenset[str]
    client_id: str = ""
    expired: bool = False


@dataclass
class Pin:
    id: str
    board: Board
    created_at: datetime
    description: str | None
    title: str | None
    link: str | None
    alt_text: str | None
    media_type: str
    files: int


@dataclass
class Upload:
    id: str
    owner: str
    fields: dict[str, str]
    status: str = "registered"
    looks: int = 0


@dataclass
class FakePinterest:
    user: User = field(default_factory=lambda: User("549755885175", "sgtester"))
    other: User = field(default_factory=lambda: User("549755885999", "someoneelse"))
    token: str = "pina_MAIN-access-token-0123456789abcdef"
    clients: dict[str, str] = field(default_factory=lambda: {"sg-pin-app": "pin-secret-9f8e7d"})
    redirect_uris: tuple[str, ...] = ("http://127.0.0.1:8788/callback",)
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    trial: bool = False  # an app with Trial access: 403 code 29 on every new pin
    newest_first: bool = True
    pin_limit: int = 100  # new pins per window before 429
    processing_looks: int = 1  # status looks a video stays "processing" after its upload
    fail_after_create: Exception | None = None  # raised once a pin is stored (lost answer)
    queue: list[httpx.Response] = field(default_factory=list)  # answers to POST /v5/pins
    boards: dict[str, Board] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    pins: list[Pin] = field(default_factory=list)
    uploads: dict[str, Upload] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    _made: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1055029912))

    def __post_init__(self) -> None:
        self.grants[self.token] = Grant(self.user, ALL_SCOPES)
        self.board = Board("1055029912386400512", "Launches", self.user)
        self.boards[self.board.id] = self.board
        theirs = Board("1055029912386400999", "Not ours", self.other)
        self.boards[theirs.id] = theirs

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    # -- routing ---------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url, method = str(request.url), request.method
        path = request.url.path
        if not url.startswith(BASE):
            return httpx.Response(404, text="no such host")
        if path == "/oauth/" and method == "GET":
            return self._authorize(request)
        if path == "/upload/" and method == "POST":
            return self._upload(request)
        if path == "/v5/oauth/token" and method == "POST":
            return self._token(request)
        grant = self._grant(request)
        if isinstance(grant, httpx.Response):
            return grant
        if path == "/v5/user_account" and method == "GET":
            return self._need(grant, "user_accounts:read") or _json(200, self._account(grant))
        if path == "/v5/pins" and method == "POST":
            return self._need(grant, "boards:read", "pins:write") or self._create(grant, request)
        if path == "/v5/media" and method == "POST":
            return self._need(grant, "pins:write") or self._register(grant, request)
        found = re.fullmatch(r"/v5/media/(\d+)", path)
        if found and method == "GET":
            return self._need(grant, "pins:read") or self._media_status(grant, found[1])
        found = re.fullmatch(r"/v5/boards/([^/]+)(/pins)?", path)
        if found and method == "GET":
            denied = self._need(grant, "boards:read", *(("pins:read",) if found[2] else ()))
            return denied or self._board(grant, found[1], bool(found[2]), request)
        return _error(404, 404, f"no route {method} {path}")

    def _grant(self, request: httpx.Request) -> Grant | httpx.Response:
        auth = request.headers.get("authorization", "")
        grant = self.grants.get(auth[7:]) if auth.startswith("Bearer ") else None
        if grant is None or grant.expired:
            return _error(401, 2, "Authentication failed.")
        return grant

    @staticmethod
    def _need(grant: Grant, *scopes: str) -> httpx.Response | None:
        missing = sorted(set(scopes) - grant.scopes)
        if not missing:
            return None
        return _error(403, 3, f"Not authorized: the token lacks the scope {missing[0]}.")

    @staticmethod
    def _account(grant: Grant) -> dict[str, Any]:
        user = grant.user
        return {"id": user.id, "username": user.username, "account_type": user.account_type}

    # -- OAuth 2.0 -------------------------------------------------------------------------
    def _authorize(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        client_id, redirect = q.get("client_id", ""), q.get("redirect_uri", "")
        if client_id not in self.clients or redirect not in self.redirect_uris:
            return httpx.Response(400, text="Invalid client_id or redirect_uri")
        if q.get("response_type") != "code" or not q.get("state"):
            return httpx.Response(400, text="response_type=code and state are required")
        scopes = frozenset(s for s in q.get("scope", "").split(",") if s)
        if not scopes or not scopes <= ALL_SCOPES | {"boards:read_secret", "pins:write_secret"}:
            return httpx.Response(400, text="Invalid scope (comma-separated scopes expected)")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"client_id": client_id, "redirect_uri": redirect, "scopes": scopes}
        back = f"{redirect}?{urlencode({'code': code, 'state': q['state']})}"
        return httpx.Response(302, headers={"location": back})

    def _token(self, request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return _error(401, 2, "Authentication failed.")
        name, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if self.clients.get(name) != secret:
            return _error(401, 2, "Authentication failed.")
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        kind = form.get("grant_type")
        if kind == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)  # single use
            if (
                issued is None
                or issued["client_id"] != name
                or issued["redirect_uri"] != form.get("redirect_uri")
            ):
                return _error(400, 1, "Invalid authorization code.")
            return self._issue(name, self.user, issued["scopes"], "authorization_code")
        if kind == "refresh_token":
            held = self.refresh_tokens.pop(form.get("refresh_token", ""), None)  # rotates
            if held is None or held["client_id"] != name:
                return _error(400, 1, "Invalid refresh token.")
            return self._issue(name, held["user"], held["scopes"], "refresh_token")
        return _error(400, 1, "Invalid grant_type.")

    def _issue(
        self, client_id: str, user: User, scopes: frozenset[str], kind: str
    ) -> httpx.Response:
        access = f"pina_{secrets.token_urlsafe(24)}"
        refresh = f"pinr_{secrets.token_urlsafe(24)}"
        self.grants[access] = Grant(user, scopes, client_id)
        self.refresh_tokens[refresh] = {"client_id": client_id, "user": user, "scopes": scopes}
        lifetime = 60 * 24 * 3600
        return _json(
            200,
            {
                "access_token": access,
                "refresh_token": refresh,
                "response_type": kind,
                "token_type": "bearer",
                "expires_in": 30 * 24 * 3600,
                "refresh_token_expires_in": lifetime,
                "refresh_token_expires_at": int(self.now.timestamp()) + lifetime,
                "scope": ",".join(sorted(scopes)),
            },
        )

    # -- boards and pins -------------------------------------------------------------------
    def _board(
        self, grant: Grant, board_id: str, pins: bool, request: httpx.Request
    ) -> httpx.Response:
        board = self.boards.get(board_id)
        if board is None or board.owner.id != grant.user.id:
            return _error(404, 404, "Board not found.")
        if not pins:
            return _json(
                200,
                {
                    "id": board.id,
                    "name": board.name,
                    "privacy": board.privacy,
                    "owner": {"username": board.owner.username},
                },
            )
        q = request.url.params
        size = int(q.get("page_size", "25"))
        if not 1 <= size <= 250:
            return _error(400, 1, "page_size must be between 1 and 250.")
        mine = [pin for pin in self.pins if pin.board.id == board.id]
        if self.newest_first:
            mine.reverse()
        start = int(q.get("bookmark") or 0)
        page = mine[start : start + size]
        more = start + size < len(mine)
        return _json(
            200, {"items": [_pin(p) for p in page], "bookmark": str(start + size) if more else None}
        )

    def _create(self, grant: Grant, request: httpx.Request) -> httpx.Response:
        if self.queue:
            return self.queue.pop(0)
        if not request.headers.get("content-type", "").startswith("application/json"):
            return _error(415, 1, "Content-Type must be application/json.")
        try:
            body = json.loads(request.content)
        except ValueError:
            return _error(400, 1, "Invalid JSON.")
        if not isinstance(body, dict):
            return _error(400, 1, "Invalid request body.")
        unknown = sorted(set(body) - PIN_FIELDS)
        if unknown:
            return _error(400, 1, f"Unknown field: {unknown[0]}.")
        board_id = body.get("board_id")
        if not isinstance(board_id, str) or not _DIGITS.fullmatch(board_id):
            return _error(400, 1, "board_id: must match ^\\d+$.")
        board = self.boards.get(board_id)
        if board is None or board.owner.id != grant.user.id:
            return _error(404, 404, "Board not found.")
        for name, most in (("title", 100), ("description", 800), ("link", 2048), ("alt_text", 500)):
            value = body.get(name)
            if value is not None and (not isinstance(value, str) or len(value) > most):
                return _error(400, 1, f"{name}: must be a string of at most {most} characters.")
        media = self._media_source(grant, body.get("media_source"))
        if isinstance(media, httpx.Response):
            return media
        if self.trial:
            return _error(
                403,
                29,
                "Apps with Trial access may not create Pins in production https://api.pinterest."
                "com - use API Sandbox https://api-sandbox.pinterest.com instead.",
            )
        reset = str(int(timedelta(minutes=1).total_seconds()))
        if self._made >= self.pin_limit:
            headers = {
                "x-ratelimit-limit": str(self.pin_limit),
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": reset,
            }
            return _error(429, 8, "You have exceeded your rate limit. Try again later.", headers)
        self._made += 1
        kind, files = media
        pin = Pin(
            str(next(self._ids)) + "000000001",
            board,
            self.tick(),
            body.get("description"),
            body.get("title"),
            body.get("link"),
            body.get("alt_text"),
            kind,
            files,
        )
        self.pins.append(pin)
        if self.fail_after_create is not None:
            failure, self.fail_after_create = self.fail_after_create, None
            raise failure
        return _json(201, _pin(pin))

    def _media_source(self, grant: Grant, source: object) -> tuple[str, int] | httpx.Response:
        if not isinstance(source, dict):
            return _error(400, 1, "media_source is required.")
        kind = source.get("source_type")
        if kind == "image_base64":
            problem = _image(source)
            return problem or ("image", 1)
        if kind == "multiple_image_base64":
            items = source.get("items")
            if not isinstance(items, list) or not 2 <= len(items) <= 5:
                return _error(400, 1, "media_source.items: between 2 and 5 items.")
            for item in items:
                problem = _image(item)
                if problem:
                    return problem
            return ("multiple_images", len(items))
        if kind == "video_id":
            upload = self.uploads.get(str(source.get("media_id")))
            if upload is None or upload.owner != grant.user.id:
                return _error(400, 1, "media_source.media_id: media not found.")
            if upload.status != "succeeded":
                return _error(400, 1, f"Media upload not ready (status {upload.status}).")
            cover = source.get("cover_image_key_frame_time") is not None or source.get(
                "cover_image_url"
            )
            if source.get("cover_image_data"):
                cover = not _image(
                    {
                        "content_type": source.get("cover_image_content_type"),
                        "data": source["cover_image_data"],
                    }
                )
            if not cover:
                return _error(400, 1, "A video Pin needs a cover image.")
            return ("video", 1)
        return _error(400, 1, f"media_source.source_type: {kind!r} is not supported.")

    # -- video uploads ---------------------------------------------------------------------
    def _register(self, grant: Grant, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        if body != {"media_type": "video"}:
            return _error(400, 1, "media_type: must be video.")
        ident = str(next(self._ids)) + "777"
        signed = {
            "key": f"uploads/{ident}:video",
            "policy": secrets.token_urlsafe(16),
            "x-amz-signature": secrets.token_hex(16),
            "x-amz-security-token": secrets.token_urlsafe(16),
            "Content-Type": "multipart/form-data",
        }
        self.uploads[ident] = Upload(ident, grant.user.id, signed)
        return _json(
            201,
            {
                "media_id": ident,
                "media_type": "video",
                "upload_url": UPLOAD,
                "upload_parameters": signed,
            },
        )

    def _upload(self, request: httpx.Request) -> httpx.Response:
        if "authorization" in request.headers:
            return httpx.Response(400, text="<Error><Code>InvalidArgument</Code></Error>")
        fields = parse_multipart(request)
        key = fields.get("key", (None, None, b""))[2].decode()
        upload = next((u for u in self.uploads.values() if u.fields["key"] == key), None)
        if upload is None or "file" not in fields or not fields["file"][2]:
            return httpx.Response(400, text="<Error><Code>MalformedPOSTRequest</Code></Error>")
        for name, value in upload.fields.items():
            if fields.get(name, (None, None, b""))[2].decode() != value:
                return httpx.Response(403, text="<Error><Code>AccessDenied</Code></Error>")
        upload.status = "processing"
        return httpx.Response(204)

    def _media_status(self, grant: Grant, ident: str) -> httpx.Response:
        upload = self.uploads.get(ident)
        if upload is None or upload.owner != grant.user.id:
            return _error(404, 404, "Media not found.")
        if upload.status == "processing":
            upload.looks += 1
            if upload.looks > self.processing_looks:
                upload.status = "succeeded"
        return _json(200, {"media_id": ident, "media_type": "video", "status": upload.status})


def _image(item: object) -> httpx.Response | None:
    if not isinstance(item, dict) or item.get("content_type") not in ("image/png", "image/jpeg"):
        return _error(400, 1, "content_type: must be image/jpeg or image/png.")
    try:
        base64.b64decode(str(item.get("data")), validate=True)
    except (binascii.Error, ValueError):
        return _error(400, 1, "data: not base64.")
    return None


def _pin(pin: Pin) -> dict[str, Any]:
    media: dict[str, Any] = {"media_type": pin.media_type}
    if pin.media_type == "multiple_images":
        media["items"] = [
            {"url": f"https://i.pinimg.fake/{pin.id}/{n}.png"} for n in range(pin.files)
        ]
    return {
        "id": pin.id,
        # As Pinterest writes it (no offset; UTC).
        "created_at": pin.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "board_id": pin.board.id,
        "board_owner": {"username": pin.board.owner.username},
        "title": pin.title,
        "description": pin.description,
        "link": pin.link,
        "alt_text": pin.alt_text,
        "media": media,
    }


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _error(
    status: int, code: int, message: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return _json(status, {"code": code, "message": message}, headers)


def pinterest_account(fake: FakePinterest, name: str = "team-pins", **settings: Any) -> Account:
    return account(
        "pinterest",
        name,
        **{
            "client_id": "sg-pin-app",
            "board": fake.board.id,
            "base_url": API,
            "authorize_url": f"{BASE}/oauth/",
            **settings,
        },
    )


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakePinterest()
    with fake.client() as client:
        yield pinterest_account(fake), {"client_secret": fake.clients["sg-pin-app"]}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"pinterest": _contract_env}
