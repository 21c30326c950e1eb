"""A local Threads API (Meta), written from the fact sheet (shared/docs/providers.md §5) and
Meta's Threads docs.

``FakeThreads`` is an ``httpx.MockTransport`` handler for ``threads.net`` (the authorization
window, which approves at once) and ``graph.threads.net``:

- tokens: the code exchange (``POST /oauth/access_token``, single-use codes bound to the
  redirect URI) gives a one-hour token; ``GET /access_token?grant_type=th_exchange_token``
  swaps it (with the app secret) for a 60-day one; ``GET /refresh_access_token`` refreshes
  a long-lived token only when it is at least 24 hours old and not expired. Every API call
  must carry ``access_token`` (query or form), else Graph's error 190;
- publishing: ``POST /{user}/threads`` makes a container (TEXT, IMAGE, VIDEO, CAROUSEL with
  ``is_carousel_item`` children; 500 characters, 5 links, ``image_url`` https and reachable
  as ``reachable`` decides, ``reply_to_id`` must exist); ``GET /{container}`` reports its
  status (media stays IN_PROGRESS for ``processing_polls`` checks); ``POST
  /{user}/threads_publish`` publishes a FINISHED container once (a second time is refused)
  and enforces the 250-a-day quota;
- reading: ``/me``, ``/{media}?fields=permalink``, ``/{user}/threads`` (newest first,
  ``since``, cursor pages), ``/{media}/replies``, ``/{user}/threads_publishing_limit``.

Errors are Graph's ``{"error": {message, type, code, error_subcode, fbtrace_id}}`` with HTTP
400 (or 500 for Meta's own failures). ``faults`` injects answers or exceptions per route,
``timeout_after`` makes a route act and then time out.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from providers import threads
from providers.base import Outgoing, OutgoingPart
from socialgit.model import Account
from tests.providers.discord.fake import account

APP_ID = "990602627938098"
APP_SECRET = "threads-app-SECRET-a1b2c3d4e5"
SHORT = timedelta(hours=1)
LONG = timedelta(days=60)
MEDIA_BASE = "https://media.example.org/repo"
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.I)

Fault = httpx.Response | type[Exception] | None  # None: answer as usual


@dataclass
class Token:
    value: str
    kind: str  # "short" or "long"
    issued: datetime
    expires: datetime
    revoked: bool = False


@dataclass
class Container:
    id: str
    fields: dict[str, str]
    created: datetime
    status: str = "IN_PROGRESS"
    polls_left: int = 0
    error_message: str = ""
    media_id: str | None = None


@dataclass
class Media:
    id: str
    text: str
    media_type: str
    timestamp: datetime
    reply_to: str | None
    owner: str
    alt_texts: list[str] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)

    @property
    def permalink(self) -> str:
        return f"https://www.threads.net/@{self.owner}/post/C{self.id[-6:]}"


@dataclass
class FakeThreads:
    user_id: str = "17841400000000001"
    username: str = "releasebot"
    clock: datetime = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    processing_polls: int = 1  # status checks a media container stays IN_PROGRESS for
    quota_total: int = 250
    reachable: Callable[[str], bool] = lambda url: url.startswith(MEDIA_BASE)
    tokens: dict[str, Token] = field(default_factory=dict)
    codes: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # code → redirect
    containers: dict[str, Container] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    insights: dict[str, dict[str, int]] = field(default_factory=dict)  # media id → counts
    requests: list[httpx.Request] = field(default_factory=list)
    authorize_params: list[dict[str, str]] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)  # route → answers first
    timeout_after: set[str] = field(default_factory=set)  # routes that act, then time out
    sleeps: list[float] = field(default_factory=list)  # waits asked for, when tests record them
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(18000000000000001))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def issue(self, kind: str = "long", age: timedelta = timedelta(0)) -> str:
        """A token as if granted ``age`` ago."""
        value = f"TH{kind.upper()}-{secrets.token_urlsafe(24)}"
        issued = self.clock - age
        life = LONG if kind == "long" else SHORT
        self.tokens[value] = Token(value, kind, issued, issued + life)
        return value

    def posts(self) -> list[Media]:
        return [m for m in self.media.values() if m.reply_to is None]

    def fail(self, route: str, *answers: Fault) -> None:
        self.faults.setdefault(route, []).extend(answers)

    # -- dispatch --------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        args = _args(request)
        host, path = request.url.host, request.url.path
        if host in {"threads.net", "www.threads.net"} and path == "/oauth/authorize":
            return self._authorize(args)
        if host != "graph.threads.net":
            return httpx.Response(404, text="unknown host")
        route, handler = self._route(request.method, path)
        if handler is None:
            return _error(400, 100, "Unsupported request - method type or path not found")
        queued = self.faults.get(route)
        fault = queued.pop(0) if queued else None
        if isinstance(fault, httpx.Response):
            return fault
        if fault is not None:
            raise fault(f"fault injected on {route}")
        answer = handler(args, path)
        if route in self.timeout_after:
            self.timeout_after.discard(route)
            raise httpx.ReadTimeout("timed out after acting", request=request)
        return answer

    def _route(self, method: str, path: str) -> tuple[str, Any]:
        parts = [p for p in path.split("/") if p]
        if method == "POST" and parts == ["oauth", "access_token"]:
            return "code", self._code
        if method == "GET" and parts == ["access_token"]:
            return "exchange", self._exchange
        if method == "GET" and parts == ["refresh_access_token"]:
            return "refresh", self._refresh
        if not parts or parts[0] != "v1.0":
            return "", None
        rest = parts[1:]
        routes: dict[tuple[str, int, str], tuple[str, Any]] = {
            ("GET", 1, ""): ("node", self._node),
            ("POST", 2, "threads"): ("create", self._create),
            ("POST", 2, "threads_publish"): ("publish", self._publish),
            ("GET", 2, "threads"): ("list", self._list),
            ("GET", 2, "replies"): ("replies", self._replies),
            ("GET", 2, "threads_publishing_limit"): ("limit", self._limit),
            ("GET", 2, "insights"): ("insights", self._insights),
        }
        key = (method, len(rest), rest[1] if len(rest) == 2 else "")
        return routes.get(key, ("", None))

    # -- OAuth -----------------------------------------------------------------------
    def _authorize(self, args: dict[str, str]) -> httpx.Response:
        self.authorize_params.append(args)
        scopes = set(args.get("scope", "").replace(" ", ",").split(","))
        if args.get("client_id") != APP_ID or args.get("response_type") != "code":
            return httpx.Response(400, text="Invalid client_id or response_type")
        if "threads_basic" not in scopes or not args.get("redirect_uri"):
            return httpx.Response(400, text="threads_basic scope and redirect_uri required")
        code = f"AQ{secrets.token_urlsafe(16)}"
        self.codes[code] = (args["redirect_uri"], self.clock + SHORT)
        back = httpx.URL(args["redirect_uri"]).copy_merge_params(
            {"code": code, **({"state": args["state"]} if "state" in args else {})}
        )
        # Meta appends "#_" to the redirect; browsers keep fragments to themselves.
        return httpx.Response(302, headers={"Location": f"{back}#_"})

    def _code(self, args: dict[str, str], path: str) -> httpx.Response:
        if args.get("client_id") != APP_ID or args.get("client_secret") != APP_SECRET:
            return _error(400, 101, "Error validating client secret.")
        if args.get("grant_type") != "authorization_code":
            return _error(400, 100, "Invalid grant_type")
        found = self.codes.pop(args.get("code", ""), None)  # single use
        if found is None or found[1] <= self.clock:
            return _error(400, 100, "Invalid authorization code", subcode=36007)
        if found[0] != args.get("redirect_uri"):
            return _error(400, 100, "Error validating verification code: redirect_uri")
        return _json({"access_token": self.issue("short"), "user_id": int(self.user_id)})

    def _exchange(self, args: dict[str, str], path: str) -> httpx.Response:
        if args.get("grant_type") != "th_exchange_token" or args.get("client_secret") != APP_SECRET:
            return _error(400, 101, "Error validating client secret.")
        token = self._valid(args)
        if isinstance(token, httpx.Response):
            return token
        if token.kind != "short":
            return _error(400, 100, "Only short-lived tokens can be exchanged")
        token.revoked = True
        long = self.tokens[self.issue("long")]
        return self._token_answer(long)

    def _refresh(self, args: dict[str, str], path: str) -> httpx.Response:
        if args.get("grant_type") != "th_refresh_token":
            return _error(400, 100, "Invalid grant_type")
        token = self._valid(args)
        if isinstance(token, httpx.Response):
            return token
        if token.kind != "long":
            return _error(400, 100, "Only long-lived tokens can be refreshed")
        if self.clock - token.issued < timedelta(hours=24):
            return _error(400, 100, "The access token must be at least 24 hours old to refresh")
        token.revoked = True
        fresh = self.tokens[self.issue("long")]
        return self._token_answer(fresh)

    def _token_answer(self, token: Token) -> httpx.Response:
        left = int((token.expires - self.clock).total_seconds()) - 56
        return _json({"access_token": token.value, "token_type": "bearer", "expires_in": left})

    def _valid(self, args: dict[str, str]) -> Token | httpx.Response:
        value = args.get("access_token")
        if not value:
            return _error(400, 190, "An active access token must be used")
        token = self.tokens.get(value)
        if token is None or token.revoked:
            return _error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        if token.expires <= self.clock:
            return _error(400, 190, "Error validating access token: Session has expired", 463)
        return token

    # -- the API ---------------------------------------------------------------------
    def _user(self, args: dict[str, str], path: str) -> str | httpx.Response:
        token = self._valid(args)
        if isinstance(token, httpx.Response):
            return token
        user = [p for p in path.split("/") if p][1]
        if user not in {self.user_id, "me"}:
            return _error(400, 100, "Object does not exist or cannot be loaded", 33)
        return self.user_id

    def _node(self, args: dict[str, str], path: str) -> httpx.Response:
        token = self._valid(args)
        if isinstance(token, httpx.Response):
            return token
        ident = path.rstrip("/").split("/")[-1]
        fields = set(args.get("fields", "id").split(","))
        if ident == "me":
            return _json({"id": self.user_id, "username": self.username})
        if ident in self.containers:
            found = self.containers[ident]
            if found.status == "IN_PROGRESS":
                if found.polls_left <= 0:
                    found.status = "FINISHED"
                found.polls_left -= 1
            body = {"id": ident, "status": found.status}
            if found.error_message and "error_message" in fields:
                body["error_message"] = found.error_message
            return _json(body)
        if ident in self.media:
            return _json(self._media_json(self.media[ident], fields))
        return _error(400, 100, "Object does not exist or cannot be loaded", 33)

    def _create(self, args: dict[str, str], path: str) -> httpx.Response:
        user = self._user(args, path)
        if isinstance(user, httpx.Response):
            return user
        kind = args.get("media_type")
        text = args.get("text", "")
        if kind not in {"TEXT", "IMAGE", "VIDEO", "CAROUSEL"}:
            return _error(400, 100, "Param media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL")
        if threads.length(text) > 500:
            return _error(400, 100, "Param text must be at most 500 characters long")
        if len(_LINK.findall(text)) > 5:
            return _error(400, 100, "THREADS_API__LINK_LIMIT_EXCEEDED", 4279020)
        if kind == "TEXT" and not text:
            return _error(400, 100, "Param text is required for media_type TEXT")
        reply_to = args.get("reply_to_id")
        if reply_to is not None and reply_to not in self.media:
            return _error(400, 100, "Param reply_to_id is not a valid Threads media id")
        status, error = "FINISHED", ""
        if kind in {"IMAGE", "VIDEO"}:
            url = args.get("image_url" if kind == "IMAGE" else "video_url", "")
            if not url.startswith("https://"):
                return _error(400, 100, f"Param {kind.lower()}_url must be a valid https URL")
            status = "IN_PROGRESS"
            if not self.reachable(url):
                error = "FAILED_DOWNLOADING_MEDIA"
        if kind == "CAROUSEL":
            children = [c for c in args.get("children", "").split(",") if c]
            if not 2 <= len(children) <= 20:
                return _error(400, 100, "A carousel takes 2 to 20 children")
            for child in children:
                found = self.containers.get(child)
                if found is None or found.fields.get("is_carousel_item") != "true":
                    return _error(400, 100, f"Param children: {child} is not a carousel item")
                if found.error_message:
                    error = found.error_message
        ident = str(next(self._ids))
        container = Container(ident, dict(args), self.clock, status, self.processing_polls)
        container.fields.pop("access_token", None)
        if error:
            container.status, container.error_message = "ERROR", error
        self.containers[ident] = container
        return _json({"id": ident})

    def _publish(self, args: dict[str, str], path: str) -> httpx.Response:
        user = self._user(args, path)
        if isinstance(user, httpx.Response):
            return user
        container = self.containers.get(args.get("creation_id", ""))
        if container is None or container.fields.get("is_carousel_item") == "true":
            return _error(400, 24, "The requested resource does not exist", 4279009)
        if container.status == "PUBLISHED":
            return _error(400, 100, "This media container has already been published", 4279007)
        if container.status != "FINISHED":
            return _error(400, 100, f"The media is not ready to be published ({container.status})")
        reply_to = container.fields.get("reply_to_id")
        if reply_to is None and self._used() >= self.quota_total:
            return _error(400, 4, "Application request limit reached")
        fields = container.fields
        children = [self.containers[c].fields for c in fields.get("children", "").split(",") if c]
        items = children or [fields]
        media = Media(
            id=str(next(self._ids)),
            text=fields.get("text", ""),
            media_type={"TEXT": "TEXT_POST", "CAROUSEL": "CAROUSEL_ALBUM"}.get(
                fields["media_type"], fields["media_type"]
            ),
            timestamp=self.clock,
            reply_to=reply_to,
            owner=self.username,
            alt_texts=[i["alt_text"] for i in items if "alt_text" in i],
            image_urls=[i["image_url"] for i in items if "image_url" in i],
        )
        self.media[media.id] = media
        container.status, container.media_id = "PUBLISHED", media.id
        return _json({"id": media.id})

    def _list(self, args: dict[str, str], path: str) -> httpx.Response:
        user = self._user(args, path)
        if isinstance(user, httpx.Response):
            return user
        since = datetime.fromtimestamp(int(args.get("since", "0")), UTC)
        found = sorted(
            (m for m in self.posts() if m.timestamp >= since),
            key=lambda m: (m.timestamp, m.id),
            reverse=True,
        )
        return self._page(found, args)

    def _replies(self, args: dict[str, str], path: str) -> httpx.Response:
        token = self._valid(args)
        if isinstance(token, httpx.Response):
            return token
        parent = [p for p in path.split("/") if p][1]
        if parent not in self.media:
            return _error(400, 100, "Object does not exist or cannot be loaded", 33)
        found = sorted(
            (m for m in self.media.values() if m.reply_to == parent),
            key=lambda m: (m.timestamp, m.id),
            reverse=args.get("reverse", "true") == "true",
        )
        return self._page(found, args)

    def engage(self, ident: str, **insights: int) -> None:
        """People see, like, repost and quote a post (the insights' names; replies are
        posts: publish them)."""
        self.insights.setdefault(ident, {}).update(insights)

    def _insights(self, args: dict[str, str], path: str) -> httpx.Response:
        """A post's lifetime metrics; a root post's replies count the whole conversation."""
        token = self._valid(args)
        if isinstance(token, httpx.Response):
            return token
        ident = [p for p in path.split("/") if p][1]
        if ident not in self.media:
            return _error(400, 100, "Object does not exist or cannot be loaded", 33)
        known = {"views", "likes", "replies", "reposts", "quotes", "shares"}
        asked = [m for m in args.get("metric", "").split(",") if m]
        if not asked or set(asked) - known:
            return _error(400, 100, f"metric must be a list of {', '.join(sorted(known))}")
        below, replies = [ident], 0
        while below:
            parent = below.pop()
            children = [m.id for m in self.media.values() if m.reply_to == parent]
            replies += len(children)
            below += children
        values = {**dict.fromkeys(known, 0), **self.insights.get(ident, {}), "replies": replies}
        data = [
            {
                "name": m,
                "period": "lifetime",
                "values": [{"value": values[m]}],
                "id": f"{ident}/insights/{m}/lifetime",
            }
            for m in asked
        ]
        return _json({"data": data})

    def _limit(self, args: dict[str, str], path: str) -> httpx.Response:
        user = self._user(args, path)
        if isinstance(user, httpx.Response):
            return user
        config = {"quota_total": self.quota_total, "quota_duration": 86400}
        return _json({"data": [{"quota_usage": self._used(), "config": config}]})

    # -- helpers ---------------------------------------------------------------------
    def _used(self) -> int:
        day = self.clock - timedelta(days=1)
        return sum(1 for m in self.posts() if m.timestamp > day)

    def _page(self, items: list[Media], args: dict[str, str], size: int = 2) -> httpx.Response:
        # Small pages on purpose: callers must follow the cursors.
        start = int(args.get("after") or 0)
        limit = min(int(args.get("limit") or size), size)
        fields = set(args.get("fields", "id").split(","))
        page = items[start : start + limit]
        body: dict[str, Any] = {"data": [self._media_json(m, fields) for m in page]}
        if page:
            body["paging"] = {"cursors": {"before": str(start), "after": str(start + limit)}}
            if start + limit < len(items):
                body["paging"]["next"] = "https://graph.threads.net/v1.0/next-page"
        return _json(body)

    def _media_json(self, media: Media, fields: set[str]) -> dict[str, Any]:
        every = {
            "id": media.id,
            "text": media.text,
            "timestamp": media.timestamp.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "media_type": media.media_type,
            "permalink": media.permalink,
            "username": media.owner,
            "is_reply_owned_by_me": media.owner == self.username,
        }
        return {k: v for k, v in every.items() if k in fields or k == "id"}


def _args(request: httpx.Request) -> dict[str, str]:
    args = dict(request.url.params)
    ctype = request.headers.get("content-type", "")
    if request.content and ctype.startswith("application/x-www-form-urlencoded"):
        args.update({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
    return args


def _json(body: dict[str, Any], status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def _error(status: int, code: int, message: str, subcode: int | None = None) -> httpx.Response:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException" if code == 190 else "THApiException",
        "code": code,
        "fbtrace_id": "AbCdEfGhIjK",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(status, json={"error": error})


def with_public_urls(outgoing: Outgoing, base: str = MEDIA_BASE) -> Outgoing:
    """``outgoing`` as the runner hands it over with ``media_base_url`` set."""
    parts = tuple(
        OutgoingPart(
            part.text,
            tuple(replace(m, url=f"{base}/{m.path}") for m in part.media),
        )
        for part in outgoing.parts
    )
    return replace(outgoing, parts=parts)


def threads_account(**settings: Any) -> Account:
    return account("threads", "team-threads", client_id=APP_ID, **settings)


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeThreads()
    with fake.client() as client:
        yield threads_account(), {"client_secret": APP_SECRET}, client


# Where the contract's images are served, as `media_base_url:` in socialgit.yml would say.
MEDIA_BASE_URL = MEDIA_BASE


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"threads": _contract_env}
