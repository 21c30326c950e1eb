"""``preview`` shows a post over a network's limit: every part, its length, where it goes over."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run
from tests.conftest import Repo

FRONT = "publish_at: 2030-12-01 09:00\ntargets: [short, sky]"
FITS = "A first part that fits."
LONG = "x" * 270 + " " + "y" * 29  # 300 code points: over short's 280, at sky's 300


def test_a_part_over_the_limit_is_shown_and_marked_in_text(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    rel = repo.post("long", FRONT, f"{FITS}\n\n---\n\n{LONG}")
    outcome = run(capsys, "-C", str(repo.root), "preview", str(repo.root / rel))
    assert outcome.code == 1
    short = outcome.out.split("== short")[1].split("== sky")[0]
    assert f"-- part 1/2, {len(FITS)}/280\n   {FITS}" in short
    assert "-- part 2/2, 300/280  TOO LONG by 20\n" in short
    assert f"   {LONG[:280]}[>> over 280 from here]{LONG[280:]}" in short
    sky = outcome.out.split("== sky")[1]
    assert "300/300\n" in sky and "over" not in sky
    assert f"{rel}:9:1: error: short: this part is 300 characters" in outcome.err


def test_json_gives_every_part_with_where_it_goes_over(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    rel = repo.post("long", FRONT, f"{FITS}\n\n---\n\n{LONG}")
    outcome = run(capsys, "-C", str(repo.root), "preview", str(repo.root / rel), "--format", "json")
    assert outcome.code == 1
    document = json.loads(outcome.out)
    short = next(t for t in document["targets"] if t["account"] == "short")
    assert [(p["length"], p["limit"], p["over_at"]) for p in short["parts"]] == [
        (len(FITS), 280, None),
        (300, 280, 280),
    ]
    assert [(p["line"], p["severity"]) for p in document["problems"]] == [(9, "error")]


def test_x_counts_a_link_as_23_when_it_marks_the_cut(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.write(
        "socialgit.yml",
        "accounts:\n  news-x:\n    provider: x\n    client_id: abc\n",
    )
    link = "https://example.com/" + "a" * 60
    text = f"{link} " + "z" * 260  # 23 + 1 + 260 = 284 as X counts
    rel = repo.post("x", "publish_at: 2030-12-01 09:00\ntargets: [news-x]", text)
    outcome = run(capsys, "-C", str(repo.root), "preview", str(repo.root / rel), "--format", "json")
    [part] = json.loads(outcome.out)["targets"][0]["parts"]
    assert (part["length"], part["over_at"]) == (284, len(link) + 1 + 256)
