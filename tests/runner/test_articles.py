"""An article through the real runner: its images uploaded once each, recorded in the results
(``uploads``) before the create, and reused by every later attempt: after a lost answer, a
transient failure half-way through the uploads, a refresh in the same run."""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import PROVIDERS
from providers.base import (
    IMAGE_TYPES,
    Credentials,
    KeyRule,
    MediaRules,
    OnPart,
    Outgoing,
    OutgoingMedia,
    Receipt,
    Uploaded,
)
from socialgit.errors import AuthExpired, OutcomeUnknown, Transient
from socialgit.runner import Hooks, Options, publish, run
from tests.conftest import Repo, png
from tests.providers.runner_site import DUE, make_site, run_at
from tests.providers.runner_site import entry as entry_of

FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past claim_timeout: a claim left behind is in doubt
BODY = "Intro ![a chart](img/chart.png)\n\n---\n\nAgain ![the chart](img/chart.png) ![b](img/b.png)"


@dataclass
class Blog:
    """A scripted network of articles: what it uploaded, what each create was handed."""

    site: Repo | None = None
    uploads: list[tuple[str, str]] = field(default_factory=list)  # (path, alt)
    fail_upload: list[Exception | None] = field(default_factory=list)
    posts: list[Callable[[Outgoing, OnPart], Receipt]] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    on_disk: list[dict[str, Any]] = field(default_factory=list)  # the entry at each create


@pytest.fixture
def blog(monkeypatch: pytest.MonkeyPatch) -> Iterator[Blog]:
    found = Blog()

    def upload_image(
        client: httpx.Client, account: Any, credentials: Credentials, image: OutgoingMedia
    ) -> Uploaded:
        failure = found.fail_upload.pop(0) if found.fail_upload else None
        if failure is not None:
            raise failure
        found.uploads.append((image.path, image.alt))
        number = len(found.uploads)
        return Uploaded(f"https://blog.example/media/{number}.png", str(number))

    def post(
        client: httpx.Client,
        account: Any,
        credentials: Credentials,
        outgoing: Outgoing,
        done: tuple[str, ...],
        on_part: OnPart,
    ) -> Receipt:
        found.bodies.append(outgoing.body)
        assert found.site is not None
        found.on_disk.append(entry_of(found.site, "blog"))
        return found.posts.pop(0)(outgoing, on_part)

    module = types.ModuleType("articler")
    module.__dict__.update(
        NAME="articler",
        TITLE="Articler",
        THREADS="document",
        MEDIA=MediaRules(max_count=10, max_bytes={t: 1 << 20 for t in IMAGE_TYPES}),
        SETTINGS={},
        SECRETS=(),
        RESEND_IN_DOUBT=False,
        AUTH="none",
        KEYS={"title": KeyRule(required=True), "cover": KeyRule(), "cover_alt": KeyRule()},
        length=len,
        limit=lambda account, part: 100_000,
        authenticate=lambda *args: {},
        whoami=lambda *args: {"id": "me"},
        long_form=lambda account: "html",
        upload_image=upload_image,
        post=post,
        lookup=lambda *args: None,
    )
    PROVIDERS["articler"] = module
    yield found
    del PROVIDERS["articler"]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blog: Blog) -> Repo:
    files = {"content/img/chart.png": png(), "content/img/b.png": png(), "content/c.png": png()}
    front = "title: Charts\ncover: c.png\ncover_alt: A cover\n"
    made = make_site(
        tmp_path, monkeypatch, "blog", {"provider": "articler"}, BODY, files, front=front
    )
    blog.site = made
    return made


def published(outgoing: Outgoing, on_part: OnPart) -> Receipt:
    on_part("article-1")
    return Receipt("article-1", "https://blog.example/charts/", ("article-1",))


def lost(outgoing: Outgoing, on_part: OnPart) -> Receipt:
    raise OutcomeUnknown("sent, no answer")


RENDERED = (
    '<p>Intro <img src="https://blog.example/media/1.png" alt="a chart" /></p>\n<hr />\n'
    '<p>Again <img src="https://blog.example/media/1.png" alt="the chart" /> '
    '<img src="https://blog.example/media/2.png" alt="b" /></p>\n'
)
RECORDED = {
    "content/img/chart.png": {"url": "https://blog.example/media/1.png", "id": "1"},
    "content/img/b.png": {"url": "https://blog.example/media/2.png", "id": "2"},
    "content/c.png": {"url": "https://blog.example/media/3.png", "id": "3"},
}


def test_each_image_is_uploaded_once_and_recorded_before_the_create(
    site: Repo, blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    blog.posts = [published]
    report = run_at(site, FIRST, lambda request: httpx.Response(404), {}, monkeypatch)
    assert [o.state for o in report.outcomes] == ["published"]
    assert blog.uploads == [
        ("content/img/chart.png", "a chart"),
        ("content/img/b.png", "b"),
        ("content/c.png", "A cover"),
    ]
    assert blog.bodies == [RENDERED]
    assert blog.on_disk[0]["uploads"] == RECORDED  # in the post file before the create
    assert "uploads" not in entry_of(site, "blog")  # published: no longer needed


def test_a_lost_answer_then_a_rerun_uses_the_recorded_uploads(
    site: Repo, blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    blog.posts = [lost, published]
    first = run_at(site, FIRST, lambda request: httpx.Response(404), {}, monkeypatch)
    assert [o.state for o in first.outcomes] == ["doubt"]
    assert entry_of(site, "blog")["uploads"] == RECORDED  # committed with the run's results
    second = run_at(site, LATER, lambda request: httpx.Response(404), {}, monkeypatch)
    assert [o.state for o in second.outcomes] == ["published"]
    assert len(blog.uploads) == 3 and blog.bodies == [RENDERED, RENDERED]


def test_an_upload_that_fails_half_way_keeps_the_ones_before_it(
    site: Repo, blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    blog.fail_upload = [None, Transient("the media library answered 503")]
    blog.posts = [published]
    first = run_at(site, FIRST, lambda request: httpx.Response(404), {}, monkeypatch)
    assert [o.state for o in first.outcomes] == ["retry"]
    left = entry_of(site, "blog")
    assert list(left["uploads"]) == ["content/img/chart.png"] and left["retry_at"]
    assert "503" in left["error"] and not blog.bodies  # nothing created
    later = run_at(site, LATER, lambda request: httpx.Response(404), {}, monkeypatch)
    assert [o.state for o in later.outcomes] == ["published"]
    assert [path for path, _ in blog.uploads] == [
        "content/img/chart.png", "content/img/b.png", "content/c.png",
    ]  # fmt: skip
    assert blog.bodies == [RENDERED]


def test_after_a_refresh_the_same_run_reuses_the_uploads(
    site: Repo, blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def expired(outgoing: Outgoing, on_part: OnPart) -> Receipt:
        raise AuthExpired("the token expired")

    blog.posts = [expired, published]
    monkeypatch.setattr(run, "_client", lambda: httpx.Client())
    hooks = Hooks(credentials=lambda account: {}, refresh=lambda account, old: {"fresh": "1"})
    report = publish(site.root, Options(at=FIRST), hooks)
    assert [o.state for o in report.outcomes] == ["published"]
    assert len(blog.uploads) == 3 and blog.bodies == [RENDERED, RENDERED]
