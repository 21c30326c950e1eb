"""The workflows: the project's own, and the ones ``init`` writes for users."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialgit import __version__
from socialgit.scaffold import scaffold, template

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def actionlint() -> str:
    found = shutil.which("actionlint")
    if found is None:
        # CI installs it with the test extra; a missing linter there is a broken setup.
        if os.environ.get("CI"):
            pytest.fail("actionlint is not on PATH (pip install -e '.[test]')")
        pytest.skip("actionlint is not installed")
    return found


def lint(*files: Path) -> None:
    done = subprocess.run(
        [actionlint(), "-no-color", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        cwd=files[0].parent,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def load(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(text)
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any], name: str | None = None) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values() if name is None else [workflow["jobs"][name]]
    found: list[dict[str, Any]] = job["steps"]
    return found


def runs(workflow: dict[str, Any], name: str | None = None) -> str:
    return "\n".join(step.get("run", "") for step in steps(workflow, name))


def test_project_workflows_pass_actionlint() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"ci.yml", "socialgit-check.yml"}
    lint(*files)


def test_workflows_written_by_init_pass_actionlint(tmp_path: Path) -> None:
    scaffold(tmp_path, date(2026, 11, 24))
    written = sorted((tmp_path / ".github" / "workflows").glob("*.yml"))
    assert [f.name for f in written] == [
        "socialgit-check.yml",
        "socialgit-feed.yml",
        "socialgit-publish.yml",
    ]
    lint(*written)


def test_project_check_workflow_is_the_template_but_installs_from_the_checkout() -> None:
    ours = (WORKFLOWS / "socialgit-check.yml").read_text(encoding="utf-8").splitlines()
    theirs = template("socialgit-check.yml").splitlines()
    assert len(ours) == len(theirs)
    differ = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    # Each job's install line, and the comment above it.
    assert {a for a, _ in differ[1::2]} == {"        run: pip install ."}
    assert {b for _, b in differ[1::2]} == {f"        run: pip install socialgit=={__version__}"}
    assert len(differ) == 2 * len(load("\n".join(ours))["jobs"])


@pytest.mark.parametrize("source", ["template", "project"])
def test_check_workflow_is_safe_for_pull_requests_from_forks(source: str) -> None:
    if source == "template":
        text = template("socialgit-check.yml")
    else:
        text = (WORKFLOWS / "socialgit-check.yml").read_text(encoding="utf-8")
    assert "pull_request_target" not in text
    assert "secrets." not in text
    workflow = load(text)
    assert set(workflow["on"]) == {"pull_request"}
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    checkout = steps(workflow, "check")[0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0
    assert checkout["with"]["persist-credentials"] is False
    script = runs(workflow, "check")
    assert "socialgit validate --format github" in script
    assert 'socialgit plan --base "origin/${GITHUB_BASE_REF}" --format markdown > plan.md' in script
    assert '>> "$GITHUB_STEP_SUMMARY"' in script
    (comment,) = [s for s in steps(workflow, "check") if "github-script" in s.get("uses", "")]
    # A fork's read-only token cannot comment; that must not fail the check.
    assert comment["continue-on-error"] is True
    assert "<!-- socialgit-plan -->" in comment["with"]["script"]
    assert "updateComment" in comment["with"]["script"]
    # Only the queue job may push, and only to a branch of this repository.
    queue = workflow["jobs"]["queue"]
    assert queue["permissions"] == {"contents": "write"}
    assert queue["if"] == (
        "${{ github.event.pull_request.head.repo.full_name == github.repository }}"
    )
    script = runs(workflow, "queue")
    assert 'socialgit queue --base "origin/${GITHUB_BASE_REF}"' in script
    assert 'git push origin "HEAD:refs/heads/${HEAD_REF}"' in script
    assert set(workflow["jobs"]) == {"check", "queue"}


def test_publish_workflow() -> None:
    text = template("socialgit-publish.yml")
    workflow = load(text)
    triggers = workflow["on"]
    assert set(triggers) == {"schedule", "workflow_dispatch", "push"}
    crons = [entry["cron"] for entry in triggers["schedule"]]
    assert "3-59/10 * * * *" in crons
    assert workflow["concurrency"] == {"group": "socialgit-publish", "cancel-in-progress": False}
    assert workflow["permissions"] == {"contents": "write"}
    assert workflow["env"]["SOCIALGIT_KEY"] == "${{ secrets.SOCIALGIT_KEY }}"
    assert steps(workflow)[0]["with"]["fetch-depth"] == 0
    script = runs(workflow)
    assert f"pip install socialgit=={__version__}" in script  # pinned: no surprise upgrades
    assert "socialgit refresh" in script
    commands = [s["run"].strip() for s in steps(workflow) if "run" in s]
    assert commands[-2:] == ["socialgit publish", "socialgit metrics"]
    metrics = steps(workflow)[-1]
    assert metrics["if"] == "${{ !cancelled() }}"  # snapshots also after a failed delivery
    # Queued posts merged without a time get it first; the runner pushes that commit.
    (queue,) = [s for s in steps(workflow) if "socialgit queue" in s.get("run", "")]
    publish = next(s for s in steps(workflow) if s.get("run") == "socialgit publish")
    assert steps(workflow).index(queue) == steps(workflow).index(publish) - 1
    assert queue["if"] == "${{ !cancelled() }}"
    # The daily refresh runs on its own schedule entry, so it must name one that exists.
    (refresh,) = [s for s in steps(workflow) if "socialgit refresh" in s.get("run", "")]
    daily = [c for c in crons if c != "3-59/10 * * * *"]
    assert daily and f"github.event.schedule == '{daily[0]}'" in refresh["if"]


def test_site_workflow_builds_and_deploys_to_pages(tmp_path: Path) -> None:
    scaffold(tmp_path, date(2026, 11, 24), site=True)
    path = tmp_path / ".github" / "workflows" / "socialgit-site.yml"
    lint(path)
    workflow = load(path.read_text())
    assert workflow["permissions"] == {"contents": "read"}  # the build job can publish nothing
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    runs = [s.get("run", "") for s in build["steps"]]
    assert "socialgit site site" in runs
    upload = next(s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "site"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_publish_workflow_keeps_the_install_and_the_cache_between_runs() -> None:
    workflow = load(template("socialgit-publish.yml"))
    uses = {s.get("uses", "").split("@")[0]: s for s in steps(workflow)}
    install = uses["actions/cache"]
    assert install["with"]["path"] == "~/.socialgit-venv"
    assert f"socialgit-{__version__}-" in install["with"]["key"]  # a new version installs anew
    (pip,) = [s for s in steps(workflow) if "pip install" in s.get("run", "")]
    assert pip["if"] == "${{ steps.install.outputs.cache-hit != 'true' }}"
    restore, save = uses["actions/cache/restore"], uses["actions/cache/save"]
    assert restore["with"]["path"] == save["with"]["path"] == "~/.cache/socialgit"
    assert restore["with"]["restore-keys"] == "socialgit-posts-"  # any earlier run's cache
    names = [s.get("name", "") for s in steps(workflow)]
    assert names.index(restore["name"]) < names.index("Publish") < names.index(save["name"])


def test_ci_workflow_runs_the_ci_script() -> None:
    workflow = load((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"))
    assert set(workflow["on"]) == {"push", "pull_request"}
    used = {s.get("uses", "").split("@")[0]: s for s in steps(workflow)}
    assert used["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert str(used["actions/setup-node"]["with"]["node-version"]) == "20"
    (tests,) = [s for s in steps(workflow) if "run" in s]
    assert tests["run"] == "bash .ci/run"
    # The dashboard's screenshots are kept, also when a test failed (that is when they help).
    keep = used["actions/upload-artifact"]
    assert keep["with"]["path"] == "tests/artifacts/" and keep["if"] == "${{ !cancelled() }}"


def test_check_workflow_queue_job_pushes_the_slots_to_the_pull_request_branch(
    tmp_path: Path,
) -> None:
    """The queue job's script, run as Actions would: on the merge of a pull request branch
    with main, it commits the one-line publish_at to the branch and pushes it; run again, it
    pushes nothing."""
    from tests.conftest import CONFIG

    workflow = load(template("socialgit-check.yml"))
    (step,) = [s for s in steps(workflow, "queue") if "socialgit queue" in s.get("run", "")]
    who = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env = {**os.environ, **who, "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@x"}

    def git(cwd: Path, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    origin, work, runner = tmp_path / "origin.git", tmp_path / "work", tmp_path / "runner"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp_path, "clone", "-q", str(origin), str(work))
    (work / "content").mkdir()
    (work / "socialgit.yml").write_text(
        CONFIG + 'queues:\n  daily:\n    slots: ["09:30"]\n    targets: [demo]\n'
    )
    (work / "content/old.md").write_text("---\nqueue: daily\n---\nOld\n")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "start")
    git(work, "push", "-q", "origin", "main")
    git(work, "switch", "-q", "-c", "pr")
    (work / "content/new.md").write_text("---\nqueue: daily # mine\n---\nNew\n")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "new post")
    git(work, "push", "-q", "origin", "pr")
    # actions/checkout of a pull request: the merge with the base, detached, full history.
    git(tmp_path, "clone", "-q", str(origin), str(runner))
    git(runner, "checkout", "-q", "--detach", "origin/main")
    git(runner, "merge", "-q", "--no-ff", "-m", "merge", "origin/pr")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "socialgit"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m socialgit "$@"\n')
    wrapper.chmod(0o755)
    actions = {
        **env,
        "PATH": f"{bin_dir}:{env['PATH']}",
        "PYTHONPATH": str(ROOT),
        "GITHUB_BASE_REF": "main",
        "HEAD_REF": "pr",
    }

    def job() -> None:
        temp = tmp_path / f"temp{len(list(tmp_path.glob('temp*')))}"
        temp.mkdir()
        done = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=runner,
            env={**actions, "RUNNER_TEMP": str(temp)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    job()
    pushed = git(origin, "log", "-1", "--format=%s", "pr")
    assert pushed == "socialgit queue: publish_at for queued posts\n"
    # Only the pull request's post, one line above `queue:`; main's queued post is main's.
    assert git(origin, "diff", "--numstat", "pr~1", "pr").split() == ["1", "0", "content/new.md"]
    text = git(origin, "show", "pr:content/new.md")
    assert text.startswith("---\npublish_at: ") and text.endswith(
        "\nqueue: daily # mine\n---\nNew\n"
    )
    before = git(origin, "rev-parse", "pr")
    # The next check runs on the merge with the pushed commit: nothing more to write.
    git(runner, "checkout", "-q", "-f", "--detach", "origin/main")
    git(runner, "fetch", "-q", "origin")
    git(runner, "merge", "-q", "--no-ff", "-m", "merge", "origin/pr")
    git(runner, "worktree", "prune")
    job()
    assert git(origin, "rev-parse", "pr") == before
