"""A local Pixelfed instance, written from the fact sheet (shared/docs/providers-wave2-open.md
§10) and Pixelfed's ``statusCreate`` as read there.

It is the Mastodon fake where Pixelfed's API is Mastodon's (apps, authorize, media, the
instance's limits) and Pixelfed where it is not:

- tokens come with a refresh token and expire after 365 days (Laravel Passport); a request
  without a valid token, or without the plain ``write``/``read`` scope, is 403;
- ``POST /api/v1/statuses`` checks, in Pixelfed's order: the caption's length in code
  points and the album size (422, Laravel's ``{"message", "errors"}``), ``direct``
  visibility (400), the ``Idempotency-Key`` (stored for an hour *before* anything else; a
  repeat is 400 "Duplicate idempotency key."), a post without media that is not a reply
  (403 "Empty statuses are not allowed"), the reply target (404) and the media (400);
- a status's text comes back rendered (``content``, HTML), not as it was sent;
- the account's timeline lists posts, not replies; a status's ``context`` lists its first
  20 direct replies.
"""

from __future__ import annotations

import contextlib
import html
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from providers import pixelfed
from providers.mastodon import apps as _mastodon_apps
from socialgit.model import Account
from tests.providers._support import account
from tests.providers.mastodon.fake import USER, FakeMastodon, _args, _json, _public

YEAR = 365 * 24 * 3600


def _message(status: int, text: str) -> httpx.Response:
    return _json(status, {"message": text})  # Laravel's abort(status, text), as JSON


@dataclass
class FakePixelfed(FakeMastodon):
    base: str = "https://pixelfed.example"
    refresh: dict[str, set[str]] = field(default_factory=dict)  # refresh token → scopes
    keys: dict[str, Any] = field(default_factory=dict)  # Idempotency-Key → stored until
    max_album: int = 4

    def issue_token(self, scopes: str = pixelfed.SCOPES) -> str:
        return super().issue_token(scopes)

    def _bearer(self, request: httpx.Request) -> set[str] | httpx.Response:
        header = request.headers.get("authorization", "")
        scopes = self.tokens.get(header[7:]) if header.startswith("Bearer ") else None
        if scopes is None:
            return _message(403, "")  # abort_if(! $request->user() || ! ...->token(), 403)
        return scopes

    def _routes(self) -> list[tuple[str, str, str, Any]]:
        return [
            (r"/api/v1/accounts/verify_credentials", "GET", "read", self._me),
            (r"/api/v1/accounts/(\d+)/statuses", "GET", "read", self._list),
            (r"/api/v2/media", "POST", "write", self._upload),
            (r"/api/v1/media/(\d+)", "GET", "read", self._media),
            (r"/api/v1/statuses", "POST", "write", self._post),
            (r"/api/v1/statuses/(\d+)", "GET", "read", self._status),
            (r"/api/v1/statuses/(\d+)/context", "GET", "read", self._context),
        ]

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = _args(request)
        if form.get("grant_type") == "refresh_token":
            app = self.apps.get(str(form.get("client_id")))
            if app is None or form.get("client_secret") != app.client_secret:
                return _json(401, {"error": "invalid_client"})
            scopes = self.refresh.pop(str(form.get("refresh_token")), None)
            if scopes is None:
                return _json(400, {"error": "invalid_grant"})  # spent or revoked
            return self._grant(scopes)
        answer = super()._token(request)
        if answer.status_code != 200:
            return answer
        issued = answer.json()
        return self._grant(set(issued["scope"].split()), issued["access_token"])

    def _grant(self, scopes: set[str], token: str | None = None) -> httpx.Response:
        token = token or self.issue_token(" ".join(sorted(scopes)))
        refresh = secrets.token_urlsafe(32)
        self.refresh[refresh] = scopes
        return _json(200, {
            "token_type": "Bearer", "expires_in": YEAR, "access_token": token,
            "refresh_token": refresh, "scope": " ".join(sorted(scopes)),
        })  # fmt: skip

    def _me(self, request: httpx.Request) -> httpx.Response:
        return _json(200, {**USER, "url": f"{self.base}/alice"})

    def _post(self, request: httpx.Request) -> httpx.Response:
        args = _args(request)
        text = str(args.get("status") or "")
        media_ids = [str(m) for m in args.get("media_ids") or args.get("media_ids[]") or []]
        if len(text) > self.max_characters:
            return _json(422, {
                "message": f"The status may not be greater than {self.max_characters} characters.",
                "errors": {"status": ["too long"]},
            })  # fmt: skip
        if len(media_ids) > self.max_album:
            return _json(422, {"message": "The media ids may not have more than 4 items."})
        if args.get("visibility") == "direct":
            return _json(400, {"error": "Direct visibility is not available."})
        key = request.headers.get("idempotency-key")
        if key:
            until = self.keys.get(key)
            if until is not None and until > self.now:
                return _message(400, "Duplicate idempotency key.")
            self.keys[key] = self.now + timedelta(hours=1)  # before the status exists
        parent = args.get("in_reply_to_id")
        if not media_ids and not parent:
            return _message(403, "Empty statuses are not allowed")
        if parent and not any(s["id"] == str(parent) for s in self.live()):
            return _message(404, "")
        attached = [self.media.get(m) for m in media_ids]
        if any(a is None or a.status_id for a in attached):
            return _message(400, "Invalid media_ids")
        self.now += timedelta(seconds=1)
        ident = str(next(self._ids))
        rendered = "<br />".join(html.escape(line) for line in text.split("\n"))
        status = {
            "id": ident,
            "created_at": self.now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "in_reply_to_id": str(parent) if parent else None,
            "visibility": args.get("visibility", "public"),
            "uri": f"{self.base}/p/alice/{ident}",
            "url": f"{self.base}/p/alice/{ident}",
            "content": f"<p>{rendered}</p>",
            "media_attachments": [self._media_json(a) for a in attached if a is not None],
            "account": USER,
            "_text": text,
        }
        for item in attached:
            if item is not None:
                item.status_id = ident
        self.statuses.append(status)
        if self.lose_answers:
            self.lose_answers -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return _json(200, _public(status))

    def _list(self, request: httpx.Request, ident: str) -> httpx.Response:
        if ident != USER["id"]:
            return _json(200, [])
        posts = [s for s in self.live() if not s["in_reply_to_id"]]  # no replies here
        limit = min(int(request.url.params.get("limit", "20")), 40)
        below = request.url.params.get("max_id")
        newest_first = sorted(posts, key=lambda s: int(s["id"]), reverse=True)
        if below:
            newest_first = [s for s in newest_first if int(s["id"]) < int(below)]
        return _json(200, [_public(s) for s in newest_first[:limit]])

    def _context(self, request: httpx.Request, ident: str) -> httpx.Response:
        if not any(s["id"] == ident for s in self.live()):
            return _message(404, "")
        below = [s for s in self.live() if s["in_reply_to_id"] == ident][:20]
        return _json(200, {"ancestors": [], "descendants": [_public(s) for s in below]})


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakePixelfed()
    with fake.client() as client:
        acct = account("pixelfed", instance=fake.base)
        _mastodon_apps.REGISTERED.clear()  # registrations live per process; this fake is new
        given = pixelfed.register_client(client, acct, "http://127.0.0.1:8788/callback")
        yield acct, given, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"pixelfed": _contract_env}
