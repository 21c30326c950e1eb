"""Threads end to end: the sign-in against the strict OAuth server (the standard part), and
deliveries through the runner's ``deliver_one`` with publish timeouts and reruns."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import _http, threads
from providers.threads import publish as _threads_publish
from socialgit.content import load_content
from socialgit.credentials import oauth
from socialgit.errors import ProviderError
from socialgit.runner.deliver import Context, Outcome, deliver_one
from socialgit.runner.keys import delivery_key
from socialgit.runner.work import Work
from tests.oauth_server import OAuthServer
from tests.providers.discord.fake import PNG
from tests.providers.threads.fake import (
    APP_ID,
    APP_SECRET,
    LONG,
    MEDIA_BASE,
    SHORT,
    FakeThreads,
    Token,
    threads_account,
)

REDIRECT = "http://127.0.0.1:8788/callback"
CLAIM_TIMEOUT = timedelta(minutes=40)  # a later run, past the claim timeout


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeThreads:
    made = FakeThreads()
    monkeypatch.setattr(_http, "now", lambda: made.clock)
    monkeypatch.setattr(_threads_publish, "SLEEP", made.sleeps.append)
    return made


# -- sign-in against tests/oauth_server.py ----------------------------------------------


@pytest.fixture
def server(fake: FakeThreads) -> Iterator[OAuthServer]:
    with OAuthServer() as running:
        running.add_client(APP_ID, APP_SECRET)

        def short_lived(body: dict[str, Any]) -> None:
            # The strict server plays Meta's code exchange; its token is what Threads would
            # then swap for a long-lived one, so the fake learns it.
            token = body["access_token"]
            fake.tokens[token] = Token(token, "short", fake.clock, fake.clock + SHORT)

        running.on_token = short_lived
        yield running


def both(fake: FakeThreads, server: OAuthServer) -> httpx.Client:
    """One client: the strict server over real HTTP, Threads' Graph host on the fake."""
    return httpx.Client(
        mounts={
            server.url: httpx.HTTPTransport(),
            "https://graph.threads.net": httpx.MockTransport(fake),
        }
    )


def test_code_exchange_with_pkce_then_long_lived_token(
    fake: FakeThreads, server: OAuthServer
) -> None:
    acct = threads_account(authorize_url=f"{server.url}/authorize", token_url=f"{server.url}/token")
    verifier, state = oauth.new_verifier(), oauth.new_state()
    url = threads.generate_auth_url(acct, REDIRECT, state, oauth.challenge(verifier))
    with both(fake, server) as client:
        back = httpx.URL(client.get(url).headers["location"])
        assert back.params["state"] == state
        code = back.params["code"]
        stored = threads.authenticate(
            client, acct, code, verifier, REDIRECT, {"client_secret": APP_SECRET}
        )
        with pytest.raises(ProviderError):  # single-use code
            threads.authenticate(
                client, acct, code, verifier, REDIRECT, {"client_secret": APP_SECRET}
            )
    exchange = server.token_requests[0]
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["client_secret"] == APP_SECRET  # client_secret_post, as Meta takes it
    assert exchange["code_verifier"] == verifier
    assert fake.tokens[stored["access_token"]].kind == "long"
    assert stored["user_id"] == fake.user_id
    expiry = threads.expires_at(stored)
    assert expiry is not None and expiry <= fake.clock + LONG


def test_a_wrong_verifier_is_refused_by_the_strict_server(
    fake: FakeThreads, server: OAuthServer
) -> None:
    acct = threads_account(authorize_url=f"{server.url}/authorize", token_url=f"{server.url}/token")
    verifier = oauth.new_verifier()
    url = threads.generate_auth_url(acct, REDIRECT, "s", oauth.challenge(verifier))
    with both(fake, server) as client:
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        with pytest.raises(ProviderError):
            threads.authenticate(
                client, acct, code, oauth.new_verifier(), REDIRECT, {"client_secret": APP_SECRET}
            )
    assert not [t for t in fake.tokens.values() if t.kind == "long"]


# -- through the runner ------------------------------------------------------------------

CONFIG = f"""\
timezone: UTC
media_base_url: {MEDIA_BASE}
accounts:
  team-threads:
    provider: threads
    client_id: "{APP_ID}"
"""

POST = """\
---
publish_at: 2024-05-01 09:00
targets: [team-threads]
---
Launch day

![A blue dot](../media/dot.png)
---
Details follow
"""


class Runner:
    def __init__(self, root: Path, fake: FakeThreads) -> None:
        (root / "content").mkdir(parents=True)
        (root / "media").mkdir()
        (root / "media" / "dot.png").write_bytes(PNG)
        (root / "socialgit.yml").write_text(CONFIG)
        (root / "content" / "launch.md").write_text(textwrap.dedent(POST))
        self.fake = fake
        self.content = load_content(root)
        self.post = self.content.posts[0]
        self.account = self.content.config.accounts["team-threads"]
        token = fake.issue("long")
        self.credentials = {
            "access_token": token,
            "user_id": fake.user_id,
            "issued_at": fake.clock.isoformat(),
            "expires_at": (fake.clock + LONG).isoformat(),
        }
        self.client = fake.client()
        self.context = Context(
            root=root,
            config=self.content.config,
            client=self.client,
            clock=lambda: fake.clock,
            claimed_at=fake.clock,
            credentials=lambda account: dict(self.credentials),
            refresh=None,
            record_part=lambda work, parts: None,
        )

    def run(self, previous: Outcome | None = None) -> Outcome:
        occurrence = self.post.publish_at
        work = Work(
            post=self.post,
            account=self.account,
            occurrence=occurrence,
            kind="doubt" if previous is not None and previous.state == "doubt" else "send",
            key=delivery_key(self.post.path, self.account.name, occurrence),
            previous=previous.entry if previous is not None else None,
            same=previous is not None,
        )
        return deliver_one(work, self.context)

    def publishes(self) -> int:
        return sum(1 for r in self.fake.requests if r.url.path.endswith("/threads_publish"))


def test_publish_timeout_after_meta_published_ends_with_one_post(
    fake: FakeThreads, tmp_path: Path
) -> None:
    runner = Runner(tmp_path, fake)
    fake.timeout_after.add("publish")
    outcome = runner.run()
    assert outcome.state == "published", outcome.message
    assert len(fake.posts()) == 1 and len(fake.media) == 2
    root = fake.posts()[0]
    assert outcome.entry["id"] == root.id and outcome.url == root.permalink
    assert root.image_urls == [f"{MEDIA_BASE}/media/dot.png"] and root.alt_texts == ["A blue dot"]


def test_in_doubt_that_went_out_is_never_sent_again_on_the_rerun(
    fake: FakeThreads, tmp_path: Path
) -> None:
    runner = Runner(tmp_path, fake)
    fake.timeout_after.add("publish")
    # The image is processed (two status checks), then both checks after the publish fail.
    fake.fail("node", None, None, httpx.ConnectError, httpx.ConnectError)
    first = runner.run()
    assert first.state == "doubt", first.message
    assert len(fake.media) == 1
    fake.clock += CLAIM_TIMEOUT
    rerun = runner.run(first)
    assert rerun.state == "error" and "check by hand" in rerun.message
    assert "https://www.threads.net/@releasebot/post/" in rerun.message
    assert len(fake.media) == 1 and runner.publishes() == 1


def test_in_doubt_that_did_not_go_out_is_sent_once_on_the_rerun(
    fake: FakeThreads, tmp_path: Path
) -> None:
    runner = Runner(tmp_path, fake)
    fake.fail("publish", httpx.ReadTimeout)  # lost on the way: Meta never saw it
    fake.fail("node", None, None, httpx.ConnectError, httpx.ConnectError)
    first = runner.run()
    assert first.state == "doubt" and not fake.media
    fake.clock += CLAIM_TIMEOUT
    rerun = runner.run(first)
    assert rerun.state == "published", rerun.message
    assert len(fake.posts()) == 1 and len(fake.media) == 2
