"""``socialgit site`` without a browser: what it writes, where, what it refuses, and how big
the dashboard of 1,000 posts is."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialgit.errors import UsageError
from socialgit.site.build import build_site
from tests.cli_run import run
from tests.stats.sample import make

AT = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
_ATTRIBUTE = re.compile(r'<(a|link|script|img)\b[^>]*?\s(href|src)="([^"]*)"')


def test_every_page_loads_only_files_of_the_folder(tmp_path: Path) -> None:
    make(tmp_path, posts=12)
    built = build_site(tmp_path, tmp_path / "site", AT, timedelta(days=90))
    assert built.pages == 1 + 1 + 12 + 2  # index, posts, a page per post, two months
    for page in (tmp_path / "site").rglob("*.html"):
        html = page.read_text()
        assert 'lang="en"' in html and "<title>" in html
        for tag, _, target in _ATTRIBUTE.findall(html):
            if tag == "a" and target.startswith("https://"):
                continue  # a link to the network, followed only on a click
            assert "://" not in target and not target.startswith("//"), (page.name, target)
            path = target.split("#")[0]
            if path:
                assert (page.parent / path).resolve().is_file(), (page.name, target)
    vendor = tmp_path / "site" / "assets" / "vendor"
    assert "sourceMappingURL" not in (vendor / "chart.umd.min.js").read_text()
    assert (vendor / "LICENSE-chart.js.md").is_file()


def test_refuses_a_folder_it_did_not_write_and_rebuilds_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = make(tmp_path, posts=3)
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "todo.txt").write_text("mine")
    with pytest.raises(UsageError, match="not made by socialgit site"):
        build_site(tmp_path, mine, AT, timedelta(days=1))
    assert (mine / "todo.txt").read_text() == "mine"

    done = run(capsys, "-C", str(tmp_path), "site", "out", "--at", "2026-10-20 10:00")
    assert done.code == 0 and "to out/; open out/index.html" in done.out
    page = tmp_path / "out" / "posts" / "2026_post-0002.html"
    assert page.is_file()
    (tmp_path / paths[2]).unlink()
    again = run(capsys, "-C", str(tmp_path), "site", "out", "--at", "2026-10-20 10:00")
    assert again.code == 0 and not page.exists()  # a deleted post's page goes too


def test_size_of_a_thousand_posts(tmp_path: Path) -> None:
    make(tmp_path, posts=1000)
    started = time.monotonic()
    built = build_site(tmp_path, tmp_path / "site", AT + timedelta(days=1100), timedelta(90))
    took = time.monotonic() - started
    posts = (tmp_path / "site" / "posts.html").stat().st_size
    print(  # the figure the issue asks for: pytest -s shows it
        f"\n1,000 posts: index.html {built.index_size / 1024:.0f} KiB, posts.html "
        f"{posts / 1024:.0f} KiB, {built.pages} pages, {built.size / 1024 / 1024:.1f} MiB "
        f"in all, built in {took:.1f} s"
    )
    # The front page holds one month, the plan and the charts' data, whatever the history.
    assert built.index_size < 300 * 1024
    assert posts < 1024 * 1024
    assert built.size < 16 * 1024 * 1024
