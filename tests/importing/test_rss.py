"""``socialgit import rss`` through the CLI, against feeds served by a real local HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.cli_run import run
from tests.conftest import Repo

START = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


class Feeds:
    """A local web server; ``files`` maps a path to the bytes it serves."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests = 0
        feeds = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                feeds.requests += 1
                body = feeds.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/xml")
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feeds() -> Iterator[Feeds]:
    served = Feeds()
    yield served
    served.stop()


def rss(count: int) -> bytes:
    items = "".join(
        f"<item><title>Post number {n} &amp; more</title>"
        f"<link>https://blog.example/{n}</link><guid>https://blog.example/?p={n}</guid>"
        f"<description>&lt;p&gt;Summary {n}&lt;/p&gt;</description>"
        f"<category>release notes</category><category>python</category>"
        f"<pubDate>{format_datetime(START + timedelta(days=n))}</pubDate></item>"
        for n in range(count, 0, -1)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        f"<link>https://blog.example/</link><description>x</description>{items}</channel></rss>"
    ).encode()


def atom(count: int) -> bytes:
    entries = "".join(
        f"<entry><title>Entry {n}</title><id>urn:uuid:0000-{n}</id>"
        f'<link href="https://atom.example/{n}"/>'
        f"<updated>{(START + timedelta(days=n)).isoformat()}</updated>"
        f"<summary>Atom summary {n}</summary></entry>"
        for n in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Atom</title><id>urn:feed</id><updated>2026-11-20T08:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def posts(repo: Repo) -> dict[str, str]:
    folder = repo.root / "content" / "imported"
    return {p.name: p.read_text("utf-8") for p in sorted(folder.glob("*.md"))}


def import_rss(capsys: pytest.CaptureFixture[str], repo: Repo, *args: str) -> str:
    done = run(capsys, "-C", str(repo.root), "import", "rss", *args, "--at", "2026-12-01 09:00")
    assert done.code == 0, done.out + done.err
    return done.out


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_twice_adds_nothing_then_two_new_items_add_two_posts(
    repo: Repo, feeds: Feeds, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    make = rss if kind == "rss" else atom
    feeds.files["/feed.xml"] = make(3)
    url = feeds.url("/feed.xml")
    first = import_rss(capsys, repo, url, "--targets", "demo,short")
    assert first.count("wrote") == 3
    made = posts(repo)
    assert len(made) == 3
    second = import_rss(capsys, repo, url, "--targets", "demo,short")
    assert second.count("skipped") == 3 and "wrote" not in second
    assert posts(repo) == made
    feeds.files["/feed.xml"] = make(5)
    third = import_rss(capsys, repo, url, "--targets", "demo,short")
    assert third.count("wrote") == 2 and third.count("skipped") == 3
    after = posts(repo)
    assert len(after) == 5 and all(after[name] == text for name, text in made.items())
    assert feeds.requests == 3
    checked = run(capsys, "-C", str(repo.root), "validate")
    assert checked.code == 0, checked.out + checked.err


def test_rss_post_text_title_link_and_tags_as_hashtags(
    repo: Repo, feeds: Feeds, capsys: pytest.CaptureFixture[str]
) -> None:
    feeds.files["/feed.xml"] = rss(1)
    import_rss(capsys, repo, feeds.url("/feed.xml"), "--targets", "demo")
    ((name, text),) = posts(repo).items()
    assert name.startswith("post-number-1-more-")
    assert text.startswith("---\npublish_at: 2026-12-01 09:01\ntargets: [demo]\nid: feed-")
    assert text.endswith(
        "---\nPost number 1 & more https://blog.example/1\n\n#releasenotes #python\n"
    )


def test_template_file_and_queue(
    repo: Repo, feeds: Feeds, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    feeds.files["/atom"] = atom(1)
    template = tmp_path / "template.txt"
    template.write_text("New: {title}\n\n{summary}\n\nRead it: {link} {{no placeholder}}\n")
    import_rss(
        capsys, repo, feeds.url("/atom"), "--targets", "demo", "--template", str(template),
        "--queue", "weekdays",
    )  # fmt: skip
    ((text),) = posts(repo).values()
    assert "queue: weekdays" in text and "publish_at" not in text
    assert text.endswith(
        "---\nNew: Entry 1\n\nAtom summary 1\n\nRead it: https://atom.example/1 {no placeholder}\n"
    )


def test_a_feed_from_a_file_with_an_item_too_long_writes_nothing(
    repo: Repo, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(2).replace(b"Post number 2", b"Long " + b"x" * 300))
    done = run(capsys, "-C", str(repo.root), "import", "rss", str(feed), "--targets", "demo,short")
    assert done.code == 1
    assert "item 1 (https://blog.example/?p=2), text (template): short: this part is" in done.err
    assert not (repo.root / "content" / "imported").exists()


def test_unknown_placeholder_and_not_a_feed_are_clear_errors(
    repo: Repo, feeds: Feeds, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    template = tmp_path / "t.txt"
    template.write_text("{headline}")
    feeds.files["/feed.xml"] = rss(1)
    done = run(
        capsys, "-C", str(repo.root), "import", "rss", feeds.url("/feed.xml"),
        "--targets", "demo", "--template", str(template),
    )  # fmt: skip
    assert done.code == 2 and "unknown placeholder {headline}" in done.err
    feeds.files["/page"] = b"<html><body>not a feed</body></html>"
    done = run(
        capsys, "-C", str(repo.root), "import", "rss", feeds.url("/page"), "--targets", "demo"
    )
    assert done.code == 2 and "not an RSS or Atom feed" in done.err
    done = run(
        capsys, "-C", str(repo.root), "import", "rss", feeds.url("/gone"), "--targets", "demo"
    )
    assert done.code == 2 and "the server answered 404" in done.err
