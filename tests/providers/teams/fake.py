"""A Teams Workflows webhook ("When a Teams webhook request is received"), written from the
fact sheet (shared/docs/providers-wave2-open.md §12) as an ``httpx.MockTransport`` handler.

It checks what the trigger and Teams check: the URL's ``sig`` (the credential; a wrong one
is 401, a deleted flow 404), a JSON ``POST``, a ``message`` with Adaptive Card attachments
only (a legacy MessageCard is refused), each card of type ``AdaptiveCard`` in a version
Teams renders (≤ 1.5), ``TextBlock``s with text and ``Image``s with a public https URL, and
the ~28 KB size limit (413). It answers 202 with no body, and keeps the cards it posted.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from socialgit.model import Account
from tests.providers._support import account

HOST = "prod-42.westeurope.logic.azure.com"
WORKFLOW = "0f6e1b2c3d4e5f60718293a4b5c6d7e8"
SIG = "Zx9-sig-s3cr3t-AbCdEfGhIjKlMnOp"
MEDIA_BASE_URL = "https://files.example/site"
CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class FakeWorkflow:
    sig: str = SIG
    deleted: bool = False
    queue: list[httpx.Response] = field(default_factory=list)
    cards: list[dict[str, Any]] = field(default_factory=list)  # the cards shown in the channel

    @property
    def url(self) -> str:
        return (
            f"https://{HOST}:443/workflows/{WORKFLOW}/triggers/manual/paths/invoke"
            f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={self.sig}"
        )

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = f"/workflows/{WORKFLOW}/triggers/manual/paths/invoke"
        if request.url.host != HOST or request.url.path != path or self.deleted:
            return _error(404, "WorkflowNotFound", "The workflow could not be found.")
        if request.url.params.get("sig") != SIG:
            return _error(
                401, "DirectApiInvalidAuthorizationSignature", "The signature is invalid."
            )
        if request.method != "POST":
            return _error(405, "MethodNotAllowed", "The trigger takes POST.")
        if self.queue:
            return self.queue.pop(0)
        if len(request.content) > 28 * 1024:
            return httpx.Response(413, text="Request entity too large")
        problem = _check(request)
        if problem:
            return _error(400, "InvalidRequestContent", problem)
        message = json.loads(request.content)
        self.cards += [a["content"] for a in message["attachments"]]
        return httpx.Response(202)


def _check(request: httpx.Request) -> str | None:
    if not request.headers.get("content-type", "").startswith("application/json"):
        return "The request content type must be application/json."
    try:
        message = json.loads(request.content)
    except ValueError:
        return "The request content is not valid JSON."
    if not isinstance(message, dict) or message.get("type") != "message":
        return "Expected a message."
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return "The message has no attachments."
    for attachment in attachments:
        if attachment.get("contentType") != CARD:
            return "Workflows take Adaptive Cards only."
        content = attachment.get("content") or {}
        if content.get("type") != "AdaptiveCard" or content.get("version") not in (
            "1.0", "1.1", "1.2", "1.3", "1.4", "1.5",
        ):  # fmt: skip
            return "Not an Adaptive Card Teams renders."
        body = content.get("body")
        if not isinstance(body, list) or not body:
            return "The card has no body."
        for element in body:
            kind = element.get("type")
            if kind == "TextBlock" and isinstance(element.get("text"), str) and element["text"]:
                continue
            if kind == "Image" and str(element.get("url", "")).startswith("https://"):
                continue
            return f"Unsupported card element: {json.dumps(element)[:80]}"
    return None


def _error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message}})


def teams_account(**settings: Any) -> Account:
    return account("teams", **settings)


@contextlib.contextmanager
def _contract() -> Iterator[tuple[Account, dict[str, Any], httpx.Client]]:
    fake = FakeWorkflow()
    with fake.client() as client:
        yield teams_account(), {"webhook_url": fake.url}, client


CONTRACT = {"teams": _contract}
