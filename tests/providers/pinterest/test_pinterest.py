"""Pinterest against its fake: sign-in and rotating refresh, pins of each kind, errors as
Pinterest answers them, the look-up, and doctor's checks."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers import PROVIDERS
from providers.base import Outgoing, OutgoingMedia, OutgoingPart
from providers.pinterest import media as pin_media
from providers.pinterest import recover
from socialgit.errors import (
    AuthExpired,
    AuthRevoked,
    OutcomeUnknown,
    RateLimited,
    Rejected,
    Transient,
)
from tests.providers._support import PNG, assert_secret_free, raising
from tests.providers.pinterest.fake import (
    API,
    BASE,
    Board,
    FakePinterest,
    pinterest_account,
)

pinterest = PROVIDERS["pinterest"]
REDIRECT = "http://127.0.0.1:8788/callback"
DUE = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pin_media, "sleep", lambda seconds: None)


def _file(tmp: Path, name: str, data: bytes, mime: str, alt: str = "") -> OutgoingMedia:
    path = tmp / name
    path.write_bytes(data)
    return OutgoingMedia(path=f"media/{name}", file=path, mime=mime, alt=alt)


def outgoing(
    tmp: Path,
    text: str = "Spring launch: the new planner",
    media: tuple[OutgoingMedia, ...] | None = None,
    **keys: str,
) -> Outgoing:
    files = media if media is not None else (_file(tmp, "a.png", PNG, "image/png", "A planner"),)
    return Outgoing(
        key="sg-key-0001",
        post="content/launch.md",
        occurrence=DUE,
        parts=(OutgoingPart(text, files),),
        keys=keys,
    )


def send(fake: FakePinterest, out: Outgoing, **settings: str) -> tuple[str, list[str]]:
    seen: list[str] = []
    with fake.client() as client:
        got = pinterest.post(
            client, pinterest_account(fake, **settings), {"access_token": fake.token}, out, (),
            seen.append,
        )  # fmt: skip
    assert got.url == f"https://www.pinterest.com/pin/{got.id}/"
    return got.id, seen


# -- sign-in -------------------------------------------------------------------------------
def test_sign_in_and_every_refresh_answers_a_new_refresh_token() -> None:
    fake = FakePinterest()
    acct = pinterest_account(fake)
    url = pinterest.generate_auth_url(acct, REDIRECT, "st4te", "ch4llenge")
    assert url.startswith(f"{BASE}/oauth/?")
    assert "scope=boards%3Aread%2Cboards%3Awrite%2Cpins%3Aread%2Cpins%3Awrite" in url
    with fake.client() as client:
        back = httpx.URL(client.get(url).headers["location"])
        given = {"client_secret": fake.clients["sg-pin-app"]}
        first = pinterest.authenticate(client, acct, back.params["code"], "v", REDIRECT, given)
        assert first["client_secret"] == given["client_secret"]
        assert first["refresh_expires_at"] and pinterest.expires_at(first)
        second = pinterest.refresh_token(client, acct, first)
        assert second["refresh_token"] != first["refresh_token"]
        assert second["access_token"] != first["access_token"]
        # The old refresh token is spent: a person must connect again if it was lost.
        with pytest.raises(AuthRevoked) as spent:
            pinterest.refresh_token(client, acct, first)
        assert_secret_free(spent.value, first["refresh_token"], given["client_secret"])
        assert pinterest.whoami(client, acct, second) == {
            "id": fake.user.id, "handle": "sgtester", "name": "sgtester",
        }  # fmt: skip
    forms = [r.content.decode() for r in fake.requests if r.url.path == "/v5/oauth/token"]
    assert all("continuous_refresh=true" in form for form in forms)
    assert all(r.headers["authorization"].startswith("Basic ") for r in fake.requests
               if r.url.path == "/v5/oauth/token")  # fmt: skip


def test_a_scope_setting_replaces_the_default_scopes() -> None:
    fake = FakePinterest()
    wanted = "boards:read,boards:read_secret,pins:read,pins:write,pins:write_secret"
    url = pinterest.generate_auth_url(pinterest_account(fake, scope=wanted), REDIRECT, "s", "c")
    assert httpx.URL(url).params["scope"] == wanted


# -- pins ----------------------------------------------------------------------------------
def test_an_image_pin_carries_the_post_keys_the_text_and_the_alt_text(tmp_path: Path) -> None:
    fake = FakePinterest()
    out = outgoing(tmp_path, title="Planner 2024", link="https://shop.example/planner")
    ident, seen = send(fake, out)
    (pin,) = fake.pins
    assert seen == [ident] == [pin.id]
    assert (pin.title, pin.link, pin.description, pin.alt_text) == (
        "Planner 2024", "https://shop.example/planner", "Spring launch: the new planner",
        "A planner",
    )  # fmt: skip
    assert (pin.media_type, pin.files, pin.board.id) == ("image", 1, fake.board.id)
    # Every part done: no request at all.
    before = len(fake.requests)
    with fake.client() as client:
        again = pinterest.post(
            client, pinterest_account(fake), {"access_token": fake.token}, out, (ident,),
            lambda ident: pytest.fail("sent again"),
        )  # fmt: skip
    assert again.parts == (ident,) and len(fake.requests) == before


def test_two_to_five_images_are_a_carousel_more_are_refused_before_anything(
    tmp_path: Path,
) -> None:
    fake = FakePinterest()
    three = tuple(_file(tmp_path, f"{n}.png", PNG, "image/png") for n in range(3))
    send(fake, outgoing(tmp_path, media=three))
    assert (fake.pins[0].media_type, fake.pins[0].files) == ("multiple_images", 3)
    six = tuple(_file(tmp_path, f"{n}.png", PNG, "image/png") for n in range(6))
    with pytest.raises(Rejected, match="2 to 5 images"):
        send(fake, outgoing(tmp_path, media=six))
    gif = (_file(tmp_path, "a.gif", b"GIF89a....", "image/gif"),)
    with pytest.raises(Rejected, match="PNG or JPEG"):
        send(fake, outgoing(tmp_path, media=gif))
    assert len(fake.pins) == 1


def test_a_video_is_registered_uploaded_and_waited_for_and_the_upload_is_recorded(
    tmp_path: Path,
) -> None:
    fake = FakePinterest(processing_looks=2)
    recorded: list[str] = []
    video = (_file(tmp_path, "clip.mp4", MP4, "video/mp4", "A clip"),)
    cover = _file(tmp_path, "cover.png", PNG, "image/png")
    out = replace(outgoing(tmp_path, media=video), cover=cover, on_pending=recorded.append)
    send(fake, out)
    (upload,) = fake.uploads.values()
    assert recorded == [f"video:{upload.id}"]
    assert (fake.pins[0].media_type, upload.status) == ("video", "succeeded")
    uploads = [r for r in fake.requests if r.url.path == "/upload/"]
    assert len(uploads) == 1 and "authorization" not in uploads[0].headers
    # A rerun with that upload on record asks about it; it never uploads again.
    again = replace(out, pending=f"video:{upload.id}")
    send(fake, again)
    assert len([r for r in fake.requests if r.url.path == "/upload/"]) == 1


def test_a_video_still_processing_is_tried_again_later_from_its_upload(
    tmp_path: Path,
) -> None:
    fake = FakePinterest(processing_looks=100)
    recorded: list[str] = []
    video = (_file(tmp_path, "clip.mp4", MP4, "video/mp4"),)
    out = replace(outgoing(tmp_path, media=video), on_pending=recorded.append)
    with pytest.raises(Transient, match="still processing"):
        send(fake, out)
    assert fake.pins == [] and len(recorded) == 1
    posted = [r for r in fake.requests if r.url.path == "/v5/pins"]
    assert posted == []  # the pin waits for its video
    # Without a cover the first frame is the cover.
    fake.processing_looks = 0
    send(fake, replace(out, pending=recorded[0]))
    (created,) = [r for r in fake.requests if r.url.path == "/v5/pins"]
    assert json.loads(created.content)["media_source"]["cover_image_key_frame_time"] == 0


def test_a_video_with_an_image_is_refused_before_any_upload(tmp_path: Path) -> None:
    fake = FakePinterest()
    both = (
        _file(tmp_path, "clip.mp4", MP4, "video/mp4"),
        _file(tmp_path, "a.png", PNG, "image/png"),
    )
    with pytest.raises(Rejected, match="one video alone"):
        send(fake, outgoing(tmp_path, media=both))
    assert fake.requests == []


def test_trial_access_is_refused_with_what_to_do(tmp_path: Path) -> None:
    fake = FakePinterest(trial=True)
    with pytest.raises(Rejected) as refused:
        send(fake, outgoing(tmp_path))
    message = str(refused.value)
    assert "(code 29)" in message and "Trial access" in message
    assert "base_url: https://api-sandbox.pinterest.com/v5" in message
    assert fake.pins == []


def test_a_bad_board_setting_is_refused_before_any_request(tmp_path: Path) -> None:
    fake = FakePinterest()
    with pytest.raises(Rejected, match="board's id"):
        send(fake, outgoing(tmp_path), board="my-board")
    assert fake.requests == []


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (httpx.Response(401, json={"code": 2, "message": "Authentication failed."}), AuthExpired),
        (httpx.Response(400, json={"code": 1, "message": "Invalid link."}), Rejected),
        (httpx.Response(500, json={"code": 0, "message": "Oops"}), OutcomeUnknown),
        (httpx.Response(201, text="<html>"), OutcomeUnknown),
        (httpx.Response(201, json={"board_id": "1"}), OutcomeUnknown),
    ],
)
def test_answers_to_a_create_are_classified(
    tmp_path: Path, answer: httpx.Response, kind: type[Exception]
) -> None:
    fake = FakePinterest()
    fake.queue.append(answer)
    with pytest.raises(kind) as caught:
        send(fake, outgoing(tmp_path))
    assert_secret_free(caught.value, fake.token)


def test_rate_limited_until_pinterest_says(tmp_path: Path) -> None:
    fake = FakePinterest(pin_limit=0)
    with pytest.raises(RateLimited) as limited:
        send(fake, outgoing(tmp_path))
    until = limited.value.until
    assert until is not None and until > datetime.now(UTC) + timedelta(seconds=50)


def test_a_lost_answer_to_the_create_is_in_doubt_and_never_leaks_the_token(
    tmp_path: Path,
) -> None:
    fake = FakePinterest()
    fake.fail_after_create = httpx.ReadTimeout(f"timed out for {API}/pins")
    with pytest.raises(OutcomeUnknown) as lost:
        send(fake, outgoing(tmp_path))
    assert_secret_free(lost.value, fake.token)
    down_client = httpx.Client(transport=httpx.MockTransport(raising(httpx.ConnectError)))
    with down_client as client, pytest.raises(Transient) as down:
        pinterest.whoami(client, pinterest_account(fake), {"access_token": fake.token})
    assert_secret_free(down.value, fake.token)


# -- look-up -------------------------------------------------------------------------------
def lookup(fake: FakePinterest, out: Outgoing) -> object:
    with fake.client() as client:
        return pinterest.lookup(client, pinterest_account(fake), {"access_token": fake.token}, out)


@pytest.mark.parametrize("newest_first", [True, False])
def test_the_look_up_finds_exactly_this_pin_in_any_order(
    tmp_path: Path, newest_first: bool
) -> None:
    fake = FakePinterest(newest_first=newest_first, pin_limit=1000)
    others = [outgoing(tmp_path, text=f"Another pin {n}") for n in range(150)]
    out = outgoing(tmp_path, title="Planner", link="https://shop.example/p")
    for other in others[:100]:
        send(fake, other)
    ident, _ = send(fake, out)
    for other in others[100:]:
        send(fake, other)
    found = lookup(fake, out)
    assert found is not None and getattr(found, "parts", None) == (ident,)
    # The same words at a later occurrence (the next run of a repeating post) are not it.
    assert lookup(fake, replace(out, occurrence=DUE + timedelta(days=7))) is None


def test_a_pin_that_only_resembles_it_goes_to_a_person(tmp_path: Path) -> None:
    fake = FakePinterest()
    send(fake, outgoing(tmp_path, title="Planner", link="https://shop.example/p/"))
    with pytest.raises(OutcomeUnknown, match="looks like it") as doubt:
        lookup(fake, outgoing(tmp_path, title="Planner", link="https://shop.example/p"))
    assert f"https://www.pinterest.com/pin/{fake.pins[0].id}/" in str(doubt.value)


def test_two_matching_pins_or_one_just_before_it_was_due_stay_in_doubt(tmp_path: Path) -> None:
    fake = FakePinterest()
    out = outgoing(tmp_path)
    send(fake, out)
    send(fake, out)
    with pytest.raises(OutcomeUnknown, match="2 items"):
        lookup(fake, out)
    early = FakePinterest(now=DUE - timedelta(minutes=2))
    send(early, out)
    with pytest.raises(OutcomeUnknown, match="just before"):
        lookup(early, out)


def test_a_board_longer_than_is_read_leaves_it_in_doubt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recover, "PAGES", 2)
    monkeypatch.setattr(recover, "PAGE", 2)
    fake = FakePinterest()
    for n in range(5):
        send(fake, outgoing(tmp_path, text=f"Pin {n}"))
    with pytest.raises(OutcomeUnknown, match="more since it was due"):
        lookup(fake, outgoing(tmp_path, text="Never sent"))


# -- doctor --------------------------------------------------------------------------------
def test_doctor_names_the_board_and_what_limits_it() -> None:
    fake = FakePinterest()
    fake.boards["77"] = Board("77", "Drafts", fake.user, privacy="SECRET")
    creds = {"access_token": fake.token, "scope": "boards:read,pins:write"}
    with fake.client() as client:
        ok = pinterest.diagnose(client, pinterest_account(fake), creds)
        assert ok == [("ok", f"board {fake.board.id}: Launches (public)")]
        secret = pinterest.diagnose(client, pinterest_account(fake, board="77"), creds)
        assert secret[1][0] == "warning" and "pins:write_secret" in secret[1][1]
        theirs = pinterest.diagnose(
            client, pinterest_account(fake, board="1055029912386400999"), creds
        )
        assert theirs[0][0] == "error" and "Board not found" in theirs[0][1]
        sandbox = pinterest.diagnose(
            client,
            pinterest_account(fake, base_url="https://api-sandbox.pinterest.com/v5"),
            creds,
        )
    assert sandbox[0][0] == "warning" and "visible only to you" in sandbox[0][1]
