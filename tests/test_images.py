"""Image lines: CommonMark forms attach the file; image syntax never goes out as text."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run
from tests.conftest import Repo, png

FRONT = "publish_at: 2026-12-01 09:00\ntargets: [demo]"


def problems(capsys: pytest.CaptureFixture[str], repo: Repo) -> tuple[int, list[dict]]:
    outcome = run(capsys, "-C", str(repo.root), "validate", "--format", "json")
    return outcome.code, json.loads(outcome.out)


@pytest.mark.parametrize(
    ("line", "alt"),
    [
        ("![An Acme gift card](<../img/gift card.png>)", "An Acme gift card"),
        ("![An Acme gift card](../img/gift%20card.png)", "An Acme gift card"),
        ('![An Acme gift card](<../img/gift card.png> "not sent")', "An Acme gift card"),
        ("  ![An \\*Acme\\* *gift* card](../img/gift%20card.png)  ", "An *Acme* gift card"),
    ],
    ids=["angle-brackets", "percent-encoded", "with-title", "indented-markup-in-alt"],
)
def test_path_with_a_space_is_attached(
    capsys: pytest.CaptureFixture[str], repo: Repo, line: str, alt: str
) -> None:
    repo.write("img/gift card.png", png())
    rel = repo.post("gift", FRONT, f"Gift cards are here!\n\n{line}\n\nGrab one.")
    code, found = problems(capsys, repo)
    assert code == 0, found
    shown = run(capsys, "-C", str(repo.root), "preview", str(repo.root / rel), "--format", "json")
    part = json.loads(shown.out)["targets"][0]["parts"][0]
    assert part["media"] == [{"path": "img/gift card.png", "alt": alt}]
    assert part["text"] == "Gift cards are here!\n\n\nGrab one."
    assert "![" not in shown.out


BROKEN = [
    ("space", "![An Acme gift card](../img/gift card.png)", 1, "angle brackets"),
    ("inline", "Look: ![a card](../img/card.png) is new", 7, "inside a line of text"),
    ("unclosed", "![a card](<../img/gift card.png)", 1, "angle brackets"),
    ("url", "![a card](https://example.com/card.png)", 1, "is a URL"),
]


@pytest.mark.parametrize(("name", "line", "column", "fragment"), BROKEN, ids=[b[0] for b in BROKEN])
def test_image_syntax_that_would_go_out_as_text_is_an_error(
    capsys: pytest.CaptureFixture[str],
    repo: Repo,
    name: str,
    line: str,
    column: int,
    fragment: str,
) -> None:
    repo.write("img/card.png", png())
    repo.write("img/gift card.png", png())
    good = repo.post("good", FRONT, "Fine")
    rel = repo.post(name, FRONT, f"Gift cards!\n\n{line}")
    code, found = problems(capsys, repo)
    assert code == 1
    hits = [p for p in found if p["path"] == rel and p["severity"] == "error"]
    assert len(hits) == 1, found
    assert fragment in hits[0]["message"]
    assert (hits[0]["line"], hits[0]["column"]) == (7, column)
    planned = run(
        capsys, "-C", str(repo.root), "plan", "--at", "2026-11-30 09:00", "--format", "json"
    )
    posts = {d["post"] for d in json.loads(planned.out)["deliveries"]}
    assert posts == {good}  # the broken post is not sent as raw Markdown


def test_override_text_is_checked_too(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    front = FRONT + "\noverrides:\n  demo:\n    text: |\n      Short\n      ![a](gift card.png)"
    rel = repo.post("over", front, "Body")
    _, found = problems(capsys, repo)
    assert any(p["path"] == rel and "angle brackets" in p["message"] for p in found), found


def test_published_outbox_document_carries_the_image_not_its_markdown(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    repo.write("img/gift card.png", png())
    repo.post(
        "gift",
        FRONT,
        "Gift cards are here!\n\n![An Acme gift card](<../img/gift card.png>)",
    )
    repo.commit()
    outcome = run(capsys, "-C", str(repo.root), "publish", "--no-push", "--at", "2026-12-01 09:01")
    assert outcome.code == 0, outcome.out + outcome.err
    [sent] = (repo.root / "outbox").glob("*.json")
    document = json.loads(sent.read_text())
    assert document["parts"][0]["text"] == "Gift cards are here!"
    assert [m["path"] for m in document["parts"][0]["media"]] == ["img/gift card.png"]
