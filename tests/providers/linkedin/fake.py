"""A local LinkedIn, written from the fact sheet (shared/docs/providers.md §4) and Microsoft
Learn's LinkedIn pages, as an ``httpx.MockTransport`` handler.

- OAuth on www.linkedin.com: the authorize URL grants at once (redirect with code and
  state); the token endpoint wants ``client_id``/``client_secret`` in the form and answers
  ``invalid_client`` to a ``code_verifier`` (LinkedIn's web flow does not do PKCE); codes are
  single-use and bound to the redirect URI; refresh tokens (when the app has programmatic
  refresh) do not rotate and keep counting down from the first sign-in.
- REST on api.linkedin.com: Bearer token (401 ``EXPIRED_ACCESS_TOKEN`` /
  ``REVOKED_ACCESS_TOKEN``), ``LinkedIn-Version`` among the active ones (else 426),
  ``X-Restli-Protocol-Version: 2.0.0``, URNs percent-encoded in paths and queries, scopes and
  page roles (403), the post body's shape, "little" text rendered as LinkedIn does (an
  unescaped reserved character cuts the text there, silently), duplicates (422
  ``DUPLICATE_POST`` naming the earlier post), the image upload flow, comments.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

import httpx

from socialgit.model import Account
from tests.providers._support import account

API = "api.linkedin.com"
WWW = "www.linkedin.com"
RESERVED = set("\\|{}@[]()<>#*_~")
_HASHTAG = re.compile(r"\{hashtag\|[#＃]\|([^\W_]+)\}")
_MENTION = re.compile(r"@\[([^\]\\]+)\]\((urn:li:(?:person|organization):[\w-]+)\)")
DAY = 24 * 3600


@dataclass
class Token:
    scope: set[str]
    expires: float
    revoked: bool = False


@dataclass
class FakeLinkedIn:
    client_id: str = "78li-app-id"
    client_secret: str = "LI-SECRET-client-secret-0123456789"
    sub: str = "782bbtaQ"
    name: str = "Ada Lovelace"
    organizations: dict[str, dict[str, str]] = field(
        default_factory=lambda: {"2414183": {"localizedName": "Devtestco", "vanityName": "devtest"}}
    )
    admin_of: set[str] = field(default_factory=lambda: {"2414183"})
    active_versions: set[str] = field(
        default_factory=lambda: (
            {f"2025{m:02d}" for m in range(6, 13)} | {f"2026{m:02d}" for m in range(1, 6)}
        )
    )
    programmatic_refresh: bool = True
    clock: float = 1_767_225_600.0  # 2026-01-01T00:00:00Z, seconds; tests move it
    queue: list[httpx.Response] = field(default_factory=list)  # REST answers served first
    requests: list[httpx.Request] = field(default_factory=list)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    token_forms: list[dict[str, str]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    statistics: dict[str, dict[str, int]] = field(default_factory=dict)  # post URN → counts
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(7141138937766391808))

    # -- helpers for tests -----------------------------------------------------------------
    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    @property
    def person(self) -> str:
        return f"urn:li:person:{self.sub}"

    def grant(self, scope: str, lifetime: int = 60 * DAY) -> str:
        """An access token as if signed in with ``scope``."""
        token = f"AQV-access-{next(self._ids)}"
        self.tokens[token] = Token(set(scope.split()), self.clock + lifetime)
        return token

    def ms(self) -> int:
        return int(self.clock * 1000)

    # -- dispatch ---------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        host, path = request.url.host, request.url.path
        if host == WWW and path == "/oauth/v2/authorization" and request.method == "GET":
            return self._authorize(request)
        if host == WWW and path == "/oauth/v2/accessToken" and request.method == "POST":
            return self._token(request)
        if host == WWW and path.startswith("/dms-uploads/") and request.method == "PUT":
            return self._upload(request)
        if host != API:
            return httpx.Response(404)
        auth = self._auth(request)
        if isinstance(auth, httpx.Response):
            return auth
        if path == "/v2/userinfo" and request.method == "GET":
            if not {"openid", "profile"} <= auth.scope:
                return _error(403, "ACCESS_DENIED", "Not enough permissions to access: userinfo")
            return httpx.Response(200, json={"sub": self.sub, "name": self.name, "locale": "en_US"})
        if not path.startswith("/rest/"):
            return httpx.Response(404)
        checked = self._rest_headers(request)
        if checked is not None:
            return checked
        if self.queue:
            return self.queue.pop(0)
        return self._rest(request, auth)

    def _rest(self, request: httpx.Request, auth: Token) -> httpx.Response:
        raw = request.url.raw_path.decode()
        path, _, query = raw.partition("?")
        method = request.method
        if path == "/rest/posts" and method == "POST":
            return self._create_post(request, auth)
        if path == "/rest/posts" and method == "GET":
            return self._find_posts(query, auth)
        if path.startswith("/rest/posts/") and method == "GET":
            return self._get_post(path.removeprefix("/rest/posts/"), auth)
        if path == "/rest/images" and method == "POST" and query == "action=initializeUpload":
            return self._init_upload(request, auth)
        if path.startswith("/rest/images/") and method == "GET":
            urn = _segment(path.removeprefix("/rest/images/"))
            image = self.images.get(urn or "")
            if image is None:
                return _error(404, "NOT_FOUND", "Not Found")
            return httpx.Response(200, json={"id": urn, "status": image["status"]})
        found = re.fullmatch(r"/rest/socialActions/([^/]+)/comments", path)
        if found and method == "POST":
            return self._comment(found[1], request, auth)
        found = re.fullmatch(r"/rest/organizations/(\d+)", path)
        if found and method == "GET":
            return self._organization(found[1], auth)
        if path == "/rest/organizationalEntityShareStatistics" and method == "GET":
            return self._statistics(query, auth)
        return _error(404, "NOT_FOUND", f"No resource for {method} {path}")

    # -- OAuth ------------------------------------------------------------------------------
    def _authorize(self, request: httpx.Request) -> httpx.Response:
        q = request.url.params
        if q.get("response_type") != "code" or q.get("client_id") != self.client_id:
            return httpx.Response(400, text="invalid request")
        scope = q.get("scope", "")
        known = {"openid", "profile", "email", "w_member_social", "r_organization_social"}
        known |= {"w_organization_social", "rw_organization_admin"}
        if not scope or not set(scope.split()) <= known:
            return httpx.Response(400, text="invalid scope")
        code = f"AQT-code-{next(self._ids)}"
        self.codes[code] = (q.get("redirect_uri", ""), scope)
        back = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}"
        return httpx.Response(302, headers={"Location": back})

    def _token(self, request: httpx.Request) -> httpx.Response:
        if "authorization" in request.headers:
            return _oauth_error(
                400, "invalid_request", 'A required parameter "client_id" is missing'
            )
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        self.token_forms.append(form)
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        if "code_verifier" in form:  # the web flow has no PKCE: LinkedIn refuses the client
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            bound = self.codes.pop(form.get("code", ""), None)
            if bound is None or bound[0] != form.get("redirect_uri"):
                return _oauth_error(
                    400,
                    "invalid_request",
                    "Unable to retrieve access token: appid/redirect uri/code verifier does not "
                    "match authorization code. Or authorization code expired.",
                )
            scope, refresh_end = bound[1], self.clock + 365 * DAY
        elif grant == "refresh_token":
            held = self.refresh_tokens.get(form.get("refresh_token", ""))
            if held is None or held[1] <= self.clock:
                return _oauth_error(
                    400,
                    "invalid_request",
                    "The provided authorization grant or refresh token is invalid, expired or "
                    "revoked",
                )
            scope, refresh_end = held
        else:
            return _oauth_error(400, "unsupported_grant_type", "grant type not supported")
        access = self.grant(scope)
        answer: dict[str, Any] = {"access_token": access, "expires_in": 60 * DAY, "scope": scope}
        if self.programmatic_refresh:
            refresh = form.get("refresh_token") or f"AQX-refresh-{next(self._ids)}"
            self.refresh_tokens[refresh] = (scope, refresh_end)
            answer["refresh_token"] = refresh  # the same one on refresh: it does not rotate
            answer["refresh_token_expires_in"] = int(refresh_end - self.clock)
        return httpx.Response(200, json=answer)

    # -- REST checks ------------------------------------------------------------------------
    def _auth(self, request: httpx.Request) -> Token | httpx.Response:
        header = request.headers.get("authorization", "")
        token = (
            self.tokens.get(header.removeprefix("Bearer "))
            if header.startswith("Bearer ")
            else None
        )
        if token is None:
            return httpx.Response(
                401,
                json={"serviceErrorCode": 65600, "message": "Invalid access token", "status": 401},
            )
        if token.revoked:
            message = "The token used in the request has been revoked by the user"
            return _error(401, "REVOKED_ACCESS_TOKEN", message, 65601)
        if token.expires <= self.clock:
            return _error(
                401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65602
            )
        return token

    def _rest_headers(self, request: httpx.Request) -> httpx.Response | None:
        version = request.headers.get("linkedin-version")
        if version is None:
            return _error(
                400,
                "VERSION_MISSING",
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
            )
        if version not in self.active_versions:
            return _error(426, "NONEXISTENT_VERSION", f"Requested version {version} is not active")
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return _error(400, "ILLEGAL_ARGUMENT", "Rest.li protocol 2.0.0 is required")
        return None

    def _json(self, request: httpx.Request) -> dict[str, Any] | httpx.Response:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return _error(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json")
        body = json.loads(request.content)
        return body if isinstance(body, dict) else _error(400, "ILLEGAL_ARGUMENT", "not an object")

    def _may_write(self, author: Any, auth: Token) -> httpx.Response | None:
        if author == self.person:
            ok = "w_member_social" in auth.scope
        elif isinstance(author, str) and author.startswith("urn:li:organization:"):
            number = author.rsplit(":", 1)[1]
            ok = "w_organization_social" in auth.scope and number in self.admin_of
        else:
            return _error(422, "INVALID_AUTHOR", f"author {author!r} is not valid")
        if not ok:
            return _error(403, "ACCESS_DENIED", f"Not enough permissions to write as {author}")
        return None

    def _may_read(self, author: str, auth: Token) -> bool:
        if author == self.person:
            return "r_member_social" in auth.scope  # restricted: granted to few apps
        number = author.rsplit(":", 1)[1]
        return "r_organization_social" in auth.scope and number in self.admin_of

    # -- posts --------------------------------------------------------------------------------
    def _create_post(self, request: httpx.Request, auth: Token) -> httpx.Response:
        body = self._json(request)
        if isinstance(body, httpx.Response):
            return body
        wanted = {
            "author",
            "commentary",
            "visibility",
            "distribution",
            "lifecycleState",
            "isReshareDisabledByAuthor",
        }
        if not wanted <= set(body) or not set(body) <= wanted | {"content"}:
            return _error(422, "FIELD_ERROR", f"unexpected fields {sorted(set(body) ^ wanted)}")
        refused = self._may_write(body["author"], auth)
        if refused is not None:
            return refused
        distribution = {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        }
        if (
            body["visibility"] != "PUBLIC"
            or body["lifecycleState"] != "PUBLISHED"
            or body["distribution"] != distribution
            or not isinstance(body["isReshareDisabledByAuthor"], bool)
            or not isinstance(body["commentary"], str)
        ):
            return _error(422, "FIELD_ERROR", "invalid post fields")
        content = body.get("content")
        media = self._check_content(content, body["author"]) if content is not None else []
        if isinstance(media, httpx.Response):
            return media
        for earlier in self.posts:
            if earlier["author"] == body["author"] and earlier["commentary"] == body["commentary"]:
                return httpx.Response(
                    422,
                    json={
                        "errorDetailType": "com.linkedin.common.error.BadRequest",
                        "message": "com.linkedin.content.common.exception."
                        f"BadRequestResponseException: Content is a duplicate of {earlier['id']}",
                        "errorDetails": {
                            "inputErrors": [
                                {
                                    "description": "Duplicate post is detected",
                                    "input": {},
                                    "code": "DUPLICATE_POST",
                                }
                            ]
                        },
                        "status": 422,
                    },
                )
        urn = f"urn:li:share:{next(self._ids)}"
        rendered, hashtags = render(body["commentary"])
        self.posts.append(
            {
                **body,
                "id": urn,
                "createdAt": self.ms(),
                "publishedAt": self.ms(),
                "rendered": rendered,
                "hashtags": hashtags,
                "images": media,
            }
        )
        return httpx.Response(201, headers={"x-restli-id": urn})

    def _check_content(self, content: Any, author: str) -> list[dict[str, Any]] | httpx.Response:
        if not isinstance(content, dict) or len(content) != 1:
            return _error(422, "FIELD_ERROR", "content must hold one kind")
        items: Any
        if "media" in content:
            items = [content["media"]]
        elif "multiImage" in content and isinstance(content["multiImage"], dict):
            items = content["multiImage"].get("images")
            if not isinstance(items, list) or not 2 <= len(items) <= 20:
                return _error(422, "FIELD_ERROR", "multiImage takes 2 to 20 images")
        else:
            return _error(422, "FIELD_ERROR", f"unsupported content {sorted(content)}")
        for item in items:
            image = self.images.get(item.get("id", "")) if isinstance(item, dict) else None
            if image is None or image["owner"] != author or image["status"] != "AVAILABLE":
                return _error(
                    422, "FIELD_ERROR", f"image {item} is not an available image of {author}"
                )
            if len(item.get("altText", "")) > 4086 or set(item) - {"id", "altText"}:
                return _error(422, "FIELD_ERROR", "invalid image item")
        checked: list[dict[str, Any]] = items
        return checked

    def _get_post(self, segment: str, auth: Token) -> httpx.Response:
        urn = _segment(segment)
        if urn is None:
            return _error(400, "ILLEGAL_ARGUMENT", "the post URN must be percent-encoded")
        post = next((p for p in self.posts if p["id"] == urn), None)
        if post is None:
            return _error(404, "NOT_FOUND", f"Post {urn} not found")
        if not self._may_read(post["author"], auth):
            return _error(403, "ACCESS_DENIED", "Not enough permissions to access: posts.GET")
        return httpx.Response(200, json=_public(post))

    def _find_posts(self, query: str, auth: Token) -> httpx.Response:
        raw = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
        if raw.get("q") != "author" or ":" in raw.get("author", ":"):
            return _error(400, "ILLEGAL_ARGUMENT", "q=author with a percent-encoded author")
        author = unquote(raw["author"])
        if not self._may_read(author, auth):
            return _error(
                403, "ACCESS_DENIED", "Not enough permissions to access: posts.FINDER-author"
            )
        start, count = int(raw.get("start", "0")), min(int(raw.get("count", "10")), 100)
        mine = sorted(
            (p for p in self.posts if p["author"] == author), key=lambda p: -p["createdAt"]
        )
        page = [_public(p) for p in mine[start : start + count]]
        return httpx.Response(
            200,
            json={"elements": page, "paging": {"start": start, "count": count, "total": len(mine)}},
        )

    # -- images and comments ----------------------------------------------------------------
    def _init_upload(self, request: httpx.Request, auth: Token) -> httpx.Response:
        body = self._json(request)
        if isinstance(body, httpx.Response):
            return body
        owner = (body.get("initializeUploadRequest") or {}).get("owner")
        refused = self._may_write(owner, auth)
        if refused is not None:
            return refused
        ident = next(self._ids)
        urn = f"urn:li:image:D4E{ident}"
        url = f"https://{WWW}/dms-uploads/sp/v2/D4E{ident}/uploadedImage/0?ca=vector_feedshare"
        self.images[urn] = {"owner": owner, "status": "WAITING_UPLOAD", "url": url, "data": b""}
        return httpx.Response(
            200,
            json={
                "value": {
                    "uploadUrlExpiresAt": self.ms() + 86_400_000,
                    "uploadUrl": url,
                    "image": urn,
                }
            },
        )

    def _upload(self, request: httpx.Request) -> httpx.Response:
        image = next((i for i in self.images.values() if i["url"] == str(request.url)), None)
        auth = self._auth(request)
        if isinstance(auth, httpx.Response):
            return auth
        if image is None:
            return httpx.Response(404)
        image["data"], image["status"] = request.content, "AVAILABLE"
        image["mime"] = request.headers.get("content-type")
        return httpx.Response(201)

    def _comment(self, segment: str, request: httpx.Request, auth: Token) -> httpx.Response:
        target = _segment(segment)
        if target is None:
            return _error(400, "ILLEGAL_ARGUMENT", "the post URN must be percent-encoded")
        body = self._json(request)
        if isinstance(body, httpx.Response):
            return body
        post = next((p for p in self.posts if p["id"] == target), None)
        if post is None:
            return _error(404, "NOT_FOUND", f"{target} not found")
        if body.get("object") != target or not isinstance(
            (body.get("message") or {}).get("text"), str
        ):
            return _error(422, "FIELD_ERROR", "a comment needs object (the post) and message.text")
        refused = self._may_write(body.get("actor"), auth)
        if refused is not None:
            return refused
        content = body.get("content")
        if content is not None:
            images = [c.get("entity", {}).get("image") for c in content if isinstance(c, dict)]
            if (
                len(images) != 1
                or self.images.get(images[0] or "", {}).get("status") != "AVAILABLE"
            ):
                return _error(422, "FIELD_ERROR", "a comment takes one available image")
        ident = next(self._ids)
        activity = post["id"].replace("urn:li:share:", "urn:li:activity:")
        urn = f"urn:li:comment:({activity},{ident})"
        comment = {**body, "id": str(ident), "$URN": urn, "created": {"time": self.ms()}}
        self.comments.append(comment)
        return httpx.Response(201, json=comment, headers={"x-restli-id": str(ident)})

    def engage(self, urn: str, **statistics: int) -> None:
        """People react, share, see and click a post (LinkedIn's statistics names:
        likeCount, shareCount, impressionCount, clickCount; comments are posted)."""
        self.statistics.setdefault(urn, {}).update(statistics)

    def _statistics(self, query: str, auth: Token) -> httpx.Response:
        """Lifetime statistics of an organization's posts, asked for by URN in Rest.li 2.0:
        ``shares=List(urn%3Ali%3Ashare%3A1)`` (URNs encoded, the List(...) not)."""
        args = dict(part.partition("=")[::2] for part in query.split("&"))
        org = _segment(args.get("organizationalEntity", "")) or ""
        if args.get("q") != "organizationalEntity" or not org.startswith("urn:li:organization:"):
            return _error(400, "ILLEGAL_ARGUMENT", "q=organizationalEntity needs the organization")
        number = org.rsplit(":", 1)[1]
        if "rw_organization_admin" not in auth.scope or number not in self.admin_of:
            return _error(403, "ACCESS_DENIED", "Not enough permissions to access statistics")
        listed = args.get("shares") or args.get("ugcPosts") or ""
        found = re.fullmatch(r"List\(([^)]*)\)", listed)
        urns = [_segment(u) for u in found[1].split(",")] if found else []
        if not urns or None in urns:
            return _error(400, "ILLEGAL_ARGUMENT", "shares must be List(encoded URNs)")
        elements = []
        for urn in urns:
            post = next((p for p in self.posts if p["id"] == urn and p["author"] == org), None)
            if post is None:
                continue
            activity = str(urn).replace("urn:li:share:", "urn:li:activity:")
            comments = sum(
                1 for c in self.comments if c["$URN"].startswith(f"urn:li:comment:({activity},")
            )
            totals = {"likeCount": 0, "shareCount": 0, "impressionCount": 0, "clickCount": 0}
            totals.update(self.statistics.get(str(urn), {}))
            totals["commentCount"] = comments
            totals["engagement"] = 0.0
            elements.append(
                {"organizationalEntity": org, "share": urn, "totalShareStatistics": totals}
            )
        return httpx.Response(200, json={"elements": elements, "paging": {"count": 10, "start": 0}})

    def _organization(self, number: str, auth: Token) -> httpx.Response:
        found = self.organizations.get(number)
        if found is None:
            return _error(404, "NOT_FOUND", f"Organization {number} not found")
        if "rw_organization_admin" not in auth.scope or number not in self.admin_of:
            return _error(
                403, "ACCESS_DENIED", "Not enough permissions to access: organizations.GET"
            )
        return httpx.Response(200, json={"id": int(number), **found})


def render(little: str) -> tuple[str, list[str]]:
    """Little text as LinkedIn shows it: escapes resolved, hashtag templates and mentions
    shown, and the text cut at the first reserved character that starts no element."""
    out: list[str] = []
    tags: list[str] = []
    at = 0
    while at < len(little):
        char = little[at]
        if char == "\\" and at + 1 < len(little):
            out.append(little[at + 1])
            at += 2
            continue
        tag = _HASHTAG.match(little, at)
        if tag:
            out.append(f"#{tag[1]}")
            tags.append(tag[1])
            at = tag.end()
            continue
        mention = _MENTION.match(little, at)
        if mention:
            out.append(mention[1])
            at = mention.end()
            continue
        if char in RESERVED:
            break  # LinkedIn drops the rest, and still answers 201
        out.append(char)
        at += 1
    return "".join(out), tags


def _segment(segment: str) -> str | None:
    """A percent-encoded URN path segment, decoded; None when it was sent unencoded."""
    return unquote(segment) if ":" not in segment and "%3A" in segment.upper() else None


def _public(post: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in post.items() if k not in {"rendered", "hashtags", "images"}}


def _error(status: int, code: str, message: str, service: int = 100) -> httpx.Response:
    return httpx.Response(
        status,
        json={"status": status, "serviceErrorCode": service, "code": code, "message": message},
    )


def _oauth_error(status: int, error: str, description: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "error_description": description})


def encoded(urn: str) -> str:
    return quote(urn, safe="")


@contextlib.contextmanager
def _member_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeLinkedIn()
    with fake.client() as client:
        yield (
            account("linkedin", client_id=fake.client_id),
            {"client_secret": fake.client_secret},
            client,
        )


@contextlib.contextmanager
def _organization_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeLinkedIn()
    acct = account("linkedin", "team-page", client_id=fake.client_id, organization="2414183")
    with fake.client() as client:
        yield acct, {"client_secret": fake.client_secret}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"linkedin": _member_env, "linkedin:organization": _organization_env}
