"""WordPress itself (Debian's packages, MariaDB, PHP's built-in server on 127.0.0.1:
wp_server.py), through the real runner: an article with a cover, tags and an image in its body,
read back through the REST API; the announcements on X and Bluesky (their fakes) that carry
its real link, after it and never before; a run killed right after the create, rerun from a
fresh clone, leaving exactly one post."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from providers import PROVIDERS
from socialgit.credentials.vault import Vault, new_key
from socialgit.model import Account
from socialgit.runner import Hooks, Options, RunReport, publish, run
from tests.conftest import Repo
from tests.credentials.helpers import cli
from tests.providers._support import PNG
from tests.providers.bluesky.fake import BASE, HANDLE, SESSION, FakePds
from tests.providers.runner_site import (
    DUE,
    POST,
    Handler,
    Killed,
    fresh_clone,
    git,
    killed_after,
    make_site,
)
from tests.providers.wordpress.wp_server import WordPress, serve
from tests.providers.x.fake import FakeX

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wordpress")]

wordpress = PROVIDERS["wordpress"]
FIRST = DUE + timedelta(minutes=1)
LATER = DUE + timedelta(hours=2)  # past every retry_at and claim_timeout

BODY = """\
# Our launch

We shipped it. Here is the chart:

![A rising line](../media/chart.png)

| before | after |
| --- | --- |
| slow | fast |
"""


@pytest.fixture(scope="module")
def wp() -> Iterator[WordPress]:
    yield from serve()


def forward(real: httpx.Client) -> Handler:
    """Requests the runner makes, sent on to the real WordPress (so a test can fail or kill
    around them) and its answers handed back as they came."""

    def answer(request: httpx.Request) -> httpx.Response:
        got = real.send(
            httpx.Request(
                request.method, request.url, headers=request.headers, content=request.read()
            )
        )
        skip = {"content-encoding", "content-length", "transfer-encoding"}
        headers = [(k, v) for k, v in got.headers.multi_items() if k.lower() not in skip]
        return httpx.Response(got.status_code, headers=headers, content=got.content)

    return answer


class World:
    """The blog (real), X and Bluesky (fakes), one handler in front of them all."""

    def __init__(self, wp: WordPress, real: httpx.Client) -> None:
        self.wp, self.x, self.pds = wp, FakeX(), FakePds()
        self.blog: Handler = forward(real)
        self.order: list[str] = []  # who published when, as the networks saw it

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host, path = request.url.host, request.url.path
        if host == "127.0.0.1":
            if request.method == "POST" and path.endswith("/wp/v2/posts"):
                self.order.append("blog")
            return self.blog(request)
        if host == "pds.example":
            if path.endswith("putRecord"):
                self.order.append("bluesky")
            return self.pds(request)
        if path == "/2/tweets" and request.method == "POST":
            self.order.append("x")
        return self.x(request)

    def credentials(self, account: Account) -> dict[str, Any]:
        return {
            "blog": {"app_password": self.wp.admin.password},
            "team-x": {"access_token": self.x.token},
            "sky": dict(SESSION),
        }[account.name]

    def run(self, site: Repo, at: Any, mp: pytest.MonkeyPatch, handler: Any = None) -> RunReport:
        self.x.clock = lambda: at
        mp.setattr(
            run, "_client", lambda: httpx.Client(transport=httpx.MockTransport(handler or self))
        )
        return publish(site.root, Options(at=at), Hooks(credentials=self.credentials))


def site_for(
    tmp_path: Path, mp: pytest.MonkeyPatch, wp: WordPress, slug: str, announce: bool
) -> Repo:
    front = (
        f"title: Our launch ({slug})\nslug: {slug}\ntags: [release, {slug}]\n"
        "excerpt: What we shipped\ncover: ../media/cover.png\ncover_alt: The new dashboard\n"
    )
    if announce:
        front += (
            "overrides:\n  team-x:\n    text: 'We launched. Read it: {link:blog}'\n"
            "  sky:\n    text: 'We launched. Read it: {link:blog}'\n"
        )
    files = {"media/chart.png": PNG, "media/cover.png": PNG}
    settings = {"provider": "wordpress", "site": wp.url, "username": wp.admin.name}
    made = make_site(tmp_path, mp, "blog", settings, BODY, files, front)
    if announce:
        config = yaml.safe_load((made.root / "socialgit.yml").read_text())
        config["accounts"]["team-x"] = {"provider": "x", "client_id": "sg-x-client"}
        config["accounts"]["sky"] = {"provider": "bluesky", "handle": HANDLE, "base_url": BASE}
        made.write("socialgit.yml", yaml.safe_dump(config, sort_keys=False))
        text = (made.root / POST).read_text()
        made.write(POST, text.replace("targets: [blog]", "targets: [blog, team-x, sky]"))
    # A file of its own per test: the delivery key (path, account, time) is what the post
    # carries, and the tests share one WordPress.
    git(made.root, "mv", POST, f"content/{slug}.md")
    git(made.root, "commit", "-qam", "the post")
    git(made.root, "push", "-q")
    return made


def results(site: Repo, slug: str) -> dict[str, Any]:
    text = (site.root / f"content/{slug}.md").read_text()
    return dict(yaml.safe_load(text.split("---")[1])["results"])


def states(report: RunReport) -> list[tuple[str, str]]:
    return [(o.work.account.name, o.state) for o in report.outcomes]


def test_an_article_and_its_announcements_in_one_run(
    wp: WordPress, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_for(tmp_path, monkeypatch, wp, "one-run", announce=True)
    with httpx.Client(timeout=60) as real:
        world = World(wp, real)
        report = world.run(site, FIRST, monkeypatch)
    assert states(report) == [("blog", "published"), ("sky", "published"), ("team-x", "published")]
    (post,) = wp.posts(slug="one-run")
    link = post["link"]
    assert link == f"{wp.url}/one-run/" and results(site, "one-run")["blog"]["url"] == link
    # The article first, the announcements after it with its real link, never before.
    assert world.order[0] == "blog" and sorted(world.order[1:]) == ["bluesky", "x"]
    assert world.x.tweets[0].text == f"We launched. Read it: {link}"
    (record,) = world.pds.records.values()
    assert record["value"]["text"] == f"We launched. Read it: {link}"
    # Read back as WordPress keeps it: title, slug, status, excerpt, tags by id, HTML.
    assert (post["status"], post["title"]["raw"]) == ("publish", "Our launch (one-run)")
    assert post["excerpt"]["raw"] == "What we shipped"
    tags = {wp.get(f"tags/{ident}")["name"] for ident in post["tags"]}
    assert tags == {"release", "one-run"}
    html = post["content"]["raw"]
    assert "<h1>Our launch</h1>" in html and "<td>fast</td>" in html and "![" not in html
    # The body's image and the cover: in the media library with their alt text, served.
    cover = wp.get(f"media/{post['featured_media']}")
    assert cover["alt_text"] == "The new dashboard"
    (src,) = re.findall(r'<img src="([^"]+)" alt="A rising line" />', html)
    (chart,) = [m for m in wp.get("media", per_page=100) if m["source_url"] == src]
    assert chart["alt_text"] == "A rising line" and src.startswith(f"{wp.url}/wp-content/")
    with httpx.Client() as plain:
        assert plain.get(src).content == PNG
    # A later run has nothing to do: the post stays one.
    with httpx.Client(timeout=60) as real:
        assert World(wp, real).run(site, LATER, monkeypatch).outcomes == []
    assert len(wp.posts(slug="one-run")) == 1


def test_while_the_blog_is_down_the_announcements_wait_for_the_next_run(
    wp: WordPress, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_for(tmp_path, monkeypatch, wp, "blog-down", announce=True)
    with httpx.Client(timeout=60) as real:
        world = World(wp, real)

        def down(request: httpx.Request) -> httpx.Response:
            if request.url.host == "127.0.0.1":  # WordPress's maintenance mode answers 503
                return httpx.Response(503, text="<h1>Briefly unavailable</h1>")
            return world(request)

        first = world.run(site, FIRST, monkeypatch, down)
        assert states(first) == [("blog", "retry")]
        assert not world.x.tweets and not world.pds.records  # never before the article
        assert set(results(site, "blog-down")) == {"blog"} and not wp.posts(slug="blog-down")
        second = world.run(site, LATER, monkeypatch)
    assert states(second) == [("blog", "published"), ("sky", "published"), ("team-x", "published")]
    (post,) = wp.posts(slug="blog-down")
    assert world.x.tweets[0].text == f"We launched. Read it: {post['link']}"
    assert world.order[0] == "blog" and sorted(world.order[1:]) == ["bluesky", "x"]


def test_a_run_killed_right_after_the_create_leaves_one_post(
    wp: WordPress, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = site_for(tmp_path, monkeypatch, wp, "killed", announce=False)
    with httpx.Client(timeout=60) as real:
        world = World(wp, real)
        created = killed_after(
            world, lambda r: r.method == "POST" and r.url.path.endswith("/wp/v2/posts")
        )
        with pytest.raises(Killed):
            world.run(site, FIRST, monkeypatch, created)
        assert len(wp.posts(slug="killed")) == 1  # WordPress made it; the runner never heard
        rerun = fresh_clone(site)
        report = world.run(rerun, LATER, monkeypatch)  # the claim is in doubt: looked up
    assert [(o.work.account.name, o.state, o.work.kind) for o in report.outcomes] == [
        ("blog", "published", "doubt")
    ]
    (post,) = wp.posts(slug="killed")
    assert [p["slug"] for p in wp.posts(search="killed")] == ["killed"]  # no killed-2
    assert results(rerun, "killed")["blog"]["url"] == post["link"]


def test_connect_asks_for_the_application_password_and_doctor_checks_the_role(
    wp: WordPress, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIALGIT_KEY", new_key())
    site = Repo(tmp_path)
    accounts = {
        "blog": {"provider": "wordpress", "site": wp.url, "username": wp.admin.name},
        "guest": {"provider": "wordpress", "site": wp.url, "username": wp.author.name},
    }
    site.write("socialgit.yml", yaml.safe_dump({"timezone": "UTC", "accounts": accounts}))
    # As WordPress shows it, in groups of four: it ignores the spaces.
    spaced = " ".join(wp.admin.password[i : i + 4] for i in range(0, 24, 4))
    done = cli("-C", str(site.root), "connect", "blog", stdin=spaced + "\n")
    assert done.code == 0, done.out + done.err
    assert "blog: Application password (Users > Profile > Application Passwords):" in done.out
    assert Vault.open(site.root).get("blog") == {"app_password": spaced}
    wrong = cli("-C", str(site.root), "connect", "guest", stdin="x" * 24 + "\n")
    assert wrong.code != 0 and "refused the application password" in wrong.out + wrong.err
    assert "x" * 24 not in wrong.out + wrong.err
    vault = Vault.open(site.root)
    vault.put("guest", {"app_password": wp.author.password})
    vault.save()
    doctor = cli("-C", str(site.root), "doctor")
    assert "blog: wordpress: signed in as" in doctor.out, doctor.out
    said = doctor.out + doctor.err
    assert "guest: the WordPress user may not make tags that do not exist yet" in said
    for secret in (spaced, wp.admin.password, wp.author.password):
        assert secret not in doctor.out + doctor.err + done.out + done.err
