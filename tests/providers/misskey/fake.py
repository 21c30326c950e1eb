"""A local Misskey instance, written from the fact sheet (shared/docs/providers-wave2-open.md
§9) and Misskey's endpoint definitions as read there.

``FakeMisskey`` is an ``httpx.MockTransport`` handler. Every API call is ``POST /api/…``
with the token as ``i`` in the JSON body (or a form field of a multipart upload); errors
are ``{"error": {"message", "code", "id", "kind"}}``: 401 ``CREDENTIAL_REQUIRED`` /
``AUTHENTICATION_FAILED``, 403 ``PERMISSION_DENIED`` outside the token's permissions, 400
``INVALID_PARAM`` and ``NO_SUCH_…`` for the request, 429 ``RATE_LIMIT_EXCEEDED``
(notes/create: 300 an hour). MiAuth: a GET on ``/miauth/<session>`` grants at once (the
test plays the person) and redirects to the callback with ``session``; the check hands the
token over once. ``users/notes`` leaves replies out unless ``withReplies``, and answers a
``sinceDate``/``sinceId`` query oldest first, an ``untilId`` one newest first, as
Misskey's pagination does.
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
from urllib.parse import urlencode

import httpx

from socialgit.model import Account
from tests.providers._support import account, parse_multipart

USER = {"id": "9u000001", "username": "alice", "name": "Alice", "host": None}
ALL = frozenset({"read:account", "write:notes", "write:drive"})


def _json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def _error(status: int, code: str, message: str = "") -> httpx.Response:
    kind = "server" if status >= 500 else "client"
    ident = "00000000-0000-0000-0000-000000000000"
    inner = {"message": message or code, "code": code, "id": ident, "kind": kind}
    return _json(status, {"error": inner})


@dataclass
class FakeMisskey:
    base: str = "https://misskey.example"
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    max_note: int | None = 3000  # None: /api/meta does not say (newer versions)
    tokens: dict[str, frozenset[str]] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # MiAuth session → token
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    lose_answers: int = 0
    hourly: int = 300
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def issue_token(self, permissions: frozenset[str] = ALL) -> str:
        token = secrets.token_urlsafe(16)
        self.tokens[token] = permissions
        return token

    def _id(self) -> str:
        return f"9x{next(self._ids):06d}"

    # -- dispatch ------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host != httpx.URL(self.base).host:
            return _error(404, "NO_SUCH_ENDPOINT")
        path = request.url.path
        if request.method == "GET" and path.startswith("/miauth/"):
            return self._grant(request, path.removeprefix("/miauth/"))
        if request.method != "POST" or not path.startswith("/api/"):
            return _error(404, "NO_SUCH_ENDPOINT")
        endpoint = path.removeprefix("/api/")
        args = _args(request)
        if endpoint.startswith("miauth/") and endpoint.endswith("/check"):
            return self._check(endpoint.split("/")[1])
        if endpoint == "meta":
            meta: dict[str, Any] = {"name": "Misskey fake", "version": "2024.5.0"}
            if self.max_note is not None:
                meta["maxNoteTextLength"] = self.max_note
            return _json(200, meta)
        token = args.get("i")
        if not isinstance(token, str) or not token:
            return _error(401, "CREDENTIAL_REQUIRED", "Credential required.")
        granted = self.tokens.get(token)
        if granted is None:
            return _error(401, "AUTHENTICATION_FAILED", "Authentication failed.")
        routes = {
            "i": ("read:account", self._me),
            "drive/files/create": ("write:drive", self._upload),
            "notes/create": ("write:notes", self._create),
            "users/notes": ("", self._list),
            "notes/show": ("", self._show),
        }
        if endpoint not in routes:
            return _error(404, "NO_SUCH_ENDPOINT")
        wanted, handler = routes[endpoint]
        if wanted and wanted not in granted:
            return _error(
                403, "PERMISSION_DENIED", "Your app does not have the necessary permissions."
            )
        answer: httpx.Response = handler(request, args)
        return answer

    # -- MiAuth --------------------------------------------------------------------------
    def _grant(self, request: httpx.Request, session: str) -> httpx.Response:
        callback = request.url.params.get("callback")
        asked = frozenset(request.url.params.get("permission", "").split(","))
        if not session or not callback or not asked <= ALL:
            return httpx.Response(400, text="bad MiAuth request")
        self.sessions[session] = self.issue_token(asked)
        joiner = "&" if "?" in callback else "?"
        return httpx.Response(
            302, headers={"Location": f"{callback}{joiner}{urlencode({'session': session})}"}
        )

    def _check(self, session: str) -> httpx.Response:
        token = self.sessions.pop(session, None)
        if token is None:
            return _json(200, {"ok": False})
        return _json(200, {"ok": True, "token": token, "user": USER})

    # -- API -----------------------------------------------------------------------------
    def _me(self, request: httpx.Request, args: dict[str, Any]) -> httpx.Response:
        return _json(200, USER)

    def _upload(self, request: httpx.Request, args: dict[str, Any]) -> httpx.Response:
        if "file" not in args:
            return _error(400, "INVALID_PARAM", "Invalid param.")
        comment = args.get("comment")
        if isinstance(comment, str) and len(comment) > 512:
            return _error(400, "INVALID_PARAM", "Invalid param.")
        ident = self._id()
        self.files[ident] = {"id": ident, "name": args.get("name"), "comment": comment,
                             "type": args["file"][1], "_used": False}  # fmt: skip
        return _json(200, {k: v for k, v in self.files[ident].items() if not k.startswith("_")})

    def _create(self, request: httpx.Request, args: dict[str, Any]) -> httpx.Response:
        hour = [n for n in self.notes if n["_at"] > self.now - timedelta(hours=1)]
        if len(hour) >= self.hourly:
            return _error(
                429, "RATE_LIMIT_EXCEEDED", "Rate limit exceeded. Please try again later."
            )
        text, files, reply = args.get("text"), args.get("fileIds") or [], args.get("replyId")
        limit = self.max_note or 3000
        if text is not None and (not isinstance(text, str) or not 1 <= len(text) <= limit):
            return _error(400, "INVALID_PARAM", "Invalid param.")
        if not text and not files:
            return _error(400, "INVALID_PARAM", "Invalid param.")
        if args.get("visibility", "public") not in {"public", "home", "followers", "specified"}:
            return _error(400, "INVALID_PARAM", "Invalid param.")
        if (
            not isinstance(files, list)
            or len(files) > 16
            or any(f not in self.files for f in files)
        ):
            return _error(400, "NO_SUCH_FILE", "Some files are not found.")
        if reply is not None and not any(n["id"] == reply for n in self.notes):
            return _error(400, "NO_SUCH_REPLY_TARGET", "No such reply target.")
        self.now += timedelta(seconds=1)
        note = {
            "id": self._id(),
            "createdAt": self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "userId": USER["id"], "text": text, "fileIds": list(files), "replyId": reply,
            "visibility": args.get("visibility", "public"), "renoteId": None, "_at": self.now,
        }  # fmt: skip
        self.notes.append(note)
        if self.lose_answers:
            self.lose_answers -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return _json(200, {"createdNote": _public(note)})

    def _show(self, request: httpx.Request, args: dict[str, Any]) -> httpx.Response:
        note = next((n for n in self.notes if n["id"] == args.get("noteId")), None)
        if note is None:
            return _error(400, "NO_SUCH_NOTE", "No such note.")
        replies = sum(1 for n in self.notes if n["replyId"] == note["id"])
        counts = {"reactions": dict(note.get("_reactions", {})),
                  "renoteCount": note.get("_renotes", 0), "repliesCount": replies}  # fmt: skip
        return _json(200, {**_public(note), **counts})

    def engage(self, note: str, renotes: int = 0, **reactions: int) -> None:
        """People renote ``note`` and react to it (``like=3`` is 3 ``:like:`` reactions)."""
        (found,) = [n for n in self.notes if n["id"] == note]
        found["_renotes"] = found.get("_renotes", 0) + renotes
        kept = found.setdefault("_reactions", {})
        for name, count in reactions.items():
            kept[f":{name}:"] = kept.get(f":{name}:", 0) + count

    def _list(self, request: httpx.Request, args: dict[str, Any]) -> httpx.Response:
        limit = args.get("limit", 10)
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            return _error(400, "INVALID_PARAM", "Invalid param.")
        mine = [n for n in self.notes if n["userId"] == args.get("userId")]
        if not args.get("withReplies"):
            mine = [n for n in mine if n["replyId"] is None]
        if "sinceId" in args:
            found = sorted((n for n in mine if n["id"] > args["sinceId"]), key=lambda n: n["id"])
        elif "sinceDate" in args:
            since = datetime.fromtimestamp(args["sinceDate"] / 1000, UTC)
            found = sorted((n for n in mine if n["_at"] > since), key=lambda n: n["id"])
        else:
            below = args.get("untilId")
            found = sorted(
                (n for n in mine if below is None or n["id"] < below),
                key=lambda n: n["id"],
                reverse=True,
            )
        return _json(200, [_public(n) for n in found[:limit]])


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _args(request: httpx.Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        fields = parse_multipart(request)
        found: dict[str, Any] = {k: v[2].decode() for k, v in fields.items() if k != "file"}
        if "file" in fields:
            found["file"] = fields["file"]
        return found
    if not ctype.startswith("application/json"):
        return {}
    body = json.loads(request.content or b"{}")
    return body if isinstance(body, dict) else {}


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeMisskey()
    with fake.client() as client:
        yield account("misskey", instance=fake.base), {}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"misskey": _contract_env}
