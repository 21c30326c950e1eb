"""A local Facebook Pages API (Meta's Graph API), written from the fact sheet
(shared/docs/providers-wave2-platforms.md §1 and §9) and Meta's Pages API docs.

``FakeFacebook`` is an ``httpx.MockTransport`` handler for ``www.facebook.com`` (the login
dialog, which approves at once) and ``graph.facebook.com``:

- sign-in (``tests/providers/meta/graphfake.py``): code → two-hour user token →
  ``fb_exchange_token`` → 60-day user token; ``/me/accounts`` lists the Pages the person
  manages with a Page token each (no expiry) and its tasks; ``/me/permissions`` what was
  granted;
- publishing, with a Page token only and the permissions it needs (else error 200):
  ``POST /{page}/feed`` (``message``, ``link``, ``attached_media[n]``: unpublished photos of
  this Page, each attached once; facebook.com links refused, subcode 1609008),
  ``POST /{page}/photos`` (multipart ``source``, JPEG/PNG/GIF up to 4 MB, else subcode
  1366046; ``published=false`` keeps it unpublished), ``POST /{page}/videos`` (multipart
  ``source``, a video), ``POST /{id}/comments`` (``pages_manage_engagement``);
- reading: ``/{id}`` (``permalink_url``: absolute for posts, a path for videos; with
  ``fields=reactions.summary(total_count)…,comments.summary(total_count)…,shares`` the
  counts, ``pages_read_engagement`` needed, ``shares`` left out when nobody shared),
  ``/{post}/comments`` (``from`` the Page), ``/{page}/published_posts`` (newest first,
  ``since``, cursor pages; ``ranked_out`` hides posts from it, as Meta's ranked and
  bounded feed does).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
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
    request_files,
    stamp,
)

PAGE_ID = "104000000000001"
PAGE_NAME = "Release Notes"
PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif"}
MAX_PHOTO = 4 * 1024 * 1024
POSTING = {"pages_manage_posts", "pages_read_engagement"}


@dataclass
class Photo:
    id: str
    alt: str
    published: bool
    used: bool = False


@dataclass
class Post:
    id: str
    message: str
    created: datetime
    link: str | None = None
    photos: list[str] = field(default_factory=list)
    video: bool = False
    reactions: int = 0  # of every kind (like, love, …)
    shares: int = 0

    @property
    def permalink(self) -> str:
        if self.video:
            return f"/{PAGE_ID}/videos/{self.id}/"
        return f"https://www.facebook.com/{PAGE_ID}/posts/{self.id.split('_')[1]}"


@dataclass
class Comment:
    id: str
    parent: str
    message: str
    author: str
    created: datetime


@dataclass
class FakeFacebook(GraphFake):
    page_id: str = PAGE_ID
    page_name: str = PAGE_NAME
    tasks: list[str] = field(default_factory=lambda: ["MANAGE", "CREATE_CONTENT", "MODERATE"])
    photos: dict[str, Photo] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    comments: dict[str, Comment] = field(default_factory=dict)
    ranked_out: set[str] = field(default_factory=set)  # posts the feed listing leaves out
    uploads: list[tuple[str, bytes]] = field(default_factory=list)  # (content type, bytes)
    page_token_life: timedelta | None = None  # None: Page tokens never end

    def page_token(self, user: str = "") -> str:
        made = self.issue("page", owner=self.page_id)
        if self.page_token_life is not None:
            self.tokens[made].expires = self.clock + self.page_token_life
        return made

    def public(self) -> list[Post]:
        return list(self.posts.values())

    def engage(self, post: str, reactions: int = 0, shares: int = 0, comments: int = 0) -> None:
        """People react to ``post``, share it and comment on it."""
        self.posts[post].reactions += reactions
        self.posts[post].shares += shares
        for _ in range(comments):
            ident = f"{post.split('_')[-1]}_{self.next_id()}"
            self.comments[ident] = Comment(ident, post, "congrats", "someone", self.clock)

    def route(self, request: httpx.Request) -> tuple[str, Handler | None]:
        host, method = request.url.host, request.method
        parts = [p for p in request.url.path.split("/") if p]
        if host == "www.facebook.com" and parts[1:] == ["dialog", "oauth"]:
            return "authorize", lambda args, rest: self.authorize(args, "pages_manage_posts")
        if host != "graph.facebook.com" or not parts or not parts[0].startswith("v"):
            return "", None
        rest = parts[1:]
        self._files = request_files(request)
        table: dict[tuple[str, str], tuple[str, Handler]] = {
            ("GET", "oauth/access_token"): ("token", self.access_token),
            ("GET", "me/accounts"): ("accounts", self._accounts),
            ("GET", "me/permissions"): ("permissions", self._permissions),
            ("GET", "debug_token"): ("debug", self._debug),
        }
        joined = "/".join(rest)
        if (method, joined) in table:
            return table[(method, joined)]
        edges: dict[tuple[str, int, str], tuple[str, Handler]] = {
            ("GET", 1, ""): ("node", self._node),
            ("POST", 2, "feed"): ("feed", self._feed),
            ("POST", 2, "photos"): ("photo", self._photo),
            ("POST", 2, "videos"): ("video", self._video),
            ("POST", 2, "comments"): ("comment", self._comment),
            ("GET", 2, "comments"): ("comments", self._comments),
            ("GET", 2, "published_posts"): ("list", self._list),
        }
        return edges.get((method, len(rest), rest[1] if len(rest) == 2 else ""), ("", None))

    # -- the person --------------------------------------------------------------------
    def _user(self, args: dict[str, str]) -> Token | httpx.Response:
        return self.valid(args, {"short", "long"})

    def _accounts(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._user(args)
        if isinstance(token, httpx.Response):
            return token
        if "pages_show_list" not in self.granted:
            return error(400, 200, "(#200) pages_show_list is needed")
        pages = [{"id": "104000000000999", "name": "Another Page", "tasks": ["ANALYZE"]},
                 {"id": self.page_id, "name": self.page_name, "tasks": self.tasks}]  # fmt: skip

        def render(page: dict[str, Any]) -> dict[str, Any]:
            return {**page, "access_token": self.page_token(), "category": "Software"}

        return page_of(pages, args, render, size=1)

    def _permissions(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._user(args)
        if isinstance(token, httpx.Response):
            return token
        every = sorted(self.granted | {"public_profile"})
        return ok({"data": [{"permission": p, "status": "granted"} for p in every]})

    def _debug(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        """The token debugger, asked with a developer's user token."""
        token = self._user(args)
        if isinstance(token, httpx.Response):
            return token
        found = self.tokens.get(args.get("input_token", ""))
        if found is None:
            return error(400, 100, "(#100) The parameter input_token is required")
        ends = int(found.expires.timestamp()) if found.expires is not None else 0
        kind = "PAGE" if found.kind == "page" else "USER"
        return ok({"data": {"app_id": APP_ID, "type": kind, "is_valid": not found.revoked,
                            "expires_at": ends, "scopes": sorted(self.granted)}})  # fmt: skip

    # -- the Page ----------------------------------------------------------------------
    def _page(self, args: dict[str, str], rest: list[str]) -> Token | httpx.Response:
        token = self.valid(args)
        if isinstance(token, httpx.Response):
            return token
        if rest[0] != self.page_id:
            return error(400, 100, "Object does not exist or cannot be loaded", 33)
        if token.kind != "page":
            return error(400, 200, "(#200) Publishing to a Page requires a Page access token")
        if not self.granted >= POSTING:
            return error(400, 200, "(#200) requires pages_read_engagement and pages_manage_posts")
        if "CREATE_CONTENT" not in self.tasks:
            return error(400, 200, "(#200) The user cannot create content on this Page")
        return token

    def _node(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self.valid(args)
        if isinstance(token, httpx.Response):
            return token
        ident = rest[0]
        if ident == self.page_id:
            return ok({"id": self.page_id, "name": self.page_name})
        if ident in self.posts:
            found = self.posts[ident]
            wanted = args.get("fields", "")
            if "summary(total_count)" in wanted:
                return self._counts(found, wanted)
            return ok({"id": ident, "permalink_url": found.permalink, "message": found.message})
        if ident in self.comments:
            return ok({"id": ident, "message": self.comments[ident].message})
        return error(400, 100, "Object does not exist or cannot be loaded", 33)

    def _counts(self, post: Post, wanted: str) -> httpx.Response:
        if "pages_read_engagement" not in self.granted:
            return error(400, 10, "(#10) This endpoint requires pages_read_engagement")
        comments = sum(1 for c in self.comments.values() if c.parent == post.id)
        body: dict[str, Any] = {"id": post.id}
        if "reactions.summary" in wanted:
            body["reactions"] = {"data": [], "summary": {"total_count": post.reactions}}
        if "comments.summary" in wanted:
            body["comments"] = {"data": [], "summary": {"order": "ranked",
                                                        "total_count": comments}}  # fmt: skip
        if "shares" in wanted.split(",") and post.shares and not post.video:
            body["shares"] = {"count": post.shares}
        return ok(body)

    def _feed(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._page(args, rest)
        if isinstance(token, httpx.Response):
            return token
        message, link = args.get("message", ""), args.get("link")
        attached = [
            json.loads(v) for k, v in sorted(args.items()) if k.startswith("attached_media[")
        ]
        if not message and not link and not attached:
            return error(400, 100, "(#100) A post needs a message, a link or attached media")
        if len(message) > 63_206:
            return error(400, 100, "(#100) The message is too long")
        if link is not None:
            if not link.startswith(("https://", "http://")):
                return error(400, 100, "(#100) link URL is not properly formatted")
            if "facebook.com" in httpx.URL(link).host:
                return error(
                    400, 100, "(#100) Links to Facebook cannot be shared this way", 1609008
                )
        photos = []
        for item in attached:
            photo = self.photos.get(str(item.get("media_fbid")))
            if photo is None or photo.published or photo.used:
                return error(
                    400, 100, "(#100) attached_media: not an unpublished photo of this Page"
                )
            photos.append(photo)
        for photo in photos:
            photo.used = True
        ident = f"{self.page_id}_{self.next_id()}"
        self.posts[ident] = Post(ident, message, self.clock, link, [p.id for p in photos])
        return ok({"id": ident})

    def _photo(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._page(args, rest)
        if isinstance(token, httpx.Response):
            return token
        source = self._files.get("source")
        if source is None:
            return error(400, 324, "(#324) Requires upload file")
        kind, data = source
        self.uploads.append((kind, data))
        if kind not in PHOTO_TYPES or len(data) > MAX_PHOTO:
            return error(
                400, 100, "Photos should be smaller than 4 MB and saved as JPG, PNG", 1366046
            )
        ident = self.next_id()
        published = args.get("published", "true") != "false"
        self.photos[ident] = Photo(ident, args.get("alt_text_custom", ""), published)
        if not published:
            return ok({"id": ident})
        post = f"{self.page_id}_{self.next_id()}"
        self.posts[post] = Post(post, args.get("caption", ""), self.clock, photos=[ident])
        return ok({"id": ident, "post_id": post})

    def _video(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self._page(args, rest)
        if isinstance(token, httpx.Response):
            return token
        source = self._files.get("source")
        if source is None or not source[0].startswith("video/"):
            return error(
                400,
                352,
                "(#352) Sorry, the video file you selected is in a format that we don't support.",
            )
        self.uploads.append(source)
        ident = self.next_id()
        self.posts[ident] = Post(ident, args.get("description", ""), self.clock, video=True)
        return ok({"id": ident})

    def _comment(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self.valid(args, {"page"})
        if isinstance(token, httpx.Response):
            return token
        if "pages_manage_engagement" not in self.granted:
            return error(400, 200, "(#200) pages_manage_engagement is needed to comment")
        if rest[0] not in self.posts:
            return error(400, 100, "Object does not exist or cannot be loaded", 33)
        if not args.get("message"):
            return error(400, 100, "(#100) A comment needs a message")
        ident = f"{rest[0].split('_')[-1]}_{self.next_id()}"
        self.comments[ident] = Comment(ident, rest[0], args["message"], token.owner, self.clock)
        return ok({"id": ident})

    def _comments(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self.valid(args)
        if isinstance(token, httpx.Response):
            return token
        if rest[0] not in self.posts:
            return error(400, 100, "Object does not exist or cannot be loaded", 33)
        found = [c for c in self.comments.values() if c.parent == rest[0]]

        def render(item: Comment) -> dict[str, Any]:
            name = self.page_name if item.author == self.page_id else "Someone"
            return {"id": item.id, "message": item.message, "created_time": stamp(item.created),
                    "from": {"id": item.author, "name": name}}  # fmt: skip

        return page_of(found, args, render)

    def _list(self, args: dict[str, str], rest: list[str]) -> httpx.Response:
        token = self.valid(args)
        if isinstance(token, httpx.Response):
            return token
        since = datetime.fromtimestamp(int(args.get("since", "0")), self.clock.tzinfo)
        shown = sorted(
            (p for p in self.posts.values() if p.created >= since and p.id not in self.ranked_out),
            key=lambda p: (p.created, p.id),
            reverse=True,
        )

        def render(item: Post) -> dict[str, Any]:
            link = item.permalink if item.permalink.startswith("https") else None
            return {"id": item.id, "message": item.message, "created_time": stamp(item.created),
                    **({"permalink_url": link} if link else {})}  # fmt: skip

        return page_of(shown, args, render)


def facebook_account(**settings: Any) -> Account:
    return account(
        "facebook", "team-facebook", **{"client_id": APP_ID, "page": PAGE_ID, **settings}
    )


def connected(fake: FakeFacebook) -> dict[str, str]:
    """Credentials as `socialgit connect` stores them, for the default scopes."""
    fake.granted = {
        "pages_show_list", "pages_read_engagement", "pages_manage_posts", "pages_manage_engagement",
    }  # fmt: skip
    return {
        "access_token": fake.page_token(),
        "user_token": fake.issue("long"),
        "client_secret": APP_SECRET,
    }


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeFacebook()
    with fake.client() as client:
        yield facebook_account(), {"client_secret": APP_SECRET}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"facebook": _contract_env}
