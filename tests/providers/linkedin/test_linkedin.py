"""LinkedIn's runtime against the local fake (and its OAuth against the strict server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import _http, linkedin
from providers.base import OutgoingMedia, OutgoingPart
from providers.linkedin import media as _linkedin_media
from providers.linkedin.text import escape
from socialgit.credentials import oauth
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    Duplicate,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from socialgit.model import Account
from tests.oauth_server import OAuthServer
from tests.providers._support import PNG, account, assert_secret_free, thread
from tests.providers.linkedin.fake import FakeLinkedIn, encoded, render

REDIRECT = "http://127.0.0.1:8788/callback"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def fake() -> FakeLinkedIn:
    return FakeLinkedIn()


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_http, "now", lambda: NOW + timedelta(hours=15))
    monkeypatch.setattr(_linkedin_media, "sleep", lambda seconds: None)


def member(fake: FakeLinkedIn, **settings: Any) -> Account:
    return account("linkedin", "me-linkedin", client_id=fake.client_id, **settings)


def page(fake: FakeLinkedIn, **settings: Any) -> Account:
    return account(
        "linkedin", "team-page", client_id=fake.client_id, organization="2414183", **settings
    )


def creds(fake: FakeLinkedIn, scope: str = linkedin.MEMBER_SCOPE) -> dict[str, Any]:
    return {"access_token": fake.grant(scope), "person": fake.person}


def page_creds(fake: FakeLinkedIn) -> dict[str, Any]:
    return {"access_token": fake.grant(linkedin.PAGE_SCOPE)}


def rest(fake: FakeLinkedIn) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.host == "api.linkedin.com"]


# -- text --------------------------------------------------------------------------------
TRICKY = [
    "Plain text, nothing reserved.",
    "All of them: \\ | { } @ [ ] ( ) < > # * _ ~ in a row",
    "Mail @bob (see [docs](https://example.com/a_b?x=1)) <b>bold</b> *stars* ~tilde~",
    "Not mentions: @[Eddy](urn:li:person:1234) nor {hashtag|#|nope}",
    "Ends in a backslash \\",
    "C# and #1 and issue#5 and #snake_case stay literal",
    "Émoji 🚀 and ＃fullwidth",
]


@pytest.mark.parametrize("text", TRICKY)
def test_commentary_shows_exactly_what_was_written(
    fake: FakeLinkedIn, tmp_path: Path, text: str
) -> None:
    with fake.client() as client:
        linkedin.post(
            client, member(fake), creds(fake), thread(tmp_path, text, image_on=None), (), print
        )
    assert fake.posts[0]["rendered"] == text  # no silent truncation, no stray backslash
    assert fake.posts[0]["hashtags"] == []


def test_an_unescaped_reserved_character_is_what_linkedin_truncates_at() -> None:
    # The fake reproduces the failure the escaping exists for.
    assert render("Hello (world)") == ("Hello ", [])
    assert render(escape("Hello (world)")) == ("Hello (world)", [])


def test_standalone_hashtags_stay_hashtags(fake: FakeLinkedIn, tmp_path: Path) -> None:
    text = "Shipping #release 2.0 (#Python, #größe) today!\n#launch"
    with fake.client() as client:
        linkedin.post(
            client, member(fake), creds(fake), thread(tmp_path, text, image_on=None), (), print
        )
    assert fake.posts[0]["rendered"] == text
    assert fake.posts[0]["hashtags"] == ["release", "Python", "größe", "launch"]
    assert "{hashtag|#|release}" in fake.posts[0]["commentary"]


# -- posting -----------------------------------------------------------------------------
def test_text_post_request_as_linkedin_wants_it(fake: FakeLinkedIn, tmp_path: Path) -> None:
    seen: list[str] = []
    with fake.client() as client:
        receipt = linkedin.post(
            client,
            member(fake),
            creds(fake),
            thread(tmp_path, "Hello", image_on=None),
            (),
            seen.append,
        )
    (request,) = rest(fake)
    assert request.method == "POST" and request.url == "https://api.linkedin.com/rest/posts"
    assert request.headers["linkedin-version"] == "202601"
    assert request.headers["x-restli-protocol-version"] == "2.0.0"
    assert request.headers["authorization"].startswith("Bearer AQV-access-")
    assert json.loads(request.content) == {
        "author": fake.person,
        "commentary": "Hello",
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    urn = fake.posts[0]["id"]
    assert receipt.id == urn and receipt.parts == (urn,) and seen == [urn]
    assert receipt.url == f"https://www.linkedin.com/feed/update/{urn}/"


def test_version_setting_and_an_inactive_version(fake: FakeLinkedIn, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Hello", image_on=None)
    with fake.client() as client:
        linkedin.post(client, member(fake, version="202605"), creds(fake), outgoing, (), print)
        assert rest(fake)[-1].headers["linkedin-version"] == "202605"
        with pytest.raises(Rejected, match="version"):
            linkedin.post(client, member(fake, version="202301"), creds(fake), outgoing, (), print)
        with pytest.raises(Rejected, match="YYYYMM"):
            linkedin.post(client, member(fake, version="2026-01"), creds(fake), outgoing, (), print)


def test_page_thread_with_image_goes_as_post_then_comments(
    fake: FakeLinkedIn, tmp_path: Path
) -> None:
    seen: list[str] = []
    outgoing = thread(tmp_path, "Launch (v2)", "Details @team", "More", alt="A dot, 1px")
    with fake.client() as client:
        receipt = linkedin.post(client, page(fake), page_creds(fake), outgoing, (), seen.append)
    org = "urn:li:organization:2414183"
    (post,) = fake.posts
    assert post["author"] == org and post["rendered"] == "Launch (v2)"
    (image,) = fake.images
    assert post["content"] == {"media": {"id": image, "altText": "A dot, 1px"}}
    assert fake.images[image]["owner"] == org and fake.images[image]["data"] == PNG
    upload = next(r for r in fake.requests if r.method == "PUT")
    assert upload.headers["authorization"].startswith("Bearer ")
    assert [c["message"]["text"] for c in fake.comments] == ["Details @team", "More"]
    assert all(c["actor"] == org and c["object"] == post["id"] for c in fake.comments)
    paths = [r.url.raw_path.decode() for r in fake.requests if "socialActions" in str(r.url)]
    assert paths == [f"/rest/socialActions/{encoded(post['id'])}/comments"] * 2
    assert receipt.parts == (post["id"], *(c["$URN"] for c in fake.comments)) == tuple(seen)
    assert receipt.id == post["id"]


def test_several_images_go_as_multi_image(fake: FakeLinkedIn, tmp_path: Path) -> None:
    file = tmp_path / "p.png"
    file.write_bytes(PNG)
    media = tuple(
        OutgoingMedia(f"media/{n}.png", file, "image/png", alt)
        for n, alt in (("a", "first"), ("b", ""))
    )
    outgoing = replace(thread(tmp_path, "x"), parts=(OutgoingPart("Album", media),))
    with fake.client() as client:
        linkedin.post(client, member(fake), creds(fake), outgoing, (), print)
    first, second = fake.images
    assert fake.posts[0]["content"] == {
        "multiImage": {"images": [{"id": first, "altText": "first"}, {"id": second}]}
    }


def test_a_comment_takes_one_image(fake: FakeLinkedIn, tmp_path: Path) -> None:
    file = tmp_path / "p.png"
    file.write_bytes(PNG)
    two = tuple(OutgoingMedia(f"media/{n}.png", file, "image/png", "") for n in "ab")
    outgoing = replace(thread(tmp_path, "x"), parts=(OutgoingPart("one"), OutgoingPart("two", two)))
    with fake.client() as client, pytest.raises(Unsupported, match="one"):
        linkedin.post(client, member(fake), creds(fake), outgoing, (), print)
    one = replace(outgoing, parts=(OutgoingPart("one"), OutgoingPart("two", two[:1])))
    with fake.client() as client:
        receipt = linkedin.post(
            client, member(fake), creds(fake), one, (fake.posts[0]["id"],), print
        )
    assert fake.comments[0]["content"][0]["entity"]["image"] in fake.images
    assert len(fake.posts) == 1 and len(receipt.parts) == 2


def test_resume_comments_on_the_first_part(fake: FakeLinkedIn, tmp_path: Path) -> None:
    with fake.client() as client:
        first = linkedin.post(
            client, member(fake), creds(fake), thread(tmp_path, "one", image_on=None), (), print
        )
        outgoing = thread(tmp_path, "one", "two", image_on=None)
        receipt = linkedin.post(client, member(fake), creds(fake), outgoing, first.parts, print)
    assert len(fake.posts) == 1 and fake.comments[0]["object"] == first.id
    assert receipt.id == first.id and len(receipt.parts) == 2


# -- errors ------------------------------------------------------------------------------
def test_expired_and_revoked_tokens(fake: FakeLinkedIn, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Hello", image_on=None)
    given = creds(fake)
    fake.tokens[given["access_token"]].expires = fake.clock - 1
    with fake.client() as client, pytest.raises(AuthExpired, match="EXPIRED_ACCESS_TOKEN") as exc:
        linkedin.post(client, member(fake), given, outgoing, (), print)
    assert_secret_free(exc.value, given["access_token"])
    again = creds(fake)
    fake.tokens[again["access_token"]].revoked = True
    with fake.client() as client, pytest.raises(AuthRevoked, match="socialgit connect me-linkedin"):
        linkedin.post(client, member(fake), again, outgoing, (), print)
    assert fake.posts == []


def test_missing_scope_or_role_is_for_a_person(fake: FakeLinkedIn, tmp_path: Path) -> None:
    fake.admin_of = set()
    with fake.client() as client, pytest.raises(AuthRevoked, match="role"):
        linkedin.post(client, page(fake), page_creds(fake), thread(tmp_path, "x"), (), print)


def test_429_waits_until_midnight_utc_or_retry_after(fake: FakeLinkedIn, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Hello", image_on=None)
    body = {"status": 429, "message": "Resource level throttle APPLICATION DAY limit"}
    fake.queue.append(httpx.Response(429, json=body))
    with fake.client() as client, pytest.raises(RateLimited) as exc:
        linkedin.post(client, member(fake), creds(fake), outgoing, (), print)
    assert exc.value.until == datetime(2026, 1, 2, tzinfo=UTC)
    fake.queue.append(httpx.Response(429, json=body, headers={"Retry-After": "120"}))
    with fake.client() as client, pytest.raises(RateLimited) as exc:
        linkedin.post(client, member(fake), creds(fake), outgoing, (), print)
    assert exc.value.until == NOW + timedelta(hours=15, minutes=2)
    assert fake.posts == []


def test_server_errors_and_lost_answers(fake: FakeLinkedIn, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Hello", image_on=None)
    fake.queue.append(httpx.Response(500, json={"status": 500, "message": "Internal"}))
    with fake.client() as client, pytest.raises(Transient):
        linkedin.post(client, member(fake), creds(fake), outgoing, (), print)

    def lost(request: httpx.Request) -> httpx.Response:
        answer = fake(request)
        if request.url.path == "/rest/posts" and request.method == "POST":
            raise httpx.ReadTimeout("no answer", request=request)
        return answer

    with httpx.Client(transport=httpx.MockTransport(lost)) as client, pytest.raises(OutcomeUnknown):
        linkedin.post(client, member(fake), creds(fake), outgoing, (), print)
    assert len(fake.posts) == 1  # it did go out: the runner must look it up, not resend


def test_201_without_an_id_is_in_doubt(fake: FakeLinkedIn, tmp_path: Path) -> None:
    fake.queue.append(httpx.Response(201))
    with fake.client() as client, pytest.raises(OutcomeUnknown):
        linkedin.post(
            client, member(fake), creds(fake), thread(tmp_path, "x", image_on=None), (), print
        )


# -- duplicates --------------------------------------------------------------------------
def test_duplicate_of_this_delivery_is_its_receipt(fake: FakeLinkedIn, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Same text", "then a comment", image_on=None)
    with fake.client() as client:
        first = linkedin.post(
            client,
            page(fake),
            page_creds(fake),
            replace(outgoing, parts=outgoing.parts[:1]),
            (),
            print,
        )
        receipt = linkedin.post(client, page(fake), page_creds(fake), outgoing, (), print)
    assert receipt.id == first.id and len(fake.posts) == 1 and len(fake.comments) == 1


def test_duplicate_from_before_the_due_time_is_refused(fake: FakeLinkedIn, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Same text", image_on=None)
    with fake.client() as client:
        first = linkedin.post(client, page(fake), page_creds(fake), outgoing, (), print)
        later = replace(outgoing, occurrence=NOW + timedelta(days=3))
        with pytest.raises(Duplicate, match=first.id):
            linkedin.post(client, page(fake), page_creds(fake), later, (), print)


def test_duplicate_a_member_cannot_read_back(fake: FakeLinkedIn, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Same text", image_on=None)
    with fake.client() as client:
        first = linkedin.post(client, member(fake), creds(fake), outgoing, (), print)
        with pytest.raises(Duplicate, match="set its status to published") as exc:
            linkedin.post(client, member(fake), creds(fake), outgoing, (), print)
    assert first.url is not None and first.url in str(exc.value)


def test_duplicate_naming_a_deleted_post(fake: FakeLinkedIn, tmp_path: Path) -> None:
    # LinkedIn remembers a deleted post's text for a day or two and names it (composio#2710).
    answer = {
        "message": "Content is a duplicate of urn:li:share:1",
        "errorDetails": {"inputErrors": [{"code": "DUPLICATE_POST"}]},
        "status": 422,
    }
    fake.queue.append(httpx.Response(422, json=answer))
    with fake.client() as client, pytest.raises(Duplicate, match="does not exist"):
        outgoing = thread(tmp_path, "x", image_on=None)
        linkedin.post(client, page(fake), page_creds(fake), outgoing, (), print)
    assert fake.posts == []


# -- look-up -----------------------------------------------------------------------------
def test_lookup_finds_nothing_or_reports_the_copy(fake: FakeLinkedIn, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Look (me) up", image_on=None)
    with fake.client() as client:
        assert linkedin.lookup(client, page(fake), page_creds(fake), outgoing) is None
        receipt = linkedin.post(client, page(fake), page_creds(fake), outgoing, (), print)
        with pytest.raises(OutcomeUnknown, match=receipt.id):
            linkedin.lookup(client, page(fake), page_creds(fake), outgoing)
        other = replace(outgoing, parts=(OutgoingPart("Another text"),))
        assert linkedin.lookup(client, page(fake), page_creds(fake), other) is None
    query = next(r for r in fake.requests if r.method == "GET" and r.url.path == "/rest/posts")
    assert "author=urn%3Ali%3Aorganization%3A2414183" in query.url.raw_path.decode()


def test_lookup_stops_at_posts_older_than_the_due_time(fake: FakeLinkedIn, tmp_path: Path) -> None:
    outgoing = thread(tmp_path, "Recurring text", image_on=None)
    with fake.client() as client:
        linkedin.post(client, page(fake), page_creds(fake), outgoing, (), print)
        fake.clock += 7 * 86400
        for n in range(60):  # many newer posts: the old copy is on the second page
            linkedin.post(
                client,
                page(fake),
                page_creds(fake),
                thread(tmp_path, f"n{n}", image_on=None),
                (),
                print,
            )
        later = replace(outgoing, occurrence=datetime.fromtimestamp(fake.clock - 3600, UTC))
        assert linkedin.lookup(client, page(fake), page_creds(fake), later) is None


def test_lookup_for_a_member_cannot_tell(fake: FakeLinkedIn, tmp_path: Path) -> None:
    with fake.client() as client, pytest.raises(OutcomeUnknown, match="r_member_social"):
        linkedin.lookup(client, member(fake), creds(fake), thread(tmp_path, "x"))


# -- OAuth -------------------------------------------------------------------------------
def _sign_in(client: httpx.Client, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 302
    return httpx.URL(answer.headers["location"]).params["code"]


def test_member_sign_in_stores_both_ends_and_the_person(fake: FakeLinkedIn) -> None:
    acct = member(fake)
    url = linkedin.generate_auth_url(acct, REDIRECT, "st4te", "ch4llenge")
    params = httpx.URL(url).params
    assert url.startswith("https://www.linkedin.com/oauth/v2/authorization?")
    assert params["scope"] == "openid profile w_member_social"
    assert params["client_id"] == fake.client_id and params["code_challenge"] == "ch4llenge"
    with fake.client() as client:
        code = _sign_in(client, url)
        stored = linkedin.authenticate(
            client, acct, code, "v" * 64, REDIRECT, {"client_secret": fake.client_secret}
        )
        form = fake.token_forms[-1]
        assert form["client_secret"] == fake.client_secret and "code_verifier" not in form
        assert stored["person"] == fake.person
        assert set(stored) >= {"access_token", "refresh_token", "expires_at", "refresh_expires_at"}
        assert linkedin.whoami(client, acct, stored) == {"id": fake.person, "name": fake.name}
        fake.clock += 59 * 86400
        fresh = linkedin.refresh_token(client, acct, stored)
    assert fresh["refresh_token"] == stored["refresh_token"]  # LinkedIn's do not rotate
    # The 365-day cap counts from the first sign-in: a refresh does not move it.
    ends = datetime.fromisoformat(fresh["refresh_expires_at"])
    first_end = datetime.fromisoformat(stored["refresh_expires_at"])
    assert abs((first_end - ends - timedelta(days=59)).total_seconds()) < 120
    assert linkedin.expires_at(fresh) is not None


def test_page_scopes_and_whoami(fake: FakeLinkedIn) -> None:
    acct = page(fake)
    url = linkedin.generate_auth_url(acct, REDIRECT, "s", "c")
    assert httpx.URL(url).params["scope"] == linkedin.PAGE_SCOPE
    with fake.client() as client:
        stored = linkedin.authenticate(
            client,
            acct,
            _sign_in(client, url),
            "v" * 64,
            REDIRECT,
            {"client_secret": fake.client_secret},
        )
        assert "person" not in stored
        assert linkedin.whoami(client, acct, stored) == {
            "id": "urn:li:organization:2414183",
            "name": "Devtestco",
            "handle": "devtest",
        }
    with pytest.raises(Rejected, match="organization"):
        linkedin.whoami(httpx.Client(), account("linkedin", organization="acme"), {})


def test_a_code_verifier_would_break_linkedins_web_flow(fake: FakeLinkedIn) -> None:
    acct = member(fake, pkce=True)  # only for apps LinkedIn enabled PKCE for
    with fake.client() as client:
        code = _sign_in(client, linkedin.generate_auth_url(acct, REDIRECT, "s", "c"))
        with pytest.raises(AuthRevoked, match="invalid_client"):
            linkedin.authenticate(
                client, acct, code, "v" * 64, REDIRECT, {"client_secret": fake.client_secret}
            )
    with pytest.raises(AuthRevoked, match="client secret"):
        linkedin.authenticate(httpx.Client(), member(fake), "c", "v", REDIRECT, {})


def test_without_a_refresh_token_refresh_says_when_to_reconnect(fake: FakeLinkedIn) -> None:
    fake.programmatic_refresh = False
    acct = member(fake)
    with fake.client() as client:
        code = _sign_in(client, linkedin.generate_auth_url(acct, REDIRECT, "s", "c"))
        stored = linkedin.authenticate(
            client, acct, code, "v", REDIRECT, {"client_secret": fake.client_secret}
        )
        assert "refresh_token" not in stored and "refresh_expires_at" not in stored
        with pytest.raises(AuthRevoked) as exc:
            linkedin.refresh_token(client, acct, stored)
    day = datetime.fromisoformat(stored["expires_at"]).strftime("%Y-%m-%d")
    assert day in str(exc.value) and "socialgit connect me-linkedin" in str(exc.value)


def test_an_ended_refresh_token_asks_for_a_new_sign_in(fake: FakeLinkedIn) -> None:
    stored = {
        "access_token": "a",
        "refresh_token": "r",
        "refresh_expires_at": "2025-01-01T00:00:00+00:00",
    }
    with pytest.raises(AuthRevoked, match="365 days"):
        linkedin.refresh_token(httpx.Client(), member(fake), stored)


@pytest.fixture
def server() -> Iterator[OAuthServer]:
    with OAuthServer() as running:
        yield running


def test_standard_oauth_against_the_strict_server(server: OAuthServer) -> None:
    server.add_client("li-app", "li-secret")
    acct = account(
        "linkedin",
        "strict",
        client_id="li-app",
        organization="2414183",
        authorize_url=f"{server.url}/authorize",
        token_url=f"{server.url}/token",
        pkce=True,  # the strict server requires PKCE, as LinkedIn's native-app flow does
    )
    verifier = oauth.new_verifier()
    url = linkedin.generate_auth_url(acct, REDIRECT, "st", oauth.challenge(verifier))
    with httpx.Client() as browser:
        answer = browser.get(url)
    back = httpx.URL(answer.headers["location"])
    assert back.params["state"] == "st"
    with httpx.Client() as client:
        stored = linkedin.authenticate(
            client, acct, back.params["code"], verifier, REDIRECT, {"client_secret": "li-secret"}
        )
        assert server.token_requests[-1]["client_secret"] == "li-secret"  # in the form
        fresh = linkedin.refresh_token(client, acct, stored)
        assert server.valid_access(fresh["access_token"])
        assert fresh["refresh_token"] != stored["refresh_token"]  # this server rotates
        with pytest.raises(AuthRevoked):
            linkedin.refresh_token(client, acct, stored)  # a spent one is refused
    assert fresh["client_secret"] == "li-secret" and linkedin.expires_at(fresh) is not None


def test_no_secret_in_errors(fake: FakeLinkedIn, tmp_path: Path) -> None:
    given = creds(fake)
    fake.queue.append(httpx.Response(400, json={"status": 400, "message": "bad"}))
    with fake.client() as client, pytest.raises(Rejected) as exc:
        linkedin.post(client, member(fake), given, thread(tmp_path, "x", image_on=None), (), print)
    assert_secret_free(exc.value, given["access_token"])


@pytest.mark.parametrize(
    ("host", "bearer"),
    [("www.linkedin.com", True), ("media.linkedin.com", True), ("notlinkedin.com", False)],
)
def test_the_upload_carries_the_token_to_linkedins_hosts_only(
    fake: FakeLinkedIn, tmp_path: Path, host: str, bearer: bool
) -> None:
    uploads: list[httpx.Request] = []

    def network(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            uploads.append(request)
            for image in fake.images.values():
                image["status"] = "AVAILABLE"
            return httpx.Response(201)
        answer = fake(request)
        if request.url.params.get("action") == "initializeUpload":
            body = answer.json()
            given = httpx.URL(body["value"]["uploadUrl"])
            body["value"]["uploadUrl"] = str(given.copy_with(host=host))
            return httpx.Response(answer.status_code, json=body)
        return answer

    given = creds(fake)
    with httpx.Client(transport=httpx.MockTransport(network)) as client:
        linkedin.post(client, member(fake), given, thread(tmp_path, "x"), (), print)
    (upload,) = uploads
    assert upload.url.host == host
    assert (upload.headers.get("authorization") == f"Bearer {given['access_token']}") is bearer
