"""A local Instagram API (Meta's Graph API, both logins), written from the fact sheet
(shared/docs/providers-wave2-platforms.md §2 and §9) and Meta's content publishing docs.

``FakeInstagram`` is an ``httpx.MockTransport`` handler for, with ``login="facebook"``,
``www.facebook.com`` (Facebook Login, tests/providers/meta/graphfake.py) and
``graph.facebook.com``; with ``login="instagram"``, ``www.instagram.com`` (its login
dialog), ``api.instagram.com`` (the code exchange: ``{"data": [{access_token, user_id,
permissions}]}``, a one-hour token) and ``graph.instagram.com`` (``ig_exchange_token`` for
a 60-day token; ``ig_refresh_token`` only when the token is 24 hours old and not expired,
the old one then refused). A token works on its own login's host only.

- containers: ``POST /{user}/media`` — ``image_url`` (https, JPEG only), ``video_url``
  with ``media_type=REELS`` (or ``VIDEO`` as a carousel item), ``CAROUSEL`` with 2–10
  ``children`` (carousel items of this account, processed); ``caption`` up to 2,200
  characters and 30 hashtags; ``alt_text`` on a single image only; 400 containers a day.
  Media is fetched as ``reachable`` decides: unreachable → ``ERROR``. A container stays
  ``IN_PROGRESS`` for ``processing_polls`` status checks (``on_poll`` is called at each),
  then ``FINISHED``; unpublished for 24 hours, ``EXPIRED``;
- ``POST /{user}/media_publish``: a ``FINISHED`` container only (else 9007/2207027), once
  (then ``PUBLISHED``); the publishing limit (``quota_total`` in 24 hours; code 9, subcode
  2207042); ``GET /{user}/content_publishing_limit`` reads it;
- reading: ``/{id}`` (``status_code``/``status`` of a container, ``permalink`` of media,
  ``like_count`` and ``comments_count`` when ``fields`` asks for them),
  ``/{user}/media`` (newest first, cursor pages, no time filter); comments:
  ``POST/GET /{media}/comments`` (with the comments permission).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from socialgit.model import Account
from tests.providers._support import account
from tests.providers.meta.graphfake import (
    APP_ID,
    APP_SECRET,
    GraphFake,
    Handler,
    Token,
    error,
    ok,
    page_of,
    stamp,
)

USER_ID = "17841400000000042"
USERNAME = "releasebot"
MEDIA_BASE = "https://media.example.org/repo"
DAY = timedelta(days=1)
_HASHTAG = re.compile(r"(?<![\w#])#\w+")


@dataclass
class Container:
    id: str
    fields: dict[str, str]
    created: datetime
    status: str = "IN_PROGRESS"
    polls_left: int = 0
    said: str = ""
    media: str | None = None


@dataclass
class Media:
    id: str
    caption: str
    created: datetime
    kind: str  # IMAGE, VIDEO (a Reel), CAROUSEL_ALBUM
    alt: str = ""
    children: list[str] = field(default_factory=list)
    likes: int = 0

    @property
    def permalink(self) -> str:
        return f"https://www.instagram.com/p/C{self.id[-8:]}/"


@dataclass
class Comment:
    id: str
    media: str
    text: str
    username: str
    created: datetime


@dataclass
class FakeInstagram(GraphFake):
    login: str = "facebook"  # or "instagram"
    user: str = USER_ID
    username: str = USERNAME
    processing_polls: int = 1
    quota_total: int = 100
    container_limit: int = 400
    reachable: Callable[[str], bool] = lambda url: url.startswith(MEDIA_BASE)
    on_poll: Callable[[], None] = lambda: None  # called at each status check of a container
    containers: dict[str, Container] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return "graph.instagram.com" if self.login == "instagram" else "graph.facebook.com"

    def connected(self, age: timedelta = timedelta(hours=1)) -> dict[str, str]:
        """Credentials as `socialgit connect` stores them (the token issued ``age`` ago)."""
        kind = "ig-long" if self.login == "instagram" else "long"
        self.granted = set(
            ["instagram_business_basic", "instagram_business_content_publish",
             "instagram_business_manage_comments"] if self.login == "instagram" else
            ["instagram_basic", "instagram_content_publish", "instagram_manage_comments",
             "pages_show_list", "pages_read_engagement"]
        )  # fmt: skip
        token = self.issue(kind, age)
        issued = self.clock - age
        return {
            "access_token": token,
            "issued_at": issued.isoformat(),
            "expires_at": (issued + timedelta(days=60)).isoformat(),
            "client_secret": APP_SECRET,
        }

    def published(self) -> list[Media]:
        return list(self.media.values())

    def engage(self, media: str, likes: int = 0) -> None:
        self.media[media].likes += likes

    # -- dispatch --------------------------------------------------------------------
    def route(self, request: httpx.Request) -> tuple[str, Handler | None]:
        host, method = request.url.host, request.method
        parts = [p for p in request.url.path.split("/") if p]
        if host == "www.facebook.com" and parts[1:] == ["dialog", "oauth"]:
            return "authorize", lambda args, rest: self.authorize(args, "instagram_content_publish")
        if host == "www.instagram.com" and parts == ["oauth", "authorize"]:
            need = "instagram_business_content_publish"
            return "authorize", lambda args, rest: self.authorize(args, need)
        if host == "api.instagram.com" and method == "POST" and parts == ["oauth", "access_token"]:
            return "code", self._ig_code
        if host != self.host:
            return "", None
        if host == "graph.instagram.com" and parts == ["access_token"]:
            return "exchange", self._ig_exchange
        if host == "graph.instagram.com" and parts == ["refresh_access_token"]:
            return "refresh", self._ig_refresh
        if not parts or not parts[0].startswith("v"):
            return "", None
        rest = "/".join(parts[1:])
        if method == "GET" and rest == "oauth/access_token" and self.login == "facebook":
            return "token", self.access_token
        if method == "GET" and rest == "me/permissions":
            return "permissions", self._permissions
        edges: dict[tuple[str, int, str], tuple[str, Handler]] = {
            ("GET", 1, ""): ("node", self._node),
            ("POST", 2, "media"): ("create", self._create),
            ("POST", 2, "media_publish"): ("publish", self._publish),
            ("GET", 2, "media"): ("list", self._list),
            ("GET", 2, "content_publishing_limit"): ("limit", self._limit),
            ("POST", 2, "comments"): ("comment", self._comment),
            ("GET", 2, "comments"): ("comments", self._comments),
        }
        segs = parts[1:]
        return edges.get((method, len(segs), segs[1] if len(segs) == 2 else ""), ("", None))

    # -- Instagram Login ---------------------------------------------------------------
    @staticmethod
    def _ig_error(message: str) -> httpx.Response:
        body = {"error_type": "OAuthException", "code": 400, "error_message": message}
        return ok(body, 400)

    def _ig_code(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        if args.get("client_id") != APP_ID or args.get("client_secret") != APP_SECRET:
            return self._ig_error("Invalid platform app")
        if args.get("grant_type") != "authorization_code":
            return self._ig_error("Invalid grant_type")
        found = self.codes.pop(args.get("code", ""), None)
        if found is None or found[0] != args.get("redirect_uri"):
            return self._ig_error("Matching code was not found or was already used")
        token = self.issue("ig-short")
        every = ",".join(sorted(self.granted))
        return ok({"data": [{"access_token": token, "user_id": self.user, "permissions": every}]})

    def _ig_exchange(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        if args.get("grant_type") != "ig_exchange_token" or args.get("client_secret") != APP_SECRET:
            return error(400, 101, "Error validating client secret.")
        token = self.valid(args, {"ig-short"})
        if isinstance(token, httpx.Response):
            return token
        token.revoked = True
        return self.token_answer(self.tokens[self.issue("ig-long")])

    def _ig_refresh(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        if args.get("grant_type") != "ig_refresh_token":
            return error(400, 100, "Invalid grant_type")
        token = self.valid(args, {"ig-long"}, refreshing=True)
        if isinstance(token, httpx.Response):
            return token
        if self.clock - token.issued < DAY:
            return error(400, 100, "The access token must be at least 24 hours old to refresh")
        token.revoked = True  # whether Meta does is not documented: store the new one
        return self.token_answer(self.tokens[self.issue("ig-long")])

    # -- the account -------------------------------------------------------------------
    def _token(self, args: dict[str, str]) -> Token | httpx.Response:
        return self.valid(args, {"ig-long"} if self.login == "instagram" else {"long", "short"})

    def _mine(self, args: dict[str, str], rest: list[str]) -> Token | httpx.Response:
        token = self._token(args)
        if isinstance(token, httpx.Response):
            return token
        if rest[0] != self.user:
            return error(400, 100, "Object does not exist or cannot be loaded", 33)
        return token

    def _permissions(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._token(args)
        if isinstance(token, httpx.Response):
            return token
        every = sorted(self.granted | {"public_profile"})
        return ok({"data": [{"permission": p, "status": "granted"} for p in every]})

    def _node(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._token(args)
        if isinstance(token, httpx.Response):
            return token
        ident = rest[0]
        if ident == self.user:
            return ok({"id": self.user, "username": self.username})
        if ident in self.containers:
            found = self.containers[ident]
            self.on_poll()
            if found.status == "IN_PROGRESS":
                if found.polls_left <= 0:
                    found.status = "FINISHED"
                found.polls_left -= 1
            if found.status in {"IN_PROGRESS", "FINISHED"} and self.clock - found.created > DAY:
                found.status = "EXPIRED"
            body = {"id": ident, "status_code": found.status}
            if found.said:
                body["status"] = found.said
            return ok(body)
        if ident in self.media:
            item = self.media[ident]
            wanted = args.get("fields", "").split(",")
            if "like_count" in wanted or "comments_count" in wanted:
                comments = sum(1 for c in self.comments.values() if c.media == ident)
                counts = {"like_count": item.likes, "comments_count": comments}
                return ok({"id": ident, **{k: v for k, v in counts.items() if k in wanted}})
            return ok({"id": ident, "permalink": item.permalink, "caption": item.caption})
        return error(400, 100, "Object does not exist or cannot be loaded", 33)

    def _create(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._mine(args, rest)
        if isinstance(token, httpx.Response):
            return token
        if not {"instagram_content_publish", "instagram_business_content_publish"} & self.granted:
            return error(400, 10, "(#10) Application does not have permission for this action")
        day = [c for c in self.containers.values() if self.clock - c.created < DAY]
        if len(day) >= self.container_limit:
            return error(400, 9, "Application request limit reached", 2207042)
        caption = args.get("caption", "")
        if len(caption) > 2200:
            return error(400, 100, "The caption was too long", 2207010)
        if len(_HASHTAG.findall(caption)) > 30:
            return error(400, 100, "Too many hashtags in the caption", 2207010)
        kind = args.get("media_type", "IMAGE")
        item = args.get("is_carousel_item") == "true"
        said = ""
        if kind == "CAROUSEL":
            children = [c for c in args.get("children", "").split(",") if c]
            if not 2 <= len(children) <= 10:
                return error(400, 100, "A carousel takes between 2 and 10 items", 2207004)
            for child in children:
                found = self.containers.get(child)
                if found is None or found.fields.get("is_carousel_item") != "true":
                    return error(400, 100, f"Param children: {child} is not a carousel item")
                if found.status != "FINISHED":
                    return error(400, 9007, "A carousel item is not ready", 2207027)
            status = "FINISHED"
        elif kind in {"IMAGE", "REELS", "VIDEO"}:
            if (kind == "VIDEO") != item and kind != "IMAGE":
                return error(400, 100, "media_type VIDEO is for carousel items; use REELS")
            url = args.get("image_url" if kind == "IMAGE" else "video_url", "")
            if not url.startswith("https://"):
                return error(
                    400,
                    100,
                    f"Param {'image' if kind == 'IMAGE' else 'video'}_url must be a valid URL",
                )
            if kind == "IMAGE" and not url.lower().endswith((".jpg", ".jpeg")):
                return error(400, 36001, "Only JPEG images are supported", 2207026)
            if "alt_text" in args and (kind != "IMAGE" or item):
                return error(400, 100, "Param alt_text is only supported for a single image")
            if item and caption:
                return error(400, 100, "A carousel item takes no caption")
            status = "IN_PROGRESS"
            if not self.reachable(url):
                status, said = "ERROR", "Error: Media download has failed (2207052)"
        else:
            return error(
                400, 100, "Param media_type must be one of REELS, VIDEO, CAROUSEL, STORIES"
            )
        ident = self.next_id()
        fields = {k: v for k, v in args.items() if k != "access_token"}
        self.containers[ident] = Container(ident, fields, self.clock, status,
                                           self.processing_polls, said)  # fmt: skip
        return ok({"id": ident})

    def _publish(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._mine(args, rest)
        if isinstance(token, httpx.Response):
            return token
        container = self.containers.get(args.get("creation_id", ""))
        if container is None or container.fields.get("is_carousel_item") == "true":
            return error(400, 100, "Object does not exist or cannot be loaded", 33)
        if container.status == "PUBLISHED":
            return error(400, 100, "This media container has already been published", 2207008)
        if container.status != "FINISHED":
            return error(400, 9007, "The media is not ready for publishing, please wait", 2207027)
        if self._used() >= self.quota_total:
            return error(400, 9, "You reached the maximum number of posts per day", 2207042)
        fields = container.fields
        kind = {"CAROUSEL": "CAROUSEL_ALBUM", "REELS": "VIDEO"}.get(
            fields.get("media_type", ""), "IMAGE"
        )
        item = Media(self.next_id(), fields.get("caption", ""), self.clock, kind,
                     fields.get("alt_text", ""),
                     [c for c in fields.get("children", "").split(",") if c])  # fmt: skip
        self.media[item.id] = item
        container.status, container.media = "PUBLISHED", item.id
        return ok({"id": item.id})

    def _list(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._mine(args, rest)
        if isinstance(token, httpx.Response):
            return token
        shown = sorted(self.media.values(), key=lambda m: (m.created, m.id), reverse=True)

        def render(item: Media) -> dict[str, Any]:
            return {"id": item.id, "caption": item.caption, "timestamp": stamp(item.created),
                    "permalink": item.permalink}  # fmt: skip

        return page_of(shown, args, render)

    def _limit(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._mine(args, rest)
        if isinstance(token, httpx.Response):
            return token
        config = {"quota_total": self.quota_total, "quota_duration": 86400}
        return ok({"data": [{"quota_usage": self._used(), "config": config}]})

    def _comment(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._token(args)
        if isinstance(token, httpx.Response):
            return token
        if not {"instagram_manage_comments", "instagram_business_manage_comments"} & self.granted:
            return error(400, 10, "(#10) Application does not have permission for this action")
        if rest[0] not in self.media:
            return error(400, 100, "Object does not exist or cannot be loaded", 33)
        if not args.get("message"):
            return error(400, 100, "(#100) The parameter message is required")
        ident = self.next_id()
        self.comments[ident] = Comment(ident, rest[0], args["message"], self.username, self.clock)
        return ok({"id": ident})

    def _comments(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._token(args)
        if isinstance(token, httpx.Response):
            return token
        if rest[0] not in self.media:
            return error(400, 100, "Object does not exist or cannot be loaded", 33)
        found = [c for c in self.comments.values() if c.media == rest[0]]

        def render(item: Comment) -> dict[str, Any]:
            return {"id": item.id, "text": item.text, "username": item.username,
                    "timestamp": stamp(item.created)}  # fmt: skip

        return page_of(found, args, render)

    def _used(self) -> int:
        return sum(1 for m in self.media.values() if self.clock - m.created < DAY)


def instagram_account(login: str = "facebook", **settings: Any) -> Account:
    given = {"client_id": APP_ID, "user": USER_ID, "login": login, **settings}
    return account("instagram", f"team-ig-{login}", **given)


def _contract(login: str) -> Callable[[], contextlib.AbstractContextManager[Any]]:
    @contextlib.contextmanager
    def env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
        fake = FakeInstagram(login=login)
        with fake.client() as client:
            yield instagram_account(login), {"client_secret": APP_SECRET}, client

    return env


# Where the contract's images are served, as `media_base_url:` in socialgit.yml would say.
MEDIA_BASE_URL = MEDIA_BASE

# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {
    "instagram:facebook": _contract("facebook"),
    "instagram:instagram": _contract("instagram"),
}
