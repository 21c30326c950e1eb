"""What a network prepares is pushed before anything is sent, and handed back on every rerun
(socialgit/runner/ready.py), through the real runner with a bare remote."""

from __future__ import annotations

import importlib
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from providers import PROVIDERS
from providers.base import Receipt
from socialgit.errors import OutcomeUnknown, Rejected, SocialgitError, Transient
from tests.conftest import Repo
from tests.providers.runner_site import DUE, POST, entry, git, make_site, run_at

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout


@dataclass
class Network:
    """A network whose deliveries are fixed bytes, like Nostr's signed events."""

    site: Path
    prepared: int = 0
    sent: list[tuple[str, Any]] = field(default_factory=list)
    seen_on_remote: list[bool] = field(default_factory=list)
    fail_prepare: SocialgitError | None = None
    lose_after_first: bool = False

    def prepare(self, client: Any, account: Any, credentials: Any, outgoing: Any) -> Any:
        if self.fail_prepare is not None:
            raise self.fail_prepare
        self.prepared += 1
        return {"made": self.prepared, "parts": [p.text for p in outgoing.parts]}

    def post(
        self, client: Any, account: Any, credentials: Any, outgoing: Any, done: Any, on_part: Any
    ) -> Receipt:
        remote = git(self.site.parent / "remote.git", "show", f"main:{POST}")
        pending = yaml.safe_load(remote.split("---")[1])["results"]["fixed"].get("prepared")
        self.seen_on_remote.append(pending == outgoing.prepared)
        ids = list(done)
        for index in range(len(done), len(outgoing.parts)):
            self.sent.append((f"p{index}", dict(outgoing.prepared)))
            ids.append(f"p{index}")
            on_part(ids[-1])
            if self.lose_after_first:
                self.lose_after_first = False
                raise OutcomeUnknown("no answer after the first part")
        # A network's details never overwrite the entry's own fields.
        details = {"relays": {"a": "accepted"}, "status": "hijacked", "sent": "x"}
        return Receipt(ids[0], None, tuple(ids), details=details)

    def lookup(self, client: Any, account: Any, credentials: Any, outgoing: Any) -> None:
        return None  # the parts are fixed bytes: resending them is harmless


@pytest.fixture
def network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Repo, Network]]:
    site = make_site(
        tmp_path, monkeypatch, "fixed", {"provider": "fixed", "path": "out"}, "one\n\n---\n\ntwo"
    )
    fake = Network(site.root)
    module = types.ModuleType("tests_fixed_network")
    module.__dict__.update(vars(importlib.import_module("providers.outbox")))
    module.__dict__.update(
        NAME="fixed", RESEND_IN_DOUBT=True, prepare=fake.prepare, post=fake.post,
        lookup=fake.lookup,
    )  # fmt: skip
    PROVIDERS["fixed"] = module
    yield site, fake
    del PROVIDERS["fixed"]


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError("no HTTP expected")


def test_prepared_record_is_pushed_before_the_send_and_dropped_once_published(
    network: tuple[Repo, Network], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, fake = network
    report = run_at(site, FIRST, _refuse, {}, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"]
    assert fake.seen_on_remote == [True]
    assert [pending["made"] for _, pending in fake.sent] == [1, 1]
    log = git(site.root, "log", "--format=%s", "origin/main").splitlines()
    assert log[:3] == [
        "socialgit: 1 of 1 delivery published",
        "socialgit: prepare 1 delivery",
        "socialgit: claim 1 delivery",
    ]
    done = entry(site, "fixed")
    assert "prepared" not in done
    assert done["relays"] == {"a": "accepted"} and done["parts"] == ["p0", "p1"]
    assert done["status"] == "published" and done["sent"] != "x"


def test_a_rerun_gets_the_same_record_and_prepares_nothing(
    network: tuple[Repo, Network], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, fake = network
    fake.lose_after_first = True
    first = run_at(site, FIRST, _refuse, {}, monkeypatch)
    assert [o.state for o in first.outcomes] == ["retry"]  # resend-safe: retried, same bytes
    waiting = entry(site, "fixed")
    assert waiting["prepared"] == {"made": 1, "parts": ["one", "two"]}
    # Someone edits the post meanwhile: what goes out is what was recorded.
    text = (site.root / POST).read_text().replace("\ntwo\n", "\nTWO\n")
    (site.root / POST).write_text(text)
    git(site.root, "commit", "-qam", "edit")
    git(site.root, "push", "-q")
    second = run_at(site, LATER, _refuse, {}, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    assert fake.prepared == 1
    assert [(ident, p["parts"]) for ident, p in fake.sent] == [
        ("p0", ["one", "two"]),
        ("p1", ["one", "two"]),
    ]


@pytest.mark.parametrize(
    ("failure", "state"),
    [(Transient("relay down"), "retry"), (Rejected("unreadable image"), "error")],
)
def test_a_failed_prepare_sends_nothing(
    network: tuple[Repo, Network],
    monkeypatch: pytest.MonkeyPatch,
    failure: SocialgitError,
    state: str,
) -> None:
    site, fake = network
    fake.fail_prepare = failure
    report = run_at(site, FIRST, _refuse, {}, monkeypatch)
    (outcome,) = report.outcomes
    assert outcome.state == state and str(failure) in outcome.message
    assert fake.sent == [] and "prepared" not in entry(site, "fixed")
