"""A local X API v2, written from the fact sheet (shared/docs/providers.md §1) and X's docs.

``FakeX`` is an ``httpx.MockTransport`` handler for ``x.com`` (the authorize page, which
approves at once) and ``api.x.com``:

- OAuth 2.0: authorization code with PKCE S256, single-use codes bound to client and
  redirect URI; confidential clients must use HTTP Basic, public ones send ``client_id``;
  refresh tokens (only with ``offline.access``) rotate, and a spent one is answered as X
  does, 400 ``invalid_request`` "Value passed for the token was invalid.";
- ``Authorization: Bearer`` on every API call, scopes checked, expired tokens → 401;
- ``POST /2/tweets``: JSON body shape, 280 weighted characters through the twitter-text
  port, media ids that exist and belong to the caller, replies to existing posts, a repeated
  text → 403 ``duplicate content``; 201 ``{"data": {"id", "text", "edit_history_tweet_ids"}}``;
- rate limits with ``x-rate-limit-limit/-remaining/-reset`` (epoch seconds) and 429;
- media: one-shot ``POST /2/media/upload`` (multipart, still images), the chunked
  initialize/append/finalize/STATUS endpoints, ``POST /2/media/metadata`` for alt text;
- ``GET /2/users/me`` and ``GET /2/users/:id/tweets`` returning text as X does (``&<>``
  HTML-escaped, links as t.co with ``entities.urls``, a trailing t.co link to the media).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import itertools
import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx

from providers.x.text import weighted_length
from socialgit.model import Account
from tests.providers._support import account, parse_multipart

ALL_SCOPES = frozenset({"tweet.read", "tweet.write", "users.read", "media.write"})
_LINK = re.compile(r"https?://\S+")
_MB = 1024 * 1024


@dataclass
class User:
    id: str
    username: str
    name: str


@dataclass
class Grant:
    user: User
    scopes: frozenset[str]
    client_id: str = ""
    expired: bool = False


@dataclass
class Tweet:
    id: str
    user: User
    text: str
    created_at: datetime
    reply_to: str | None
    media: list[str]
    # What people did with it (replies are posts: post them); read as public_metrics.
    metrics: dict[str, int] = field(default_factory=dict)


@dataclass
class Media:
    id: str
    owner: str
    category: str
    size: int
    alt: str = ""
    segments: dict[int, int] = field(default_factory=dict)  # chunked: index -> bytes
    state: str = "succeeded"  # pending while "processing" (chunked video/GIF)


@dataclass
class FakeX:
    user: User = field(default_factory=lambda: User("2244994945", "sgtester", "Socialgit Test"))
    other: User = field(default_factory=lambda: User("783214", "someoneelse", "Someone Else"))
    token: str = "xat-MAIN-access-token-0123456789abcdef"
    other_token: str = "xat-OTHER-access-token-0123456789abcdef"
    clients: dict[str, str | None] = field(
        default_factory=lambda: {"sg-x-client": "x-client-secret-abcdef123", "sg-public": None}
    )
    redirect_uris: tuple[str, ...] = ("http://127.0.0.1:8788/callback",)
    max_length: int = 280
    tweet_limit: int = 100  # POST /2/tweets per window (X: 100 per 15 min per user)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    queue: list[httpx.Response] = field(default_factory=list)  # answers to POST /2/tweets
    fail_after_create: Exception | None = None  # raised once a post is stored (lost answer)
    grants: dict[str, Grant] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> grant
    tweets: list[Tweet] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    _used: int = 0
    reads: int = 0  # GET /2/tweets/:id answered (each one billed by X)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1880000000000000001))

    def __post_init__(self) -> None:
        self.grants[self.token] = Grant(self.user, ALL_SCOPES)
        self.grants[self.other_token] = Grant(self.other, ALL_SCOPES)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def posts_of(self, user: User | None = None) -> list[Tweet]:
        return [t for t in self.tweets if t.user.id == (user or self.user).id]

    # -- routing ---------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        host, path, method = request.url.host, request.url.path, request.method
        if host == "x.com" and path == "/i/oauth2/authorize" and method == "GET":
            return self._authorize(request)
        if host != "api.x.com":
            return _problem(404, "Not Found", "no such host")
        if path == "/2/oauth2/token" and method == "POST":
            return self._token(request)
        grant = self._grant(request)
        if isinstance(grant, httpx.Response):
            return grant
        if path == "/2/users/me" and method == "GET":
            return self._need(grant, "users.read") or _data(200, self._user_json(grant.user))
        found = re.fullmatch(r"/2/users/(\d+)/tweets", path)
        if found and method == "GET":
            return self._need(grant, "tweet.read", "users.read") or self._timeline(
                found[1], request
            )
        if path == "/2/tweets" and method == "POST":
            return self._need(grant, "tweet.write") or self._create(grant, request)
        found = re.fullmatch(r"/2/tweets/(\d+)", path)
        if found and method == "GET":
            return self._need(grant, "tweet.read", "users.read") or self._tweet(found[1], request)
        if path.startswith("/2/media"):
            return self._need(grant, "media.write") or self._media(grant, request)
        return _problem(404, "Not Found", f"no route {method} {path}")

    def _grant(self, request: httpx.Request) -> Grant | httpx.Response:
        auth = request.headers.get("authorization", "")
        grant = self.grants.get(auth[7:]) if auth.startswith("Bearer ") else None
        if grant is None or grant.expired:
            return _problem(401, "Unauthorized", "Unauthorized")
        return grant

    @staticmethod
    def _need(grant: Grant, *scopes: str) -> httpx.Response | None:
        if set(scopes) <= grant.scopes:
            return None
        return _problem(
            403,
            "Forbidden",
            "You are not permitted to perform this action.",
            "https://api.x.com/2/problems/not-authorized-for-resource",
        )

    @staticmethod
    def _user_json(user: User) -> dict[str, Any]:
        return {"id": user.id, "name": user.name, "username": user.username}

    # -- OAuth 2.0 -------------------------------------------------------------------------
    def _authorize(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        client_id, redirect = q.get("client_id", ""), q.get("redirect_uri", "")
        if client_id not in self.clients or redirect not in self.redirect_uris:
            return httpx.Response(400, text="Something went wrong: invalid client or redirect")
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            return httpx.Response(400, text="Something went wrong: bad request")
        if not q.get("code_challenge") or not q.get("state"):
            return httpx.Response(400, text="Something went wrong: missing PKCE or state")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "client_id": client_id,
            "redirect_uri": redirect,
            "challenge": q["code_challenge"],
            "scopes": frozenset(q.get("scope", "").split()),
        }
        back = f"{redirect}?{urlencode({'state': q['state'], 'code': code})}"
        return httpx.Response(302, headers={"location": back})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        client_id = self._token_client(request, form)
        if isinstance(client_id, httpx.Response):
            return client_id
        kind = form.get("grant_type")
        if kind == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)  # single use
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (
                issued is None
                or issued["client_id"] != client_id
                or issued["redirect_uri"] != form.get("redirect_uri")
                or issued["challenge"] != challenge
            ):
                return _oauth_error("Value passed for the authorization code was invalid.")
            return self._issue(client_id, self.user, issued["scopes"])
        if kind == "refresh_token":
            held = self.refresh_tokens.get(form.get("refresh_token", ""))
            if held is None or held["spent"] or held["client_id"] != client_id:
                return _oauth_error("Value passed for the token was invalid.")
            held["spent"] = True  # rotation: the old refresh token dies
            return self._issue(client_id, held["user"], held["scopes"])
        return _oauth_error("Missing required parameter [grant_type].")

    def _token_client(self, request: httpx.Request, form: dict[str, str]) -> str | httpx.Response:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Basic "):
            name, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            if name not in self.clients or self.clients[name] != secret:
                return _oauth_error("Missing valid authorization header", "unauthorized_client")
            return name
        name = form.get("client_id", "")
        if name not in self.clients:
            return _oauth_error("Missing required parameter [client_id].")
        if self.clients[name] is not None:  # confidential: X wants Basic auth
            return _oauth_error("Missing valid authorization header", "unauthorized_client")
        return name

    def _issue(self, client_id: str, user: User, scopes: frozenset[str]) -> httpx.Response:
        access = f"xat-{secrets.token_urlsafe(24)}"
        self.grants[access] = Grant(user, scopes & ALL_SCOPES, client_id)
        body: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": access,
            "scope": " ".join(sorted(scopes)),
        }
        if "offline.access" in scopes:
            refresh = f"xrt-{secrets.token_urlsafe(24)}"
            self.refresh_tokens[refresh] = {
                "client_id": client_id,
                "user": user,
                "scopes": scopes,
                "spent": False,
            }
            body["refresh_token"] = refresh
        return httpx.Response(200, json=body)

    # -- posts -----------------------------------------------------------------------------
    def _create(self, grant: Grant, request: httpx.Request) -> httpx.Response:
        if self.queue:
            return self.queue.pop(0)
        if not request.headers.get("content-type", "").startswith("application/json"):
            return _problem(415, "Unsupported Media Type", "Content-Type must be JSON")
        try:
            body = json.loads(request.content)
        except ValueError:
            return _invalid("body", "Request body is not valid JSON")
        if not isinstance(body, dict):
            return _invalid("body", "Request body must be an object")
        unknown = set(body) - {"text", "reply", "media", "reply_settings", "quote_tweet_id"}
        if unknown:
            return _invalid(sorted(unknown)[0], "is not a recognized field")
        text = body.get("text", "")
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if not isinstance(text, str) or (not text and not media_ids):
            return _invalid("text", "Post text or media is required")
        if weighted_length(text) > self.max_length:
            return _problem(400, "Invalid Request", "Your Tweet text is too long.")
        if not isinstance(media_ids, list) or len(media_ids) > 4:
            return _invalid("media.media_ids", "must contain 1 to 4 items")
        for media_id in media_ids:
            item = self.media.get(str(media_id)) if isinstance(media_id, str) else None
            if item is None or item.owner != grant.user.id or item.state != "succeeded":
                return _invalid("media.media_ids", "Your media IDs are invalid.")
        reply = body.get("reply")
        parent = None
        if reply is not None:
            parent = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
            if not isinstance(parent, str) or not any(t.id == parent for t in self.tweets):
                return _invalid(
                    "reply.in_reply_to_tweet_id",
                    "Your Tweet cannot be replied to (deleted or not visible).",
                )
        if any(t.text == text and t.user.id == grant.user.id for t in self.tweets):
            return _problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
        reset = str(int((self.clock() + timedelta(minutes=15)).timestamp()))
        limits = {"x-rate-limit-limit": str(self.tweet_limit), "x-rate-limit-reset": reset}
        if self._used >= self.tweet_limit:
            headers = {**limits, "x-rate-limit-remaining": "0"}
            return _problem(429, "Too Many Requests", "Too Many Requests", headers=headers)
        self._used += 1
        tweet = Tweet(str(next(self._ids)), grant.user, text, self.clock(), parent, list(media_ids))
        self.tweets.append(tweet)
        if self.fail_after_create is not None:
            failure, self.fail_after_create = self.fail_after_create, None
            raise failure
        headers = {**limits, "x-rate-limit-remaining": str(self.tweet_limit - self._used)}
        data = {"id": tweet.id, "text": text, "edit_history_tweet_ids": [tweet.id]}
        return _data(201, data, headers)

    def engage(self, ident: str, **metrics: int) -> None:
        """People like, repost, quote, view, bookmark a post (X's public_metrics names)."""
        next(t for t in self.tweets if t.id == ident).metrics.update(metrics)

    def _tweet(self, ident: str, request: httpx.Request) -> httpx.Response:
        """GET /2/tweets/:id: a deleted or unknown post is a 200 carrying only ``errors``."""
        self.reads += 1  # X bills each post read
        tweet = next((t for t in self.tweets if t.id == ident), None)
        if tweet is None:
            return httpx.Response(
                200,
                json={
                    "errors": [
                        {
                            "value": ident,
                            "detail": f"Could not find tweet with id: [{ident}].",
                            "title": "Not Found Error",
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    ]
                },
            )
        data: dict[str, Any] = {"id": tweet.id, "text": tweet.text}
        if "public_metrics" in request.url.params.get("tweet.fields", "").split(","):
            replies = sum(1 for t in self.tweets if t.reply_to == ident)
            data["public_metrics"] = {
                "retweet_count": 0,
                "reply_count": replies,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
                **tweet.metrics,
            }
        return httpx.Response(200, json={"data": data})

    def _timeline(self, user_id: str, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        size = int(q.get("max_results", "10"))
        if not 5 <= size <= 100:
            return _invalid("max_results", "must be between 5 and 100")
        mine = [t for t in self.tweets if t.user.id == user_id]
        if "start_time" in q:
            start = datetime.strptime(q["start_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            mine = [t for t in mine if t.created_at >= start]
        mine.reverse()  # newest first
        offset = int(q.get("pagination_token", "0") or 0)
        page = mine[offset : offset + size]
        fields = set(q.get("tweet.fields", "").split(","))
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"], meta["oldest_id"] = page[0].id, page[-1].id
        if offset + size < len(mine):
            meta["next_token"] = str(offset + size)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._as_returned(t, fields) for t in page]
        return httpx.Response(200, json=body)

    def _as_returned(self, tweet: Tweet, fields: set[str]) -> dict[str, Any]:
        """The post as X returns it: escaped, links wrapped, a media link appended."""
        urls: list[dict[str, Any]] = []

        def wrap(match: re.Match[str]) -> str:
            short = f"https://t.co/{secrets.token_hex(5)}"
            urls.append({"url": short, "expanded_url": match[0], "display_url": match[0][8:]})
            return short

        text = _LINK.sub(wrap, html.escape(tweet.text, quote=False))
        if tweet.media:
            short = f"https://t.co/{secrets.token_hex(5)}"
            text = f"{text} {short}" if text else short
            urls.append(
                {
                    "url": short,
                    "expanded_url": f"https://x.com/{tweet.user.username}/status/{tweet.id}/photo/1",
                    "media_key": f"3_{tweet.media[0]}",
                }
            )
        out: dict[str, Any] = {"id": tweet.id, "text": text, "edit_history_tweet_ids": [tweet.id]}
        if "created_at" in fields:
            out["created_at"] = tweet.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if "referenced_tweets" in fields and tweet.reply_to:
            out["referenced_tweets"] = [{"type": "replied_to", "id": tweet.reply_to}]
        if "entities" in fields and urls:
            out["entities"] = {"urls": urls}
        if "attachments" in fields and tweet.media:
            out["attachments"] = {"media_keys": [f"3_{m}" for m in tweet.media]}
        return out

    # -- media -----------------------------------------------------------------------------
    def _media(self, grant: Grant, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        item: Media | None
        if path == "/2/media/upload" and method == "POST":
            fields = _multipart(request)
            if isinstance(fields, httpx.Response):
                return fields
            upload = fields.get("media")
            category = fields.get("media_category")
            if not isinstance(upload, tuple) or category != "tweet_image":
                return _invalid("media_category", "tweet_image and a media file are required")
            if len(upload[2]) > 5 * _MB:
                return _invalid("media", "File size exceeds 5242880 bytes.")
            return self._stored(Media(self._media_id(), grant.user.id, category, len(upload[2])))
        if path == "/2/media/upload/initialize" and method == "POST":
            body = json.loads(request.content or b"{}")
            if body.get("media_category") not in {"tweet_gif", "tweet_video"}:
                return _invalid("media_category", "is not a valid category for this upload")
            if not isinstance(body.get("total_bytes"), int) or not body.get("media_type"):
                return _invalid("total_bytes", "total_bytes and media_type are required")
            started = Media(self._media_id(), grant.user.id, body["media_category"], 0)
            started.size = body["total_bytes"]
            started.state = "new"
            return self._stored(started)
        found = re.fullmatch(r"/2/media/upload/(\d+)/(append|finalize)", path)
        if found and method == "POST":
            item = self.media.get(found[1])
            if item is None or item.owner != grant.user.id:
                return _invalid("id", "media id not found")
            if found[2] == "append":
                fields = _multipart(request)
                if isinstance(fields, httpx.Response):
                    return fields
                chunk, index = fields.get("media"), fields.get("segment_index")
                if not isinstance(chunk, tuple) or not str(index).isdigit():
                    return _invalid("segment_index", "segment_index and media are required")
                item.segments[int(str(index))] = len(chunk[2])
                return httpx.Response(200, json={"data": {"expires_at": 1900000000}})
            if sum(item.segments.values()) != item.size:
                return _invalid("id", "File size mismatch with total_bytes")
            item.state = "pending"
            return self._stored(item)
        if path == "/2/media/upload" and method == "GET":
            item = self.media.get(request.url.params.get("media_id", ""))
            if item is None or request.url.params.get("command") != "STATUS":
                return _invalid("media_id", "media id not found")
            if item.state == "pending":
                item.state = "succeeded"  # processed by the second look
                return self._stored(item, {"state": "in_progress", "check_after_secs": 0})
            return self._stored(item)
        if path == "/2/media/metadata" and method == "POST":
            body = json.loads(request.content or b"{}")
            item = self.media.get(str(body.get("id")))
            alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
            if item is None or item.owner != grant.user.id or not isinstance(alt, str):
                return _invalid("id", "media id not found or alt_text missing")
            if len(alt) > 1000:
                return _invalid("metadata.alt_text.text", "must be at most 1000 characters")
            item.alt = alt
            return httpx.Response(
                200, json={"data": {"id": item.id, "associated_metadata": {"alt_text": alt}}}
            )
        return _problem(404, "Not Found", f"no route {method} {path}")

    def _media_id(self) -> str:
        return str(next(self._ids))

    def _stored(self, item: Media, processing: dict[str, Any] | None = None) -> httpx.Response:
        self.media[item.id] = item
        data: dict[str, Any] = {
            "id": item.id,
            "media_key": f"3_{item.id}",
            "size": item.size,
            "expires_after_secs": 86400,
        }
        if processing is None and item.state == "pending":
            processing = {"state": "pending", "check_after_secs": 0}
        if processing is not None:
            data["processing_info"] = processing
        return httpx.Response(200, json={"data": data})


def _multipart(request: httpx.Request) -> dict[str, Any] | httpx.Response:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return _invalid("media", "multipart/form-data is required")
    found: dict[str, Any] = {}
    for name, (filename, mime, data) in parse_multipart(request).items():
        found[name] = (filename or name, mime, data) if filename else data.decode()
    return found


def _data(status: int, data: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json={"data": data}, headers=headers)


def _problem(
    status: int,
    title: str,
    detail: str,
    kind: str = "about:blank",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {"title": title, "detail": detail, "type": kind, "status": status}
    return httpx.Response(
        status, json=body, headers={"content-type": "application/problem+json", **(headers or {})}
    )


def _invalid(parameter: str, message: str) -> httpx.Response:
    body = {
        "errors": [{"parameters": {parameter: []}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.x.com/2/problems/invalid-request",
    }
    return httpx.Response(400, json=body)


def _oauth_error(description: str, error: str = "invalid_request") -> httpx.Response:
    status = 401 if error == "unauthorized_client" else 400
    return httpx.Response(status, json={"error": error, "error_description": description})


def x_account(name: str = "team-x", **settings: Any) -> Account:
    return account("x", name, **{"client_id": "sg-x-client", **settings})


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeX()
    with fake.client() as client:
        yield x_account(), {"client_secret": fake.clients["sg-x-client"]}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"x": _contract_env}
