"""``socialgit init``: a working content repository, and never a byte of an existing one."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from socialgit import __version__
from socialgit.scaffold import FILES, SITE_FILES, scaffold, template
from tests.cli_run import run

EXPECTED = [rel for rel, _ in FILES] + [".gitignore"]


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_init_creates_a_repository_that_validates_and_plans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "posts"
    made = run(capsys, "init", str(target))
    assert made.code == 0, made.err
    for rel in EXPECTED:
        assert (target / rel).is_file(), rel
        assert f"created  {rel}" in made.out
    assert "outbox/" in (target / ".gitignore").read_text().splitlines()

    checked = run(capsys, "-C", str(target), "validate")
    assert checked.code == 0, checked.out + checked.err
    assert checked.out == ""

    planned = run(capsys, "-C", str(target), "plan", "--format", "json", "--horizon", "3d")
    assert planned.code == 0, planned.err
    deliveries = json.loads(planned.out)["deliveries"]
    # The example is dated tomorrow, so a fresh repository shows something to come.
    assert [(d["post"], d["account"], d["state"]) for d in deliveries] == [
        ("content/hello.md", "local", "upcoming")
    ]


def test_init_again_skips_everything_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "init", str(tmp_path)).code == 0
    before = snapshot(tmp_path)
    again = run(capsys, "-C", str(tmp_path), "init")
    assert again.code == 0
    assert "created" not in again.out
    for rel in EXPECTED:
        assert f"skipped  {rel}" in again.out
    assert snapshot(tmp_path) == before


def test_init_leaves_an_existing_config_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = b"# my own\ntimezone: Europe/Berlin\naccounts: {}\n"
    (tmp_path / "socialgit.yml").write_bytes(mine)
    done = run(capsys, "init", str(tmp_path))
    assert done.code == 0
    assert "skipped  socialgit.yml (exists)" in done.out
    assert "created  content/hello.md" in done.out
    assert (tmp_path / "socialgit.yml").read_bytes() == mine


def test_an_existing_gitignore_keeps_its_lines_and_gains_outbox(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_bytes(b"*.pyc\nsecret.txt")  # no final newline
    steps = {s.path: s for s in scaffold(tmp_path, date(2026, 11, 24))}
    assert steps[".gitignore"].action == "updated"
    text = (tmp_path / ".gitignore").read_text()
    assert text.startswith("*.pyc\nsecret.txt\n")
    assert text.splitlines()[-1] == "outbox/"
    assert scaffold(tmp_path, date(2026, 11, 24))[-1].action == "skipped"


def test_example_post_is_dated_the_day_after(tmp_path: Path) -> None:
    scaffold(tmp_path, date(2026, 12, 31))
    assert "publish_at: 2027-01-01 09:00" in (tmp_path / "content/hello.md").read_text()


def test_init_into_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    done = run(capsys, "init", str(tmp_path / "file"))
    assert done.code == 2
    assert "not a folder" in done.err


def test_templates_are_package_data() -> None:
    # Read through importlib.resources, as an installed wheel would be.
    for _, name in (*FILES, *SITE_FILES):
        assert template(name).strip()


def test_init_offers_the_dashboard_and_adds_it_later(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = run(capsys, "init", str(tmp_path))
    assert "`socialgit init --site` adds its workflow" in first.out
    workflow = tmp_path / ".github/workflows/socialgit-site.yml"
    assert not workflow.exists()
    before = snapshot(tmp_path)
    later = run(capsys, "-C", str(tmp_path), "init", "--site")
    assert later.code == 0 and "created  .github/workflows/socialgit-site.yml" in later.out
    assert "turn on GitHub Pages" in later.out
    assert {k: v for k, v in snapshot(tmp_path).items() if k in before} == before
    assert f"pip install socialgit=={__version__}" in workflow.read_text()
