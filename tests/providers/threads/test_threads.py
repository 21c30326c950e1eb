"""Threads' runtime against the local fake (tests/providers/threads/fake.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import _http, threads
from providers.base import OutgoingMedia, OutgoingPart
from providers.threads import publish as _threads_publish
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from tests.providers.discord.fake import PNG, assert_secret_free, thread
from tests.providers.threads.fake import (
    APP_SECRET,
    LONG,
    MEDIA_BASE,
    FakeThreads,
    threads_account,
    with_public_urls,
)

ACCOUNT = threads_account()
REDIRECT = "http://127.0.0.1:8788/callback"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeThreads:
    made = FakeThreads()
    monkeypatch.setattr(_http, "now", lambda: made.clock)  # one clock for both sides
    monkeypatch.setattr(_threads_publish, "SLEEP", made.sleeps.append)
    return made


def creds(fake: FakeThreads, age: timedelta = timedelta(hours=1)) -> dict[str, str]:
    token = fake.issue("long", age)
    issued = fake.clock - age
    return {
        "access_token": token,
        "issued_at": issued.isoformat(),
        "expires_at": (issued + LONG).isoformat(),
        "client_secret": APP_SECRET,
        "user_id": fake.user_id,
    }


def graph_calls(fake: FakeThreads) -> list[str]:
    """Each Graph request as "METHOD last-path-segment"."""
    return [
        f"{r.method} {r.url.path.rsplit('/', 1)[-1]}"
        for r in fake.requests
        if r.url.host == "graph.threads.net"
    ]


def form(request: httpx.Request) -> dict[str, str]:
    return dict(httpx.QueryParams(request.content.decode()))


# -- publishing --------------------------------------------------------------------------


def test_thread_goes_out_container_status_publish_each_part_replying(
    fake: FakeThreads, tmp_path: Path
) -> None:
    seen: list[str] = []
    outgoing = thread(tmp_path, "Launch 🚀", "Details", "More", image_on=None)
    with fake.client() as client:
        receipt = threads.post(client, ACCOUNT, creds(fake), outgoing, (), seen.append)
    first, second, third = sorted(fake.media.values(), key=lambda m: m.id)
    assert [first.text, second.text, third.text] == ["Launch 🚀", "Details", "More"]
    assert (first.reply_to, second.reply_to, third.reply_to) == (None, first.id, second.id)
    assert receipt.parts == (first.id, second.id, third.id) == tuple(seen)
    assert receipt.url == first.permalink
    user = fake.user_id
    containers = {f"GET {c}" for c in fake.containers}
    calls = ["GET {container}" if c in containers else c for c in graph_calls(fake)]
    per_part = ["POST threads", "GET {container}", "POST threads_publish"]
    assert calls == ["GET threads_publishing_limit", *per_part * 3, f"GET {first.id}"]
    for request in fake.requests:  # the token in the form of a POST, never in its URL
        if request.method == "POST":
            assert "access_token" in form(request) and "access_token" not in str(request.url)
            assert request.url.path.startswith(f"/v1.0/{user}/")
        else:
            assert request.url.params["access_token"]


def test_image_part_sends_its_public_url_and_alt_text_and_waits_for_processing(
    fake: FakeThreads, tmp_path: Path
) -> None:
    fake.processing_polls = 2
    outgoing = with_public_urls(thread(tmp_path, "Look", alt="A blue dot"))
    with fake.client() as client:
        receipt = threads.post(client, ACCOUNT, creds(fake), outgoing, (), print)
    (made,) = fake.containers.values()
    assert made.fields["media_type"] == "IMAGE"
    assert made.fields["image_url"] == f"{MEDIA_BASE}/media/dot.png"
    assert made.fields["alt_text"] == "A blue dot" and made.fields["text"] == "Look"
    assert fake.media[receipt.id].alt_texts == ["A blue dot"]
    assert fake.sleeps == [0.5, 1.0]
    assert graph_calls(fake).count(f"GET {made.id}") == 3  # IN_PROGRESS twice, FINISHED


def test_several_images_make_a_carousel(fake: FakeThreads, tmp_path: Path) -> None:
    image = tmp_path / "b.png"
    image.write_bytes(PNG)
    two = tuple(
        OutgoingMedia(f"media/{n}.png", image, "image/png", f"alt {n}", f"{MEDIA_BASE}/{n}.png")
        for n in ("a", "b")
    )
    outgoing = replace(thread(tmp_path, "x"), parts=(OutgoingPart("Album", two),))
    with fake.client() as client:
        receipt = threads.post(client, ACCOUNT, creds(fake), outgoing, (), print)
    children = [c for c in fake.containers.values() if c.fields.get("is_carousel_item")]
    parent = next(c for c in fake.containers.values() if c.fields["media_type"] == "CAROUSEL")
    assert [c.fields["alt_text"] for c in children] == ["alt a", "alt b"]
    assert parent.fields["children"] == ",".join(c.id for c in children)
    assert parent.fields["text"] == "Album" and "text" not in children[0].fields
    assert fake.media[receipt.id].media_type == "CAROUSEL_ALBUM"


def test_media_without_public_url_is_refused_before_anything_is_made(
    fake: FakeThreads, tmp_path: Path
) -> None:
    with fake.client() as client, pytest.raises(Rejected, match="media_base_url") as caught:
        threads.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi"), (), print)
    assert "media/dot.png" in str(caught.value)
    assert not fake.containers


def test_unreachable_image_fails_the_container_with_a_clear_error(
    fake: FakeThreads, tmp_path: Path
) -> None:
    outgoing = with_public_urls(thread(tmp_path, "hi"), "https://private.example/repo")
    with fake.client() as client, pytest.raises(Rejected, match="publicly reachable"):
        threads.post(client, ACCOUNT, creds(fake), outgoing, (), print)
    assert not fake.media


def test_plain_http_image_url_is_refused_with_metas_words(
    fake: FakeThreads, tmp_path: Path
) -> None:
    outgoing = with_public_urls(thread(tmp_path, "hi"), "http://media.example.org/repo")
    with fake.client() as client, pytest.raises(Rejected, match="valid https URL"):
        threads.post(client, ACCOUNT, creds(fake), outgoing, (), print)


@pytest.mark.parametrize(
    ("text", "words"),
    [("x" * 501, "500 characters"), (" ".join(f"https://e{n}.com" for n in range(6)), "5 links")],
)
def test_limits_are_checked_before_sending(
    fake: FakeThreads, tmp_path: Path, text: str, words: str
) -> None:
    with fake.client() as client, pytest.raises(Rejected, match=words):
        threads.post(client, ACCOUNT, creds(fake), thread(tmp_path, text, image_on=None), (), print)
    assert fake.requests == []


def test_the_fake_enforces_the_same_limits(fake: FakeThreads) -> None:
    token = creds(fake)["access_token"]
    url = f"https://graph.threads.net/v1.0/{fake.user_id}/threads"
    with fake.client() as client:
        for text, words in [
            ("😀" * 126, "500 characters"),  # 126 × 4 UTF-8 bytes
            (" ".join(f"https://e{n}.com" for n in range(6)), "LINK_LIMIT"),
        ]:
            data = {"media_type": "TEXT", "text": text, "access_token": token}
            answer = client.post(url, data=data)
            assert answer.status_code == 400 and words in answer.json()["error"]["message"]
        missing = client.post(url, data={"media_type": "TEXT", "text": "hi"})
        assert missing.json()["error"]["code"] == 190
        orphan = {"media_type": "TEXT", "text": "hi", "reply_to_id": "404", "access_token": token}
        assert "reply_to_id" in client.post(url, data=orphan).json()["error"]["message"]


def test_resume_replies_to_the_last_part_done(fake: FakeThreads, tmp_path: Path) -> None:
    given = creds(fake)
    with fake.client() as client:
        first = threads.post(
            client, ACCOUNT, given, thread(tmp_path, "one", image_on=None), (), print
        )
        outgoing = thread(tmp_path, "one", "two", image_on=None)
        receipt = threads.post(client, ACCOUNT, given, outgoing, first.parts, print)
    assert len(fake.media) == 2
    assert fake.media[receipt.parts[1]].reply_to == first.id == receipt.id


def test_user_id_is_found_with_the_token_when_not_stored(fake: FakeThreads, tmp_path: Path) -> None:
    given = {k: v for k, v in creds(fake).items() if k != "user_id"}
    with fake.client() as client:
        threads.post(client, ACCOUNT, given, thread(tmp_path, "hi", image_on=None), (), print)
    assert graph_calls(fake)[0] == "GET me"


# -- exactly once ------------------------------------------------------------------------


def test_publish_timeout_after_meta_published_is_resolved_by_the_container(
    fake: FakeThreads, tmp_path: Path
) -> None:
    fake.timeout_after.add("publish")
    seen: list[str] = []
    with fake.client() as client:
        receipt = threads.post(
            client, ACCOUNT, creds(fake), thread(tmp_path, "Once", image_on=None), (), seen.append
        )
        again = threads.post(
            client, ACCOUNT, creds(fake), thread(tmp_path, "Once"), receipt.parts, print
        )
    (only,) = fake.media.values()
    assert receipt.id == only.id == again.id and seen == [only.id]
    assert graph_calls(fake).count("POST threads_publish") == 1


def test_publish_timeout_before_meta_published_publishes_the_same_container_once(
    fake: FakeThreads, tmp_path: Path
) -> None:
    fake.fail("publish", httpx.ReadTimeout)
    with fake.client() as client:
        receipt = threads.post(
            client, ACCOUNT, creds(fake), thread(tmp_path, "Once", image_on=None), (), print
        )
    (only,) = fake.media.values()
    (container,) = fake.containers.values()
    assert receipt.id == only.id and container.media_id == only.id
    publishes = [r for r in fake.requests if r.url.path.endswith("/threads_publish")]
    assert [form(r)["creation_id"] for r in publishes] == [container.id, container.id]


def test_a_container_is_never_published_twice(fake: FakeThreads) -> None:
    token = creds(fake)["access_token"]
    base = f"https://graph.threads.net/v1.0/{fake.user_id}"
    with fake.client() as client:
        made = client.post(
            f"{base}/threads", data={"media_type": "TEXT", "text": "a", "access_token": token}
        ).json()["id"]
        client.get(f"https://graph.threads.net/v1.0/{made}", params={"access_token": token})
        body = {"creation_id": made, "access_token": token}
        assert client.post(f"{base}/threads_publish", data=body).status_code == 200
        again = client.post(f"{base}/threads_publish", data=body)
    assert again.status_code == 400 and "already been published" in again.text
    assert len(fake.media) == 1


def test_reply_published_in_doubt_is_found_among_own_replies(
    fake: FakeThreads, tmp_path: Path
) -> None:
    given = creds(fake)
    with fake.client() as client:
        root = threads.post(
            client, ACCOUNT, given, thread(tmp_path, "one", image_on=None), (), print
        )
        fake.media["stranger"] = replace(
            fake.media[root.id], id="stranger", text="two", reply_to=root.id, owner="someone"
        )
        fake.timeout_after.add("publish")
        outgoing = thread(tmp_path, "one", "two", image_on=None)
        receipt = threads.post(client, ACCOUNT, given, outgoing, root.parts, print)
    mine = [m for m in fake.media.values() if m.owner == fake.username and m.text == "two"]
    assert receipt.parts == (root.id, mine[0].id) and len(mine) == 1


def test_publish_in_doubt_that_cannot_be_checked_is_outcome_unknown(
    fake: FakeThreads, tmp_path: Path
) -> None:
    fake.timeout_after.add("publish")
    fake.fail("node", None, httpx.ConnectError, httpx.ConnectError)
    with fake.client() as client, pytest.raises(OutcomeUnknown, match="may have gone out"):
        threads.post(client, ACCOUNT, creds(fake), thread(tmp_path, "x", image_on=None), (), print)
    assert len(fake.media) == 1


def test_published_but_ambiguous_is_outcome_unknown(fake: FakeThreads, tmp_path: Path) -> None:
    given = creds(fake)
    with fake.client() as client:
        threads.post(client, ACCOUNT, given, thread(tmp_path, "same", image_on=None), (), print)
        fake.timeout_after.add("publish")
        with pytest.raises(OutcomeUnknown, match="2 posts match"):
            threads.post(client, ACCOUNT, given, thread(tmp_path, "same", image_on=None), (), print)


# -- lookup ------------------------------------------------------------------------------


def test_lookup_says_none_only_when_no_post_has_the_text(fake: FakeThreads, tmp_path: Path) -> None:
    given = creds(fake)
    outgoing = thread(tmp_path, "Weekly notes", "more", image_on=None)
    with fake.client() as client:
        assert threads.lookup(client, ACCOUNT, given, outgoing) is None
        for n in range(3):  # other posts, across pages
            threads.post(
                client, ACCOUNT, given, thread(tmp_path, f"n{n}", image_on=None), (), print
            )
        assert threads.lookup(client, ACCOUNT, given, outgoing) is None
        threads.post(client, ACCOUNT, given, outgoing, (), print)
        fake.clock += timedelta(minutes=1)
        for n in range(3):
            threads.post(
                client, ACCOUNT, given, thread(tmp_path, f"m{n}", image_on=None), (), print
            )
        with pytest.raises(OutcomeUnknown, match="ties it to this delivery") as caught:
            threads.lookup(client, ACCOUNT, given, outgoing)
    assert "https://www.threads.net/@releasebot/post/" in str(caught.value)
    lists = [r for r in fake.requests if r.url.path.endswith(f"/{fake.user_id}/threads")]
    assert any(r.url.params.get("after") for r in lists if r.method == "GET")


def test_lookup_never_takes_an_earlier_occurrence_for_this_one(
    fake: FakeThreads, tmp_path: Path
) -> None:
    given = creds(fake)
    outgoing = thread(tmp_path, "Daily tip", image_on=None)
    with fake.client() as client:
        threads.post(client, ACCOUNT, given, outgoing, (), print)
        tomorrow = replace(outgoing, occurrence=outgoing.occurrence + timedelta(days=1))
        assert threads.lookup(client, ACCOUNT, given, tomorrow) is None


def test_lookup_of_a_part_without_text_cannot_tell(fake: FakeThreads, tmp_path: Path) -> None:
    outgoing = with_public_urls(thread(tmp_path, ""))
    with fake.client() as client, pytest.raises(OutcomeUnknown, match="without text"):
        threads.lookup(client, ACCOUNT, creds(fake), outgoing)


# -- errors and quota --------------------------------------------------------------------


def graph_error(code: int, subcode: int | None = None, **headers: str) -> httpx.Response:
    error: dict[str, Any] = {"message": f"Meta says {code}", "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    return httpx.Response(400, json={"error": error}, headers=headers)


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (graph_error(190, 463), AuthExpired, "Meta says 190"),
        (graph_error(190), AuthExpired, "refused the access token"),
        (graph_error(190, 460), AuthRevoked, "socialgit connect team-threads"),
        (graph_error(10), AuthRevoked, "lacks a Threads permission"),
        (graph_error(200), AuthRevoked, "grant it"),
        (graph_error(4), RateLimited, "rate limited"),
        (graph_error(613), RateLimited, "Meta says 613"),
        (graph_error(100, 2207001), Rejected, "Threads refused: Meta says 100"),
        (graph_error(2), Transient, "will retry"),
        (httpx.Response(502, text="Bad Gateway"), Transient, "502"),
    ],
)
def test_graph_errors_are_classified_and_never_show_the_token(
    fake: FakeThreads,
    tmp_path: Path,
    answer: httpx.Response,
    error: type[ProviderError],
    words: str,
) -> None:
    fake.fail("create", answer)
    given = creds(fake)
    with fake.client() as client, pytest.raises(error) as caught:
        threads.post(client, ACCOUNT, given, thread(tmp_path, "hi", image_on=None), (), print)
    assert words in str(caught.value)
    assert_secret_free(caught.value, given["access_token"], APP_SECRET)


@pytest.mark.parametrize(
    ("route", "answers"),
    [
        # Threads says PUBLISHED, then listing the posts to find its id fails for now.
        ("list", [httpx.Response(500, text="oops")]),
        ("list", [graph_error(190)]),
        # The token expires between the lost publish and the container check.
        ("node", [None, graph_error(190, 463)]),
    ],
)
def test_a_part_in_doubt_stays_in_doubt_when_checking_it_fails(
    fake: FakeThreads, tmp_path: Path, route: str, answers: list[httpx.Response | None]
) -> None:
    # Transient or AuthExpired here would have the runner post the part again.
    fake.timeout_after.add("publish")
    fake.fail(route, *answers)
    with fake.client() as client, pytest.raises(OutcomeUnknown):
        threads.post(client, ACCOUNT, creds(fake), thread(tmp_path, "x", image_on=None), (), print)
    assert len(fake.media) == 1


def test_a_revoked_token_at_the_permalink_keeps_the_receipt(
    fake: FakeThreads, tmp_path: Path
) -> None:
    fake.fail("node", None, graph_error(190, 460))
    with fake.client() as client:
        receipt = threads.post(
            client, ACCOUNT, creds(fake), thread(tmp_path, "hi", image_on=None), (), print
        )
    assert receipt.url is None and receipt.id in fake.media


def test_rate_limit_until_comes_from_metas_usage_header(fake: FakeThreads, tmp_path: Path) -> None:
    usage = {"1784": [{"type": "threads", "estimated_time_to_regain_access": 7}]}
    fake.fail("create", graph_error(4, **{"X-Business-Use-Case-Usage": json.dumps(usage)}))
    with fake.client() as client, pytest.raises(RateLimited) as caught:
        threads.post(client, ACCOUNT, creds(fake), thread(tmp_path, "hi", image_on=None), (), print)
    assert caught.value.until == fake.clock + timedelta(minutes=7)


def test_used_up_quota_is_said_before_anything_is_made(fake: FakeThreads, tmp_path: Path) -> None:
    fake.quota_total = 1
    given = creds(fake)
    with fake.client() as client:
        threads.post(client, ACCOUNT, given, thread(tmp_path, "a", image_on=None), (), print)
        made = len(fake.containers)
        with pytest.raises(RateLimited, match="1 of 1 posts in the last 24 hours"):
            threads.post(client, ACCOUNT, given, thread(tmp_path, "b", image_on=None), (), print)
    assert len(fake.containers) == made


def test_quota_refusal_at_publish_is_explained(fake: FakeThreads, tmp_path: Path) -> None:
    fake.quota_total = 1
    given = creds(fake)
    with fake.client() as client:
        threads.post(client, ACCOUNT, given, thread(tmp_path, "a", image_on=None), (), print)
        fake.fail("limit", httpx.Response(500, text="oops"))  # the pre-check cannot tell
        with pytest.raises(RateLimited, match="publishing quota used up"):
            threads.post(client, ACCOUNT, given, thread(tmp_path, "b", image_on=None), (), print)
    assert len(fake.media) == 1


def test_permalink_failure_after_publishing_keeps_the_receipt(
    fake: FakeThreads, tmp_path: Path
) -> None:
    fake.fail("node", None, httpx.Response(500, text="oops"))
    with fake.client() as client:
        receipt = threads.post(
            client, ACCOUNT, creds(fake), thread(tmp_path, "hi", image_on=None), (), print
        )
    assert receipt.url is None and receipt.id in fake.media


def test_http_log_lines_do_not_carry_the_token(
    fake: FakeThreads, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    given = creds(fake)
    with fake.client() as client:
        threads.post(client, ACCOUNT, given, thread(tmp_path, "hi", image_on=None), (), print)
    assert "graph.threads.net" in caplog.text
    assert given["access_token"] not in caplog.text


# -- tokens ------------------------------------------------------------------------------


def test_sign_in_link_code_exchange_and_long_lived_token(fake: FakeThreads) -> None:
    url = threads.generate_auth_url(ACCOUNT, REDIRECT, "st4te", "ch4llenge")
    assert url.startswith("https://threads.net/oauth/authorize?")
    with fake.client() as client:
        back = httpx.URL(client.get(url).headers["location"])
        assert back.params["state"] == "st4te"
        stored = threads.authenticate(
            client,
            ACCOUNT,
            back.params["code"],
            "verifier",
            REDIRECT,
            {"client_secret": APP_SECRET},
        )
        with pytest.raises(ProviderError):  # codes are single use
            threads.authenticate(
                client, ACCOUNT, back.params["code"], "v", REDIRECT, {"client_secret": APP_SECRET}
            )
    (asked,) = fake.authorize_params
    assert (
        asked["scope"]
        == "threads_basic,threads_content_publish,threads_manage_replies,threads_read_replies,"
        "threads_manage_insights"
    )
    assert asked["code_challenge"] == "ch4llenge"  # sent; Meta ignores what it does not know
    long = fake.tokens[stored["access_token"]]
    assert long.kind == "long"
    assert stored["user_id"] == fake.user_id and stored["client_secret"] == APP_SECRET
    assert datetime.fromisoformat(stored["issued_at"]) == fake.clock
    expiry = threads.expires_at(stored)
    assert expiry is not None and timedelta(days=59) < expiry - fake.clock <= LONG
    short = [t for t in fake.tokens.values() if t.kind == "short"]
    assert short and all(t.revoked for t in short)
    assert json.loads(json.dumps(stored)) == stored


def test_connect_without_the_app_secret_says_so(fake: FakeThreads) -> None:
    with fake.client() as client, pytest.raises(Exception, match="app secret"):
        threads.authenticate(client, ACCOUNT, "code", "v", REDIRECT, {})


def test_refresh_waits_until_the_token_is_a_day_old(fake: FakeThreads) -> None:
    young = creds(fake, age=timedelta(hours=3))
    with fake.client() as client, pytest.raises(Unsupported, match="cannot be refreshed yet"):
        threads.refresh_token(client, ACCOUNT, young)
    assert fake.requests == []


def test_refresh_of_a_day_old_token_gives_sixty_days_more(fake: FakeThreads) -> None:
    old = creds(fake, age=timedelta(days=30))
    with fake.client() as client:
        fresh = threads.refresh_token(client, ACCOUNT, old)
        assert threads.whoami(client, ACCOUNT, fresh)["name"] == fake.username
        with pytest.raises(AuthExpired):  # the old token is spent
            threads.whoami(client, ACCOUNT, old)
    assert fresh["access_token"] != old["access_token"]
    assert datetime.fromisoformat(fresh["issued_at"]) == fake.clock
    assert fresh["client_secret"] == APP_SECRET and fresh["user_id"] == fake.user_id
    expiry = threads.expires_at(fresh)
    assert expiry is not None and expiry - fake.clock > timedelta(days=59)


def test_refresh_of_an_expired_token_says_connect_again(fake: FakeThreads) -> None:
    dead = creds(fake, age=timedelta(days=61))
    with fake.client() as client, pytest.raises(AuthRevoked, match="cannot refresh an expired"):
        threads.refresh_token(client, ACCOUNT, dead)
    assert fake.requests == []


def test_refresh_refused_by_threads_is_for_good(fake: FakeThreads) -> None:
    old = creds(fake, age=timedelta(days=2))
    fake.tokens[old["access_token"]].revoked = True
    with fake.client() as client, pytest.raises(AuthRevoked, match="can no longer be refreshed"):
        threads.refresh_token(client, ACCOUNT, old)


def test_hand_put_token_age_is_derived_from_its_expiry(fake: FakeThreads) -> None:
    given = creds(fake, age=timedelta(days=10))
    del given["issued_at"]
    with fake.client() as client:
        fresh = threads.refresh_token(client, ACCOUNT, given)
    assert fresh["access_token"] != given["access_token"]


def test_whoami(fake: FakeThreads) -> None:
    with fake.client() as client:
        who = threads.whoami(client, ACCOUNT, creds(fake))
    assert who == {"id": fake.user_id, "name": "releasebot", "handle": "releasebot"}
    me = fake.requests[0]
    assert me.url.path == "/v1.0/me" and me.url.params["fields"] == "id,username"
