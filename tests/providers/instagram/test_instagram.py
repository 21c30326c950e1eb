"""Instagram against the local fake (tests/providers/instagram/fake.py): both sign-ins, each
kind of post, the container recorded and finished (never made twice), lost answers and
Meta's errors after publishing, the daily limit, look-ups, comments, doctor's checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import _http, instagram
from providers.base import Outgoing, OutgoingMedia, OutgoingPart
from providers.instagram import publish as _publish
from socialgit.credentials import oauth
from socialgit.errors import (
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Unsupported,
)
from tests.providers._support import JPEG, assert_secret_free, thread
from tests.providers.instagram.fake import (
    MEDIA_BASE,
    USER_ID,
    USERNAME,
    FakeInstagram,
    instagram_account,
)
from tests.providers.meta.graphfake import APP_SECRET, error

REDIRECT = "http://127.0.0.1:8788/callback"


@pytest.fixture(params=["facebook", "instagram"])
def fake(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> FakeInstagram:
    made = FakeInstagram(login=request.param)
    monkeypatch.setattr(_http, "now", lambda: made.clock)
    monkeypatch.setattr(_publish, "SLEEP", made.sleeps.append)
    return made


def acct(fake: FakeInstagram) -> Any:
    return instagram_account(fake.login)


def photo(tmp: Path, *texts: str, alt: str = "A blue dot") -> Outgoing:
    """A post of one JPEG at a public URL, as the runner hands it over with media_base_url."""
    made = thread(tmp, *texts, alt=alt, mime="image/jpeg")
    return with_urls(made)


def with_urls(outgoing: Outgoing) -> Outgoing:
    parts = tuple(
        replace(p, media=tuple(replace(m, url=f"{MEDIA_BASE}/{m.path}") for m in p.media))
        for p in outgoing.parts
    )
    return replace(outgoing, parts=parts)


def media_item(tmp: Path, name: str, mime: str, alt: str = "") -> OutgoingMedia:
    file = tmp / name
    file.write_bytes(JPEG if mime == "image/jpeg" else b"\0\0\0\x18ftypmp42" + b"\0" * 32)
    return OutgoingMedia(f"media/{name}", file, mime, alt, f"{MEDIA_BASE}/media/{name}")


def send(client: httpx.Client, fake: FakeInstagram, outgoing: Outgoing) -> Any:
    return instagram.post(client, acct(fake), fake.connected(), outgoing, (), print)


def container(client: httpx.Client, fake: FakeInstagram, given: Any, tmp: Path) -> str:
    """A container made as an earlier attempt would have (and recorded)."""
    session = instagram._session(client, acct(fake), given)
    return _publish._create(session, photo(tmp, "x").parts[0])


def writes(fake: FakeInstagram) -> list[str]:
    return [c.split("/")[-1] for c in fake.graph_calls() if c.startswith("POST")]


# -- publishing ---------------------------------------------------------------------------


def test_an_image_with_alt_text_goes_out_through_its_container(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    fake.processing_polls = 2
    recorded: list[str] = []
    outgoing = replace(photo(tmp_path, "Launch day"), on_pending=recorded.append)
    with fake.client() as client:
        receipt = instagram.post(client, acct(fake), fake.connected(), outgoing, (), print)
    (container,) = fake.containers.values()
    assert container.fields["image_url"] == f"{MEDIA_BASE}/media/dot.jpg"
    assert container.fields["alt_text"] == "A blue dot" and container.status == "PUBLISHED"
    assert recorded == [container.id]  # recorded before it was published
    (media,) = fake.media.values()
    assert (media.caption, media.alt) == ("Launch day", "A blue dot")
    assert receipt.id == media.id and receipt.url == media.permalink
    calls = fake.graph_calls()
    assert calls[0] == f"GET {USER_ID}/content_publishing_limit"  # the quota before anything
    assert calls.count(f"GET {container.id}") == 3 and fake.sleeps == [0.5, 1.0]


def test_a_carousel_and_a_reel(fake: FakeInstagram, tmp_path: Path) -> None:
    items = (
        media_item(tmp_path, "a.jpg", "image/jpeg", "first"),
        media_item(tmp_path, "b.mp4", "video/mp4"),
        media_item(tmp_path, "c.jpg", "image/jpeg", "third"),
    )
    carousel = replace(thread(tmp_path, "x"), parts=(OutgoingPart("Three things", items),))
    reel = replace(thread(tmp_path, "x"), parts=(OutgoingPart("Watch", (items[1],)),))
    with fake.client() as client:
        first = instagram.post(client, acct(fake), fake.connected(), carousel, (), print)
        second = instagram.post(client, acct(fake), fake.connected(), reel, (), print)
    album, film = fake.media[first.id], fake.media[second.id]
    assert album.kind == "CAROUSEL_ALBUM" and len(album.children) == 3
    children = [fake.containers[c].fields for c in album.children]
    assert [c.get("media_type") for c in children] == [None, "VIDEO", None]
    assert all(c["is_carousel_item"] == "true" and "caption" not in c for c in children)
    assert film.kind == "VIDEO" and film.caption == "Watch"


@pytest.mark.parametrize(
    ("mime", "count", "words"),
    [("image/png", 1, "JPEG images"), ("image/jpeg", 11, "1 to 10"), ("image/jpeg", 0, "1 to 10")],
)
def test_what_instagram_refuses_is_said_before_anything_is_made(
    fake: FakeInstagram, tmp_path: Path, mime: str, count: int, words: str
) -> None:
    items = tuple(media_item(tmp_path, f"{n}.jpg", mime) for n in range(count))
    outgoing = replace(thread(tmp_path, "x"), parts=(OutgoingPart("Hello", items),))
    with fake.client() as client, pytest.raises(Rejected, match=words):
        instagram.post(client, acct(fake), fake.connected(), outgoing, (), print)
    assert not fake.containers


def test_media_without_a_public_url_says_media_base_url(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    outgoing = thread(tmp_path, "x", mime="image/jpeg")  # no url: no media_base_url
    with fake.client() as client, pytest.raises(Rejected, match="media_base_url"):
        instagram.post(client, acct(fake), fake.connected(), outgoing, (), print)
    assert not fake.containers


def test_media_meta_cannot_fetch_is_refused_with_a_hint(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    fake.reachable = lambda url: False
    with fake.client() as client, pytest.raises(Rejected, match="publicly reachable"):
        instagram.post(client, acct(fake), fake.connected(), photo(tmp_path, "x"), (), print)
    assert not fake.media


def test_later_parts_are_comments_and_a_resumed_attempt_takes_its_own(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    given = fake.connected()
    outgoing = photo(tmp_path, "Post", "First comment", "Second comment")
    fake.timeout_after.add("comment")
    with fake.client() as client:
        seen: list[str] = []
        with pytest.raises(OutcomeUnknown):
            instagram.post(client, acct(fake), given, outgoing, (), seen.append)
        receipt = instagram.post(client, acct(fake), given, outgoing, tuple(seen), print)
    assert sorted(c.text for c in fake.comments.values()) == ["First comment", "Second comment"]
    assert all(c.media == receipt.id for c in fake.comments.values())
    assert len(receipt.parts) == 3 and len(fake.media) == 1


# -- exactly once ---------------------------------------------------------------------


def test_a_lost_answer_to_media_publish_is_told_by_the_container(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    fake.timeout_after.add("publish")
    with fake.client() as client:
        receipt = instagram.post(
            client, acct(fake), fake.connected(), photo(tmp_path, "x"), (), print
        )
    (media,) = fake.media.values()
    assert receipt.id == media.id and writes(fake).count("media_publish") == 1


def test_a_rate_limit_after_the_post_went_live_is_the_receipt(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    # Meta answered code 4 / 2207051 after publishing (the fact sheet's §0): never a resend.
    fake.answer_after["publish"] = error(400, 4, "Action is blocked", 2207051)
    with fake.client() as client:
        receipt = instagram.post(
            client, acct(fake), fake.connected(), photo(tmp_path, "x"), (), print
        )
    assert list(fake.media) == [receipt.id]


@pytest.mark.parametrize("state", ["FINISHED", "IN_PROGRESS"])
def test_a_recorded_container_not_out_is_published_not_made_again(
    fake: FakeInstagram, tmp_path: Path, state: str
) -> None:
    given = fake.connected()
    with fake.client() as client:
        made = _publish._create(
            instagram._session(client, acct(fake), given), photo(tmp_path, "x").parts[0]
        )
        fake.containers[made].status = state
        receipt = instagram.post(
            client, acct(fake), given, replace(photo(tmp_path, "x"), pending=made), (), print
        )
    assert list(fake.containers) == [made] and fake.containers[made].media == receipt.id
    assert f"GET {USER_ID}/content_publishing_limit" not in fake.graph_calls()


def test_a_recorded_container_that_went_out_is_the_receipt(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    given = fake.connected()
    outgoing = photo(tmp_path, "Already out")
    with fake.client() as client:
        first = instagram.post(client, acct(fake), given, outgoing, (), print)
        (container,) = fake.containers
        again = instagram.post(client, acct(fake), given, replace(outgoing, pending=container),
                               (), print)  # fmt: skip
    assert again.id == first.id and len(fake.media) == 1 and len(fake.containers) == 1
    assert writes(fake).count("media_publish") == 1


def test_a_recorded_container_that_expired_is_made_anew_and_recorded(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    given = fake.connected()
    recorded: list[str] = []
    with fake.client() as client:
        old = _publish._create(
            instagram._session(client, acct(fake), given), photo(tmp_path, "x").parts[0]
        )
        fake.containers[old].status = "EXPIRED"
        outgoing = replace(photo(tmp_path, "x"), pending=old, on_pending=recorded.append)
        instagram.post(client, acct(fake), given, outgoing, (), print)
    (new,) = [c for c in fake.containers if c != old]
    assert recorded == [new] and fake.containers[new].status == "PUBLISHED"


# -- look-up -------------------------------------------------------------------------------


def test_lookup_asks_the_recorded_container_first(fake: FakeInstagram, tmp_path: Path) -> None:
    given = fake.connected()
    outgoing = photo(tmp_path, "Hello")
    with fake.client() as client:
        receipt = instagram.post(client, acct(fake), given, outgoing, (), print)
        (container,) = fake.containers
        found = instagram.lookup(client, acct(fake), given, replace(outgoing, pending=container))
        assert found is not None and found.parts == (receipt.id,) and found.url == receipt.url
        fake.containers[container].status = "FINISHED"  # as if it had not gone out
        assert (
            instagram.lookup(client, acct(fake), given, replace(outgoing, pending=container))
            is None
        )


def test_a_published_container_whose_media_cannot_be_told_apart(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    given = fake.connected()
    with fake.client() as client:
        instagram.post(client, acct(fake), given, photo(tmp_path, "Same words"), (), print)
        instagram.post(client, acct(fake), given, photo(tmp_path, "Same words"), (), print)
        container = list(fake.containers)[-1]
        alone = replace(photo(tmp_path, "Same words"), pending=container)
        found = instagram.lookup(client, acct(fake), given, alone)
        # Out for sure: recorded with the container's id and the profile's link.
        assert found is not None and found.id == container
        assert found.url == f"https://www.instagram.com/{USERNAME}/"
        thread_of_two = replace(photo(tmp_path, "Same words", "more"), pending=container)
        with pytest.raises(OutcomeUnknown, match="2 posts since then"):
            instagram.lookup(client, acct(fake), given, thread_of_two)


def test_lookup_without_a_record_never_invents_and_never_denies(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    given = fake.connected()
    outgoing = photo(tmp_path, "Hello there")
    with fake.client() as client:
        assert instagram.lookup(client, acct(fake), given, outgoing) is None
        instagram.post(client, acct(fake), given, outgoing, (), print)
        with pytest.raises(OutcomeUnknown, match="ties it to this delivery") as caught:
            instagram.lookup(client, acct(fake), given, outgoing)
        (media,) = fake.media.values()
        assert media.permalink in str(caught.value)
        assert (
            instagram.lookup(client, acct(fake), given, replace(outgoing, done=(media.id,))) is None
        )


# -- limits and errors ---------------------------------------------------------------------


def test_the_daily_limit_is_read_before_anything_is_made(
    fake: FakeInstagram, tmp_path: Path
) -> None:
    fake.quota_total = 1
    given = fake.connected()
    with fake.client() as client:
        instagram.post(client, acct(fake), given, photo(tmp_path, "a"), (), print)
        with pytest.raises(RateLimited, match="1 of 1 posts in the last 24 hours"):
            instagram.post(client, acct(fake), given, photo(tmp_path, "b"), (), print)
        assert len(fake.containers) == 1
        fake.fail("limit", httpx.Response(500, text="down"))  # the check cannot be made
        with pytest.raises(RateLimited, match="publishing quota used up"):
            instagram.post(client, acct(fake), given, photo(tmp_path, "b"), (), print)
    assert len(fake.media) == 1


@pytest.mark.parametrize(
    ("answer", "kind", "words"),
    [
        (error(400, 190, "Session has expired", 463), ProviderError, "refused the access token"),
        (error(400, 190, "changed password", 460), AuthRevoked, "socialgit connect"),
        (error(400, 10, "(#10) no permission"), AuthRevoked, "lacks a Instagram permission"),
        (error(400, 80002, "Too many calls"), RateLimited, "Too many calls"),
        (error(400, 100, "Unsupported aspect ratio", 2207009), Rejected, "aspect ratio"),
    ],
)
def test_graph_errors_are_classified_and_never_show_the_token(
    fake: FakeInstagram, tmp_path: Path, answer: httpx.Response, kind: type, words: str
) -> None:
    given = fake.connected()
    fake.fail("create", answer)
    with fake.client() as client, pytest.raises(kind) as caught:
        instagram.post(client, acct(fake), given, photo(tmp_path, "x"), (), print)
    assert words in str(caught.value)
    assert_secret_free(caught.value, given["access_token"], APP_SECRET)


def test_doctor_says_when_the_days_limit_is_used_up(fake: FakeInstagram, tmp_path: Path) -> None:
    given = fake.connected()
    with fake.client() as client:
        assert instagram.diagnose(client, acct(fake), given) == []
        fake.quota_total = 0
        ((severity, said),) = instagram.diagnose(client, acct(fake), given)
    assert severity == "warning" and "publishing quota used up" in said


# -- sign-in -------------------------------------------------------------------------------


def test_sign_in_and_the_long_lived_token(fake: FakeInstagram) -> None:
    account = acct(fake)
    verifier = oauth.new_verifier()
    url = instagram.generate_auth_url(account, REDIRECT, "st4te", oauth.challenge(verifier))
    host = "www.instagram.com" if fake.login == "instagram" else "www.facebook.com"
    assert httpx.URL(url).host == host
    with fake.client() as client:
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        stored = instagram.authenticate(client, account, code, verifier, REDIRECT,
                                        {"client_secret": APP_SECRET})  # fmt: skip
        assert instagram.whoami(client, account, stored) == {
            "id": USER_ID, "name": USERNAME, "handle": USERNAME,
        }  # fmt: skip
    long = "ig-long" if fake.login == "instagram" else "long"
    assert fake.tokens[stored["access_token"]].kind == long
    expiry = instagram.expires_at(stored)
    assert expiry is not None and expiry > fake.clock + timedelta(days=59)


def test_refresh_by_login(fake: FakeInstagram) -> None:
    account = acct(fake)
    young, old = fake.connected(timedelta(hours=2)), fake.connected(timedelta(days=2))
    with fake.client() as client:
        with pytest.raises(Unsupported):
            instagram.refresh_token(client, account, young)
        if fake.login == "facebook":
            with pytest.raises(Unsupported, match="cannot be renewed without you"):
                instagram.refresh_token(client, account, old)
            return
        fresh = instagram.refresh_token(client, account, old)
        assert fresh["access_token"] != old["access_token"]
        assert instagram.whoami(client, account, fresh)["id"] == USER_ID
        # The old token is refused now: whether Meta does is not documented; we store the new.
        with pytest.raises(AuthRevoked):
            instagram.refresh_token(client, account, old)


def test_doctor_names_permissions_a_facebook_login_did_not_grant(tmp_path: Path) -> None:
    fake = FakeInstagram(login="facebook")
    given = fake.connected()
    fake.granted.discard("instagram_manage_comments")
    with fake.client() as client:
        ((_, said),) = instagram.diagnose(client, acct(fake), given)
    assert said.startswith("the app was not granted instagram_manage_comments")
