"""A local Mastodon instance, written from the fact sheet (shared/docs/providers.md §3).

``FakeMastodon`` is an ``httpx.MockTransport`` handler. It registers apps
(``POST /api/v1/apps``: confidential clients, exact redirect URIs, scopes), grants at its
authorize URL at once (the test plays the browser; PKCE S256 checked at the token
endpoint; codes single-use and bound to client and redirect URI), checks bearer tokens and
their scopes (401 ``The access token is invalid``, 403 outside the scopes), and answers the
REST calls the provider makes as Mastodon does: ``/api/v2/instance`` limits, media that
process synchronously (200) or not (202, then 206 while polled), statuses validated for
length (URLs count ``characters_reserved_per_url``), media readiness and reply targets
(422/404 with ``{"error": …}``). ``Idempotency-Key`` is kept per account for an hour of the
fake's clock and checked before validation, as ``PostStatusService`` does: a repeat
returns the first status (404 when it was deleted since).
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
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx
import regex

from providers import mastodon
from socialgit.model import Account
from tests.providers._support import account, parse_multipart

_MB = 1024 * 1024
KNOWN_SCOPES = {
    "read", "write", "profile", "follow", "push",
    "read:accounts", "read:statuses", "write:statuses", "write:media",
}  # fmt: skip
USER = {"id": "109876", "username": "alice", "acct": "alice", "display_name": "Alice"}


@dataclass
class App:
    name: str
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scopes: set[str]


@dataclass
class Media:
    id: str
    mime: str
    description: str | None
    polls_left: int  # 206 answers before it is processed
    status_id: str | None = None


@dataclass
class FakeMastodon:
    base: str = "https://mastodon.example"
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    max_characters: int = 500
    url_reserved: int = 23
    processing_polls: int = 0  # >0: uploads answer 202 and need this many polls
    lose_answers: int = 0  # create the next N statuses, then time out instead of answering
    keeps_idempotency: bool = True  # False: a server that ignores Idempotency-Key
    queue: list[httpx.Response] = field(default_factory=list)  # API answers served first
    apps: dict[str, App] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, set[str]] = field(default_factory=dict)  # access token → scopes
    statuses: list[dict[str, Any]] = field(default_factory=list)  # newest last
    media: dict[str, Media] = field(default_factory=dict)
    idempotency: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    engagement: dict[str, dict[str, int]] = field(default_factory=dict)  # status id → counts
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(112000000000))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def issue_token(self, scopes: str = mastodon.SCOPES) -> str:
        token = secrets.token_urlsafe(32)
        self.tokens[token] = set(scopes.split())
        return token

    def live(self) -> list[dict[str, Any]]:
        return [s for s in self.statuses if not s.get("_deleted")]

    def delete(self, ident: str) -> None:
        next(s for s in self.statuses if s["id"] == ident)["_deleted"] = True

    def rate_limit(self, reset: datetime, *, iso: bool = True) -> httpx.Response:
        value = reset.isoformat().replace("+00:00", "Z") if iso else str(int(reset.timestamp()))
        headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0"}
        headers["X-RateLimit-Reset"] = value
        return _error(429, "Too many requests", headers)

    # -- dispatch ------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host != httpx.URL(self.base).host or request.url.scheme != "https":
            return _error(404, "Not Found")
        path, method = request.url.path, request.method
        if path == "/oauth/authorize" and method == "GET":
            return self._authorize(request)
        if path == "/oauth/token" and method == "POST":
            return self._token(request)
        if path == "/api/v1/apps" and method == "POST":
            return self._register(_args(request))
        if path in {"/api/v2/instance", "/api/v1/instance"} and method == "GET":
            return self._instance()
        if self.queue:
            return self.queue.pop(0)
        scopes = self._bearer(request)
        if isinstance(scopes, httpx.Response):
            return scopes
        for pattern, wanted_method, scope, handler in self._routes():
            found = re.fullmatch(pattern, path)
            if found and method == wanted_method:
                if not _allowed(scopes, scope):
                    return _error(403, "This action is outside the authorized scopes")
                answer: httpx.Response = handler(request, *found.groups())
                return answer
        return _error(404, "Record not found")

    def _routes(self) -> list[tuple[str, str, str, Any]]:
        return [
            (r"/api/v1/accounts/verify_credentials", "GET", "read:accounts", self._me),
            (r"/api/v1/accounts/(\d+)/statuses", "GET", "read:statuses", self._list),
            (r"/api/v2/media", "POST", "write:media", self._upload),
            (r"/api/v1/media/(\d+)", "GET", "write:media", self._media),
            (r"/api/v1/statuses", "POST", "write:statuses", self._post),
            (r"/api/v1/statuses/(\d+)", "GET", "read:statuses", self._status),
            (r"/api/v1/statuses/(\d+)/source", "GET", "read:statuses", self._source),
        ]

    # -- OAuth ---------------------------------------------------------------------------
    def _register(self, args: dict[str, Any]) -> httpx.Response:
        uris = args.get("redirect_uris")
        uris = uris.split() if isinstance(uris, str) else uris
        if not args.get("client_name") or not isinstance(uris, list) or not uris:
            return _error(
                422, "Validation failed: Name can't be blank, Redirect URI can't be blank"
            )
        if not all(re.match(r"^[a-z][a-z0-9+.-]*:", u) for u in uris):
            return _error(422, "Validation failed: Redirect URI must be an absolute URI.")
        scopes = set(str(args.get("scopes") or "read").split())
        if not scopes <= KNOWN_SCOPES:
            return _error(422, "Validation failed: Scopes must be a valid scope")
        app = App(
            args["client_name"], secrets.token_urlsafe(24), secrets.token_urlsafe(32), uris, scopes
        )
        self.apps[app.client_id] = app
        return _json(200, {
            "id": str(len(self.apps)), "name": app.name, "website": args.get("website"),
            "scopes": sorted(scopes), "redirect_uri": "\n".join(uris), "redirect_uris": uris,
            "client_id": app.client_id, "client_secret": app.client_secret,
            "client_secret_expires_at": 0,
        })  # fmt: skip

    def _authorize(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        app = self.apps.get(q.get("client_id", ""))
        if q.get("response_type") != "code" or app is None:
            return _error(400, "invalid_client")
        if q.get("redirect_uri") not in app.redirect_uris:
            return _error(400, "invalid_redirect_uri")
        scopes = set(q.get("scope", "read").split())
        if not scopes <= app.scopes:
            return _error(400, "invalid_scope")
        if q.get("code_challenge") and q.get("code_challenge_method") != "S256":
            return _error(400, "invalid_request: only S256 is supported")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "client_id": app.client_id, "redirect_uri": q["redirect_uri"], "scopes": scopes,
            "challenge": q.get("code_challenge"),
        }  # fmt: skip
        query = urlencode({"code": code, "state": q.get("state", "")})
        return httpx.Response(302, headers={"Location": f"{q['redirect_uri']}?{query}"})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = _args(request)
        ident, secret = form.get("client_id"), form.get("client_secret")
        basic = request.headers.get("authorization", "")
        if basic.startswith("Basic "):
            ident, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        app = self.apps.get(str(ident))
        if app is None or secret != app.client_secret:
            return _json(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        if form.get("grant_type") != "authorization_code":
            return _json(400, {"error": "unsupported_grant_type"})
        grant = self.codes.pop(str(form.get("code")), None)
        if grant is None or grant["client_id"] != app.client_id:
            return _json(
                400, {"error": "invalid_grant", "error_description": "The code is invalid"}
            )
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _json(
                400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"}
            )
        if grant["challenge"] and _s256(str(form.get("code_verifier", ""))) != grant["challenge"]:
            return _json(400, {"error": "invalid_grant", "error_description": "PKCE failed"})
        token = self.issue_token(" ".join(sorted(grant["scopes"])))
        return _json(200, {
            "access_token": token, "token_type": "Bearer",
            "scope": " ".join(sorted(grant["scopes"])), "created_at": int(self.now.timestamp()),
        })  # fmt: skip

    def _bearer(self, request: httpx.Request) -> set[str] | httpx.Response:
        header = request.headers.get("authorization", "")
        scopes = self.tokens.get(header[7:]) if header.startswith("Bearer ") else None
        if scopes is None:
            return _error(401, "The access token is invalid")
        return scopes

    # -- REST ----------------------------------------------------------------------------
    def _instance(self) -> httpx.Response:
        return _json(200, {"domain": httpx.URL(self.base).host, "configuration": {
            "statuses": {
                "max_characters": self.max_characters, "max_media_attachments": 4,
                "characters_reserved_per_url": self.url_reserved,
            },
            "media_attachments": {
                "supported_mime_types": ["image/png", "image/jpeg", "image/gif", "video/mp4"],
                "image_size_limit": 16 * _MB, "video_size_limit": 99 * _MB,
                "description_limit": 1500,
            },
        }})  # fmt: skip

    def _me(self, request: httpx.Request) -> httpx.Response:
        return _json(200, {**USER, "url": f"{self.base}/@alice"})

    def _upload(self, request: httpx.Request) -> httpx.Response:
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return _error(422, "Validation failed: File can't be blank")
        fields = parse_multipart(request)
        if "file" not in fields or not fields["file"][0]:
            return _error(422, "Validation failed: File can't be blank")
        _, mime, data = fields["file"]
        if mime not in {"image/png", "image/jpeg", "image/gif", "video/mp4"}:
            return _error(
                422,
                "Validation failed: File has contents that are not what they are reported to be",
            )
        if len(data) > (99 if mime == "video/mp4" else 16) * _MB:
            return _error(422, "Validation failed: File file size must be less than 16 MB")
        description = fields["description"][2].decode() if "description" in fields else None
        if description and len(description) > 1500:
            return _error(
                422, "Validation failed: Description is too long (maximum is 1500 characters)"
            )
        polls = self.processing_polls if self.processing_polls else 0
        item = Media(str(next(self._ids)), str(mime), description, polls)
        self.media[item.id] = item
        return _json(202 if polls else 200, self._media_json(item))

    def _media(self, request: httpx.Request, ident: str) -> httpx.Response:
        item = self.media.get(ident)
        if item is None:
            return _error(404, "Record not found")
        if item.polls_left > 0:
            item.polls_left -= 1
            if item.polls_left > 0:
                return _json(206, self._media_json(item))
        return _json(200, self._media_json(item))

    def _media_json(self, item: Media) -> dict[str, Any]:
        ready = item.polls_left == 0
        kind = "video" if item.mime.startswith("video/") else "image"
        url = f"{self.base}/system/media/{item.id}.bin" if ready else None
        return {"id": item.id, "type": kind, "url": url, "description": item.description}

    def _post(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("idempotency-key")
        slot = f"{USER['id']}:{key}"
        if key and self.keeps_idempotency and slot in self.idempotency:
            ident, until = self.idempotency[slot]
            if until > self.now:  # checked before validation, as PostStatusService does
                found = next(s for s in self.statuses if s["id"] == ident)
                return (
                    _error(404, "Record not found")
                    if found.get("_deleted")
                    else _json(200, _public(found))
                )
        args = _args(request)
        text = str(args.get("status") or "")
        media_ids = [str(m) for m in args.get("media_ids") or args.get("media_ids[]") or []]
        parent = args.get("in_reply_to_id")
        if parent and not any(
            s["id"] == str(parent) and not s.get("_deleted") for s in self.statuses
        ):
            return _error(404, "The post you are trying to reply to does not appear to exist.")
        if len(media_ids) > 4:
            return _error(422, "You can't attach more than 4 files.")
        attached = [self.media.get(m) for m in media_ids]
        if any(a is None or a.status_id for a in attached):
            return _error(422, "Validation failed: Media attachments are not found")
        if any(a is not None and a.polls_left for a in attached):
            return _error(
                422, "Cannot attach files that have not finished processing. Try again in a moment!"
            )
        if not text.strip() and not media_ids:
            return _error(422, "Validation failed: Text can't be blank")
        if _length(text, self.url_reserved) > self.max_characters:
            return _error(
                422, f"Validation failed: Text character limit of {self.max_characters} exceeded"
            )
        visibility = args.get("visibility", "public")
        if visibility not in {"public", "unlisted", "private", "direct"}:
            return _error(422, "Validation failed: Visibility is not included in the list")
        self.now += timedelta(seconds=1)
        ident = str(next(self._ids))
        stamp = self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        status = {
            "id": ident,
            "created_at": stamp,
            "in_reply_to_id": str(parent) if parent else None,
            "visibility": visibility,
            "language": args.get("language", "en"),
            "uri": f"{self.base}/users/alice/statuses/{ident}",
            "url": f"{self.base}/@alice/{ident}",
            "content": f"<p>{html.escape(text)}</p>",
            "media_attachments": [self._media_json(a) for a in attached if a is not None],
            "account": USER,
            "_text": text,
        }
        for item in attached:
            if item is not None:
                item.status_id = ident
        self.statuses.append(status)
        if key:
            self.idempotency[slot] = (ident, self.now + timedelta(hours=1))
        if self.lose_answers:
            self.lose_answers -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return _json(200, _public(status))

    def _status(self, request: httpx.Request, ident: str) -> httpx.Response:
        found = next((s for s in self.live() if s["id"] == ident), None)
        if found is None:
            return _error(404, "Record not found")
        replies = sum(1 for s in self.live() if s["in_reply_to_id"] == ident)
        counts = {"favourites_count": 0, "reblogs_count": 0, "quotes_count": 0}
        counts.update(self.engagement.get(ident, {}))
        return _json(200, {**_public(found), **counts, "replies_count": replies})

    def engage(self, ident: str, likes: int = 0, reposts: int = 0, quotes: int = 0) -> None:
        """People favourite, boost and quote a status (replies are statuses: post them)."""
        self.engagement[ident] = {
            "favourites_count": likes,
            "reblogs_count": reposts,
            "quotes_count": quotes,
        }

    def _source(self, request: httpx.Request, ident: str) -> httpx.Response:
        found = next((s for s in self.live() if s["id"] == ident), None)
        if found is None:
            return _error(404, "Record not found")
        return _json(200, {"id": ident, "text": found["_text"], "spoiler_text": ""})

    def _list(self, request: httpx.Request, ident: str) -> httpx.Response:
        if ident != USER["id"]:
            return _json(200, [])
        limit = min(int(request.url.params.get("limit", "20")), 40)
        below = request.url.params.get("max_id")
        newest_first = sorted(self.live(), key=lambda s: int(s["id"]), reverse=True)
        if below:
            newest_first = [s for s in newest_first if int(s["id"]) < int(below)]
        return _json(200, [_public(s) for s in newest_first[:limit]])


def _allowed(granted: set[str], wanted: str) -> bool:
    family = wanted.split(":")[0]
    return (
        wanted in granted
        or family in granted
        or (wanted == "read:accounts" and "profile" in granted)
    )


def _length(text: str, reserved: int) -> int:
    text = regex.sub(r"https?://\S+", "x" * reserved, text)
    text = regex.sub(r"(@\w+)@[\w.-]+\w", r"\1", text)
    return len(regex.findall(r"\X", text))


def _s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def _public(status: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in status.items() if not k.startswith("_")}


def _args(request: httpx.Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "")
    if not request.content:
        return {}
    if ctype.startswith("application/json"):
        found = json.loads(request.content)
        return found if isinstance(found, dict) else {}
    pairs = parse_qs(request.content.decode())
    return {k: (v if k.endswith("[]") else v[0]) for k, v in pairs.items()}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return _json(status, {"error": message}, headers)


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeMastodon()
    with fake.client() as client:
        acct = account("mastodon", instance=fake.base)
        mastodon._REGISTERED.clear()  # registrations live per process; this fake is new
        # What `socialgit connect` does before it builds the sign-in link.
        given = mastodon.register_client(client, acct, "http://127.0.0.1:8788/callback")
        yield acct, given, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"mastodon": _contract_env}
