"""Dev.to's module against the fake Forem API: the article as it is created, writes a second
apart, errors and their classes, secrets kept out of every message, and look-ups that find
only this title and body published since the occurrence."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import devto
from providers.base import Outgoing, OutgoingMedia, OutgoingPart, Published, Receipt, Uploaded
from providers.devto import api
from socialgit.errors import AuthRevoked, Duplicate, OutcomeUnknown, RateLimited, Rejected
from tests.providers._support import account, assert_secret_free
from tests.providers.devto.fake import BASE, KEY, MEDIA_BASE_URL, FakeDevto

ACCOUNT = account("devto", name="dev")
CREDENTIALS = {"api_key": KEY}
BODY = f"Hello ![a dot]({MEDIA_BASE_URL}/img/a.png)\n\n---\n\nStill one article.\n"


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Writes are spaced by sleeping: record the sleeps instead, on a clock they move."""
    waited: list[float] = []
    clock = [1000.0]
    monkeypatch.setattr(api, "_written", {})
    monkeypatch.setattr(api.time, "monotonic", lambda: clock[0])

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(api.time, "sleep", sleep)
    return waited


def article(tmp: Path, **keys: Any) -> Outgoing:
    cover = OutgoingMedia("img/cover.png", tmp / "cover.png", "image/png", "the cover")
    given = {"title": "Hello Dev", "tags": ("python", "release")}
    return Outgoing(
        key="2bcdefghijkmn",
        post="content/hello.md",
        occurrence=FakeDevto().now,
        parts=(OutgoingPart("Hello ![a dot](img/a.png)"),),
        account="dev",
        keys={**given, **keys},
        cover=cover,
        body=BODY,
        images={"img/cover.png": Uploaded(f"{MEDIA_BASE_URL}/img/cover.png")},
    )


def publish(fake: FakeDevto, outgoing: Outgoing, done: tuple[str, ...] = ()) -> Receipt:
    seen: list[str] = []
    with fake.client() as client:
        made = devto.post(client, ACCOUNT, CREDENTIALS, outgoing, done, seen.append)
    assert seen == ([] if done else [made.id])
    return made


def test_the_article_goes_out_as_markdown_with_its_keys(tmp_path: Path) -> None:
    fake = FakeDevto(clock=lambda: 0.0)
    keys = {"excerpt": "Short", "canonical_url": "https://me.example/hello"}
    made = publish(fake, article(tmp_path, **keys))
    (stored,) = fake.articles
    assert made == Receipt(str(stored["id"]), stored["url"], (str(stored["id"]),))
    assert stored["body_markdown"] == BODY and stored["published"] is True
    assert stored["title"] == "Hello Dev" and stored["tag_list"] == ["python", "release"]
    assert stored["description"] == "Short"
    assert stored["canonical_url"] == "https://me.example/hello"
    assert stored["main_image"] == f"{MEDIA_BASE_URL}/img/cover.png"
    create = next(r for r in fake.requests if r.method == "POST")
    assert create.headers["api-key"] == KEY
    assert create.headers["accept"] == "application/vnd.forem.api-v1+json"


def test_writes_go_out_a_second_apart(tmp_path: Path, no_waiting: list[float]) -> None:
    fake = FakeDevto()
    publish(fake, article(tmp_path))
    publish(fake, article(tmp_path, title="Hello again"))
    assert no_waiting == [1.0] and len(fake.articles) == 2


def test_a_429_defers_with_retry_after(tmp_path: Path) -> None:
    busy = {"error": "Rate limit reached", "status": 429}
    fake = FakeDevto(queue=[httpx.Response(429, headers={"Retry-After": "30"}, json=busy)])
    with pytest.raises(RateLimited) as caught:
        publish(fake, article(tmp_path))
    assert caught.value.until is not None and fake.articles == []


def test_a_key_dev_to_refuses_says_connect(tmp_path: Path) -> None:
    fake = FakeDevto(keys={"another"})
    with pytest.raises(AuthRevoked, match="socialgit connect dev") as caught:
        publish(fake, article(tmp_path))
    assert_secret_free(caught.value, KEY)


def test_what_dev_to_refuses_is_rejected_with_its_words(tmp_path: Path) -> None:
    with pytest.raises(Rejected, match="non-alphanumeric"):
        publish(FakeDevto(), article(tmp_path, tags=("c++",)))
    with pytest.raises(Rejected, match="takes 128"):
        publish(FakeDevto(), article(tmp_path, title="x" * 129))
    with pytest.raises(Rejected, match="at most 4 tags"):
        publish(FakeDevto(), article(tmp_path, tags=("a", "b", "c", "d", "e")))


def test_a_lost_answer_is_in_doubt_then_found_and_a_resend_is_refused(tmp_path: Path) -> None:
    fake = FakeDevto(lose={"create"})
    outgoing = article(tmp_path)
    with fake.client() as client, pytest.raises(OutcomeUnknown) as caught:
        devto.post(client, ACCOUNT, CREDENTIALS, outgoing, (), lambda _: None)
    assert_secret_free(caught.value, KEY)
    (stored,) = fake.articles
    with fake.client() as client:
        found = devto.lookup(client, ACCOUNT, CREDENTIALS, outgoing)
    assert found == Receipt(str(stored["id"]), stored["url"], (str(stored["id"]),))
    # Sent again anyway, Dev.to refuses the same title and body: never a second article.
    with pytest.raises(Duplicate, match="already been taken"):
        publish(fake, outgoing)
    assert len(fake.articles) == 1


def test_a_5xx_to_the_create_is_in_doubt(tmp_path: Path) -> None:
    with pytest.raises(OutcomeUnknown, match="HTTP 502"):
        publish(FakeDevto(queue=[httpx.Response(502)]), article(tmp_path))


def test_look_up_never_claims_an_earlier_article_with_the_same_words(tmp_path: Path) -> None:
    fake = FakeDevto()
    publish(fake, article(tmp_path))  # last week's run of a repeating post
    later = replace(article(tmp_path), occurrence=fake.now + timedelta(days=7))
    fake.now += timedelta(days=7)
    with fake.client() as client:
        assert devto.lookup(client, ACCOUNT, CREDENTIALS, later) is None
    with pytest.raises(Duplicate):  # and Dev.to refuses it: a person changes the words
        publish(fake, later)


def test_look_up_says_none_when_nothing_matches_and_pages_through(tmp_path: Path) -> None:
    fake = FakeDevto()
    outgoing = article(tmp_path)
    publish(fake, outgoing)
    for n in range(120):
        publish(fake, article(tmp_path, title=f"Other {n}"))
    with fake.client() as client:
        found = devto.lookup(client, ACCOUNT, CREDENTIALS, outgoing)
        assert found is not None and found.id == str(fake.articles[0]["id"])
        assert devto.lookup(client, ACCOUNT, CREDENTIALS, replace(outgoing, body="new")) is None
    pages = [r.url.params["page"] for r in fake.requests if r.url.path.endswith("/me/all")]
    assert pages[:2] == ["1", "2"]


def test_a_resume_with_the_article_done_makes_no_write(tmp_path: Path) -> None:
    fake = FakeDevto()
    made = publish(fake, article(tmp_path))
    assert publish(fake, article(tmp_path), done=(made.id,)) == made
    assert sum(r.method == "POST" for r in fake.requests) == 1


def test_whoami_names_the_user_and_connect_keeps_only_the_key() -> None:
    fake = FakeDevto()
    with fake.client() as client:
        who = devto.whoami(client, ACCOUNT, CREDENTIALS)
        assert who == {"id": "1042", "name": "Alice Example", "handle": "alice"}
        given = {"api_key": f" {KEY} ", "other": "x"}
        assert devto.authenticate(client, ACCOUNT, "", "", "", given) == CREDENTIALS
        with pytest.raises(AuthRevoked):
            devto.whoami(client, ACCOUNT, {"api_key": "wrong"})


def test_base_url_points_at_another_forem() -> None:
    fake = FakeDevto()
    other = account("devto", name="dev", base_url="https://forem.example")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        url = request.url.copy_with(host=httpx.URL(BASE).host)
        return fake(httpx.Request(request.method, url, headers=request.headers))

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        devto.whoami(client, other, CREDENTIALS)
    assert seen[0].url.host == "forem.example"


def test_metrics_read_the_article_s_reactions_and_comments(tmp_path: Path) -> None:
    fake = FakeDevto()
    made = publish(fake, article(tmp_path))
    fake.engage(int(made.id), reactions=12, comments=3)
    item = Published(made.id, made.url, made.parts, fake.now, "content/hello.md", "dev")
    with fake.client() as client:
        assert devto.metrics(client, ACCOUNT, CREDENTIALS, item) == {"likes": 12, "replies": 3}
        gone = Published("999999", None, ("999999",), fake.now)
        with pytest.raises(Rejected):
            devto.metrics(client, ACCOUNT, CREDENTIALS, gone)
