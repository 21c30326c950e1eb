"""A look-up that proves part of a thread is out: the runner keeps those parts and sends
only the rest (the longer of what it found and what was on record), through the real
runner, killed between parts and rerun."""

from __future__ import annotations

import importlib
import types
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from providers import PROVIDERS
from providers.base import Credentials, OnPart, Outgoing, Receipt
from socialgit.model import Account
from tests.conftest import Repo
from tests.providers.runner_site import DUE, Killed, entry, fresh_clone, make_site, run_at

LATER = DUE + timedelta(hours=2)  # past claim_timeout: the claim is in doubt


class Board:
    """What the network holds: the parts it took, in order. The runner is killed right
    after the network took part ``die_after`` (its id never recorded), or right before
    part ``die_before`` goes out."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.die_after: int | None = None
        self.die_before: int | None = None
        self.found: int | None = None  # the look-up proves this many leading parts

    def post(
        self,
        client: httpx.Client,
        account: Account,
        credentials: Credentials,
        outgoing: Outgoing,
        done: tuple[str, ...],
        on_part: OnPart,
    ) -> Receipt:
        ids = list(done)
        for part in outgoing.parts[len(done) :]:
            if self.die_before is not None and len(self.parts) + 1 >= self.die_before:
                raise Killed("before a part")
            self.parts.append(part.text)
            ids.append(f"p{len(self.parts)}")
            if self.die_after is not None and len(self.parts) >= self.die_after:
                raise Killed("after a part")
            on_part(ids[-1])
        return Receipt(ids[0], f"https://board.example/{ids[0]}", tuple(ids))

    def lookup(
        self, client: httpx.Client, account: Account, credentials: Credentials, outgoing: Outgoing
    ) -> Receipt | None:
        count = len(self.parts) if self.found is None else self.found
        ids = tuple(f"p{n}" for n in range(1, count + 1))
        return Receipt(ids[0], f"https://board.example/{ids[0]}", ids) if ids else None


@pytest.fixture
def board() -> Iterator[Board]:
    made = Board()
    module = types.ModuleType("tests_board_network")
    module.__dict__.update(vars(importlib.import_module("providers.outbox")))
    module.NAME, module.TITLE, module.THREADS = "board", "Board", "comments"
    module.RESEND_IN_DOUBT = False
    module.post, module.lookup = made.post, made.lookup
    PROVIDERS["board"] = module
    yield made
    del PROVIDERS["board"]


def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    body = "first part\n\n---\n\nsecond part\n\n---\n\nthird part"
    return make_site(tmp_path, monkeypatch, "team", {"provider": "board", "path": "x"}, body)


def _never(request: httpx.Request) -> httpx.Response:
    raise AssertionError("no HTTP here")


def test_killed_after_the_first_part_the_rest_is_sent_once(
    board: Board, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = _site(tmp_path, monkeypatch)
    board.die_after = 1
    with pytest.raises(Killed):
        run_at(site, DUE + timedelta(minutes=1), _never, {}, monkeypatch)
    board.die_after = None
    rerun = fresh_clone(site)
    report = run_at(rerun, LATER, _never, {}, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"]
    assert board.parts == ["first part", "second part", "third part"]  # none twice
    result = entry(rerun, "team")
    assert result["status"] == "published" and result["parts"] == ["p1", "p2", "p3"]


def test_parts_on_record_beyond_what_the_network_shows_are_not_sent_again(
    board: Board, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record (two parts) knows more than the look-up proves (one): the longer wins."""
    site = _site(tmp_path, monkeypatch)
    board.die_before = 3
    with pytest.raises(Killed):
        run_at(site, DUE + timedelta(minutes=1), _never, {}, monkeypatch)
    # The same checkout keeps the parts recorded before the kill; commit them as a person
    # would after looking, so the rerun starts from that record.
    assert entry(site, "team")["parts"] == ["p1", "p2"]
    site.git("commit", "-qam", "keep the record")
    site.git("push", "-q")
    board.die_before, board.found = None, 1
    report = run_at(site, LATER, _never, {}, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"]
    assert board.parts == ["first part", "second part", "third part"]
    assert entry(site, "team")["parts"] == ["p1", "p2", "p3"]
