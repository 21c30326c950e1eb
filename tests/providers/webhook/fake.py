"""A well-behaved webhook receiver on ``httpx.MockTransport`` (docs/networks/webhook.md).

``FakeWebhook`` checks each delivery the way a strict receiver would (POST, the secret path,
``Content-Type: application/json``, an ``Idempotency-Key`` that matches the document's
``key``, the document's shape from providers/_document.py) and dedupes on the key as the
Idempotency-Key draft asks of a server (draft-ietf-httpapi-idempotency-key-header §2.6–2.7):
the first request with a key is processed; a retry gets the first answer again, marked
``Idempotent-Replayed``; the same key with a different body is 422; no key is 400.

Scripted answers (``queue``) are served before processing, so a 429 or 500 there means the
receiver did nothing. ``drop_answers`` processes a delivery and then loses the answer (a read
timeout): the sender cannot know it arrived, and a resend must not process it again.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from socialgit.model import Account
from tests.providers._support import account

_DOCUMENT = {"version", "key", "account", "post", "occurrence", "text", "parts"}


@dataclass
class FakeWebhook:
    host: str = "https://hooks.example.test"
    # In the path: the URL is the credential, so neither it nor the requests are in the repr
    # (which pytest prints when a test fails).
    token: str = field(default="hook-s3cr3t-5f0c2a9e81d7", repr=False)
    queue: list[httpx.Response] = field(default_factory=list)  # served first, nothing processed
    drop_answers: int = 0  # deliveries processed whose answer is then lost (ReadTimeout)
    requests: list[httpx.Request] = field(default_factory=list, repr=False)
    processed: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → document, once
    _answers: dict[str, tuple[bytes, dict[str, Any]]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"{self.host}/in/{self.token}"

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if str(request.url.copy_with(query=None)) != self.url:
            return _problem(404, "Not Found", "no webhook at this address")
        if request.method != "POST":
            return _problem(405, "Method Not Allowed", "deliveries are POSTed")
        if self.queue:
            return self.queue.pop(0)
        if not request.headers.get("content-type", "").startswith("application/json"):
            return _problem(415, "Unsupported Media Type", "send application/json")
        key = _key(request.headers.get_list("Idempotency-Key"))
        if key is None:
            return _problem(400, "Idempotency-Key is missing", "send exactly one key")
        try:
            body = json.loads(request.content)
        except ValueError:
            return _problem(400, "Bad Request", "the body is not JSON")
        if key in self._answers:
            first, document = self._answers[key]
            if document != body:
                return _problem(
                    422, "Idempotency-Key is already used", "this key came before with another body"
                )
            return httpx.Response(
                200, content=first, headers={"Idempotent-Replayed": "true", **_JSON}
            )
        problem = _shape_problem(body, key)
        if problem:
            return _problem(422, "Unprocessable Content", problem)
        ident = f"d-{next(self._ids)}"
        self.processed[key] = body
        answer = json.dumps({"id": ident, "url": f"{self.host}/deliveries/{ident}"}).encode()
        self._answers[key] = (answer, body)
        if self.drop_answers:
            self.drop_answers -= 1
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(201, content=answer, headers=_JSON)

    @staticmethod
    def rate_limit(seconds: int) -> httpx.Response:
        return _problem(429, "Too Many Requests", "slow down", {"Retry-After": str(seconds)})


_JSON = {"Content-Type": "application/json"}


def _key(values: list[str]) -> str | None:
    """The one key sent; a Structured Field string (``"…"``) or, as most senders do, bare."""
    if len(values) != 1 or not values[0].strip():
        return None
    value = values[0].strip()
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _shape_problem(body: Any, key: str) -> str:
    """What is wrong with a delivery document, or "" when nothing is."""
    if not isinstance(body, dict) or set(body) - {"keys"} != _DOCUMENT:
        return "the document's fields are not version, key, account, post, occurrence, text, parts"
    if body["version"] != 1 or body["key"] != key:
        return "version 1, with the Idempotency-Key as its key"
    if not isinstance(body["occurrence"], str) or not body["occurrence"].endswith("Z"):
        return "occurrence is a UTC time"
    parts = body["parts"]
    if not isinstance(parts, list) or not parts:
        return "parts is a non-empty list"
    for part in parts:
        if not isinstance(part, dict) or not isinstance(part.get("text"), str):
            return "each part has a text"
        for media in part.get("media", []):
            if not {"path", "alt", "mime"} <= set(media) or media["path"].startswith("/"):
                return "each medium has a repository-relative path, alt and mime"
    if body["text"] != "\n\n---\n\n".join(part["text"] for part in parts):
        return "text is the parts' texts joined"
    return ""


def _problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    # RFC 9457 problem details, as the Idempotency-Key draft's examples answer.
    return httpx.Response(
        status,
        json={"title": title, "detail": detail},
        headers={"Content-Type": "application/problem+json", **(headers or {})},
    )


@contextlib.contextmanager
def _contract_env() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeWebhook()
    with fake.client() as client:
        yield account("webhook"), {"url": fake.url}, client


# Rows of tests/providers/test_contract.py: "<provider>[:<way in>]" → env factory.
CONTRACT = {"webhook": _contract_env}
