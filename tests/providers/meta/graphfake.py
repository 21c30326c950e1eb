"""What the fakes of Meta's Graph networks share (Facebook Pages, Instagram), written from
the fact sheet (shared/docs/providers-wave2-platforms.md §1, §2, §9) and Meta's docs:

- Facebook Login: ``www.facebook.com/vXX.0/dialog/oauth`` approves at once and redirects
  with a single-use ``code`` bound to its ``redirect_uri`` (and to the PKCE challenge, when
  one was sent); ``GET /vXX.0/oauth/access_token`` swaps the code (with the app secret and
  the verifier) for a two-hour user token, and ``grant_type=fb_exchange_token`` a live
  short token for a 60-day one. An expired token cannot be exchanged;
- every Graph call must carry a live ``access_token`` (query, form or multipart field),
  else error 190 (subcode 463 when it expired) with HTTP 400;
- errors are Graph's ``{"error": {message, type, code, error_subcode, fbtrace_id}}``;
- ``faults`` serves canned answers or exceptions per route first; ``timeout_after`` makes a
  route act, then lose its answer.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.providers._support import parse_multipart

APP_ID = "730164402711234"
APP_SECRET = "meta-app-SECRET-9f8e7d6c5b"
SHORT = timedelta(hours=2)
LONG = timedelta(days=60)
VERSION = re.compile(r"^v\d+\.\d+$")

Fault = httpx.Response | type[Exception] | None  # None: answer as usual
Handler = Callable[[dict[str, str], list[str]], httpx.Response]


@dataclass
class Token:
    value: str
    kind: str  # "short", "long" (user tokens), "page", "ig-short", "ig-long"
    issued: datetime
    expires: datetime | None  # None: never
    revoked: bool = False
    owner: str = ""  # the user, or the Page a page token speaks for
    # Refused as expired by the API before its time (Meta ended the session early), while
    # its refresh is still taken: what makes a refresh mid-flow possible.
    ended: bool = False


@dataclass
class GraphFake:
    user_id: str = "10160000000000001"
    clock: datetime = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    granted: set[str] = field(default_factory=set)  # what the person allows at sign-in
    tokens: dict[str, Token] = field(default_factory=dict)
    codes: dict[str, tuple[str, datetime, str]] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    authorize_params: list[dict[str, str]] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)  # route → answers first
    timeout_after: set[str] = field(default_factory=set)  # routes that act, then time out
    # Routes that act, then answer this instead (Meta has answered an error after posting).
    answer_after: dict[str, httpx.Response] = field(default_factory=dict)
    sleeps: list[float] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(17900000000000001))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def next_id(self) -> str:
        return str(next(self._ids))

    def issue(self, kind: str = "long", age: timedelta = timedelta(0), owner: str = "") -> str:
        """A token as if granted ``age`` ago; page tokens never expire."""
        value = f"EAA{kind.upper()}{secrets.token_urlsafe(24)}"
        issued = self.clock - age
        life = {"short": SHORT, "ig-short": timedelta(hours=1)}.get(kind, LONG)
        expires = None if kind == "page" else issued + life
        self.tokens[value] = Token(value, kind, issued, expires, owner=owner or self.user_id)
        return value

    def fail(self, route: str, *answers: Fault) -> None:
        self.faults.setdefault(route, []).extend(answers)

    def graph_calls(self) -> list[str]:
        """Each Graph request as "METHOD path-after-version"."""
        out = []
        for request in self.requests:
            parts = [p for p in request.url.path.split("/") if p]
            rest = parts[1:] if parts and VERSION.match(parts[0]) else parts
            out.append(f"{request.method} {'/'.join(rest)}")
        return out

    # -- dispatch --------------------------------------------------------------------
    def route(self, request: httpx.Request) -> tuple[str, Handler | None]:
        raise NotImplementedError

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        args = request_args(request)
        name, handler = self.route(request)
        if handler is None:
            return error(400, 100, "Unsupported request - method type or path not found")
        queued = self.faults.get(name)
        fault = queued.pop(0) if queued else None
        if isinstance(fault, httpx.Response):
            return fault
        if fault is not None:
            raise fault(f"fault injected on {name}")
        parts = [p for p in request.url.path.split("/") if p]
        answer = handler(args, parts[1:] if parts and VERSION.match(parts[0]) else parts)
        if name in self.timeout_after:
            self.timeout_after.discard(name)
            raise httpx.ReadTimeout("timed out after acting", request=request)
        return self.answer_after.pop(name, answer)

    # -- Facebook Login ----------------------------------------------------------------
    def authorize(self, args: dict[str, str], need: str) -> httpx.Response:
        """The login dialog, approving at once; ``need``: a scope it insists on."""
        self.authorize_params.append(args)
        scopes = {s for s in re.split(r"[ ,]+", args.get("scope", "")) if s}
        if args.get("client_id") != APP_ID or args.get("response_type") != "code":
            return httpx.Response(400, text="Invalid client_id or response_type")
        if need not in scopes or not args.get("redirect_uri"):
            return httpx.Response(400, text=f"{need} scope and redirect_uri required")
        self.granted = self.granted or scopes
        code = f"AQ{secrets.token_urlsafe(16)}"
        self.codes[code] = (args["redirect_uri"], self.clock + timedelta(minutes=10),
                            args.get("code_challenge", ""))  # fmt: skip
        back = httpx.URL(args["redirect_uri"]).copy_merge_params(
            {"code": code, **({"state": args["state"]} if "state" in args else {})}
        )
        return httpx.Response(302, headers={"Location": f"{back}#_=_"})

    def access_token(self, args: dict[str, str], parts: list[str]) -> httpx.Response:
        """``GET /oauth/access_token``: a code, or ``fb_exchange_token``."""
        if args.get("client_id") != APP_ID or args.get("client_secret") != APP_SECRET:
            return error(400, 101, "Error validating client secret.")
        if args.get("grant_type") == "fb_exchange_token":
            token = self.valid({"access_token": args.get("fb_exchange_token", "")})
            if isinstance(token, httpx.Response):
                return token
            if token.kind not in {"short", "long"}:
                return error(400, 100, "Only user tokens can be exchanged")
            return self.token_answer(self.tokens[self.issue("long")])
        found = self.codes.pop(args.get("code", ""), None)  # single use
        if found is None or found[1] <= self.clock:
            return error(400, 100, "Invalid verification code format.", 36009)
        redirect, _, challenge = found
        if redirect != args.get("redirect_uri"):
            return error(400, 100, "Error validating verification code: redirect_uri", 36008)
        if challenge and s256(args.get("code_verifier", "")) != challenge:
            return error(400, 100, "Invalid code verifier", 36010)
        return self.token_answer(self.tokens[self.issue("short")])

    def token_answer(self, token: Token) -> httpx.Response:
        body: dict[str, Any] = {"access_token": token.value, "token_type": "bearer"}
        if token.expires is not None:
            body["expires_in"] = int((token.expires - self.clock).total_seconds()) - 56
        return ok(body)

    def valid(
        self, args: dict[str, str], kinds: set[str] | None = None, *, refreshing: bool = False
    ) -> Token | httpx.Response:
        value = args.get("access_token")
        if not value:
            return error(400, 190, "An active access token must be used")
        token = self.tokens.get(value)
        if token is None:
            return error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if token.revoked:
            return error(
                400, 190, "Error validating access token: the user changed their password", 460
            )
        if token.expires is not None and token.expires <= self.clock:
            return error(400, 190, "Error validating access token: Session has expired", 463)
        if token.ended and not refreshing:
            return error(400, 190, "Error validating access token: Session has expired", 463)
        if kinds is not None and token.kind not in kinds:
            return error(400, 200, "(#200) This request needs another kind of access token")
        return token


def ok(body: dict[str, Any], status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def error(
    status: int, code: int, message: str, subcode: int | None = None, **headers: str
) -> httpx.Response:
    body: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        body["error_subcode"] = subcode
    return httpx.Response(status, json={"error": body}, headers=headers)


def request_args(request: httpx.Request) -> dict[str, str]:
    """Query, form and multipart text fields, as Graph reads them all alike."""
    found = dict(request.url.params)
    kind = request.headers.get("content-type", "")
    if request.content and kind.startswith("application/x-www-form-urlencoded"):
        found.update({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
    elif kind.startswith("multipart/form-data"):
        for name, (filename, _, data) in parse_multipart(request).items():
            if filename is None:
                found[name] = data.decode()
    return found


def request_files(request: httpx.Request) -> dict[str, tuple[str, bytes]]:
    """Multipart files: field → (content type, bytes)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return {}
    return {
        name: (kind or "", data)
        for name, (filename, kind, data) in parse_multipart(request).items()
        if filename is not None
    }


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def stamp(when: datetime) -> str:
    """A Graph timestamp."""
    return when.strftime("%Y-%m-%dT%H:%M:%S+0000")


def page_of(items: list[Any], args: dict[str, str], render: Callable[[Any], dict[str, Any]],
            size: int = 2) -> httpx.Response:  # fmt: skip
    """One cursor page; small on purpose, so callers must follow the cursors."""
    start = int(args.get("after") or 0)
    limit = min(int(args.get("limit") or size), size)
    chunk = items[start : start + limit]
    body: dict[str, Any] = {"data": [render(item) for item in chunk]}
    if chunk:
        body["paging"] = {"cursors": {"before": str(start), "after": str(start + limit)}}
        if start + limit < len(items):
            body["paging"]["next"] = "https://graph.facebook.com/next-page"
    return ok(body)
