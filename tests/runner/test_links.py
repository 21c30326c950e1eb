"""``{link:blog}`` through the real runner: the announcement goes out after the article, with
its real link, in the same run; waits while the article fails transiently; fails with the
reason when the article fails for good; exactly once when the run dies in between."""

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
from providers.base import Credentials, KeyRule, MediaRules, OnPart, Outgoing, Receipt
from socialgit.errors import Rejected, Transient
from socialgit.runner import Hooks, Options, publish, run
from tests.conftest import Repo
from tests.providers.runner_site import DUE, POST, Killed, fresh_clone, git, make_site

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past every retry_at and claim_timeout below
BLOG_URL = "https://blog.example/our-launch/"


@dataclass
class Net:
    """A scripted network: each ``post`` call runs the next step (default: publish)."""

    name: str
    steps: list[Callable[[Outgoing], Receipt]] = field(default_factory=list)
    sent: list[Outgoing] = field(default_factory=list)  # accepted, in order
    log: list[str] | None = None  # shared by both networks: who published when

    def post(self, outgoing: Outgoing, done: tuple[str, ...], on_part: OnPart) -> Receipt:
        if self.steps:
            return self.steps.pop(0)(outgoing)
        self.sent.append(outgoing)
        assert self.log is not None
        self.log.append(self.name)
        on_part(f"{self.name}-{len(self.sent)}")
        url = BLOG_URL if self.name == "blog" else f"https://notes.example/{len(self.sent)}"
        return Receipt(f"{self.name}-{len(self.sent)}", url, (f"{self.name}-{len(self.sent)}",))

    def lookup(self, outgoing: Outgoing) -> Receipt | None:
        for number, sent in enumerate(self.sent, 1):
            if sent.key == outgoing.key:
                ident = f"{self.name}-{number}"
                return Receipt(ident, f"https://notes.example/{number}", (ident,))
        return None


def _module(net: Net, name: str, long_form: bool) -> types.ModuleType:
    def post(
        client: httpx.Client,
        account: Any,
        credentials: Credentials,
        outgoing: Outgoing,
        done: tuple[str, ...],
        on_part: OnPart,
    ) -> Receipt:
        return net.post(outgoing, done, on_part)

    module = types.ModuleType(name)
    module.__dict__.update(
        NAME=name,
        TITLE=net.name.title(),
        THREADS="replies",
        MEDIA=MediaRules(max_count=0),
        SETTINGS={},
        SECRETS=(),
        RESEND_IN_DOUBT=False,
        AUTH="none",
        KEYS={"title": KeyRule(required=True)} if long_form else {"canonical_url": KeyRule()},
        length=len,
        limit=lambda account, part: 300,
        authenticate=lambda *args: {},
        whoami=lambda *args: {"id": "me"},
        post=post,
        lookup=lambda client, account, credentials, outgoing: net.lookup(outgoing),
        long_form=(lambda account: "html") if long_form else (lambda account: None),
    )
    return module


@pytest.fixture
def nets() -> Iterator[tuple[Net, Net]]:
    log: list[str] = []
    blog, notes = Net("blog", log=log), Net("notes", log=log)
    PROVIDERS["blogger"] = _module(blog, "blogger", long_form=True)
    PROVIDERS["noter"] = _module(notes, "noter", long_form=False)
    yield blog, notes
    del PROVIDERS["blogger"], PROVIDERS["noter"]


FRONT = """\
title: Our launch
canonical_url: "{link:blog}"
overrides:
  notes:
    text: "Read it: {link:blog}"
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nets: tuple[Net, Net]) -> Repo:
    made = make_site(
        tmp_path, monkeypatch, "blog", {"provider": "blogger"}, "# Launch", front=FRONT
    )
    config = yaml.safe_load((made.root / "socialgit.yml").read_text())
    config["accounts"]["notes"] = {"provider": "noter"}
    made.write("socialgit.yml", yaml.safe_dump(config, sort_keys=False))
    text = (made.root / POST).read_text().replace("targets: [blog]", "targets: [blog, notes]")
    made.write(POST, text)
    git(made.root, "commit", "-qam", "announce it")
    git(made.root, "push", "-q")
    return made


def publish_at(site: Repo, at: Any, monkeypatch: pytest.MonkeyPatch) -> run.RunReport:
    monkeypatch.setattr(run, "_client", lambda: httpx.Client())
    return publish(site.root, Options(at=at), Hooks(credentials=lambda account: {}))


def results(site: Repo) -> dict[str, Any]:
    front = (site.root / POST).read_text().split("---")[1]
    return dict(yaml.safe_load(front)["results"])


def transient(outgoing: Outgoing) -> Receipt:
    raise Transient("the blog answered 503")


def test_the_announcement_goes_out_after_the_article_with_its_link_in_one_run(
    site: Repo, nets: tuple[Net, Net], monkeypatch: pytest.MonkeyPatch
) -> None:
    blog, notes = nets
    report = publish_at(site, FIRST, monkeypatch)
    assert [(o.work.account.name, o.state) for o in report.outcomes] == [
        ("blog", "published"), ("notes", "published"),
    ]  # fmt: skip
    assert blog.log == ["blog", "notes"]
    assert notes.sent[0].parts[0].text == f"Read it: {BLOG_URL}"
    assert notes.sent[0].keys["canonical_url"] == BLOG_URL
    assert "canonical_url" not in blog.sent[0].keys  # the original points nowhere
    subjects = git(site.root, "log", "--format=%s", "-4").splitlines()
    assert subjects == [
        "socialgit: 1 of 1 delivery published", "socialgit: claim 1 delivery",
        "socialgit: 1 of 1 delivery published", "socialgit: claim 1 delivery",
    ]  # fmt: skip
    assert results(site)["notes"]["status"] == "published"


def test_while_the_article_fails_transiently_the_announcement_waits(
    site: Repo, nets: tuple[Net, Net], monkeypatch: pytest.MonkeyPatch
) -> None:
    blog, notes = nets
    blog.steps = [transient]
    first = publish_at(site, FIRST, monkeypatch)
    assert [(o.work.account.name, o.state) for o in first.outcomes] == [("blog", "retry")]
    assert [(item.account.name, item.waits) for item in first.linked] == [("notes", ("blog",))]
    assert "notes" not in results(site) and not notes.sent  # never before the article
    second = publish_at(site, LATER, monkeypatch)
    assert [(o.work.account.name, o.state) for o in second.outcomes] == [
        ("blog", "published"), ("notes", "published"),
    ]  # fmt: skip
    assert notes.sent[0].parts[0].text == f"Read it: {BLOG_URL}"


def test_when_the_article_fails_for_good_the_announcement_fails_and_says_why(
    site: Repo, nets: tuple[Net, Net], monkeypatch: pytest.MonkeyPatch
) -> None:
    blog, notes = nets

    def rejected(outgoing: Outgoing) -> Receipt:
        raise Rejected("the blog refused the title")

    blog.steps = [rejected]
    report = publish_at(site, FIRST, monkeypatch)
    assert report.failed and not notes.sent
    entry = results(site)["notes"]
    assert entry["status"] == "error" and "retry_at" not in entry
    assert entry["error"] == (
        "not sent: blog failed for good, so its link never came: the blog refused the title"
    )
    assert publish_at(site, LATER, monkeypatch).outcomes == []  # settled: nothing more


def test_a_late_article_gives_its_announcement_missed_after_from_when_it_came(
    site: Repo, nets: tuple[Net, Net], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The article went out 5 hours late (a run published it and died before the next round).
    text = (
        (site.root / POST)
        .read_text()
        .replace(
            "---\n# Launch",
            "results:\n  blog:\n    status: published\n    at: '2026-01-01T14:00:00Z'\n"
            f"    url: {BLOG_URL}\n    id: blog-1\n---\n# Launch",
        )
    )
    site.write(POST, text)
    git(site.root, "commit", "-qam", "the article is out")
    git(site.root, "push", "-q")
    report = publish_at(site, DUE + timedelta(hours=7), monkeypatch)  # missed_after is 6h
    assert [(o.work.account.name, o.state) for o in report.outcomes] == [("notes", "published")]


def test_a_run_killed_while_announcing_leaves_one_announcement(
    site: Repo, nets: tuple[Net, Net], monkeypatch: pytest.MonkeyPatch
) -> None:
    blog, notes = nets

    def sent_then_killed(outgoing: Outgoing) -> Receipt:
        notes.sent.append(outgoing)  # the network took it; the answer never came back
        raise Killed("killed while announcing")

    notes.steps = [sent_then_killed]
    with pytest.raises(Killed):
        publish_at(site, FIRST, monkeypatch)
    rerun = fresh_clone(site)
    report = publish_at(rerun, LATER, monkeypatch)  # past claim_timeout: the claim is in doubt
    assert [(o.work.account.name, o.state, o.work.kind) for o in report.outcomes] == [
        ("notes", "published", "doubt"),
    ]  # fmt: skip
    assert len(notes.sent) == 1 and len(blog.sent) == 1
    assert results(rerun)["notes"]["url"] == "https://notes.example/1"
