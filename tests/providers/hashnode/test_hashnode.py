"""Hashnode's module against the fake GraphQL API: the post as it is published, errors inside
HTTP 200 and their classes, the Pro plan in doctor, secrets kept out of every message, and
look-ups that take only this title and body at this slug."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import hashnode
from providers.base import Outgoing, OutgoingMedia, OutgoingPart, Receipt, Uploaded
from socialgit.errors import AuthRevoked, OutcomeUnknown, Rejected, Transient
from tests.providers._support import account, assert_secret_free, raising
from tests.providers.hashnode.fake import (
    HOST,
    MEDIA_BASE_URL,
    PUBLICATION,
    TOKEN,
    FakeHashnode,
)

ACCOUNT = account("hashnode", name="hn", publication=HOST)
CREDENTIALS = {"token": TOKEN}
BODY = f"Hello ![a dot]({MEDIA_BASE_URL}/img/a.png)\n\n---\n\nStill one article.\n"


def article(tmp: Path, **keys: Any) -> Outgoing:
    cover = OutgoingMedia("img/cover.png", tmp / "cover.png", "image/png", "the cover")
    given = {"title": "Hello Hashnode", "slug": "hello-hashnode", "tags": ("Web Dev", "python")}
    return Outgoing(
        key="2bcdefghijkmn",
        post="content/hello.md",
        occurrence=FakeHashnode().now,
        parts=(OutgoingPart("Hello ![a dot](img/a.png)"),),
        account="hn",
        keys={**given, **keys},
        cover=cover,
        body=BODY,
        images={"img/cover.png": Uploaded(f"{MEDIA_BASE_URL}/img/cover.png")},
    )


def publish(fake: FakeHashnode, outgoing: Outgoing, done: tuple[str, ...] = (),
            acct: Any = ACCOUNT) -> Receipt:  # fmt: skip
    seen: list[str] = []
    with fake.client() as client:
        made = hashnode.post(client, acct, CREDENTIALS, outgoing, done, seen.append)
    assert seen == ([] if done else [made.id])
    return made


def test_the_post_goes_to_the_publication_with_its_keys(tmp_path: Path) -> None:
    fake = FakeHashnode()
    keys = {"excerpt": "Short", "canonical_url": "https://me.example/hello"}
    made = publish(fake, article(tmp_path, **keys))
    (stored,) = fake.posts
    assert made == Receipt(stored["id"], f"https://{HOST}/hello-hashnode", (stored["id"],))
    assert stored["content"]["markdown"] == BODY and stored["subtitle"] == "Short"
    assert stored["canonicalUrl"] == "https://me.example/hello"
    assert [(t["slug"], t["name"]) for t in stored["tags"]] == [
        ("web-dev", "Web Dev"),
        ("python", "python"),
    ]
    assert stored["coverImage"]["url"] == f"{MEDIA_BASE_URL}/img/cover.png"
    mutation = fake.requests[-1]
    assert mutation.headers["authorization"] == f"Bearer {TOKEN}"


def test_the_publication_may_be_named_by_its_id(tmp_path: Path) -> None:
    fake = FakeHashnode()
    publish(fake, article(tmp_path), acct=account("hashnode", name="hn", publication=PUBLICATION))
    assert len(fake.posts) == 1


def test_a_publication_without_pro_is_refused_and_doctor_says_so(tmp_path: Path) -> None:
    fake = FakeHashnode(pro=False)
    with pytest.raises(Rejected, match="active Pro plan"):
        publish(fake, article(tmp_path))
    with fake.client() as client:
        ((severity, message),) = hashnode.diagnose(client, ACCOUNT, CREDENTIALS)
    assert severity == "error" and "Pro plan" in message and fake.posts == []
    with FakeHashnode().client() as client:
        ((severity, message),) = hashnode.diagnose(client, ACCOUNT, CREDENTIALS)
    assert severity == "ok" and HOST in message


def test_a_token_hashnode_refuses_says_connect(tmp_path: Path) -> None:
    fake = FakeHashnode(tokens={"another"})
    with fake.client() as client, pytest.raises(AuthRevoked, match="socialgit connect hn") as e:
        hashnode.whoami(client, ACCOUNT, CREDENTIALS)
    assert_secret_free(e.value, TOKEN)


def test_errors_inside_http_200_are_read(tmp_path: Path) -> None:
    with pytest.raises(Rejected, match="BAD_USER_INPUT"):
        publish(FakeHashnode(), article(tmp_path, tags=tuple(f"t{n}" for n in range(16))))
    failed = {"errors": [{"message": "boom", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]}
    with pytest.raises(OutcomeUnknown, match="boom"):
        publish(FakeHashnode(queue=[httpx.Response(200, json=failed)]), article(tmp_path))


def test_a_query_outside_hashnodes_schema_is_refused_by_the_fake() -> None:
    fake = FakeHashnode()
    with fake.client() as client:
        answer = client.post("https://gql-beta.hashnode.com/", json={"query": "{ me { nope } }"})
    assert answer.status_code == 400 and "GRAPHQL_VALIDATION_FAILED" in answer.text


def test_a_slug_someone_else_holds_stops_the_post_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    fake = FakeHashnode()
    publish(fake, article(tmp_path, title="Another post"))
    with pytest.raises(Rejected, match="change `slug:`"):
        publish(fake, article(tmp_path))
    assert len(fake.posts) == 1


def test_a_lost_answer_is_in_doubt_then_found_at_its_slug(tmp_path: Path) -> None:
    fake = FakeHashnode(lose={"publishPost"})
    outgoing = article(tmp_path)
    with fake.client() as client, pytest.raises(OutcomeUnknown) as caught:
        hashnode.post(client, ACCOUNT, CREDENTIALS, outgoing, (), lambda _: None)
    assert_secret_free(caught.value, TOKEN)
    (stored,) = fake.posts
    with fake.client() as client:
        found = hashnode.lookup(client, ACCOUNT, CREDENTIALS, outgoing)
    assert found is not None and found.id == stored["id"]
    assert publish(fake, outgoing) == found and len(fake.posts) == 1  # taken, not resent


def test_look_up_finds_a_post_hashnode_gave_another_slug(tmp_path: Path) -> None:
    fake = FakeHashnode()
    outgoing = article(tmp_path)
    publish(fake, outgoing)
    fake.posts[0]["slug"] = "hello-hashnode-x1"
    with fake.client() as client:
        found = hashnode.lookup(client, ACCOUNT, CREDENTIALS, outgoing)
    assert found is not None and found.id == fake.posts[0]["id"]


def test_look_up_never_claims_another_post_at_the_slug(tmp_path: Path) -> None:
    fake = FakeHashnode()
    outgoing = article(tmp_path)
    with fake.client() as client:
        assert hashnode.lookup(client, ACCOUNT, CREDENTIALS, outgoing) is None
    publish(fake, outgoing)  # an earlier run of a repeating post, with the same words
    later = replace(outgoing, occurrence=fake.now + timedelta(days=7))
    with fake.client() as client, pytest.raises(OutcomeUnknown, match="another post"):
        hashnode.lookup(client, ACCOUNT, CREDENTIALS, later)


def test_a_resume_with_the_post_done_makes_no_write(tmp_path: Path) -> None:
    fake = FakeHashnode()
    made = publish(fake, article(tmp_path))
    assert publish(fake, article(tmp_path), done=(made.id,)) == made
    assert sum(b"mutation" in r.content for r in fake.requests) == 1


def test_a_timeout_on_a_read_is_transient_and_names_no_secret(tmp_path: Path) -> None:
    lost = httpx.MockTransport(raising(httpx.ReadTimeout))
    with httpx.Client(transport=lost) as client, pytest.raises(Transient) as caught:
        hashnode.post(client, ACCOUNT, CREDENTIALS, article(tmp_path), (), lambda _: None)
    assert_secret_free(caught.value, TOKEN)


def test_whoami_names_the_user_and_connect_keeps_only_the_token() -> None:
    with FakeHashnode().client() as client:
        who = hashnode.whoami(client, ACCOUNT, CREDENTIALS)
        assert who == {"id": "65f0c0ffee0000000000a11c", "name": "Alice Example",
                       "handle": "alice"}  # fmt: skip
        given = {"token": f" {TOKEN} ", "other": "x"}
        assert hashnode.authenticate(client, ACCOUNT, "", "", "", given) == CREDENTIALS
