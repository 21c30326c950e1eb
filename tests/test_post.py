"""Reading one post: warnings for what goes out other than meant, accounts that left."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run
from tests.conftest import Repo


def problems(capsys: pytest.CaptureFixture[str], repo: Repo) -> tuple[int, list[dict]]:
    outcome = run(capsys, "-C", str(repo.root), "validate", "--format", "json")
    return outcome.code, json.loads(outcome.out)


def test_a_date_without_a_time_warns_that_it_goes_out_at_midnight(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    rel = repo.post("midnight", "publish_at: 2030-12-01\ntargets: [demo]")
    code, found = problems(capsys, repo)
    assert code == 0
    [warning] = found
    assert (warning["path"], warning["line"], warning["severity"]) == (rel, 2, "warning")
    assert "00:00 Europe/Berlin" in warning["message"] and "2030-12-01 09:00" in warning["message"]


def test_a_one_time_post_already_past_missed_after_warns(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    late = repo.post("late", "publish_at: 2020-03-01 09:00\ntargets: [demo]")
    repo.post(
        "done",
        "publish_at: 2020-03-01 09:00\ntargets: [demo]\nresults:\n  demo:\n"
        "    status: published\n    key: 2222222222222\n",
    )
    repo.post("draft", "publish_at: 2020-03-01 09:00\ntargets: [demo]\nstatus: draft")
    repo.post("weekly", 'publish_at: 2020-03-02 09:00\ntargets: [demo]\nrepeat: "0 9 * * MON"')
    code, found = problems(capsys, repo)
    assert code == 0
    assert [(p["path"], p["line"], p["severity"]) for p in found] == [(late, 2, "warning")]
    assert "more than missed_after (6h) ago" in found[0]["message"]
    assert "marks it missed" in found[0]["message"]


@pytest.mark.parametrize(
    ("front", "line", "severity"),
    [
        ("publish_at: 2030-12-01 09:00\ntargets:\n\t- demo", 4, "error"),
        ("publish_at: 2030-12-01 09:00\n\ttargets: [demo]", 3, "error"),
        ("publish_at:\t2030-12-01 09:00\ntargets: [demo]", 2, "warning"),
    ],
    ids=["tab-indented-item", "tab-indented-key", "tab-after-key"],
)
def test_tabs_in_front_matter_are_named_as_tabs(
    capsys: pytest.CaptureFixture[str], repo: Repo, front: str, line: int, severity: str
) -> None:
    rel = repo.post("tabs", front)
    code, found = problems(capsys, repo)
    assert code == (1 if severity == "error" else 0)
    [problem] = found
    assert (problem["path"], problem["line"], problem["severity"]) == (rel, line, severity)
    assert problem["message"].startswith("tabs: ")
    assert "cannot start any token" not in problem["message"]


FINISHED = [
    ("published", "status: published\n    key: 2222222222222"),
    ("missed", "status: missed"),
    ("final error", "status: error\n    error: rejected"),
]


@pytest.mark.parametrize("entry", [f[1] for f in FINISHED], ids=[f[0] for f in FINISHED])
def test_removing_an_account_leaves_posts_it_finished_valid(
    capsys: pytest.CaptureFixture[str], repo: Repo, entry: str
) -> None:
    repo.post(
        "old",
        "publish_at: 2020-03-01 09:00\ntargets: [demo, gone]\n"
        "overrides:\n  gone:\n    text: Short\n"
        f"results:\n  demo:\n    status: published\n    key: 2222222222223\n  gone:\n    {entry}\n",
    )
    code, found = problems(capsys, repo)
    assert (code, found) == (0, [])


def test_removing_an_account_is_an_error_where_deliveries_are_still_to_come(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    retry = "status: error\n    attempts: 1\n    retry_at: '2030-12-01T08:05:00Z'"
    upcoming = repo.post("upcoming", "publish_at: 2030-12-01 09:00\ntargets: [demo, gone]")
    retrying = repo.post(
        "retrying", f"publish_at: 2030-12-01 09:00\ntargets: [gone]\nresults:\n  gone:\n    {retry}"
    )
    weekly = repo.post(
        "weekly",
        'publish_at: 2020-03-02 09:00\ntargets: [gone]\nrepeat: "0 9 * * MON"\n'
        "results:\n  gone:\n    status: published\n    occurrence: '2020-03-09T08:00:00Z'\n",
    )
    ended = repo.post(
        "ended",
        'publish_at: 2020-03-02 09:00\ntargets: [gone]\nrepeat: "0 9 * * MON"\n'
        "until: 2020-03-09\n"
        "results:\n  gone:\n    status: published\n    occurrence: '2020-03-09T08:00:00Z'\n",
    )
    code, found = problems(capsys, repo)
    assert code == 1
    errors = {p["path"] for p in found if "unknown account 'gone'" in p["message"]}
    assert errors == {upcoming, retrying, weekly}
    assert ended not in {p["path"] for p in found}
