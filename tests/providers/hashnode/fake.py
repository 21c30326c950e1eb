"""A local Hashnode GraphQL API, written from the fact sheet
(shared/docs/providers-wave2-open.md §5) and Hashnode's gql-skill (its schema, mutations,
auth and errors references).

``FakeHashnode`` is an ``httpx.MockTransport`` handler that runs every request through a
real GraphQL executor (graphql-core) over the part of Hashnode's schema socialgit uses, so a
query that names a field, argument or input Hashnode does not have is refused as Hashnode's
server refuses it (HTTP 400, ``GRAPHQL_VALIDATION_FAILED``). It keeps publications and posts
and answers as Hashnode does, errors inside HTTP 200:

- no token, or one it does not know → ``UNAUTHENTICATED`` for ``me`` and every mutation;
- a publication without Pro → ``FORBIDDEN`` "Publication does not have an active Pro plan…"
  for ``publication`` and ``publishPost``; a user not its member → ``FORBIDDEN``;
- ``publishPost``: at most 15 tags (``BAD_USER_INPUT``); a slug in use gets a suffix (what
  Hashnode does there is UNCONFIRMED; socialgit never sends a slug in use);
- ``publication(id | host) { post(slug) posts(first) }``, ``post(id)``, newest first.

Failures on demand: ``lose`` names operations (``publishPost``, ``publication``) whose answer
is lost after the fake acted; ``queue`` holds canned answers for the mutation.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from graphql import GraphQLError, build_schema, graphql_sync

from socialgit.model import Account
from tests.providers._support import account

ENDPOINT = "https://gql-beta.hashnode.com/"
MEDIA_BASE_URL = "https://media.example.com/site"
TOKEN = "hn-4c1f0e2d-9b8a-4f6e-a1b2-c3d4e5f60718"
USER = {"id": "65f0c0ffee0000000000a11c", "username": "alice", "name": "Alice Example"}
PUBLICATION = "65f0c0ffee0000000000b10c"
HOST = "alice.hashnode.dev"
PRO_REFUSAL = (
    "Publication does not have an active Pro plan. Upgrade in your dashboard to access this "
    "via the API."
)

SCHEMA = build_schema(
    """
    scalar DateTime
    scalar ObjectId

    type Query {
      me: MyUser
      post(id: ID!): Post
      publication(id: ObjectId, host: String): Publication
    }
    type Mutation { publishPost(input: PublishPostInput!): PublishPostPayload! }

    type MyUser { id: ID! username: String! name: String! email: String! }
    type Publication {
      id: ID!
      title: String!
      url: String
      post(slug: String!): Post
      posts(first: Int!, after: String): PostConnection!
    }
    type PostConnection { edges: [PostEdge!]! pageInfo: PageInfo! }
    type PostEdge { node: Post! cursor: String! }
    type PageInfo { endCursor: String hasNextPage: Boolean! }
    type Post {
      id: ID!
      slug: String!
      url: String!
      title: String!
      subtitle: String
      publishedAt: DateTime!
      content: Content!
      canonicalUrl: String
      tags: [Tag!]
      coverImage: CoverImage
    }
    type Content { markdown: String! html: String! text: String! }
    type Tag { id: ID! name: String! slug: String! }
    type CoverImage { url: String }

    input PublishPostInput {
      publicationId: ObjectId!
      title: String!
      subtitle: String
      contentMarkdown: String!
      coverImage: String
      slug: String
      tags: [PublishPostTagInput!]
      originalArticleURL: String
      metaTitle: String
      metaDescription: String
      ogImage: String
      disableComments: Boolean
      isDelisted: Boolean
      enableToc: Boolean
      publishAs: ObjectId
      coAuthors: [ObjectId!]
      seriesId: ObjectId
      publishedAt: DateTime
    }
    input PublishPostTagInput { slug: String! name: String }
    type PublishPostPayload { post: Post! }
    """
)


def _refuse(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


@dataclass
class FakeHashnode:
    tokens: set[str] = field(default_factory=lambda: {TOKEN})
    pro: bool = True
    now: datetime = field(default_factory=lambda: datetime(2024, 5, 1, 9, 1, tzinfo=UTC))
    posts: list[dict[str, Any]] = field(default_factory=list)
    lose: set[str] = field(default_factory=set)
    queue: list[httpx.Response] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(0x66000))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method != "POST" or str(request.url) != ENDPOINT:
            return httpx.Response(404, text="Not Found")
        try:
            given = json.loads(request.content)
            query, variables = given["query"], given.get("variables") or {}
        except (ValueError, KeyError, TypeError):
            return httpx.Response(400, json={"errors": [{"message": "POST body missing",
                                                         "extensions": {"code": "BAD_REQUEST"}}]})  # fmt: skip  # noqa: E501
        token = request.headers.get("authorization", "")
        token = token[7:] if token.lower().startswith("bearer ") else token
        mutation = query.lstrip().startswith("mutation")
        if mutation and self.queue:
            return self.queue.pop(0)
        context = {"user": USER if token in self.tokens else None}
        result = graphql_sync(SCHEMA, query, self, context, variables,
                              field_resolver=_resolve)  # fmt: skip
        body: dict[str, Any] = {"data": result.data}
        status = 200
        if result.errors:
            body["errors"] = [e.formatted for e in result.errors]
            if result.data is None and not any(e.path for e in result.errors):
                status = 400  # a query the schema refuses: Apollo's validation failure
                for error in body["errors"]:
                    error["extensions"] = {"code": "GRAPHQL_VALIDATION_FAILED"}
        answer = httpx.Response(status, json=body)
        operation = "publishPost" if mutation else "publication" if "publication" in query else ""
        if operation in self.lose:
            self.lose.discard(operation)
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return answer

    # -- resolvers (the root value is the fake) ---------------------------------------------
    def me(self, info: Any) -> dict[str, Any]:
        if info.context["user"] is None:
            raise _refuse("UNAUTHENTICATED", "You must be logged in to access this resource.")
        return {**info.context["user"], "email": "alice@example.com"}

    def post(self, info: Any, id: str) -> dict[str, Any] | None:
        return next((p for p in self.posts if p["id"] == id), None)

    def publication(self, info: Any, id: str | None = None, host: str | None = None) -> Any:
        if (id, host) not in ((PUBLICATION, None), (None, HOST)):
            return None
        if not self.pro:
            raise _refuse("FORBIDDEN", PRO_REFUSAL)
        return _Publication(self)

    def publishPost(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        if info.context["user"] is None:
            raise _refuse("UNAUTHENTICATED", "You must be logged in to access this resource.")
        if input["publicationId"] != PUBLICATION:
            raise _refuse("FORBIDDEN", "You are not allowed to publish in this publication.")
        if not self.pro:
            raise _refuse("FORBIDDEN", PRO_REFUSAL)
        tags = input.get("tags") or []
        if len(tags) > 15:
            raise _refuse("BAD_USER_INPUT", "A post can have at most 15 tags.")
        if not input["title"].strip() or not input["contentMarkdown"].strip():
            raise _refuse("BAD_USER_INPUT", "Title and content are required.")
        self.now += timedelta(seconds=1)
        ident = f"{next(self._ids):024x}"
        slug = input.get("slug") or input["title"].lower().replace(" ", "-")
        if any(p["slug"] == slug for p in self.posts):
            slug = f"{slug}-{ident[-4:]}"
        made = {
            "id": ident,
            "slug": slug,
            "url": f"https://{HOST}/{slug}",
            "title": input["title"],
            "subtitle": input.get("subtitle"),
            "publishedAt": self.now.isoformat().replace("+00:00", "Z"),
            "content": {"markdown": input["contentMarkdown"], "html": "", "text": ""},
            "canonicalUrl": input.get("originalArticleURL"),
            "tags": [
                {"id": t["slug"], "slug": t["slug"], "name": t.get("name") or t["slug"]}
                for t in tags
            ],
            "coverImage": {"url": input.get("coverImage")},
        }
        self.posts.append(made)
        return {"post": made}


@dataclass
class _Publication:
    fake: FakeHashnode
    id: str = PUBLICATION
    title: str = "Alice's Notes"
    url: str = f"https://{HOST}"

    def post(self, info: Any, slug: str) -> dict[str, Any] | None:
        return next((p for p in self.fake.posts if p["slug"] == slug), None)

    def posts(self, info: Any, first: int, after: str | None = None) -> dict[str, Any]:
        newest = sorted(self.fake.posts, key=lambda p: p["publishedAt"], reverse=True)
        start = int(after or 0)
        chunk = newest[start : start + min(first, 50)]
        edges = [{"node": p, "cursor": str(start + n + 1)} for n, p in enumerate(chunk)]
        more = start + len(chunk) < len(newest)
        return {"edges": edges, "pageInfo": {"endCursor": str(start + len(chunk)),
                                             "hasNextPage": more}}  # fmt: skip


def _resolve(source: Any, info: Any, **args: Any) -> Any:
    """A dict's key, or an object's attribute (called with the arguments when a method)."""
    if isinstance(source, dict):
        return source.get(info.field_name)
    found = getattr(source, info.field_name, None)
    return found(info, **args) if callable(found) else found


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeHashnode()
    with fake.client() as client:
        yield account("hashnode", publication=HOST), {"token": TOKEN}, client


CONTRACT = {"hashnode": _contract_env}
