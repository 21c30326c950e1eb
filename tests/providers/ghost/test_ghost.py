"""Ghost's module against the fake Admin API: the token Ghost checks, the article as it is
created, errors and their classes, secrets kept out of every message, and look-ups that
claim only a post carrying this delivery's key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import ghost
from providers.base import Outgoing, OutgoingMedia, OutgoingPart, Receipt, Uploaded
from providers.ghost import admin_key
from socialgit.errors import AuthRevoked, OutcomeUnknown, Rejected, Transient
from tests.conftest import png
from tests.providers._support import account, assert_secret_free, raising
from tests.providers.ghost.fake import KEY_ID, SECRET, SITE, FakeGhost

ACCOUNT = account("ghost", name="blog", site=SITE)
KEY = f"{KEY_ID}:{SECRET}"
CREDENTIALS = {"admin_api_key": KEY}
BODY = '<p>Hello <img src="https://blog.ghost.fake/content/images/a.png" alt="a dot"></p>'


def article(tmp: Path, **keys: Any) -> Outgoing:
    image = tmp / "cover.png"
    image.write_bytes(png())
    cover = OutgoingMedia(path="img/cover.png", file=image, mime="image/png", alt="the cover")
    given = {"title": "Hello Ghost", "slug": "hello-ghost", "tags": ("news", "Release Notes")}
    return Outgoing(
        key="2bcdefghijkmn",
        post="content/hello.md",
        occurrence=FakeGhost().now,
        parts=(OutgoingPart("Hello ![a dot](img/a.png)"),),
        account="blog",
        keys={**given, **keys},
        cover=cover,
        body=BODY,
        images={"img/cover.png": Uploaded(f"{SITE}/content/images/cover.png")},
    )


def publish(fake: FakeGhost, outgoing: Outgoing, done: tuple[str, ...] = ()) -> Receipt:
    seen: list[str] = []
    with fake.client() as client:
        made = ghost.post(client, ACCOUNT, CREDENTIALS, outgoing, done, seen.append)
    assert seen == ([] if done else [made.id])
    return made


def claims(jwt: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body, _ = jwt.split(".")
    unpad = [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in (head, body)]
    return json.loads(unpad[0]), json.loads(unpad[1])


def test_a_token_names_the_key_and_lasts_five_minutes_for_the_admin_api() -> None:
    head, body = claims(admin_key.token(admin_key.parse(KEY, "blog"), now=1_700_000_000))
    assert head == {"alg": "HS256", "kid": KEY_ID, "typ": "JWT"}
    assert body == {"iat": 1_700_000_000, "exp": 1_700_000_300, "aud": "/admin/"}
    assert SECRET not in repr(admin_key.parse(KEY, "blog"))


def test_a_key_that_is_not_id_colon_hex_is_refused_with_what_to_do() -> None:
    with pytest.raises(AuthRevoked, match="socialgit connect blog") as caught:
        admin_key.parse("not-a-key:zz", "blog")
    assert_secret_free(caught.value, "zz")


def test_the_article_goes_out_as_html_with_its_keys_and_the_delivery_key(tmp_path: Path) -> None:
    fake = FakeGhost()
    made = publish(fake, article(tmp_path, excerpt="Short", canonical_url="https://me.example/a"))
    (stored,) = fake.posts
    assert made == Receipt(stored["id"], f"{SITE}/hello-ghost/", (stored["id"],))
    assert stored["html"] == BODY and stored["status"] == "published"
    assert [t["name"] for t in stored["tags"]] == ["news", "Release Notes"]
    assert stored["feature_image"] == f"{SITE}/content/images/cover.png"
    assert stored["feature_image_alt"] == "the cover"
    assert stored["custom_excerpt"] == "Short"
    assert stored["canonical_url"] == "https://me.example/a"
    assert stored["codeinjection_foot"] == "<!-- socialgit:2bcdefghijkmn -->"
    create = next(r for r in fake.requests if r.method == "POST")
    assert create.url.params["source"] == "html"
    assert create.headers["accept-version"] == "v5.0"


def test_every_request_carries_a_fresh_token_the_fake_accepts(tmp_path: Path) -> None:
    fake = FakeGhost()
    publish(fake, article(tmp_path))
    tokens = [r.headers["authorization"].removeprefix("Ghost ") for r in fake.requests]
    assert len(tokens) >= 2 and all(claims(t)[0]["kid"] == KEY_ID for t in tokens)


def test_a_token_too_old_for_ghost_says_the_clocks_differ(tmp_path: Path) -> None:
    fake = FakeGhost(clock=lambda: time.time() + 301)
    with pytest.raises(Rejected, match="clock") as caught:
        publish(fake, article(tmp_path))
    assert "jwt expired" in str(caught.value) and fake.posts == []
    assert_secret_free(caught.value, SECRET)


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        ({KEY_ID: "00" * 32}, "invalid signature"),  # the key was regenerated
        ({"0" * 24: SECRET}, "Unknown Admin API Key"),  # its integration was deleted
    ],
)
def test_a_key_ghost_no_longer_knows_says_connect(
    tmp_path: Path, keys: dict[str, str], said: str
) -> None:
    with pytest.raises(AuthRevoked, match="socialgit connect blog") as caught:
        publish(FakeGhost(keys=keys), article(tmp_path))
    assert said in str(caught.value)
    assert_secret_free(caught.value, SECRET, KEY)


def test_the_fake_checks_the_audience_and_the_kid() -> None:
    fake = FakeGhost()
    key = admin_key.parse(KEY, "blog")
    good = admin_key.token(key)
    url = f"{SITE}/ghost/api/admin/posts/"

    def sign(header: dict[str, Any], claims: dict[str, Any]) -> str:
        parts = [admin_key._part(header), admin_key._part(claims)]
        mac = hmac.new(key.secret, ".".join(parts).encode(), hashlib.sha256).digest()
        return ".".join([*parts, base64.urlsafe_b64encode(mac).rstrip(b"=").decode()])

    now = int(time.time())
    wrong_aud = sign({"alg": "HS256", "kid": KEY_ID}, {"iat": now, "exp": now + 60, "aud": "/x/"})
    no_kid = sign({"alg": "HS256"}, {"iat": now, "exp": now + 60, "aud": "/admin/"})
    # Ghost checks the age on iat whatever exp says: an hour's token is good for 5 minutes.
    stale = sign({"alg": "HS256", "kid": KEY_ID}, {"iat": now - 301, "exp": now + 3600,
                                                   "aud": "/admin/"})  # fmt: skip
    with fake.client() as client:
        assert client.get(url, headers={"Authorization": f"Ghost {good}"}).status_code == 200
        assert client.get(url).status_code == 403
        assert client.get(url, headers={"Authorization": f"Bearer {good}"}).status_code == 401
        refused = client.get(url, headers={"Authorization": f"Ghost {wrong_aud}"})
        assert refused.status_code == 401 and "audience" in refused.text
        refused = client.get(url, headers={"Authorization": f"Ghost {no_kid}"})
        assert refused.status_code == 400 and "MISSING_ADMIN_API_KID" in refused.text
        refused = client.get(url, headers={"Authorization": f"Ghost {stale}"})
        assert refused.status_code == 401 and "maxAge exceeded" in refused.text


def test_a_slug_someone_else_holds_stops_the_article_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    fake = FakeGhost()
    publish(fake, replace(article(tmp_path), key="3bcdefghijkmn"))
    with pytest.raises(Rejected, match="hello-ghost-2"):
        publish(fake, article(tmp_path))
    assert len(fake.posts) == 1


def test_a_lost_answer_to_the_create_is_in_doubt_and_the_rerun_takes_the_post(
    tmp_path: Path,
) -> None:
    fake = FakeGhost(lose={"posts.create"})
    outgoing = article(tmp_path)
    with fake.client() as client, pytest.raises(OutcomeUnknown) as caught:
        ghost.post(client, ACCOUNT, CREDENTIALS, outgoing, (), lambda _: None)
    assert_secret_free(caught.value, SECRET, KEY)
    (stored,) = fake.posts
    with fake.client() as client:
        found = ghost.lookup(client, ACCOUNT, CREDENTIALS, outgoing)
    assert found == Receipt(stored["id"], f"{SITE}/hello-ghost/", (stored["id"],))
    assert publish(fake, outgoing) == found and len(fake.posts) == 1


def test_a_5xx_to_the_create_is_in_doubt_and_a_timeout_reading_is_transient(tmp_path: Path) -> None:
    fake = FakeGhost(queue=[httpx.Response(502, text="Bad Gateway")])
    with pytest.raises(OutcomeUnknown, match="HTTP 502"):
        publish(fake, article(tmp_path))
    lost = httpx.MockTransport(raising(httpx.ReadTimeout))
    with httpx.Client(transport=lost) as client, pytest.raises(Transient) as caught:
        ghost.post(client, ACCOUNT, CREDENTIALS, article(tmp_path), (), lambda _: None)
    assert_secret_free(caught.value, SECRET, KEY, SITE)


def test_look_up_never_claims_a_post_without_the_key(tmp_path: Path) -> None:
    fake = FakeGhost()
    publish(fake, replace(article(tmp_path), key="3bcdefghijkmn"))  # same slug, title, body
    with fake.client() as client:
        assert ghost.lookup(client, ACCOUNT, CREDENTIALS, article(tmp_path)) is None


def test_look_up_pages_through_the_posts_made_since_the_occurrence(tmp_path: Path) -> None:
    fake = FakeGhost()
    outgoing = article(tmp_path)
    fake.posts.append(fake_post("old", "2024-04-01T09:00:00.000Z"))
    publish(fake, outgoing)
    for n in range(70):  # more than a page of newer posts
        fake.tick()
        fake.posts.append(fake_post(f"new-{n}", fake.now.isoformat().replace("+00:00", "Z")))
    with fake.client() as client:
        found = ghost.lookup(client, ACCOUNT, CREDENTIALS, outgoing)
    assert found is not None and found.id == fake.posts[1]["id"]
    pages = [r.url.params.get("page") for r in fake.requests if r.url.path.endswith("/posts/")]
    assert pages[-2:] == ["1", "2"]


def fake_post(slug: str, made: str) -> dict[str, Any]:
    return {"id": f"{abs(hash(slug)) % 16**24:024x}", "slug": slug, "created_at": made,
            "codeinjection_foot": None, "url": f"{SITE}/{slug}/"}  # fmt: skip


def test_a_resume_with_the_post_done_makes_no_write(tmp_path: Path) -> None:
    fake = FakeGhost()
    made = publish(fake, article(tmp_path))
    writes = sum(r.method == "POST" for r in fake.requests)
    assert publish(fake, article(tmp_path), done=(made.id,)) == made
    assert sum(r.method == "POST" for r in fake.requests) == writes


def test_an_image_is_uploaded_and_a_type_ghost_refuses_is_rejected(tmp_path: Path) -> None:
    fake = FakeGhost()
    (tmp_path / "a.png").write_bytes(png())
    image = OutgoingMedia("img/a.png", tmp_path / "a.png", "image/png", "a dot")
    with fake.client() as client:
        made = ghost.upload_image(client, ACCOUNT, CREDENTIALS, image)
        assert made.url == f"{SITE}/content/images/2024/05/a.png" and made.url in fake.images
        with pytest.raises(Rejected, match="415"):
            ghost.upload_image(client, ACCOUNT, CREDENTIALS, replace(image, mime="image/bmp"))


def test_whoami_names_the_site_and_connect_keeps_only_the_key() -> None:
    fake = FakeGhost()
    with fake.client() as client:
        assert ghost.whoami(client, ACCOUNT, CREDENTIALS) == {
            "id": KEY_ID,
            "name": "The Fake Blog",
            "handle": "blog.ghost.fake",
        }
        given = {"admin_api_key": f" {KEY.upper()} ", "other": "x"}
        assert ghost.authenticate(client, ACCOUNT, "", "", "", given) == CREDENTIALS


def test_site_must_be_https_except_on_this_machine() -> None:
    from socialgit.errors import UsageError

    with pytest.raises(UsageError, match="https"):
        ghost.api.site(account("ghost", site="http://blog.example"))
    assert ghost.api.site(account("ghost", site="http://127.0.0.1:2368/")) == (
        "http://127.0.0.1:2368"
    )
