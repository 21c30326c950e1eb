"""Each network's ``metrics`` against its fake: a two-part thread goes out through ``post``,
people react and reply, and the counts come back under socialgit's names, with the
thread's own second part not counted as a reply. Networks without metrics, and accounts
that keep them off, say so (never zeros)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers import (
    PROVIDERS,
    _http,
    defaults,
    facebook,
    instagram,
    lemmy,
    linkedin,
    mastodon,
    misskey,
    reddit,
    slack,
    threads,
    x,
    youtube,
)
from providers import bluesky as _bluesky
from providers.base import Outgoing, Published, Receipt
from providers.defaults import no_metrics
from providers.instagram import publish as _instagram_publish
from providers.threads import publish as _threads_publish
from socialgit.errors import AuthRevoked, Rejected, Unsupported
from tests.providers._support import account, thread
from tests.providers.facebook.fake import FakeFacebook, connected, facebook_account
from tests.providers.instagram.fake import MEDIA_BASE, FakeInstagram, instagram_account
from tests.providers.lemmy.fake import FakeLemmy
from tests.providers.linkedin.fake import FakeLinkedIn
from tests.providers.mastodon.fake import FakeMastodon
from tests.providers.misskey.fake import FakeMisskey
from tests.providers.reddit.fake import FakeReddit, reddit_account
from tests.providers.slack.fake import FakeSlack
from tests.providers.threads.fake import FakeThreads, threads_account
from tests.providers.x.fake import FakeX, x_account
from tests.providers.youtube.fake import FakeYouTube, credentials, youtube_account

AT = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def published(receipt: Receipt) -> Published:
    return Published(receipt.id, receipt.url, receipt.parts, AT, "content/launch.md", "team")


def two_parts(tmp_path: Path) -> Outgoing:
    return thread(tmp_path, "Launch day", "Second part", image_on=None)


def test_mastodon_status_counts(tmp_path: Path) -> None:
    fake = FakeMastodon()
    acct = account("mastodon", instance=fake.base)
    creds = {"access_token": fake.issue_token()}
    with fake.client() as client:
        receipt = mastodon.post(client, acct, creds, two_parts(tmp_path), (), lambda _: None)
        other = {"access_token": fake.issue_token()}
        reply = {"status": "congrats", "in_reply_to_id": receipt.id}
        client.post(f"{fake.base}/api/v1/statuses", json=reply, headers=_bearer(other))
        fake.engage(receipt.id, likes=5, reposts=2, quotes=1)
        counts = mastodon.metrics(client, acct, creds, published(receipt))
        assert counts == {"likes": 5, "reposts": 2, "replies": 1, "quotes": 1}
        fake.delete(receipt.id)
        with pytest.raises(Rejected, match="HTTP 404"):
            mastodon.metrics(client, acct, creds, published(receipt))


def test_x_public_metrics_only_when_the_account_asks(tmp_path: Path) -> None:
    fake = FakeX(clock=lambda: AT)
    creds = {"access_token": fake.token}
    off, on = x_account(), x_account(metrics=True)
    assert "set `metrics: true`" in no_metrics(PROVIDERS["x"], off)
    assert no_metrics(PROVIDERS["x"], on) == ""
    with fake.client() as client:
        receipt = x.post(client, on, creds, two_parts(tmp_path), (), lambda _: None)
        reply = {"text": "congrats", "reply": {"in_reply_to_tweet_id": receipt.id}}
        client.post("https://api.x.com/2/tweets", json=reply, headers=_bearer({
            "access_token": fake.other_token}))  # fmt: skip
        fake.engage(receipt.id, like_count=7, retweet_count=3, impression_count=120)
        counts = x.metrics(client, on, creds, published(receipt))
        assert counts == {
            "likes": 7,
            "reposts": 3,
            "replies": 1,
            "quotes": 0,
            "views": 120,
            "bookmarks": 0,
        }
        assert fake.reads == 1
        gone = Published("1880000000000009999", None, ("1880000000000009999",), AT)
        with pytest.raises(Rejected, match="no such post"):
            x.metrics(client, on, creds, gone)


def test_linkedin_organization_statistics_and_member_posts_say_why_not(tmp_path: Path) -> None:
    fake = FakeLinkedIn()
    page = account("linkedin", "team-page", client_id=fake.client_id, organization="2414183")
    member = account("linkedin", client_id=fake.client_id)
    assert "r_member_postAnalytics" in no_metrics(PROVIDERS["linkedin"], member)
    assert no_metrics(PROVIDERS["linkedin"], page) == ""
    creds = {"access_token": fake.grant(linkedin.PAGE_SCOPE)}
    with fake.client() as client:
        receipt = linkedin.post(client, page, creds, two_parts(tmp_path), (), lambda _: None)
        fake.engage(receipt.id, likeCount=4, shareCount=1, impressionCount=300, clickCount=9)
        counts = linkedin.metrics(client, page, creds, published(receipt))
        # The thread's second part is a comment of the page's own: not counted.
        assert counts == {"likes": 4, "reposts": 1, "replies": 0, "views": 300, "clicks": 9}
        without = {"access_token": fake.grant("w_organization_social")}
        with pytest.raises(AuthRevoked, match="lacks a scope"):
            linkedin.metrics(client, page, without, published(receipt))
        with pytest.raises(Unsupported, match="r_member_postAnalytics"):
            linkedin.metrics(client, member, creds, published(receipt))


def test_threads_insights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeThreads()
    monkeypatch.setattr(_threads_publish, "SLEEP", fake.sleeps.append)
    acct = threads_account()
    creds = {"access_token": fake.issue(), "user_id": fake.user_id}
    assert "threads_manage_insights" in threads.generate_auth_url(acct, "http://x/cb", "s", "c")
    with fake.client() as client:
        receipt = threads.post(client, acct, creds, two_parts(tmp_path), (), lambda _: None)
        fake.engage(receipt.id, views=80, likes=6, reposts=2, quotes=1)
        counts = threads.metrics(client, acct, creds, published(receipt))
        assert counts == {"views": 80, "likes": 6, "replies": 0, "reposts": 2, "quotes": 1}


def test_slack_reactions_with_a_bot_and_none_with_a_webhook(tmp_path: Path) -> None:
    fake = FakeSlack(scopes={"chat:write", "channels:history", "reactions:read"})
    acct = account("slack", channel="C0GENERAL1")
    creds = {"bot_token": fake.bot_token}
    with fake.client() as client:
        receipt = slack.post(client, acct, creds, two_parts(tmp_path), (), lambda _: None)
        fake.react(receipt.id, thumbsup=3, tada=2)
        counts = slack.metrics(client, acct, creds, published(receipt))
        assert counts == {"likes": 5, "replies": 0}
        with pytest.raises(Unsupported, match="bot token"):
            slack.metrics(client, acct, {"webhook_url": fake.webhook_url}, published(receipt))
        fake.scopes.discard("reactions:read")
        with pytest.raises(AuthRevoked, match="reactions:read"):
            slack.metrics(client, acct, creds, published(receipt))


def test_facebook_reactions_comments_and_shares(tmp_path: Path) -> None:
    fake, page = FakeFacebook(), facebook_account()
    creds = connected(fake)
    with fake.client() as client:
        receipt = facebook.post(client, page, creds, two_parts(tmp_path), (), lambda _: None)
        # Nobody shared it yet: Graph leaves `shares` out, which is 0 shares.
        counts = facebook.metrics(client, page, creds, published(receipt))
        assert counts == {"likes": 0, "replies": 0, "reposts": 0}
        fake.engage(receipt.id, reactions=9, shares=2, comments=1)
        counts = facebook.metrics(client, page, creds, published(receipt))
        # The thread's second part is the Page's own comment: not counted.
        assert counts == {"likes": 9, "replies": 1, "reposts": 2}
        fake.granted.discard("pages_read_engagement")
        with pytest.raises(AuthRevoked, match="lacks a Facebook permission"):
            facebook.metrics(client, page, creds, published(receipt))


def test_instagram_likes_and_comments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeInstagram()
    monkeypatch.setattr(_http, "now", lambda: fake.clock)
    monkeypatch.setattr(_instagram_publish, "SLEEP", fake.sleeps.append)
    acct, creds = instagram_account(), fake.connected()
    made = thread(tmp_path, "Launch day", "Second part", mime="image/jpeg")
    media = tuple(replace(m, url=f"{MEDIA_BASE}/{m.path}") for m in made.parts[0].media)
    outgoing = replace(made, parts=(replace(made.parts[0], media=media), made.parts[1]))
    with fake.client() as client:
        receipt = instagram.post(client, acct, creds, outgoing, (), lambda _: None)
        fake.engage(receipt.id, likes=11)
        counts = instagram.metrics(client, acct, creds, published(receipt))
        assert counts == {"likes": 11, "replies": 0}  # its own comment (part 2) left out
        with pytest.raises(Rejected, match="does not exist"):
            gone = Published("17900000000000000", None, ("17900000000000000",), AT)
            instagram.metrics(client, acct, creds, gone)


def test_reddit_score_comments_and_crossposts(tmp_path: Path) -> None:
    fake = FakeReddit()
    acct, creds = reddit_account(), {"access_token": fake.token}
    outgoing = replace(two_parts(tmp_path), keys={"title": "Launch day"})
    with fake.client() as client:
        receipt = reddit.post(client, acct, creds, outgoing, (), lambda _: None)
        fake.engage(receipt.id, votes=14, comments=3, crossposts=1)
        counts = reddit.metrics(client, acct, creds, published(receipt))
        # score 1 (the author's own upvote) + 14; 4 comments, one of them the thread's own.
        assert counts == {"likes": 15, "replies": 3, "reposts": 1}
        assert fake.requests[-1].url.params["id"] == receipt.id
        gone = Published("t3_zzzzzz", None, ("t3_zzzzzz",), AT)
        with pytest.raises(Rejected, match="no such post"):
            reddit.metrics(client, acct, creds, gone)


def test_youtube_statistics_read_from_strings(tmp_path: Path) -> None:
    fake, acct = FakeYouTube(), youtube_account()
    creds = credentials(fake)
    outgoing = replace(thread(tmp_path, "A description", mime="video/mp4"), keys={"title": "T"})
    with fake.client() as client:
        receipt = youtube.post(client, acct, creds, outgoing, (), lambda _: None)
        (video,) = fake.videos
        video.views, video.likes, video.comments = 1200, 45, 6
        counts = youtube.metrics(client, acct, creds, published(receipt))
        assert counts == {"views": 1200, "likes": 45, "replies": 6}
        video.likes_hidden = True  # hidden likes are absent, never 0
        assert youtube.metrics(client, acct, creds, published(receipt)) == {
            "views": 1200,
            "replies": 6,
        }
        gone = Published("dQw4w9WgXcQ", None, ("dQw4w9WgXcQ",), AT)
        with pytest.raises(Rejected, match="no such video"):
            youtube.metrics(client, acct, creds, gone)


def test_lemmy_upvotes_and_comments(tmp_path: Path) -> None:
    fake = FakeLemmy()
    acct = account("lemmy", instance=fake.base, community="news")
    creds = {"username": "alice", "password": "correct horse", "access_token": fake.login()}
    outgoing = replace(two_parts(tmp_path), keys={"title": "Launch day"})
    with fake.client() as client:
        receipt = lemmy.post(client, acct, creds, outgoing, (), lambda _: None)
        fake.engage(int(receipt.id), upvotes=8, downvotes=2)
        other = {"post_id": int(receipt.id), "content": "congrats"}
        headers = {"Authorization": f"Bearer {fake.login()}"}
        client.post(f"{fake.base}/api/v3/comment", json=other, headers=headers)
        counts = lemmy.metrics(client, acct, creds, published(receipt))
        # 9 upvotes with its creator's own; 2 comments, one of them the thread's second part.
        assert counts == {"likes": 9, "replies": 1}
        gone = Published("999999", None, ("999999",), AT)
        with pytest.raises(Rejected, match="couldnt_find_post"):
            lemmy.metrics(client, acct, creds, gone)


def test_misskey_reactions_renotes_and_replies(tmp_path: Path) -> None:
    fake = FakeMisskey()
    acct = account("misskey", instance=fake.base)
    creds = {"access_token": fake.issue_token()}
    with fake.client() as client:
        receipt = misskey.post(client, acct, creds, two_parts(tmp_path), (), lambda _: None)
        fake.engage(receipt.id, renotes=2, like=3, tada=1)
        reply = {"i": fake.issue_token(), "text": "congrats", "replyId": receipt.id}
        client.post(f"{fake.base}/api/notes/create", json=reply)
        counts = misskey.metrics(client, acct, creds, published(receipt))
        assert counts == {"likes": 4, "reposts": 2, "replies": 1}  # part 2 is not a reply
        with pytest.raises(Rejected, match="No such note"):
            misskey.metrics(client, acct, creds, Published("9zzz", None, ("9zzz",), AT))


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_network_either_reads_metrics_or_says_it_has_none(name: str) -> None:
    provider = PROVIDERS[name]
    why = no_metrics(provider, account(name))
    if provider.metrics is defaults.metrics:
        assert why == f"{provider.TITLE} gives no metrics"
        with pytest.raises(Unsupported):
            provider.metrics(httpx.Client(), account(name), {}, Published("1", None, ("1",), AT))
    else:
        # Off by default only where reading costs money or a scope few apps get.
        assert (why == "") != (name in {"x", "linkedin"}), why


def test_bluesky_reads_the_appview_not_the_pds() -> None:
    seen: list[httpx.Request] = []

    def appview(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        uri = request.url.params["uris"]
        post = {"uri": uri, "likeCount": 2, "repostCount": 1, "replyCount": 2, "quoteCount": 0}
        return httpx.Response(200, json={"posts": [post]})

    uri = "at://did:plc:abc/app.bsky.feed.post/3kabc"
    item = Published(uri, None, (uri, uri + "2"), AT)
    with httpx.Client(transport=httpx.MockTransport(appview)) as client:
        acct = account("bluesky", handle="a.example.com", base_url="https://pds.example")
        counts = _bluesky.metrics(client, acct, {}, item)
        assert counts == {"likes": 2, "reposts": 1, "replies": 1, "quotes": 0}
        assert seen[0].url.host == "public.api.bsky.app" and "authorization" not in seen[0].headers
        own = account("bluesky", handle="a", appview_url="https://appview.example")
        _bluesky.metrics(client, own, {}, item)
        assert seen[1].url.host == "appview.example"


def _bearer(creds: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {creds['access_token']}"}
