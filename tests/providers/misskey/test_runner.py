"""Misskey through the real runner (git repo, claims, results): a lost answer never becomes
a second note. Misskey keeps no idempotency key; the rerun finds what went out among the
account's notes and sends only the rest."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from socialgit.runner import RunReport
from socialgit.runner.deliver import CHECK_BY_HAND
from tests.conftest import Repo
from tests.providers.misskey.fake import FakeMisskey
from tests.providers.runner_site import DUE, make_site, pushed, run_at
from tests.providers.runner_site import entry as entry_of

FIRST = DUE + timedelta(minutes=1)
LATER = FIRST + timedelta(minutes=40)
PARTS = ("Release notes are up", "Second part: what changed")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    settings = {"provider": "misskey", "instance": "https://misskey.example"}
    return make_site(tmp_path, monkeypatch, "mk", settings, "\n---\n".join(PARTS))


@pytest.fixture
def fake() -> FakeMisskey:
    return FakeMisskey(now=FIRST)


def deliver(site: Repo, fake: FakeMisskey, at: datetime, mp: pytest.MonkeyPatch) -> RunReport:
    fake.now = max(fake.now, at)
    token = next(iter(fake.tokens), None) or fake.issue_token()
    return run_at(site, at, fake, {"access_token": token}, mp)


def creates(fake: FakeMisskey) -> int:
    return sum(1 for r in fake.requests if r.url.path == "/api/notes/create")


def test_lost_answer_then_rerun_finds_the_note_and_sends_only_the_reply(
    site: Repo, fake: FakeMisskey, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.lose_answers = 1
    first = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.notes) == 1

    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    head, reply = fake.notes
    assert (head["text"], reply["text"]) == PARTS and reply["replyId"] == head["id"]
    written = entry_of(site, "mk")
    assert written["parts"] == [head["id"], reply["id"]] and pushed(site)
    assert written["url"] == f"https://misskey.example/notes/{head['id']}"
    assert creates(fake) == 2

    third = deliver(site, fake, LATER + timedelta(hours=1), monkeypatch)
    assert third.outcomes == [] and creates(fake) == 2


def test_the_same_note_twice_is_left_to_a_person(
    site: Repo, fake: FakeMisskey, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.lose_answers = 1
    deliver(site, fake, FIRST, monkeypatch)
    (ours,) = fake.notes
    fake.notes.append({**ours, "id": ours["id"] + "b"})  # the same words, by hand
    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["error"] and creates(fake) == 1
    error = str(entry_of(site, "mk")["error"])
    assert error.startswith(CHECK_BY_HAND.format(network="Misskey"))
    assert f"https://misskey.example/notes/{ours['id']}" in error
