"""The webhook provider against a receiver that dedupes on the Idempotency-Key."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from providers import _http, webhook
from providers.base import Outgoing, Receipt
from socialgit.errors import (
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
    VaultError,
)
from tests.providers._support import account, assert_secret_free, raising, thread
from tests.providers.webhook.fake import FakeWebhook

HOOK = account("webhook", "hook")


@pytest.fixture
def fake() -> FakeWebhook:
    return FakeWebhook()


def delivery(tmp: Path) -> Outgoing:
    return thread(tmp, "First part", "Second part")


def post(fake: FakeWebhook, outgoing: Outgoing, seen: list[str] | None = None) -> Receipt:
    found = [] if seen is None else seen
    with fake.client() as client:
        return webhook.post(client, HOOK, {"url": fake.url}, outgoing, (), found.append)


def failing(fake: FakeWebhook, outgoing: Outgoing) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        post(fake, outgoing)
    # Raised outside the handler: nothing chains back to httpx's request (URL included).
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert_secret_free(caught.value, fake.token)
    return caught.value


def test_one_post_carries_the_thread_with_its_key(fake: FakeWebhook, tmp_path: Path) -> None:
    outgoing = delivery(tmp_path)
    seen: list[str] = []
    receipt = post(fake, outgoing, seen)
    assert receipt.id == "d-1" and receipt.parts == ("d-1",) == tuple(seen)
    assert receipt.url == f"{fake.host}/deliveries/d-1"
    (request,) = fake.requests
    assert request.headers["Idempotency-Key"] == outgoing.key
    sent = json.loads(request.content)
    assert [p["text"] for p in sent["parts"]] == ["First part", "Second part"]
    assert sent["parts"][0]["media"] == [
        {"path": "media/dot.png", "alt": "a dot", "mime": "image/png"}
    ]
    assert fake.processed == {outgoing.key: sent}


def test_a_lost_answer_is_in_doubt_and_the_resend_is_dropped(
    fake: FakeWebhook, tmp_path: Path
) -> None:
    outgoing = delivery(tmp_path)
    fake.drop_answers = 1
    doubt = failing(fake, outgoing)
    assert isinstance(doubt, OutcomeUnknown) and "may have arrived" in str(doubt)
    assert str(doubt).startswith("hook: the webhook: ")
    assert webhook.RESEND_IN_DOUBT  # so the runner resends, with the same key
    receipt = post(fake, outgoing)
    assert len(fake.requests) == 2 and list(fake.processed) == [outgoing.key]
    assert receipt.id == "d-1"  # the first answer, replayed
    assert fake.requests[1].headers["Idempotency-Key"] == outgoing.key


def test_an_edited_resend_under_the_same_key_is_refused_with_the_reason(
    fake: FakeWebhook, tmp_path: Path
) -> None:
    post(fake, delivery(tmp_path))
    edited = thread(tmp_path, "First part, edited", "Second part")
    refused = failing(fake, edited)
    assert isinstance(refused, Rejected)
    assert "HTTP 422: this key came before with another body" in str(refused)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError, Transient),  # nothing reached the receiver
        (httpx.ConnectTimeout, Transient),
        (httpx.ReadTimeout, OutcomeUnknown),  # it may have been processed
        (httpx.WriteTimeout, OutcomeUnknown),
        (httpx.RemoteProtocolError, OutcomeUnknown),
    ],
)
def test_transport_errors_are_translated_without_the_url(
    tmp_path: Path, exc: type[httpx.HTTPError], kind: type[ProviderError]
) -> None:
    secret = "https://hooks.example.test/in/hook-s3cr3t-transport"
    transport = httpx.MockTransport(raising(exc))
    with httpx.Client(transport=transport) as client, pytest.raises(kind) as caught:
        webhook.post(client, HOOK, {"url": secret}, delivery(tmp_path), (), print)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert_secret_free(caught.value, secret, "hook-s3cr3t-transport")
    assert exc.__name__ in str(caught.value)


def test_an_address_that_is_not_http_is_refused(tmp_path: Path) -> None:
    with httpx.Client() as client, pytest.raises(Rejected, match="not http") as caught:
        webhook.post(
            client, HOOK, {"url": "ftp://h.test/in/s3cr3t-ftp"}, delivery(tmp_path), (), print
        )
    assert_secret_free(caught.value, "s3cr3t-ftp")


def test_statuses_are_classified(fake: FakeWebhook, tmp_path: Path) -> None:
    outgoing = delivery(tmp_path)
    fake.queue.append(fake.rate_limit(30))
    start = _http.now()
    limited = failing(fake, outgoing)
    assert isinstance(limited, RateLimited) and limited.until is not None
    assert timedelta(seconds=29) <= limited.until - start <= timedelta(seconds=31)
    fake.queue.append(httpx.Response(409))
    assert isinstance(failing(fake, outgoing), Transient)
    fake.queue.append(httpx.Response(503))
    assert isinstance(failing(fake, outgoing), Transient)
    fake.queue.append(httpx.Response(403, json={"error": "forbidden: bad signature"}))
    refused = failing(fake, outgoing)
    assert isinstance(refused, Rejected) and "HTTP 403: forbidden: bad signature" in str(refused)
    assert fake.processed == {}  # none of those answers processed anything
    assert post(fake, outgoing).id == "d-1"


def test_done_means_nothing_is_sent(fake: FakeWebhook, tmp_path: Path) -> None:
    with fake.client() as client:
        receipt = webhook.post(client, HOOK, {"url": fake.url}, delivery(tmp_path), ("d-9",), print)
    assert receipt.parts == ("d-9",) and fake.requests == []


def test_no_url_says_where_to_put_one(tmp_path: Path) -> None:
    with httpx.Client() as client, pytest.raises(VaultError, match="socialgit vault put hook"):
        webhook.post(client, HOOK, {}, delivery(tmp_path), (), print)


def test_a_vault_url_stays_out_of_the_request_log(
    fake: FakeWebhook, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="httpx"):
        post(fake, delivery(tmp_path))
    assert "HTTP Request: POST" in caplog.text
    assert fake.token not in caplog.text
