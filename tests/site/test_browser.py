"""The dashboard in a real headless Chromium: opened from the file system, it makes no
request beyond it, logs no error, shows the example content's posts in its calendar, and
draws its charts. Screenshots are kept under tests/artifacts/ (CI keeps that folder)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_run import run
from tests.site.browser import Browser, Page, chromium
from tests.stats.sample import make

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "SOCIALGIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOCIALGIT_NO_CACHE", "1")
    for name in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{name}_NAME", "t")
        monkeypatch.setenv(f"GIT_{name}_EMAIL", "t@example.com")


def example(tmp: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The repository's example content after the README's quick start: the launch thread
    published, the weekly tip of 30 November missed."""
    root = tmp / "example"
    root.mkdir()
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copy(ROOT / "socialgit.yml", root / "socialgit.yml")
    shutil.copy(ROOT / ".gitignore", root / ".gitignore")
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-qm", "example")):
        subprocess.run(["git", "-C", str(root), *args], check=True)
    done = run(capsys, "-C", str(root), "publish", "--no-push", "--at", "2026-12-01 09:05")
    assert done.code == 0, done.out + done.err
    return root


def check_clean(page: Page) -> None:
    assert page.errors == [], page.requests
    assert [c for c in page.console if c[0] in ("error", "warning", "assert")] == []
    leaving = [u for u in page.requests if not u.startswith(("file://", "data:"))]
    assert leaving == [], "requests beyond the file system"


def test_example_content_opens_from_disk(
    browser: Browser, tmp_path: Path, capsys: pytest.CaptureFixture[str], quiet: None
) -> None:
    root = example(tmp_path, capsys)
    done = run(capsys, "-C", str(root), "site", "--at", "2026-12-01 09:10")
    assert done.code == 0, done.err
    page = browser.page()
    page.open((root / "site" / "index.html").as_uri())
    check_clean(page)
    assert any(u.endswith("/assets/vendor/chart.umd.min.js") for u in page.requests)
    calendar = page.evaluate("document.querySelector('#calendar table.month').innerText")
    assert "December 2026" in calendar
    for line in (
        "demo: We are launching today!",
        "demo-short: We are launching today!",
        "demo-short: Hello from New York",
        "demo: Monday tip",
        "demo: An idea for later",
    ):
        assert line in calendar, line
    states = page.evaluate(
        "Array.from(document.querySelectorAll('#calendar li.entry'))"
        ".map(li => li.className + ' ' + li.querySelector('.state').innerText)"
    )
    assert "entry is-published ✓ published" in states
    assert "entry is-draft ✎ draft" in states
    assert page.evaluate("typeof Chart") == "function"  # loaded from the folder
    page.screenshot(ARTIFACTS / "site-example.png")
    # The README's picture (docs/dashboard.png is this file, copied by hand).
    page.screenshot(ARTIFACTS / "site-example-top.png", width=1200, height=1180)

    for rel in ("posts/2026_launch.html", "months/2026-11.html", "posts.html"):
        other = browser.page()
        other.open((root / "site" / rel).as_uri())
        check_clean(other)
    images = other_images(browser, root / "site" / "posts" / "2026_launch.html")
    assert images == [
        ("The new dashboard: a list of scheduled posts per account", True),
        ("The new dashboard: a list of scheduled posts per account", True),
    ]
    november = browser.page()
    november.open((root / "site" / "months" / "2026-11.html").as_uri())
    text = november.evaluate("document.querySelector('table.month').innerText")
    assert "missed" in text and "Monday tip" in text  # 30 November, too late to send


def other_images(browser: Browser, page_file: Path) -> list[tuple[str, bool]]:
    """Each image's alt text, and whether it loaded (from the site's media/ folder)."""
    page = browser.page()
    page.open(page_file.as_uri())
    check_clean(page)
    found: list[tuple[str, bool]] = [
        (alt, bool(ok))
        for alt, ok in page.evaluate(
            "Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0])"
        )
    ]
    return found


def test_charts_drawn_from_metrics(
    browser: Browser, tmp_path: Path, capsys: pytest.CaptureFixture[str], quiet: None
) -> None:
    make(tmp_path, posts=40)
    subprocess.run(["git", "-C", str(tmp_path), "init", "-q"], check=True)
    done = run(capsys, "-C", str(tmp_path), "site", "--at", "2026-10-20 10:00")
    assert done.code == 0, done.err
    page = browser.page()
    page.open((tmp_path / "site" / "index.html").as_uri())
    check_clean(page)
    charts = page.evaluate(
        "Object.values(Chart.instances).map(c => [c.canvas.id, c.config.type, "
        "c.data.datasets.length, c.data.datasets[0].data.length])"
    )
    assert ["weekly", "line", 2, len(charts[0]) and charts[0][3]] == charts[0]
    assert {c[0] for c in charts} == {"weekly", "heat-0", "heat-1"}
    assert all(c[1] == "matrix" for c in charts[1:])
    # The numbers behind every chart are in tables too (readable without the colours).
    tables = page.evaluate("document.querySelectorAll('#charts details table').length")
    assert tables == 3
    assert "box: Outbox folder gives no metrics" in page.evaluate(
        "document.querySelector('#charts').innerText"
    )
    page.screenshot(ARTIFACTS / "site-metrics.png")
