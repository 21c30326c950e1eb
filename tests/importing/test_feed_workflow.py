"""The feed workflow that ``init`` writes, its shell steps run as GitHub would run them:
in fresh clones of a real bare remote, with `socialgit` from this checkout and a `gh` that
records the pull requests it is asked to open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialgit.scaffold import template
from tests.conftest import CONFIG
from tests.importing.test_rss import rss

ROOT = Path(__file__).resolve().parents[2]
WHO = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}
GH = """#!/bin/sh
# gh: `pr list ... --jq length` prints how many are open; `pr create` opens one.
echo "$*" >> "$GH_LOG"
case "$1 $2" in
  "pr list") cat "$GH_OPEN" ;;
  "pr create") echo 1 > "$GH_OPEN" ;;
esac
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
        env={**os.environ, **WHO},
    )  # fmt: skip
    return done.stdout


class Site:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.remote = tmp / "origin.git"
        git(tmp, "init", "-q", "--bare", "-b", "main", str(self.remote))
        seed = tmp / "seed"
        git(tmp, "clone", "-q", str(self.remote), str(seed))
        (seed / "socialgit.yml").write_text(CONFIG)
        (seed / "content").mkdir()
        (seed / "content" / "hello.md").write_text(
            "---\npublish_at: 2026-12-01 09:00\ntargets: [demo]\n---\nHello\n"
        )
        git(seed, "add", "-A")
        git(seed, "commit", "-qm", "start")
        git(seed, "push", "-q", "origin", "main")
        self.bin = tmp / "bin"
        self.bin.mkdir()
        wrapper = self.bin / "socialgit"
        wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m socialgit "$@"\n')
        (self.bin / "gh").write_text(GH)
        for tool in self.bin.iterdir():
            tool.chmod(0o755)
        self.gh_log = tmp / "gh.log"
        self.gh_open = tmp / "gh-open"
        self.gh_open.write_text("0\n")
        self.feed = tmp / "feed.xml"
        self.runs = 0
        workflow: dict[str, Any] = yaml.safe_load(template("socialgit-feed.yml"))
        self.env: dict[str, str] = dict(workflow["env"])
        (job,) = workflow["jobs"].values()
        self.steps = [s for s in job["steps"] if "run" in s and "pip install" not in s["run"]]

    def run_workflow(self, mode: str) -> str:
        """One scheduled run: a fresh checkout of the default branch, then each step."""
        self.runs += 1
        work = self.tmp / f"run{self.runs}"
        git(self.tmp, "clone", "-q", str(self.remote), str(work))
        env = {
            **os.environ,
            **self.env,
            "FEED_MODE": mode,
            "FEED_URL": str(self.feed),
            "FEED_TARGETS": "demo,short",
            "FEED_QUEUE": "",
            "DEFAULT_BRANCH": "main",
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(ROOT),
            "GH_LOG": str(self.gh_log),
            "GH_OPEN": str(self.gh_open),
            "GH_TOKEN": "test",
        }
        output = ""
        for step in self.steps:
            if "FEED_MODE == 'pull-request'" in step.get("if", "") and mode != "pull-request":
                continue
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=work, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            output += done.stdout + done.stderr
            assert done.returncode == 0, f"{step['name']}: {output}"
        return output

    def posts_on(self, branch: str) -> list[str]:
        listed = git(self.remote, "ls-tree", "-r", "--name-only", branch, "content/imported")
        return sorted(listed.split())

    def pull_requests(self) -> list[str]:
        if not self.gh_log.exists():
            return []
        return [
            line for line in self.gh_log.read_text().splitlines() if line.startswith("pr create")
        ]


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


@pytest.mark.slow
def test_pull_request_mode_keeps_one_pull_request_and_never_imports_twice(site: Site) -> None:
    site.feed.write_bytes(rss(2))
    site.run_workflow("pull-request")
    assert len(site.posts_on("socialgit/feed")) == 2
    assert site.posts_on("main") == []
    assert len(site.pull_requests()) == 1
    assert "--head socialgit/feed" in site.pull_requests()[0]

    second = site.run_workflow("pull-request")  # the items wait for review on the branch
    assert "No new items." in second
    site.feed.write_bytes(rss(3))
    site.run_workflow("pull-request")
    assert len(site.posts_on("socialgit/feed")) == 3
    assert len(site.pull_requests()) == 1  # the open one got the new post

    # Merged (and its branch deleted): the posts are on main, and stay imported once.
    merger = site.tmp / "merger"
    git(site.tmp, "clone", "-q", str(site.remote), str(merger))
    git(merger, "merge", "-q", "--no-edit", "origin/socialgit/feed")
    git(merger, "push", "-q", "origin", "main", ":socialgit/feed")
    site.gh_open.write_text("0\n")
    assert "No new items." in site.run_workflow("pull-request")
    assert len(site.posts_on("main")) == 3


@pytest.mark.slow
def test_commit_mode_commits_onto_the_default_branch_once(site: Site) -> None:
    site.feed.write_bytes(rss(2))
    site.run_workflow("commit")
    assert len(site.posts_on("main")) == 2
    assert "No new items." in site.run_workflow("commit")
    assert site.pull_requests() == []
    log = git(site.remote, "log", "--format=%s", "main")
    assert log.splitlines()[0] == f"socialgit: new posts from {site.feed}"
