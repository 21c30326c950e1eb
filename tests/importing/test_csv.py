"""``socialgit import csv`` through the CLI, on real repositories in temp folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_run import run
from tests.conftest import Repo, png


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def imported(repo: Repo) -> dict[str, str]:
    folder = repo.root / "content" / "imported"
    return {p.name: p.read_text("utf-8") for p in sorted(folder.glob("*.md"))}


def test_own_columns_import_as_posts_that_validate(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("img/dot.png", png())
    repo.write(
        "posts.csv",
        "publish_at,targets,text,media,alt,title,link,id,queue\n"
        '2026-12-01 09:00,demo short,"Hello, world",img/dot.png,A [red] dot,,'
        "https://example.com/a,hello,\n"
        '2026-12-02T09:00:00+01:00,sky,"First part\n---\nSecond part",,,,,thread,\n',
    )
    done = run(capsys, "-C", str(repo.root), "import", "csv", str(repo.root / "posts.csv"))
    assert done.code == 0, done.err
    posts = imported(repo)
    assert sorted(posts) == ["hello.md", "thread.md"]
    assert posts["hello.md"] == (
        "---\npublish_at: 2026-12-01 09:00\ntargets: [demo, short]\nid: hello\n"
        "link: https://example.com/a\n---\nHello, world\n\n![A \\[red\\] dot](../../img/dot.png)\n"
    )
    assert "publish_at: 2026-12-02T09:00:00+01:00" in posts["thread.md"]
    assert "First part\n---\nSecond part" in posts["thread.md"]
    checked = run(capsys, "-C", str(repo.root), "validate", str(repo.root / "content/imported"))
    assert checked.code == 0, checked.out + checked.err
    preview = run(
        capsys, "-C", str(repo.root), "preview", str(repo.root / "content/imported/hello.md")
    )
    assert "A [red] dot" in preview.out


def test_buffer_shaped_export_imports_with_handles_as_targets(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Buffer's names for the columns; the channel by its handle; columns we do not import
    # (analytics) are named once and left out.
    repo.write(
        "buffer.csv",
        "Text,Posting Time,Channel,Image URL,Clicks\n"
        "We launched today,2026-12-01 09:00,@news.example.com,,12\n"
        "Second post,2026-12-03 10:30,demo,,0\n",
    )
    done = run(capsys, "-C", str(repo.root), "import", "csv", str(repo.root / "buffer.csv"))
    assert done.code == 0, done.err
    assert "column 'Clicks' is not imported" in done.err
    posts = list(imported(repo).values())
    assert len(posts) == 2
    assert any("targets: [sky]" in p and "We launched today" in p for p in posts)
    assert any("publish_at: 2026-12-03 10:30" in p and "targets: [demo]" in p for p in posts)


def test_postiz_shaped_export_imports_with_default_targets(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Postiz's names (content, publishDate, integration), ISO times in UTC, `;` separated.
    repo.write(
        "postiz.csv",
        "content;publishDate;integration\n"
        "Hello from Postiz;2026-12-01T08:00:00Z;\n"
        "Another one;2026-12-02T08:00:00Z;masto\n",
    )
    done = run(
        capsys, "-C", str(repo.root), "import", "csv", "--targets", "demo",
        str(repo.root / "postiz.csv"),
    )  # fmt: skip
    assert done.code == 0, done.err
    posts = list(imported(repo).values())
    assert any("publish_at: 2026-12-01T08:00:00Z" in p and "targets: [demo]" in p for p in posts)
    assert any("targets: [masto]" in p and "Another one" in p for p in posts)


def test_one_bad_row_writes_nothing_and_names_row_and_column(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write(
        "posts.csv",
        "publish_at,targets,text,media\n"
        "2026-12-01 09:00,demo,Fine,\n"
        "2026-12-02 09:00,short," + "x" * 300 + ",\n"
        "2026-12-03 09:00,demo,Fine too,\n"
        "2026-12-04 9 o'clock,nobdy,Bad,https://example.com/a.png\n",
    )
    before = snapshot(repo.root)
    done = run(capsys, "-C", str(repo.root), "import", "csv", str(repo.root / "posts.csv"))
    assert done.code == 1
    assert snapshot(repo.root) == before
    assert "posts.csv row 3, text: short: this part is 300 characters" in done.err
    assert 'posts.csv row 5, publish_at: "2026-12-04 9 o\'clock" is not a time' in done.err
    assert "posts.csv row 5, targets: no account 'nobdy' in socialgit.yml" in done.err
    assert "posts.csv row 5, media: 'https://example.com/a.png': media are files" in done.err
    assert "nothing was written: 4 errors" in done.err


def test_existing_ids_are_skipped_and_nothing_is_overwritten(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.post("2026/launch", "publish_at: 2026-12-01 09:00\ntargets: [demo]\nid: launch")
    repo.write("content/imported/news.md", "not a post of ours\n")
    repo.write(
        "posts.csv",
        "publish_at,targets,text,id,queue\n"
        "2026-12-01 09:00,demo,Again,launch,\n"
        "2026-12-05 09:00,demo,News,news,\n"
        ",demo,Queued,,weekdays\n",
    )
    done = run(capsys, "-C", str(repo.root), "import", "csv", str(repo.root / "posts.csv"))
    assert done.code == 0, done.err
    assert "skipped  posts.csv row 2: id 'launch' exists (content/2026/launch.md)" in done.out
    assert (repo.root / "content/imported/news.md").read_text() == "not a post of ours\n"
    posts = imported(repo)
    assert "id: news" in posts["news-2.md"]
    queued = next(text for name, text in posts.items() if name.startswith("queued-"))
    assert "queue: weekdays" in queued and "publish_at" not in queued
    again = run(capsys, "-C", str(repo.root), "import", "csv", str(repo.root / "posts.csv"))
    assert again.code == 0
    assert again.out.count("skipped") == 3 and "nothing new to import" in again.out
    assert imported(repo) == posts


def test_into_outside_the_content_folder_is_refused(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.write("posts.csv", "publish_at,targets,text\n2026-12-01 09:00,demo,Hi\n")
    done = run(
        capsys, "-C", str(repo.root), "import", "csv", "--into", "elsewhere",
        str(repo.root / "posts.csv"),
    )  # fmt: skip
    assert done.code == 2
    assert "posts must go into the content folder" in done.err
