"""Articles (long-form targets): the body rendered whole, its images found and rewritten;
validated, previewed and published through the CLI with an outbox account that takes articles
(`format: html`), beside a short-form account that keeps splitting the same body."""

from __future__ import annotations

import json
import textwrap

import pytest

from socialgit import longform
from tests.cli_run import run
from tests.conftest import Repo, png
from tests.test_validate import assert_problem, problems_of

BODY = textwrap.dedent(
    """\
    # Launch

    Intro with an ![inline picture](img/a%20b.png) and more
    on a second line ![two](<img/c d.png> "a title").
    A line under text
    ---
    ![remote](https://cdn.example/r.png)

    ```
    ![in code](img/a b.png)
    ```

    ![by reference][logo]

    [logo]: img/logo.png

    | a | b |
    |---|---|
    | ~~old~~ | ![cell](img/cell.png) |
    """
)
URLS = {
    "content/img/a b.png": "https://site.example/up/a.png",
    "content/img/c d.png": "https://site.example/up/c.png",
    "content/img/logo.png": "https://site.example/up/logo.png",
}


def test_images_are_found_anywhere_in_the_body_with_their_line_and_alt() -> None:
    found = longform.images(BODY, 10, "content/post.md")
    assert [(m.path, m.alt, m.line) for m in found] == [
        ("content/img/a b.png", "inline picture", 12),
        ("content/img/c d.png", "two", 13),
        ("content/img/logo.png", "by reference", 22),
        ("content/img/cell.png", "cell", 28),
    ]  # the remote image and the one in a code block are no files to upload


def test_html_has_every_uploaded_image_at_its_url_with_its_alt() -> None:
    html = longform.render(BODY, "content/post.md", "html", URLS.get)
    assert '<img src="https://site.example/up/a.png" alt="inline picture" />' in html
    assert '<img src="https://site.example/up/c.png" alt="two" title="a title" />' in html
    assert '<img src="https://site.example/up/logo.png" alt="by reference" />' in html
    assert '<img src="https://cdn.example/r.png" alt="remote" />' in html
    assert '<img src="img/cell.png" alt="cell" />' in html  # no URL given: left as written
    assert "<pre><code>![in code](img/a b.png)\n</code></pre>" in html
    assert "<td><s>old</s></td>" in html
    # A line `---` is a section break, as it is a split in a short post, never a heading.
    assert "<p>on a second line" not in html and "<h2>" not in html
    assert "A line under text</p>\n<hr />" in html


def test_markdown_keeps_the_text_and_rewrites_only_image_addresses() -> None:
    markdown = longform.render(BODY, "content/post.md", "markdown", URLS.get)
    expected = (
        BODY.replace("img/a%20b.png", URLS["content/img/a b.png"], 1)
        .replace("<img/c d.png>", URLS["content/img/c d.png"])
        .replace("[logo]: img/logo.png", f"[logo]: {URLS['content/img/logo.png']}")
        .replace("A line under text\n---", "A line under text\n\n---")
    )
    assert markdown == expected
    assert "![in code](img/a b.png)" in markdown  # code is never touched


def site(repo: Repo) -> Repo:
    repo.write(
        "socialgit.yml",
        (repo.root / "socialgit.yml").read_text()
        + "  blog:\n    provider: outbox\n    path: blog-out\n    format: html\n",
    )
    for name in ("a b", "c d", "logo", "cell"):
        repo.write(f"content/img/{name}.png", png())
    return repo


def test_an_article_is_validated_whole_images_included(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site(repo)
    (repo.root / "content/img/cell.png").unlink()
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [blog]\ntitle: Launch", BODY)
    code, found = problems_of(capsys, repo)
    assert code == 1
    # The image inside a table cell of the article is checked like an attachment.
    assert_problem(found, "content/a.md", 24, "'content/img/cell.png' does not exist")


def test_an_image_without_alt_in_an_article_is_a_warning_at_its_line(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site(repo)
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [blog]", "Text\n\nSee ![](img/logo.png)")
    code, found = problems_of(capsys, repo)
    assert code == 0
    assert_problem(found, "content/a.md", 7, "has no alt text")


def test_a_setting_with_choices_names_them(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write(
        "socialgit.yml",
        (repo.root / "socialgit.yml").read_text()
        + "  blog:\n    provider: outbox\n    path: b\n    format: htm\n",
    )
    code, found = problems_of(capsys, repo)
    assert code == 2
    assert_problem(found, "socialgit.yml", 19, "format must be one of html, markdown")


def test_preview_shows_the_article_as_html_and_the_short_target_as_parts(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site(repo)
    body = "Intro\n\n![pic](img/logo.png)\n\n---\n\nMore."
    rel = repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [blog, demo]\ntitle: T", body)
    shown = run(capsys, "-C", str(repo.root), "preview", str(repo.root / rel))
    assert shown.code == 0, shown.err
    blog, short = shown.out.split("== demo")
    assert "-- article as HTML" in blog
    assert '<p><img src="img/logo.png" alt="pic" /></p>\n   <hr />' in blog
    assert "[image content/img/logo.png, uploaded to blog: pic]" in blog
    assert "part 2/2" in short  # the same body, still a thread for the short target
    asked = ("preview", str(repo.root / rel), "--format", "json")
    document = json.loads(run(capsys, "-C", str(repo.root), *asked).out)
    article = document["targets"][0]
    assert article["format"] == "html" and article["body"].startswith("<p>Intro</p>\n<p><img")
    assert len(article["parts"]) == 1 and article["parts"][0]["media"][0]["alt"] == "pic"


def test_an_article_goes_out_whole_with_its_images_and_cover(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site(repo)
    front = (
        "publish_at: 2026-12-01 09:00\ntargets: [blog, demo]\ntitle: T\n"
        "cover: img/logo.png\ncover_alt: The logo"
    )
    repo.post("a", front, "One\n![pic](img/c%20d.png)\n\n---\n\nTwo.")
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "posts")
    outcome = run(capsys, "-C", str(repo.root), "publish", "--no-push", "--at", "2026-12-01 09:05")
    assert outcome.code == 0, outcome.err
    (article,) = (json.loads(p.read_text()) for p in (repo.root / "blog-out").glob("*.json"))
    assert article["format"] == "html"
    assert article["body"] == (
        '<p>One\n<img src="content/img/c d.png" alt="pic" /></p>\n<hr />\n<p>Two.</p>\n'
    )
    assert [p["text"] for p in article["parts"]] == ["One\n![pic](img/c%20d.png)\n\n---\n\nTwo."]
    assert article["keys"]["cover_alt"] == "The logo"
    (short,) = (json.loads(p.read_text()) for p in (repo.root / "outbox").glob("*.json"))
    assert "body" not in short and len(short["parts"]) == 2  # short targets: as before


def test_an_image_inside_text_is_an_error_only_where_it_would_go_out_as_text(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    site(repo)
    body = "Intro with ![pic](img/logo.png) inside.\n"
    # The article renders it; the short target has its own text.
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [blog, demo]\ntitle: T\n"
              "overrides:\n  demo:\n    text: Read the article.", body)  # fmt: skip
    code, found = problems_of(capsys, repo)
    assert code == 0 and not [p for p in found if p["severity"] == "error"], found
    # Sent to the short target as it is, it would go out as Markdown: an error at its line.
    repo.post("a", "publish_at: 2026-12-01 09:00\ntargets: [blog, demo]\ntitle: T", body)
    code, found = problems_of(capsys, repo)
    assert code == 1
    assert_problem(found, "content/a.md", 6, "an image inside a line of text is not attached")
