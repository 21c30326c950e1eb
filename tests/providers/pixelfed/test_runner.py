"""Pixelfed through the real runner (git repo, claims, results): a lost answer never becomes
a second status. The rerun finds what went out among the account's statuses and sends only
the rest; what it cannot tell apart is left to a person, with the link."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from socialgit.runner import RunReport
from socialgit.runner.deliver import CHECK_BY_HAND
from tests.conftest import Repo
from tests.providers._support import PNG
from tests.providers.pixelfed.fake import FakePixelfed
from tests.providers.runner_site import DUE, Handler, make_site, pushed, run_at
from tests.providers.runner_site import entry as entry_of

FIRST = DUE + timedelta(minutes=1)
LATER = FIRST + timedelta(minutes=40)  # past claim_timeout: the claim in doubt is looked up
PARTS = ("A photo of the launch", "Second part: the details")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    settings = {"provider": "pixelfed", "instance": "https://pixelfed.example"}
    body = f"{PARTS[0]}\n\n![the launch](dot.png)\n\n---\n\n{PARTS[1]}"
    return make_site(tmp_path, monkeypatch, "pix", settings, body, {"content/dot.png": PNG})


@pytest.fixture
def fake() -> FakePixelfed:
    return FakePixelfed()


def deliver(
    site: Repo,
    fake: FakePixelfed,
    at: datetime,
    monkeypatch: pytest.MonkeyPatch,
    handler: Handler | None = None,
) -> RunReport:
    fake.now = max(fake.now, at)
    token = next(iter(fake.tokens), None) or fake.issue_token()
    return run_at(site, at, handler or fake, {"access_token": token}, monkeypatch)


def entry(site: Repo) -> dict[str, Any]:
    return entry_of(site, "pix")


def creations(fake: FakePixelfed) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.url.path == "/api/v1/statuses")


def test_lost_answer_on_part_one_then_rerun_finds_it_and_sends_only_part_two(
    site: Repo, fake: FakePixelfed, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.lose_answers = 1
    first = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.statuses) == 1
    assert entry(site)["status"] == "publishing" and "parts" not in entry(site)

    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    head, reply = fake.statuses
    assert (head["_text"], reply["_text"]) == PARTS and reply["in_reply_to_id"] == head["id"]
    written = entry(site)
    assert written["status"] == "published" and written["parts"] == [head["id"], reply["id"]]
    assert written["url"] == f"https://pixelfed.example/p/alice/{head['id']}"
    assert len(head["media_attachments"]) == 1 and pushed(site)

    third = deliver(site, fake, LATER + timedelta(hours=2), monkeypatch)
    assert third.outcomes == [] and len(fake.statuses) == 2


def test_lost_answer_on_part_two_then_rerun_records_both_without_posting(
    site: Repo, fake: FakePixelfed, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lose_second(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/api/v1/statuses" and fake.statuses:
            fake.lose_answers = 1
        return fake(request)

    deliver(site, fake, FIRST, monkeypatch, lose_second)
    head, reply = fake.statuses
    assert entry(site)["parts"] == [head["id"]]
    sent = creations(fake)

    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    assert creations(fake) == sent and len(fake.statuses) == 2
    assert entry(site)["parts"] == [head["id"], reply["id"]]


def test_lost_before_the_instance_saw_it_then_rerun_posts_once(
    site: Repo, fake: FakePixelfed, monkeypatch: pytest.MonkeyPatch
) -> None:
    def drop_first(request: httpx.Request) -> httpx.Response:
        if (
            request.method == "POST"
            and request.url.path == "/api/v1/statuses"
            and not creations(fake)
        ):
            fake.requests.append(request)
            raise httpx.ReadTimeout("timed out", request=request)
        return fake(request)

    deliver(site, fake, FIRST, monkeypatch, drop_first)
    assert fake.statuses == [] and entry(site)["status"] == "publishing"
    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    assert [s["_text"] for s in fake.statuses] == list(PARTS)


def test_the_same_words_posted_twice_are_left_to_a_person_with_the_link(
    site: Repo, fake: FakePixelfed, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.lose_answers = 1
    deliver(site, fake, FIRST, monkeypatch)
    (ours,) = fake.statuses
    copy = {**ours, "id": str(int(ours["id"]) + 5), "url": "https://pixelfed.example/p/alice/x"}
    fake.statuses.append(copy)  # a person posted the same photo and words by hand
    sent = creations(fake)

    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["error"]
    assert creations(fake) == sent and len(fake.statuses) == 2
    error = str(entry(site)["error"])
    assert error.startswith(CHECK_BY_HAND.format(network="Pixelfed"))
    assert ours["url"] in error and "retry_at" not in entry(site)
