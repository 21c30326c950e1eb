"""Farcaster through the real runner (git repo, claims, results): a lost answer never becomes
a second cast. The rerun finds what went out among the account's casts and sends only the
rest (each cast also carries its idem key)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from socialgit.runner import RunReport
from tests.conftest import Repo
from tests.providers.farcaster.fake import API_KEY, SIGNER, FakeNeynar
from tests.providers.runner_site import DUE, make_site, pushed, run_at
from tests.providers.runner_site import entry as entry_of

FIRST = DUE + timedelta(minutes=1)
LATER = FIRST + timedelta(minutes=40)
CREDS = {"api_key": API_KEY, "signer_uuid": SIGNER}
PARTS = ("gm: the release is out", "what changed since the beta")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    settings = {"provider": "farcaster", "base_url": "https://neynar.example"}
    return make_site(tmp_path, monkeypatch, "fc", settings, "\n---\n".join(PARTS))


@pytest.fixture
def fake() -> FakeNeynar:
    return FakeNeynar(now=FIRST)


def deliver(site: Repo, fake: FakeNeynar, at: datetime, mp: pytest.MonkeyPatch) -> RunReport:
    fake.now = max(fake.now, at)
    return run_at(site, at, fake, CREDS, mp)


def test_lost_answer_on_the_reply_then_rerun_records_it_without_casting_again(
    site: Repo, fake: FakeNeynar, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered: list[str] = []

    def lose_second(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/farcaster/cast":
            if answered:
                fake.lose_answers = 1
            answered.append("x")
        return fake(request)

    first = run_at(
        site, FIRST, lose_second, {"api_key": API_KEY, "signer_uuid": SIGNER}, monkeypatch
    )
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.casts) == 2
    head, reply = fake.casts
    assert entry_of(site, "fc")["parts"] == [head["hash"]]

    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"] and len(fake.casts) == 2
    written = entry_of(site, "fc")
    assert written["parts"] == [head["hash"], reply["hash"]] and pushed(site)
    assert written["url"] == f"https://farcaster.xyz/~/conversations/{head['hash']}"


def test_lost_answer_on_the_first_cast_then_rerun_sends_only_the_reply(
    site: Repo, fake: FakeNeynar, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.lose_answers = 1
    first = deliver(site, fake, FIRST, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"] and len(fake.casts) == 1

    second = deliver(site, fake, LATER, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    head, reply = fake.casts
    assert (head["text"], reply["text"]) == PARTS and reply["parent_hash"] == head["hash"]
    casts = [json.loads(r.content) for r in fake.requests if r.url.path == "/v2/farcaster/cast"]
    assert len(casts) == 2 and casts[0]["idem"] != casts[1]["idem"]
