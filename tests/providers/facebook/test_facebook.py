"""Facebook Pages against the local fake (tests/providers/facebook/fake.py): sign-in and the
Page token, each kind of post, comments, lost answers, look-ups, errors, doctor's checks."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import _http, facebook
from providers.base import OutgoingMedia, OutgoingPart
from socialgit.credentials import oauth
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
    UsageError,
)
from tests.providers._support import PNG, assert_secret_free, thread
from tests.providers.facebook.fake import (
    PAGE_ID,
    FakeFacebook,
    connected,
    facebook_account,
)
from tests.providers.meta.graphfake import APP_ID, APP_SECRET, error

ACCOUNT = facebook_account()
REDIRECT = "http://127.0.0.1:8788/callback"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeFacebook:
    made = FakeFacebook()
    monkeypatch.setattr(_http, "now", lambda: made.clock)
    return made


def text_post(tmp: Path, *texts: str) -> Any:
    return thread(tmp, *texts, image_on=None)


# -- sign-in ------------------------------------------------------------------------------


def test_sign_in_reads_the_pages_token_with_a_long_lived_login(fake: FakeFacebook) -> None:
    verifier, state = oauth.new_verifier(), oauth.new_state()
    url = facebook.generate_auth_url(ACCOUNT, REDIRECT, state, oauth.challenge(verifier))
    assert url.startswith("https://www.facebook.com/v25.0/dialog/oauth?")
    scope = httpx.URL(url).params["scope"].split(",")
    assert {"pages_manage_posts", "pages_manage_engagement", "pages_show_list"} <= set(scope)
    with fake.client() as client:
        back = httpx.URL(client.get(url).headers["location"])
        assert back.params["state"] == state
        code = back.params["code"]
        stored = facebook.authenticate(
            client, ACCOUNT, code, verifier, REDIRECT, {"client_secret": APP_SECRET}
        )
        with pytest.raises(ProviderError):  # single-use code
            facebook.authenticate(
                client, ACCOUNT, code, verifier, REDIRECT, {"client_secret": APP_SECRET}
            )
        assert facebook.whoami(client, ACCOUNT, stored) == {"id": PAGE_ID, "name": "Release Notes"}
    assert fake.tokens[stored["access_token"]].kind == "page"
    assert fake.tokens[stored["user_token"]].kind == "long"  # swapped at once
    assert "expires_at" not in stored  # a Page token read so never expires
    exchange = [r for r in fake.requests if r.url.path.endswith("/oauth/access_token")]
    assert exchange[0].method == "GET" and exchange[0].url.params["code_verifier"] == verifier
    assert exchange[1].url.params["grant_type"] == "fb_exchange_token"


def test_sign_in_with_a_wrong_verifier_is_refused(fake: FakeFacebook) -> None:
    url = facebook.generate_auth_url(ACCOUNT, REDIRECT, "s", oauth.challenge("the-right-one"))
    with fake.client() as client:
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        with pytest.raises(Rejected):
            facebook.authenticate(client, ACCOUNT, code, "a-wrong-one", REDIRECT,
                                  {"client_secret": APP_SECRET})  # fmt: skip
    assert not [t for t in fake.tokens.values() if t.kind == "page"]


def test_sign_in_needs_the_app_secret(fake: FakeFacebook) -> None:
    with fake.client() as client, pytest.raises(UsageError, match="app secret"):
        facebook.authenticate(client, ACCOUNT, "code", "v", REDIRECT, {})


def test_a_page_the_login_does_not_share_is_named_with_those_it_does(fake: FakeFacebook) -> None:
    other = facebook_account(page="999")
    url = facebook.generate_auth_url(other, REDIRECT, "s", oauth.challenge("v"))
    with fake.client() as client:
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        with pytest.raises(UsageError, match="Release Notes") as caught:
            facebook.authenticate(client, other, code, "v", REDIRECT, {"client_secret": APP_SECRET})
    assert "page:" in str(caught.value)
    assert_secret_free(caught.value, APP_SECRET, *fake.tokens)


def test_a_login_that_cannot_create_content_is_refused(fake: FakeFacebook) -> None:
    fake.tasks = ["ANALYZE"]
    url = facebook.generate_auth_url(ACCOUNT, REDIRECT, "s", oauth.challenge("v"))
    with fake.client() as client:
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        with pytest.raises(AuthRevoked, match="CREATE_CONTENT"):
            facebook.authenticate(
                client, ACCOUNT, code, "v", REDIRECT, {"client_secret": APP_SECRET}
            )


def test_refresh_reads_a_new_page_token_while_the_login_lives(fake: FakeFacebook) -> None:
    given = connected(fake)
    fake.tokens[given["access_token"]].revoked = True  # Meta invalidated the Page's token
    with fake.client() as client:
        fresh = facebook.refresh_token(client, ACCOUNT, given)
        assert fresh["access_token"] != given["access_token"]
        assert facebook.whoami(client, ACCOUNT, fresh)["id"] == PAGE_ID
        fake.clock += fake.tokens[given["user_token"]].expires - fake.clock  # the login ends
        with pytest.raises(AuthRevoked, match="socialgit connect team-facebook"):
            facebook.refresh_token(client, ACCOUNT, given)


# -- publishing ---------------------------------------------------------------------------


def test_text_post_with_a_link_then_comments_from_the_page(
    fake: FakeFacebook, tmp_path: Path
) -> None:
    seen: list[str] = []
    outgoing = replace(
        text_post(tmp_path, "Release 2.0 is out", "Changelog below", "Thanks!"),
        keys={"link": "https://example.org/2.0"},
    )
    with fake.client() as client:
        receipt = facebook.post(client, ACCOUNT, connected(fake), outgoing, (), seen.append)
    (post,) = fake.posts.values()
    assert (post.message, post.link) == ("Release 2.0 is out", "https://example.org/2.0")
    first, second = sorted(fake.comments.values(), key=lambda c: c.id)
    assert (first.message, second.message) == ("Changelog below", "Thanks!")
    assert first.parent == second.parent == post.id  # flat, under the post
    assert first.author == PAGE_ID
    assert receipt.parts == (post.id, first.id, second.id) == tuple(seen)
    assert receipt.url == f"https://www.facebook.com/{PAGE_ID}/posts/{post.id.split('_')[1]}"
    writes = [c for c in fake.graph_calls() if c.startswith("POST")]
    assert writes == [
        f"POST {PAGE_ID}/feed",
        f"POST {post.id}/comments",
        f"POST {post.id}/comments",
    ]


def test_photos_go_up_unpublished_with_alt_text_then_one_post_attaches_them(
    fake: FakeFacebook, tmp_path: Path
) -> None:
    second = tmp_path / "b.png"
    second.write_bytes(PNG)
    base = thread(tmp_path, "Two pictures", alt="A blue dot")
    media = (*base.parts[0].media, OutgoingMedia("media/b.png", second, "image/png", "A red dot"))
    outgoing = replace(
        base, parts=(OutgoingPart("Two pictures", media),), keys={"link": "https://e.org/x"}
    )
    with fake.client() as client:
        receipt = facebook.post(client, ACCOUNT, connected(fake), outgoing, (), print)
    post = fake.posts[receipt.id]
    assert [fake.photos[p].alt for p in post.photos] == ["A blue dot", "A red dot"]
    assert all(not fake.photos[p].published for p in post.photos)
    assert post.message == "Two pictures\n\nhttps://e.org/x" and post.link is None
    assert fake.uploads == [("image/png", PNG), ("image/png", PNG)]  # the bytes themselves


def test_a_video_goes_up_with_its_description(fake: FakeFacebook, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0\0\0\x18ftypmp42" + b"\0" * 64)
    video = OutgoingMedia("media/clip.mp4", clip, "video/mp4", "")
    outgoing = replace(text_post(tmp_path, "Watch"), parts=(OutgoingPart("Watch", (video,)),))
    with fake.client() as client:
        receipt = facebook.post(client, ACCOUNT, connected(fake), outgoing, (), print)
    post = fake.posts[receipt.id]
    assert post.video and post.message == "Watch"
    assert receipt.url == f"https://www.facebook.com/{PAGE_ID}/videos/{receipt.id}/"


def test_a_lost_comment_is_taken_from_the_post_on_the_rerun(
    fake: FakeFacebook, tmp_path: Path
) -> None:
    given = connected(fake)
    outgoing = text_post(tmp_path, "One", "Two", "Three")
    fake.timeout_after.add("comment")  # "Two" is written, its answer lost
    with fake.client() as client:
        seen: list[str] = []
        with pytest.raises(OutcomeUnknown):
            facebook.post(client, ACCOUNT, given, outgoing, (), seen.append)
        assert len(seen) == 1 and len(fake.comments) == 1
        receipt = facebook.post(client, ACCOUNT, given, outgoing, tuple(seen), print)
    assert sorted(c.message for c in fake.comments.values()) == ["Three", "Two"]  # once each
    assert receipt.parts[1] in fake.comments


def test_a_rerun_with_every_part_done_writes_nothing(fake: FakeFacebook, tmp_path: Path) -> None:
    given = connected(fake)
    with fake.client() as client:
        receipt = facebook.post(client, ACCOUNT, given, text_post(tmp_path, "a", "b"), (), print)
        writes = len([r for r in fake.requests if r.method == "POST"])
        again = facebook.post(client, ACCOUNT, given, text_post(tmp_path, "a", "b"),
                              receipt.parts, print)  # fmt: skip
    assert again == receipt
    assert len([r for r in fake.requests if r.method == "POST"]) == writes


@pytest.mark.parametrize(
    ("text", "media", "words"),
    [("x" * 63_207, 0, "63206 characters"), ("", 0, "needs text or media")],
)
def test_what_facebook_refuses_is_said_before_anything_is_sent(
    fake: FakeFacebook, tmp_path: Path, text: str, media: int, words: str
) -> None:
    with fake.client() as client, pytest.raises(Rejected, match=words):
        facebook.post(client, ACCOUNT, connected(fake), text_post(tmp_path, "ok", text), (), print)
    assert not fake.posts and not fake.comments


def test_a_facebook_link_is_refused_with_metas_words(fake: FakeFacebook, tmp_path: Path) -> None:
    outgoing = replace(text_post(tmp_path, "x"), keys={"link": "https://www.facebook.com/x"})
    with fake.client() as client, pytest.raises(Rejected, match="Facebook refused"):
        facebook.post(client, ACCOUNT, connected(fake), outgoing, (), print)


# -- in doubt -----------------------------------------------------------------------------


def test_a_lost_answer_to_the_post_is_in_doubt_and_the_lookup_gives_its_link(
    fake: FakeFacebook, tmp_path: Path
) -> None:
    given = connected(fake)
    fake.timeout_after.add("feed")
    outgoing = text_post(tmp_path, "Hello Page")
    with fake.client() as client:
        with pytest.raises(OutcomeUnknown, match="may have"):
            facebook.post(client, ACCOUNT, given, outgoing, (), print)
        with pytest.raises(OutcomeUnknown) as caught:
            facebook.lookup(client, ACCOUNT, given, outgoing)
    (post,) = fake.posts.values()
    assert post.permalink in str(caught.value) and "ties it to this delivery" in str(caught.value)


def test_a_post_the_ranked_feed_leaves_out_is_never_taken_as_not_sent(
    fake: FakeFacebook, tmp_path: Path
) -> None:
    given = connected(fake)
    outgoing = text_post(tmp_path, "Hello Page")
    with fake.client() as client:
        receipt = facebook.post(client, ACCOUNT, given, outgoing, (), print)
        fake.ranked_out.add(receipt.id)
        with pytest.raises(OutcomeUnknown, match="proves nothing") as caught:
            facebook.lookup(client, ACCOUNT, given, outgoing)
        never = facebook.lookup  # a delivery that was never sent cannot be told either
        with pytest.raises(OutcomeUnknown):
            never(client, ACCOUNT, given, replace(outgoing, parts=(OutgoingPart("unsent"),)))
    assert f"https://www.facebook.com/{PAGE_ID}" in str(caught.value)


def test_with_the_post_recorded_the_lookup_leaves_the_comments_to_the_rerun(
    fake: FakeFacebook, tmp_path: Path
) -> None:
    outgoing = replace(text_post(tmp_path, "a", "b"), done=(f"{PAGE_ID}_1",))
    with fake.client() as client:
        assert facebook.lookup(client, ACCOUNT, connected(fake), outgoing) is None


# -- errors and doctor --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "kind", "words"),
    [
        (error(400, 190, "Session has expired", 463), AuthExpired, "refused the access token"),
        (error(400, 190, "password changed", 460), AuthRevoked, "socialgit connect"),
        (error(400, 200, "(#200) no permission"), AuthRevoked, "lacks a Facebook permission"),
        (error(400, 32, "Page request limit reached"), RateLimited, "rate limited"),
        (error(400, 80001, "Too many calls to this Page"), RateLimited, "Too many calls"),
        (error(400, 368, "posting too fast", 1390008), RateLimited, "too fast"),
        (error(400, 100, "Page Publishing Authorization", 1404078), Rejected, "Publishing Auth"),
        (httpx.Response(503, text="down"), OutcomeUnknown, "may have gone out"),
    ],
)
def test_graph_errors_are_classified_and_never_show_a_token(
    fake: FakeFacebook, tmp_path: Path, answer: httpx.Response, kind: type, words: str
) -> None:
    given = connected(fake)
    fake.fail("feed", answer)
    with fake.client() as client, pytest.raises(kind) as caught:
        facebook.post(client, ACCOUNT, given, text_post(tmp_path, "hi"), (), print)
    assert words in str(caught.value)
    assert_secret_free(caught.value, given["access_token"], given["user_token"], APP_SECRET)


def test_an_upload_that_fails_is_retried_not_in_doubt(fake: FakeFacebook, tmp_path: Path) -> None:
    fake.fail("photo", httpx.ReadTimeout)
    with fake.client() as client, pytest.raises(Transient):
        facebook.post(client, ACCOUNT, connected(fake), thread(tmp_path, "pic"), (), print)
    assert not fake.posts


def test_doctor_names_permissions_the_login_did_not_grant(fake: FakeFacebook) -> None:
    given = connected(fake)
    fake.granted.discard("pages_manage_engagement")
    with fake.client() as client:
        said = facebook.diagnose(client, ACCOUNT, given)
        assert said == [
            (
                "warning",
                "the app was not granted pages_manage_engagement: run `socialgit connect "
                "team-facebook` and allow it",
            )
        ]
        fake.granted.add("pages_manage_engagement")
        assert facebook.diagnose(client, ACCOUNT, given) == []
        fake.tokens[given["user_token"]].revoked = True
        ((severity, ended),) = facebook.diagnose(client, ACCOUNT, given)
    assert severity == "warning" and "has ended" in ended


def test_tokens_travel_as_parameters_never_in_a_post_url(
    fake: FakeFacebook, tmp_path: Path
) -> None:
    given = connected(fake)
    with fake.client() as client:
        facebook.post(client, ACCOUNT, given, thread(tmp_path, "pic", "more"), (), print)
    for request in fake.requests:
        if request.method == "POST":
            assert "access_token" not in str(request.url)
    attach = next(r for r in fake.requests if r.url.path.endswith("/feed"))
    body = dict(httpx.QueryParams(attach.content.decode()))
    assert json.loads(body["attached_media[0]"])["media_fbid"] in fake.photos
    assert APP_ID not in str(attach.url)


def test_a_page_token_meta_says_ends_is_stored_with_its_end(fake: FakeFacebook) -> None:
    fake.page_token_life = timedelta(days=60)
    url = facebook.generate_auth_url(ACCOUNT, REDIRECT, "s", oauth.challenge("v"))
    with fake.client() as client:
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        stored = facebook.authenticate(client, ACCOUNT, code, "v", REDIRECT,
                                       {"client_secret": APP_SECRET})  # fmt: skip
    assert facebook.expires_at(stored) == fake.clock + timedelta(days=60)
    assert "debug_token" in fake.graph_calls()[-1]
