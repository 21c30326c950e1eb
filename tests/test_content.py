"""Which posts a check covers: ``validate PATH`` takes post files and folders."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run
from tests.conftest import Repo

GOOD = "publish_at: 2030-12-01 09:00\ntargets: [demo]"
BAD = "publish_at: 2030-12-01 09:00\ntargets: [dmeo]"


def test_a_folder_checks_the_posts_under_it(capsys: pytest.CaptureFixture[str], repo: Repo) -> None:
    inside = repo.post("2030/bad", BAD)
    repo.post("2030/good", GOOD)
    repo.post("2031/bad", BAD)
    outcome = run(
        capsys,
        "-C",
        str(repo.root),
        "validate",
        "--format",
        "json",
        str(repo.root / "content/2030"),
    )
    assert outcome.code == 1
    assert {p["path"] for p in json.loads(outcome.out)} == {inside}
    text = run(capsys, "-C", str(repo.root), "validate", str(repo.root / "content/2030/"))
    assert text.err.strip() == "2 posts checked, 1 problem"


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("content/nowhere.md", "no such file or folder"),
        ("content/typo", "no such file or folder"),
        ("socialgit.yml", "is not a post"),
        ("img", "holds no posts"),
    ],
)
def test_a_path_that_names_no_post_is_an_error(
    capsys: pytest.CaptureFixture[str], repo: Repo, given: str, fragment: str
) -> None:
    repo.post("good", GOOD)
    (repo.root / "img").mkdir()
    outcome = run(capsys, "-C", str(repo.root), "validate", str(repo.root / given))
    assert outcome.code == 2
    assert fragment in outcome.err and "checked" not in outcome.err
