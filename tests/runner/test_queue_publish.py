"""The publish workflow's queue step: a queued post merged without a time (from a fork) gets
one, committed in the checkout and pushed by ``socialgit publish`` before it claims."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from socialgit.scaffold import template
from tests.runner.conftest import CONFIG, T0, World, env, git, publish


def test_publish_workflow_queue_step_commits_and_publish_pushes_it(
    world: World, tmp_path: Path
) -> None:
    world.write(
        "socialgit.yml",
        CONFIG.format(url=world.url) + 'queues:\n  daily:\n    slots: ["09:30"]\n',
    )
    world.write("content/forked.md", "---\nqueue: daily\ntargets: [box]\n---\nFrom a fork\n")
    world.push()
    repo = world.clone()
    (job,) = yaml.safe_load(template("socialgit-publish.yml"))["jobs"].values()
    (step,) = [s for s in job["steps"] if "socialgit queue" in s.get("run", "")]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "socialgit").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m socialgit "$@"\n')
    (bin_dir / "socialgit").chmod(0o755)
    who = {k: "Test" if k.endswith("NAME") else "t@example.com" for k in _WHO}
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=repo,
        env=env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **who),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert world.remote_log()[0] == "content"  # committed here, not pushed yet
    sent = publish(repo, "--at", T0)
    assert sent.returncode == 0, sent.stderr
    # The slot is the next 09:30 after the real clock: the commit is pushed whatever T0 makes
    # of it.
    assert "socialgit queue: publish_at for queued posts" in world.remote_log()
    text = world.remote_file("content/forked.md")
    assert text.startswith("---\npublish_at: ")
    assert " 09:30\nqueue: daily\ntargets: [box]\n" in text
    assert git(repo, "status", "--porcelain") == ""


_WHO = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")
