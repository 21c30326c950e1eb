"""Microsoft Teams through a Workflows webhook, against the fake trigger (fake.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from providers import teams
from socialgit.errors import AuthRevoked, OutcomeUnknown, RateLimited, Rejected
from tests.providers._support import assert_secret_free, raising, thread
from tests.providers.teams.fake import MEDIA_BASE_URL, SIG, WORKFLOW, FakeWorkflow, teams_account


def creds(fake: FakeWorkflow) -> dict[str, str]:
    return {"webhook_url": fake.url}


def with_urls(tmp: Path, *texts: str) -> teams.Outgoing:
    outgoing = thread(tmp, *texts, alt="A red dot")
    parts = tuple(
        replace(p, media=tuple(replace(m, url=f"{MEDIA_BASE_URL}/{m.path}") for m in p.media))
        for p in outgoing.parts
    )
    return replace(outgoing, parts=parts)


def test_each_part_is_one_adaptive_card_and_the_key_stands_in_for_ids(tmp_path: Path) -> None:
    fake = FakeWorkflow()
    account = teams_account(title="Release notes")
    seen: list[str] = []
    with fake.client() as client:
        receipt = teams.post(
            client, account, creds(fake), with_urls(tmp_path, "One", "Two"), (), seen.append
        )
    assert receipt.url is None and receipt.parts == tuple(seen)
    assert seen == ["sg-2024-05-01-launch-0001", "sg-2024-05-01-launch-0001#2"]
    first, second = fake.cards
    assert first["version"] == "1.4" and first["body"] == [
        {"type": "TextBlock", "text": "Release notes", "weight": "Bolder", "wrap": True},
        {"type": "TextBlock", "text": "One", "wrap": True},
        {"type": "Image", "url": f"{MEDIA_BASE_URL}/media/dot.png", "altText": "A red dot"},
    ]
    assert second["body"][1] == {"type": "TextBlock", "text": "Two", "wrap": True}


def test_without_a_public_url_nothing_is_sent(tmp_path: Path) -> None:
    fake = FakeWorkflow()
    with fake.client() as client, pytest.raises(Rejected, match="media_base_url"):
        teams.post(client, teams_account(), creds(fake), thread(tmp_path, "x", "y"), (), print)
    assert fake.cards == []


def test_a_card_too_large_is_refused_before_sending(tmp_path: Path) -> None:
    fake = FakeWorkflow()
    outgoing = thread(tmp_path, "short", "é" * 19_000, image_on=None)
    with fake.client() as client, pytest.raises(Rejected, match="bytes"):
        teams.post(client, teams_account(), creds(fake), outgoing, (), print)
    assert fake.cards == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(429, headers={"Retry-After": "30"}), RateLimited),
        (httpx.Response(404, json={"error": {"code": "WorkflowNotFound"}}), AuthRevoked),
        (httpx.Response(400, json={"error": {"code": "InvalidRequestContent"}}), Rejected),
        (httpx.Response(502), OutcomeUnknown),
    ],
)
def test_answers_are_classified_and_never_show_the_url(
    tmp_path: Path, answer: httpx.Response, error: type[Exception]
) -> None:
    fake = FakeWorkflow(queue=[answer])
    with fake.client() as client, pytest.raises(error) as caught:
        teams.post(client, teams_account(), creds(fake), thread(tmp_path, "x", image_on=None), (),
                   print)  # fmt: skip
    assert_secret_free(caught.value, fake.url, SIG)


def test_a_wrong_signature_says_connect_and_a_lost_answer_is_in_doubt(tmp_path: Path) -> None:
    fake = FakeWorkflow()
    wrong = {"webhook_url": fake.url.replace(SIG, "forged")}
    one = thread(tmp_path, "x", image_on=None)
    with fake.client() as client, pytest.raises(AuthRevoked, match="connect team-teams"):
        teams.post(client, teams_account(), wrong, one, (), print)
    lost = httpx.MockTransport(raising(httpx.ReadTimeout))
    with httpx.Client(transport=lost) as client, pytest.raises(OutcomeUnknown) as caught:
        teams.post(client, teams_account(), creds(fake), one, (), print)
    assert_secret_free(caught.value, fake.url, SIG)
    with pytest.raises(OutcomeUnknown, match="look in the channel"):
        teams.lookup(httpx.Client(), teams_account(), creds(fake), one)


def test_the_url_is_checked_for_its_form_and_never_echoed() -> None:
    fake = FakeWorkflow()
    assert teams.authenticate(httpx.Client(), teams_account(), "", "", "", creds(fake)) == creds(
        fake
    )
    assert teams.whoami(httpx.Client(), teams_account(), creds(fake))["id"] == WORKFLOW
    plain = fake.url.replace("https://", "http://")
    with pytest.raises(AuthRevoked) as caught:
        teams.authenticate(httpx.Client(), teams_account(), "", "", "", {"webhook_url": plain})
    assert_secret_free(caught.value, plain, SIG)
