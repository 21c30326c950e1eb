"""A step in flight (``Outgoing.on_pending``): recorded in the post's results as ``pending``
the moment a provider names it, kept through every outcome but publication, and handed back
(with the parts done) to the next ``post`` and ``lookup`` — in a later run, and in the same
run after a refresh — until the part's id comes through ``on_part``."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from providers import PROVIDERS
from providers.base import Credentials, MediaRules, OnPart, Outgoing, Receipt
from socialgit.errors import AuthExpired, OutcomeUnknown, Transient
from socialgit.runner import Hooks, Options, publish, run
from tests.conftest import Repo
from tests.providers.runner_site import DUE, POST, git, make_site, run_at
from tests.providers.runner_site import entry as entry_of

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout: a claim left behind is in doubt


@dataclass
class Script:
    """What the scripted network does on each ``post`` call; what it was handed."""

    posts: list[Callable[[Outgoing, tuple[str, ...], OnPart], Receipt]] = field(
        default_factory=list
    )
    # (call, done, pending) of each call
    seen: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)
    # The entry when pending was named: in the post file, and on the remote.
    on_disk: list[dict[str, Any]] = field(default_factory=list)
    on_remote: list[dict[str, Any]] = field(default_factory=list)
    site: Repo | None = None


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Iterator[Script]:
    found = Script()

    def post(
        client: httpx.Client,
        account: Any,
        credentials: Credentials,
        outgoing: Outgoing,
        done: tuple[str, ...],
        on_part: OnPart,
    ) -> Receipt:
        found.seen.append(("post", done, outgoing.pending))
        return found.posts.pop(0)(outgoing, done, on_part)

    def lookup(
        client: httpx.Client, account: Any, credentials: Credentials, outgoing: Outgoing
    ) -> Receipt | None:
        found.seen.append(("lookup", outgoing.done, outgoing.pending))
        return None

    module = types.ModuleType("pender")
    module.__dict__.update(
        NAME="pender",
        TITLE="Pender",
        THREADS="replies",
        MEDIA=MediaRules(max_count=0),
        SETTINGS={},
        SECRETS=(),
        RESEND_IN_DOUBT=False,
        AUTH="none",
        length=len,
        limit=lambda account, part: 500,
        authenticate=lambda *args: {},
        whoami=lambda *args: {"id": "me"},
        post=post,
        lookup=lookup,
    )
    PROVIDERS["pender"] = module
    yield found
    del PROVIDERS["pender"]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: Script) -> Repo:
    made = make_site(tmp_path, monkeypatch, "acct", {"provider": "pender"}, "One\n---\nTwo")
    script.site = made
    return made


def deliver(site: Repo, at: Any, monkeypatch: pytest.MonkeyPatch, refresh: bool = False) -> Any:
    if not refresh:
        return run_at(site, at, lambda request: httpx.Response(404), {}, monkeypatch)
    monkeypatch.setattr(run, "_client", lambda: httpx.Client())
    hooks = Hooks(credentials=lambda account: {}, refresh=lambda account, old: {"fresh": "1"})
    return publish(site.root, Options(at=at), hooks)


def names(script: Script, ident: str) -> Callable[[Outgoing, tuple[str, ...], OnPart], Receipt]:
    """A call that names ``ident`` as in flight, notes the post file as written, then loses
    the answer."""

    def step(outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart) -> Receipt:
        outgoing.on_pending(ident)
        assert script.site is not None
        script.on_disk.append(entry_of(script.site, "acct"))
        script.on_remote.append(remote_entry(script.site))
        raise OutcomeUnknown("sent, no answer")

    return step


def remote_entry(site: Repo) -> dict[str, Any]:
    """The post's entry as the remote's main holds it."""
    tip = git(site.root, "ls-remote", "origin", "refs/heads/main").split()[0]
    text = git(site.root, "show", f"{tip}:{POST}")
    return dict(yaml.safe_load(text.split("---")[1])["results"]["acct"])


def finishes(outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart) -> Receipt:
    ids = list(done)
    for number in range(len(done), len(outgoing.parts)):
        ids.append(f"part-{number + 1}")
        on_part(ids[-1])
    return Receipt(id=ids[0], url="https://example.org/1", parts=tuple(ids))


def test_a_step_in_flight_is_recorded_before_the_request_and_handed_back_next_run(
    site: Repo, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    def first_part_then_pending(
        outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart
    ) -> Receipt:
        on_part("part-1")
        return names(script, "container-2")(outgoing, done, on_part)

    script.posts = [first_part_then_pending, finishes]
    report = deliver(site, FIRST, monkeypatch)
    assert [o.state for o in report.outcomes] == ["doubt"]
    # Written into the post file and pushed when named, beside the part already out.
    for entry in (script.on_disk[0], script.on_remote[0]):
        assert entry["pending"] == "container-2" and entry["parts"] == ["part-1"]
    # Kept in the entry the run commits.
    left = entry_of(site, "acct")
    assert (left["status"], left["pending"], left["parts"]) == (
        "publishing", "container-2", ["part-1"],
    )  # fmt: skip
    report = deliver(site, LATER, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"]
    assert script.seen[1:] == [
        ("lookup", ("part-1",), "container-2"),
        ("post", ("part-1",), "container-2"),
    ]
    done = entry_of(site, "acct")
    assert done["status"] == "published" and "pending" not in done
    assert done["parts"] == ["part-1", "part-2"]


def test_a_part_that_comes_through_clears_the_step(
    site: Repo, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pending_then_part_then_failure(
        outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart
    ) -> Receipt:
        outgoing.on_pending("container-1")
        on_part("part-1")
        raise Transient("part 2 could not be made; will retry")

    script.posts = [pending_then_part_then_failure, finishes]
    first = deliver(site, FIRST, monkeypatch)
    assert [o.state for o in first.outcomes] == ["retry"]
    left = entry_of(site, "acct")
    assert left["parts"] == ["part-1"] and "pending" not in left
    deliver(site, LATER, monkeypatch)
    assert script.seen[-1] == ("post", ("part-1",), "")


def test_a_retry_keeps_the_step_for_the_next_run(
    site: Repo, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pending_then_transient(
        outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart
    ) -> Receipt:
        outgoing.on_pending("container-1")
        raise Transient("Meta was still processing the media; will retry")

    script.posts = [pending_then_transient, finishes]
    deliver(site, FIRST, monkeypatch)
    left = entry_of(site, "acct")
    assert (left["status"], left["pending"]) == ("error", "container-1") and left["retry_at"]
    deliver(site, LATER, monkeypatch)
    assert script.seen == [("post", (), ""), ("post", (), "container-1")]
    assert entry_of(site, "acct")["status"] == "published"


def test_after_a_refresh_the_same_run_resumes_from_the_step(
    site: Repo, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    def pending_then_expired(outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart) -> Receipt:
        outgoing.on_pending("container-1")
        raise AuthExpired("the token expired while Meta processed the media")

    script.posts = [pending_then_expired, finishes]
    report = deliver(site, FIRST, monkeypatch, refresh=True)
    assert [o.state for o in report.outcomes] == ["published"]
    assert script.seen == [("post", (), ""), ("post", (), "container-1")]


def test_a_step_the_remote_refuses_is_not_taken(
    site: Repo, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []

    def pending_then_publish(outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart) -> Receipt:
        outgoing.on_pending("container-1")
        sent.append("publish")  # the request that could double the part
        return finishes(outgoing, done, on_part)

    script.posts = [pending_then_publish]
    hook = site.root.parent / "remote.git" / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\nwhile read old new ref; do\n"
        '  git log -1 --format=%s "$new" | grep -q "is publishing" && exit 1\n'
        "done\nexit 0\n"
    )
    hook.chmod(0o755)
    report = deliver(site, FIRST, monkeypatch)
    assert sent == [] and [o.state for o in report.outcomes] == ["retry"]
    left = entry_of(site, "acct")
    assert left["pending"] == "container-1" and "could not put the step" in left["error"]


def test_a_step_named_dead_is_dropped(
    site: Repo, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    def dead(outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart) -> Receipt:
        outgoing.on_pending("container-1")
        outgoing.on_pending("")  # it expired: nothing of it can go out
        raise Transient("the container expired; will retry")

    script.posts = [dead]
    deliver(site, FIRST, monkeypatch)
    assert "pending" not in entry_of(site, "acct")
    assert "pending" not in (site.root / POST).read_text()


def test_a_retry_with_a_step_in_flight_is_finished_late_not_marked_missed(
    site: Repo, script: Script, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A publish TikTok may be processing: marked missed, its entry (and the step) would go,
    and nothing would record what became of it."""

    def pending_then_transient(
        outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart
    ) -> Receipt:
        outgoing.on_pending("publish-1")  # it may go out whatever we do now
        raise Transient("the status could not be fetched; will retry")

    script.posts = [pending_then_transient, finishes]
    deliver(site, FIRST, monkeypatch)
    late = deliver(site, DUE + timedelta(days=2), monkeypatch)  # far past missed_after
    assert [o.state for o in late.outcomes] == ["published"]
    assert script.seen[-1] == ("post", (), "publish-1")
