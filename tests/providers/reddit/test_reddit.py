"""Reddit against its fake: sign-in with a permanent grant, posts of each kind and their
comments, refusals inside HTTP 200 bodies, rate limits, the look-up, and doctor's checks."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers import PROVIDERS
from providers.base import Outgoing, OutgoingMedia, OutgoingPart, Receipt
from providers.reddit import recover
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    Duplicate,
    OutcomeUnknown,
    RateLimited,
    Rejected,
)
from tests.providers._support import PNG, assert_secret_free
from tests.providers.reddit.fake import BASE, FakeReddit, Subreddit, reddit_account

reddit = PROVIDERS["reddit"]
REDIRECT = "http://127.0.0.1:8788/callback"
DUE = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
TITLE = "Release 2.0 is out"


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reddit, "sleep", lambda seconds: None)


def images(tmp: Path, count: int) -> tuple[OutgoingMedia, ...]:
    out = []
    for n in range(count):
        path = tmp / f"shot{n}.png"
        path.write_bytes(PNG)
        out.append(OutgoingMedia(path=f"media/shot{n}.png", file=path, mime="image/png", alt="x"))
    return tuple(out)


def outgoing(
    *texts: str, media: tuple[OutgoingMedia, ...] = (), title: str | None = TITLE, **keys: str
) -> Outgoing:
    parts = texts or ("What changed & why <3",)
    return Outgoing(
        key="sg-key-0001",
        post="content/release.md",
        occurrence=DUE,
        parts=tuple(OutgoingPart(t, media if n == 0 else ()) for n, t in enumerate(parts)),
        keys={**({"title": title} if title else {}), **keys},
    )


def send(fake: FakeReddit, out: Outgoing, done: tuple[str, ...] = (), **settings: str) -> Receipt:
    seen: list[str] = []
    with fake.client() as client:
        got = reddit.post(
            client, reddit_account(**settings), {"access_token": fake.token}, out, done, seen.append
        )
    assert seen == list(got.parts[len(done) :])
    return got


def lookup(fake: FakeReddit, out: Outgoing, **settings: str) -> Receipt | None:
    with fake.client() as client:
        return reddit.lookup(client, reddit_account(**settings), {"access_token": fake.token}, out)


# -- sign-in -------------------------------------------------------------------------------
def test_a_permanent_sign_in_and_refresh_with_basic_auth_and_the_user_agent() -> None:
    fake = FakeReddit()
    acct = reddit_account()
    url = httpx.URL(reddit.generate_auth_url(acct, REDIRECT, "st", "ch"))
    assert url.params["duration"] == "permanent"
    assert url.params["scope"] == "identity submit read history flair"
    with fake.client() as client:
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        given = {"client_secret": fake.clients["sg-reddit-app"]}
        first = reddit.authenticate(client, acct, code, "v", REDIRECT, given)
        second = reddit.refresh_token(client, acct, first)
        assert second["refresh_token"] != first["refresh_token"]  # rotated, stored
        with pytest.raises(AuthRevoked) as spent:  # 200 {"error": "invalid_grant"}
            reddit.refresh_token(client, acct, first)
        assert_secret_free(spent.value, first["refresh_token"], given["client_secret"])
        assert reddit.whoami(client, acct, second) == {
            "id": "9xyz1",
            "handle": "u/sgtester",
            "name": "sgtester",
        }
    tokens = [r for r in fake.requests if r.url.path == "/api/v1/access_token"]
    assert all(r.headers["authorization"].startswith("Basic ") for r in tokens)
    assert all(r.headers["user-agent"] == "python:socialgit:0.1.0 (by /u/sgtester)" for r in tokens)


def test_an_installed_app_signs_in_with_an_empty_password_and_keeps_an_unrotated_token() -> None:
    fake = FakeReddit(rotate=False)
    acct = reddit_account(client_id="sg-installed")
    with fake.client() as client:
        url = reddit.generate_auth_url(acct, REDIRECT, "st", "ch")
        code = httpx.URL(client.get(url).headers["location"]).params["code"]
        first = reddit.authenticate(client, acct, code, "v", REDIRECT, {})
        second = reddit.refresh_token(client, acct, first)
    assert second["refresh_token"] == first["refresh_token"]  # none came back: kept


def test_a_sign_in_that_is_not_permanent_is_refused() -> None:
    fake = FakeReddit()
    acct = reddit_account()
    with fake.client() as client:
        page = f"{BASE}/api/v1/authorize?client_id=sg-reddit-app&response_type=code&state=s"
        page += f"&redirect_uri={REDIRECT}&scope=identity+submit&duration=temporary"
        code = httpx.URL(client.get(page).headers["location"]).params["code"]
        given = {"client_secret": fake.clients["sg-reddit-app"]}
        with pytest.raises(AuthRevoked, match="not permanent"):
            reddit.authenticate(client, acct, code, "v", REDIRECT, given)


# -- posts ---------------------------------------------------------------------------------
def test_a_self_post_and_its_comments_each_answering_the_one_before() -> None:
    fake = FakeReddit()
    got = send(fake, outgoing("The body", "Second part", "Third part"))
    (post,) = fake.posts
    assert (post.post_kind, post.title, post.text, post.subreddit) == (
        "self",
        TITLE,
        "The body",
        "test",
    )
    first, second = fake.comments
    assert (first.parent, second.parent) == (post.name, first.name)
    assert got.parts == (post.name, first.name, second.name)
    assert got.url == f"https://www.reddit.com/r/test/comments/{post.id}/"
    api = [r for r in fake.requests if r.url.path != "/api/v1/access_token"]
    assert all(r.headers["user-agent"] == "python:socialgit:0.1.0 (by /u/sgtester)" for r in api)
    # A rerun with the first two parts done sends only the third; all done: nothing at all.
    before = len(fake.requests)
    again = send(fake, outgoing("The body", "Second part", "Third part"), got.parts)
    assert again.parts == got.parts and len(fake.requests) == before


def test_a_link_post_and_a_repeated_link_is_a_duplicate() -> None:
    fake = FakeReddit()
    send(fake, outgoing("Notes", link="https://example.com/notes"))
    assert (fake.posts[0].post_kind, fake.posts[0].url) == ("link", "https://example.com/notes")
    with pytest.raises(Duplicate):
        send(fake, outgoing("Notes again", link="https://example.com/notes"))


def test_several_images_are_a_gallery_one_is_an_image_post_found_in_the_listing(
    tmp_path: Path,
) -> None:
    fake = FakeReddit(image_lag=2)
    gallery = send(fake, outgoing("Screens", media=images(tmp_path, 3)))
    assert (fake.posts[0].post_kind, fake.posts[0].images) == ("gallery", 3)
    assert gallery.id == fake.posts[0].name
    single = send(fake, outgoing("One screen", media=images(tmp_path, 1), title="Another"))
    assert single.id == fake.posts[1].name and fake.posts[1].post_kind == "image"
    uploads = [r for r in fake.requests if r.url.path == "/s3"]
    assert len(uploads) == 4 and not any("authorization" in r.headers for r in uploads)


def test_an_image_post_not_listed_in_time_stays_in_doubt(tmp_path: Path) -> None:
    fake = FakeReddit(image_lag=100)
    with pytest.raises(OutcomeUnknown, match="not in the account's posts yet"):
        send(fake, outgoing("One screen", media=images(tmp_path, 1)))
    assert len(fake.posts) == 1


def test_what_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    fake = FakeReddit()
    with pytest.raises(Rejected, match="needs `title:`"):
        send(fake, outgoing(title=None))
    with pytest.raises(Rejected, match="a link or images"):
        send(fake, outgoing(media=images(tmp_path, 1), link="https://example.com"))
    with pytest.raises(Rejected, match="comments take none"):
        send(
            fake,
            replace(
                outgoing("a", "b"),
                parts=(OutgoingPart("a"), OutgoingPart("b", images(tmp_path, 1))),
            ),
        )
    with pytest.raises(Rejected, match="u/sgtester's, but `username:` says 'someone'"):
        send(fake, outgoing(), username="someone")
    assert fake.things == [] and not any(r.method == "POST" for r in fake.requests)


# -- what Reddit answers ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("errors", "kind", "words"),
    [
        (
            [["SUBREDDIT_NOEXIST", "that subreddit doesn't exist", "sr"]],
            Rejected,
            "SUBREDDIT_NOEXIST",
        ),
        ([["NO_SELFS", "that subreddit doesn't allow text posts", "sr"]], Rejected, "NO_SELFS"),
        ([["USER_REQUIRED", "Please log in to do that.", None]], AuthRevoked, "socialgit connect"),
        (
            [["QUOTA_FILLED", "You've submitted too many links recently.", None]],
            RateLimited,
            "QUOTA",
        ),
    ],
)
def test_refusals_inside_a_200_body_are_classified(
    errors: list[list[str]], kind: type[Exception], words: str
) -> None:
    fake = FakeReddit()
    fake.queue.append(httpx.Response(200, json={"json": {"errors": errors}}))
    with pytest.raises(kind, match=words):
        send(fake, outgoing())


def test_ratelimit_in_the_body_waits_as_long_as_reddit_says() -> None:
    fake = FakeReddit(post_gap=timedelta(hours=1))
    send(fake, outgoing("first"))
    with pytest.raises(RateLimited) as limited:
        send(fake, outgoing("second", title="Other"))
    until = limited.value.until
    assert until is not None
    assert timedelta(minutes=8) < until - datetime.now(UTC) <= timedelta(minutes=9, seconds=5)
    assert len(fake.posts) == 1


def test_a_flair_by_its_text_and_a_required_flair() -> None:
    fake = FakeReddit()
    fake.subreddits["news"] = Subreddit(
        "news", flair_required=True, flairs={"3d0b7a5c-1111-4c2e-9a9a-1234567890ab": "Release"}
    )
    with pytest.raises(Rejected, match="SUBMIT_VALIDATION_FLAIR_REQUIRED"):
        send(fake, outgoing(), subreddit="news")
    send(fake, outgoing(), subreddit="news", flair="release")
    assert fake.posts[0].flair == "3d0b7a5c-1111-4c2e-9a9a-1234567890ab"
    with pytest.raises(Rejected, match="no post flair 'Bugfix' \\(it has 'Release'\\)"):
        send(fake, outgoing(title="x"), subreddit="news", flair="Bugfix")


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (
            httpx.Response(
                401,
                json={"message": "Unauthorized", "error": 401},
                headers={"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
            ),
            AuthExpired,
        ),
        (
            httpx.Response(
                403,
                json={"message": "Forbidden", "error": 403},
                headers={"www-authenticate": 'Bearer realm="reddit", error="insufficient_scope"'},
            ),
            AuthRevoked,
        ),
        (httpx.Response(429, headers={"x-ratelimit-reset": "30"}), RateLimited),
        (httpx.Response(500, text="oops"), OutcomeUnknown),
        (httpx.Response(200, text="<html>you broke reddit</html>"), OutcomeUnknown),
        (httpx.Response(200, json={"json": {"errors": [], "data": {}}}), OutcomeUnknown),
    ],
)
def test_answers_to_a_submit_are_classified(answer: httpx.Response, kind: type[Exception]) -> None:
    fake = FakeReddit()
    fake.queue.append(answer)
    with pytest.raises(kind) as caught:
        send(fake, outgoing())
    assert_secret_free(caught.value, fake.token)


def test_no_request_left_in_the_window_stops_before_the_submit() -> None:
    fake = FakeReddit(window=1)
    with pytest.raises(RateLimited) as limited:
        send(fake, outgoing())
    assert limited.value.until is not None and fake.things == []
    assert [r.url.path for r in fake.requests] == ["/api/v1/me"]


def test_a_lost_answer_to_the_submit_is_in_doubt_without_the_token() -> None:
    fake = FakeReddit()
    fake.fail_after_submit = httpx.ReadTimeout(f"timed out for {BASE}/api/submit")
    with pytest.raises(OutcomeUnknown) as lost:
        send(fake, outgoing())
    assert_secret_free(lost.value, fake.token)


# -- look-up -------------------------------------------------------------------------------
def test_the_look_up_finds_the_post_and_its_comments_read_back_raw() -> None:
    fake = FakeReddit()
    out = outgoing("A & B <3", "Then > that", "And & more")
    got = send(fake, out)
    assert lookup(fake, out) == got
    assert all(r.url.params.get("raw_json") == "1" for r in fake.requests if "/user/" in r.url.path)
    # The post and one comment out: a receipt for those two; the runner sends the rest.
    fake.things.pop()
    partial = lookup(fake, out)
    assert partial is not None and partial.parts == got.parts[:2]
    # The same words at a later occurrence (the next run of a repeating post) are not it.
    assert lookup(fake, replace(out, occurrence=DUE + timedelta(days=7))) is None


def test_a_post_found_by_title_and_time_that_does_not_match_goes_to_a_person() -> None:
    fake = FakeReddit()
    send(fake, outgoing("Body as Reddit keeps it"))
    fake.posts[0].text = "Body as Reddit keeps it (edited)"
    with pytest.raises(OutcomeUnknown, match="does not match it exactly") as doubt:
        lookup(fake, outgoing("Body as Reddit keeps it"))
    assert f"https://www.reddit.com/r/test/comments/{fake.posts[0].id}/" in str(doubt.value)


def test_nothing_there_is_nothing_out_and_other_subreddits_do_not_count() -> None:
    fake = FakeReddit()
    fake.subreddits["other"] = Subreddit("other")
    send(fake, outgoing(), subreddit="other")
    assert lookup(fake, outgoing()) is None


def test_comments_past_what_is_read_leave_the_thread_in_doubt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeReddit()
    out = outgoing("Body", "Reply")
    head = send(fake, outgoing("Body"))
    for n in range(3):  # other comments of the account since, on the same post
        send(fake, outgoing("Body", f"c{n}"), head.parts)
    monkeypatch.setattr(recover, "PAGE", 2)
    monkeypatch.setattr(recover, "PAGES", 1)
    with pytest.raises(OutcomeUnknown, match="commented more since"):
        lookup(fake, out)


# -- doctor --------------------------------------------------------------------------------
def test_doctor_checks_the_account_the_subreddit_and_its_flair_rules() -> None:
    fake = FakeReddit()
    fake.subreddits["closed"] = Subreddit("closed", kind="restricted", takes="link")
    fake.subreddits["strict"] = Subreddit("strict", flair_required=True)
    fake.subreddits["banned"] = Subreddit("banned", banned={"sgtester"})
    creds = {"access_token": fake.token}

    def notes(**settings: str) -> list[tuple[str, str]]:
        with fake.client() as client:
            return reddit.diagnose(client, reddit_account(**settings), creds)

    assert notes() == [("ok", "r/test: public, takes link and text posts")]
    closed = notes(subreddit="closed")
    assert closed[0] == ("ok", "r/closed: restricted, takes link posts only")
    assert closed[1][0] == "warning" and "only approved users" in closed[1][1]
    assert ("error", "r/strict requires a post flair: set `flair:`") in notes(subreddit="strict")
    assert ("error", "u/sgtester is banned from r/banned") in notes(subreddit="banned")
    assert notes(subreddit="nowhere")[0][0] == "error"
    assert notes(username="someone")[0] == (
        "error",
        "signed in as u/sgtester, but `username:` is 'someone'",
    )


def test_every_reddit_error_keeps_the_token_out(tmp_path: Path) -> None:
    fake = FakeReddit()
    fake.grants[fake.token].expired = True
    with pytest.raises(AuthExpired) as expired:
        send(fake, outgoing())
    assert_secret_free(expired.value, fake.token)
    assert json.dumps(str(expired.value))
