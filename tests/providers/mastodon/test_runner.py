"""Mastodon through the real runner (git repo, claims, results): a lost answer never becomes
a second status. Within the hour the instance keeps an ``Idempotency-Key``, a rerun finds
the status by its key and finishes the thread; after it, a status with these words is left
to a person. The runner's HTTP client is pointed at the fake instance; nothing else is
replaced."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialgit.runner import RunReport
from socialgit.runner.deliver import CHECK_BY_HAND
from tests.conftest import Repo
from tests.providers.mastodon.fake import FakeMastodon
from tests.providers.runner_site import DUE, Handler, make_site, pushed, run_at
from tests.providers.runner_site import entry as entry_of

FIRST = DUE + timedelta(minutes=1)
# Past claim_timeout (30 minutes), so the claim in doubt is looked up again, but inside the
# hour the instance keeps the first attempt's Idempotency-Key.
WITHIN_HOUR = FIRST + timedelta(minutes=40)
AFTER_HOUR = FIRST + timedelta(hours=2)
PARTS = ("Release notes are up & the beta is open", "Second part: what changed since then")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    settings = {"provider": "mastodon", "instance": "https://mastodon.example"}
    return make_site(tmp_path, monkeypatch, "masto", settings, "\n---\n".join(PARTS))


@pytest.fixture
def fake() -> FakeMastodon:
    return FakeMastodon()


def deliver(
    site: Repo,
    fake: FakeMastodon,
    at: datetime,
    monkeypatch: pytest.MonkeyPatch,
    handler: Handler | None = None,
) -> RunReport:
    fake.now = at  # the instance's clock, which ends a key's hour
    token = next(iter(fake.tokens), None) or fake.issue_token()
    return run_at(site, at, handler or fake, {"access_token": token}, monkeypatch)


def entry(site: Repo) -> dict[str, Any]:
    return entry_of(site, "masto")


def posts(fake: FakeMastodon) -> list[httpx.Request]:
    """The status creations that were not look-ups (a probe sends an empty text)."""
    return [
        r
        for r in fake.requests
        if r.method == "POST"
        and r.url.path == "/api/v1/statuses"
        and json.loads(r.content).get("status")
    ]


def test_lost_answer_then_rerun_within_the_hour_finds_it_by_key_and_ends_the_thread(
    site: Repo, fake: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.lose_answers = 1  # the instance creates part 1, its answer never arrives
    first = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"]
    assert entry(site)["status"] == "publishing" and "parts" not in entry(site)
    assert len(fake.statuses) == 1

    second = deliver(site, fake, WITHIN_HOUR, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    head, reply = fake.statuses
    assert len(fake.statuses) == 2  # part 1 found by its key, part 2 sent once
    assert (head["_text"], reply["_text"]) == PARTS
    assert head["in_reply_to_id"] is None and reply["in_reply_to_id"] == head["id"]
    written = entry(site)
    assert written["status"] == "published"
    assert written["id"] == head["id"]
    assert written["url"] == f"https://mastodon.example/@alice/{head['id']}"
    assert written["parts"] == [head["id"], reply["id"]]
    assert "error" not in written and pushed(site)

    third = deliver(site, fake, AFTER_HOUR, monkeypatch)
    assert third.outcomes == [] and len(fake.statuses) == 2


def test_second_part_lost_then_rerun_within_the_hour_records_both_without_posting(
    site: Repo, fake: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered: list[str] = []

    def lose_second(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v1/statuses":
            if answered:
                fake.lose_answers = 1
            answered.append("x")
        return fake(request)

    first = deliver(site, fake, FIRST, monkeypatch, lose_second)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.statuses) == 2
    head, reply = fake.statuses
    assert entry(site)["parts"] == [head["id"]]  # part 1's id was kept as it came

    second = deliver(site, fake, WITHIN_HOUR, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    assert len(fake.statuses) == 2 and len(posts(fake)) == 2
    assert entry(site)["parts"] == [head["id"], reply["id"]]
    assert entry(site)["url"] == f"https://mastodon.example/@alice/{head['id']}"


def test_lost_before_the_instance_saw_it_then_rerun_posts_once(
    site: Repo, fake: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost: list[str] = []

    def drop_first_post(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v1/statuses" and not lost:
            lost.append("x")
            raise httpx.ReadTimeout("timed out", request=request)  # never reached the instance
        return fake(request)

    first = deliver(site, fake, FIRST, monkeypatch, drop_first_post)
    assert [o.state for o in first.outcomes] == ["doubt"] and fake.statuses == []
    assert entry(site)["status"] == "publishing"

    second = deliver(site, fake, WITHIN_HOUR, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    head, reply = fake.statuses
    assert (head["_text"], reply["_text"]) == PARTS and reply["in_reply_to_id"] == head["id"]
    assert entry(site)["status"] == "published" and entry(site)["id"] == head["id"]
    assert entry(site)["parts"] == [head["id"], reply["id"]]


def test_rerun_after_the_hour_with_the_status_present_is_left_to_a_person(
    site: Repo, fake: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.lose_answers = 1
    deliver(site, fake, FIRST, monkeypatch)
    (head,) = fake.statuses
    sent = len(posts(fake))

    second = deliver(site, fake, AFTER_HOUR, monkeypatch)
    (outcome,) = second.outcomes
    assert outcome.state == "error"
    assert len(fake.statuses) == 1 and len(posts(fake)) == sent  # nothing sent again
    written = entry(site)
    assert written["status"] == "error" and "retry_at" not in written
    assert str(written["error"]).startswith(CHECK_BY_HAND.format(network="Mastodon"))
    assert f"https://mastodon.example/@alice/{head['id']}" in str(written["error"])

    third = deliver(site, fake, AFTER_HOUR + timedelta(hours=1), monkeypatch)
    assert third.outcomes == [] and len(fake.statuses) == 1


def test_a_server_that_ignores_idempotency_keys_leaves_the_rerun_to_a_person(
    site: Repo, fake: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fork without the idempotency store: within the hour, the probe by key finds nothing,
    # and the status with these words on the account must not be taken for absence.
    fake.keeps_idempotency = False
    fake.lose_answers = 1
    deliver(site, fake, FIRST, monkeypatch)
    second = deliver(site, fake, WITHIN_HOUR, monkeypatch)
    assert [o.state for o in second.outcomes] == ["error"]
    assert len(fake.statuses) == 1 and len(posts(fake)) == 1
    assert str(entry(site)["error"]).startswith(CHECK_BY_HAND.format(network="Mastodon"))
