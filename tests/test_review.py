"""``plan --base``: deleted posts show as cancelled, a recurrence as one row per account."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import run
from tests.conftest import Repo

AT = ("--at", "2026-11-30 09:00")
WEEKLY = (
    'publish_at: 2026-12-07 09:00\ntargets: [demo, short]\nrepeat: "0 9 * * MON"\nuntil: 2027-04-26'
)


def branch(repo: Repo) -> None:
    repo.commit("base")
    repo.git("checkout", "-qb", "feature")


def plan(capsys: pytest.CaptureFixture[str], repo: Repo, *args: str) -> str:
    outcome = run(capsys, "-C", str(repo.root), "plan", "--base", "main", *AT, *args)
    assert outcome.code == 0, outcome.out + outcome.err
    return outcome.out


def test_a_deleted_post_shows_its_deliveries_as_cancelled(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    gone = repo.post("gone", "publish_at: 2026-12-02 09:00\ntargets: [demo, short]", "Bye")
    repo.post(
        "done",
        "publish_at: 2026-11-01 09:00\ntargets: [demo]\nresults:\n  demo:\n"
        "    status: published\n    key: 2222222222222\n",
    )
    kept = repo.post("kept", "publish_at: 2026-12-03 09:00\ntargets: [demo]")
    branch(repo)
    (repo.root / gone).unlink()
    (repo.root / "content/done.md").unlink()  # already out: nothing to cancel
    repo.git("mv", kept, "content/moved.md")  # a rename cancels nothing
    document = json.loads(plan(capsys, repo, "--format", "json"))
    rows = [(d["post"], d["account"], d["state"]) for d in document["deliveries"]]
    assert rows == [
        (gone, "demo", "cancelled"),
        (gone, "short", "cancelled"),
        ("content/moved.md", "demo", "upcoming"),
    ]
    text = plan(capsys, repo)
    assert "2 upcoming" not in text and "1 upcoming, 2 cancelled" in text
    assert f"09:00  CANCELLED  demo   {gone}" in text
    markdown = plan(capsys, repo, "--format", "markdown")
    assert f"| 2026-12-02 09:00 | cancelled | short (outbox) | `{gone}` |" in markdown


def test_a_recurring_post_is_one_row_per_account_with_its_first_dates(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    branch(repo)
    rel = repo.post("weekly", WEEKLY, "Tip of the week")
    text = plan(capsys, repo)
    rows = [line for line in text.splitlines() if f"  {rel}  " in line]
    assert len(rows) == 2, text
    assert rows[0].startswith("  09:00  upcoming   demo ")
    assert rows[0].endswith(
        "repeats at 09:00, only on Monday (Europe/Berlin) until 2027-04-26, 21 occurrences: "
        "Mon 2026-12-07 09:00, Mon 2026-12-14 09:00, Mon 2026-12-21 09:00, …"
    )
    markdown = plan(capsys, repo, "--format", "markdown")
    assert markdown.count(f"`{rel}` repeats at 09:00, only on Monday") == 2
    document = json.loads(plan(capsys, repo, "--format", "json"))
    assert len(document["deliveries"]) == 2 * 21  # scripts still get every delivery


def test_a_deleted_recurring_post_is_one_cancelled_row_per_account(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    rel = repo.post("weekly", WEEKLY, "Tip of the week")
    branch(repo)
    (repo.root / rel).unlink()
    text = plan(capsys, repo)
    rows = [line for line in text.splitlines() if f"  {rel}  " in line]
    assert [row.split()[1] for row in rows] == ["CANCELLED", "CANCELLED"]
    assert "21 occurrences" in rows[0]
