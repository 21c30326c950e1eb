"""A Pinterest account pointed at the fake through ``base_url``, through the CLI a person
runs: ``validate`` (what a pin cannot be), ``plan``, ``preview`` and ``publish``."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run
from tests.conftest import Repo, png
from tests.providers._support import mp4
from tests.providers.pinterest.fake import API, BASE, FakePinterest
from tests.providers.runner_site import publish_cli
from tests.test_validate import assert_problem, problems_of

FRONT = "publish_at: 2026-12-01 09:00\ntargets: [pins]"


@pytest.fixture
def fake() -> FakePinterest:
    return FakePinterest()


@pytest.fixture
def site(repo: Repo, fake: FakePinterest) -> Repo:
    repo.write(
        "socialgit.yml",
        "timezone: UTC\naccounts:\n  pins:\n    provider: pinterest\n"
        f"    client_id: sg-pin-app\n    board: '{fake.board.id}'\n    base_url: {API}\n"
        f"    authorize_url: {BASE}/oauth/\n",
    )
    repo.write("content/planner.png", png())
    return repo


def test_validate_says_what_a_pin_cannot_be(capsys: pytest.CaptureFixture[str], site: Repo) -> None:
    thread = site.post("thread", FRONT, "One\n\n![a planner](planner.png)\n\n---\n\nTwo")
    bare = site.post("bare", FRONT, "No picture")
    titled = site.post("titled", FRONT + "\ntitle: " + "t" * 101, "Hi\n\n![a](planner.png)")
    long = site.post("long", FRONT, "🙂" * 401 + "\n\n![a planner](planner.png)")
    site.write("content/clip.mp4", mp4())
    mixed = site.post("mixed", FRONT, "Hi\n\n![a clip](clip.mp4)\n![a planner](planner.png)")
    good = site.post(
        "good",
        FRONT + "\ntitle: Planner\nlink: https://shop.example/planner",
        "Our planner\n\n![a planner](planner.png)",
    )
    code, problems = problems_of(capsys, site)
    assert code == 1
    assert_problem(problems, thread, 11, "pins: Pinterest takes one part, not a thread")
    assert_problem(problems, bare, 5, "Pinterest (pins) needs an image")
    assert_problem(problems, titled, 4, "title is 101 characters; pins (Pinterest) takes at most")
    assert_problem(problems, long, 5, "802 characters as pinterest counts them; the limit is 800")
    assert_problem(problems, mixed, 7, "pins: a Pinterest pin is one video alone, or 1 to 5")
    assert not [p for p in problems if p["path"] == good]


def test_plan_preview_and_publish(
    capsys: pytest.CaptureFixture[str],
    site: Repo,
    fake: FakePinterest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rel = site.post(
        "good",
        FRONT + "\ntitle: Planner\nlink: https://shop.example/planner",
        "Our planner 🙂\n\n![a planner](planner.png)",
    )
    planned = run(capsys, "-C", str(site.root), "plan", "--at", "2026-12-01 08:00", "--format",
                  "json")  # fmt: skip
    assert planned.code == 0, planned.err
    (row,) = json.loads(planned.out)["deliveries"]
    assert (row["account"], row["length"], row["limit"]) == ("pins", 14, 800)
    shown = run(capsys, "-C", str(site.root), "preview", str(site.root / rel))
    assert shown.code == 0 and "14/800" in shown.out and "Our planner" in shown.out
    done = publish_cli(
        capsys, site, monkeypatch, fake, {"pins": {"access_token": fake.token}}, "2026-12-01 09:05"
    )
    assert done.code == 0, done.err
    (pin,) = fake.pins
    assert f"https://www.pinterest.com/pin/{pin.id}/" in done.out
    assert (pin.title, pin.description) == ("Planner", "Our planner 🙂")
    assert f"url: https://www.pinterest.com/pin/{pin.id}/" in (site.root / rel).read_text()
