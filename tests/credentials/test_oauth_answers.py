"""How the generic OAuth helper (socialgit/credentials/oauth.py) classifies a token endpoint's
answers.

The token endpoint here is an ``httpx.MockTransport`` that checks the request as a server
would (grant type, client authentication) and answers what the networks answer."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from socialgit.credentials import oauth
from socialgit.errors import AuthRevoked, RateLimited, Transient
from socialgit.model import Account

ACCOUNT = Account(
    name="brand-x",
    provider="x",
    settings={"client_id": "app-1", "token_url": "https://auth.example/token"},
    line=1,
)
STORED = {"access_token": "at-old", "refresh_token": "rt-spent-SECRET", "client_id": "app-1"}


def _endpoint(status: int, body: dict[str, Any]) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        assert request.url.path == "/token" and request.method == "POST"
        assert form["grant_type"] == ["refresh_token"]
        assert form["refresh_token"] == ["rt-spent-SECRET"]
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": "invalid_grant"}),
        # X: "Value passed for the token was invalid."; LinkedIn likewise for a revoked one.
        (400, {"error": "invalid_request", "error_description": "Value passed was invalid."}),
        (401, {"error": "invalid_client"}),
        (403, {}),
        # Reddit: a refused grant comes back as HTTP 200 with the error in the body.
        (200, {"error": "invalid_grant"}),
        (200, {"error": "invalid_request"}),
    ],
)
def test_a_refused_refresh_means_connect_again(status: int, body: dict[str, Any]) -> None:
    with _endpoint(status, body) as client, pytest.raises(AuthRevoked) as caught:
        oauth.refresh(client, ACCOUNT, STORED)
    assert "socialgit connect brand-x" in str(caught.value)
    assert "rt-spent-SECRET" not in str(caught.value)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(408, Transient), (429, RateLimited), (500, Transient), (503, Transient), (200, Transient)],
)
def test_a_passing_failure_is_never_a_revocation(status: int, kind: type[Exception]) -> None:
    answer = {"error": "temporarily_unavailable"}
    with _endpoint(status, answer) as client, pytest.raises(kind) as caught:
        oauth.refresh(client, ACCOUNT, STORED)
    assert not isinstance(caught.value, AuthRevoked)


@pytest.mark.parametrize(
    "body",
    [
        {"access_token": "at-new", "expires_in": 3600},
        # Instagram's login documents its answer wrapped in a list.
        {"data": [{"access_token": "at-new", "expires_in": 3600, "permissions": "x,y"}]},
    ],
)
def test_a_token_answer_top_level_or_wrapped_in_data(body: dict[str, Any]) -> None:
    with _endpoint(200, body) as client:
        fresh = oauth.refresh(client, ACCOUNT, STORED)
    assert fresh["access_token"] == "at-new" and fresh["expires_at"]
