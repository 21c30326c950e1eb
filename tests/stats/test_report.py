"""``socialgit report``: the aggregates, each format, the filters, and unknown never as 0."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialgit.stats.render import CSV_COLUMNS
from tests.cli_run import run

CONFIG = """\
timezone: Europe/Berlin
accounts:
  sky: {provider: bluesky, handle: news.example.com}
  xoff: {provider: x, client_id: abc}
"""


def post(root: Path, name: str, at: str, results: dict[str, Any], text: str = "Hello") -> None:
    front = {"publish_at": at, "targets": sorted(results), "results": results}
    path = root / "content" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n{text}\n")


def published(at: str, **metrics: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"status": "published", "at": at, "id": f"id-{at}"}
    if metrics:
        found["metrics"] = {k.removeprefix("m"): v for k, v in metrics.items()}
    return found


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "socialgit.yml").write_text(CONFIG)
    # Three Mondays at 09:00 Berlin (08:00 UTC), 24 h engagement 1, 5 and 9: median 5.
    for week, value in ((0, 1), (1, 5), (2, 9)):
        day = f"2026-11-{2 + 7 * week:02d}"
        snap = {"likes": value, "reposts": 0, "replies": 0, "quotes": 0}
        post(
            tmp_path,
            f"mon{week}",
            f"{day} 09:00",
            {"sky": published(f"{day}T08:00:04Z", m24h=snap)},
        )
    # A Tuesday post whose 24 h snapshot was late: in the posts, not in comparisons.
    late = {"likes": 100, "late": "2026-11-05T20:00:00Z"}
    post(
        tmp_path, "late", "2026-11-03 15:00", {"sky": published("2026-11-03T14:00:02Z", m24h=late)}
    )
    # Gone after a day; and an X account that keeps metrics off.
    gone = {"m1h": {"likes": 1}, "m24h": {"error": "refused (HTTP 404)"}}
    post(tmp_path, "gone", "2026-11-04 12:00", {"sky": published("2026-11-04T11:00:01Z", **gone)})
    post(tmp_path, "xpost", "2026-11-05 10:00", {"xoff": published("2026-11-05T09:00:01Z")}, "=1+1")
    return tmp_path


def test_text_lists_posts_weeks_top_and_when_to_post(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = run(capsys, "-C", str(site), "report")
    assert done.code == 0, done.err
    out = done.out
    assert "socialgit report: 6 published of 6 deliveries, 2 accounts" in out
    assert "xoff             x          1 published  no metrics: X charges" in out
    assert "content/late.md  24h late: likes 100 (engagement 100)" in out
    assert "content/gone.md  1h: likes 1 (engagement 1)" in out
    top = out.split("Top posts")[1].split("When to post")[0]
    assert top.split("\n")[1].split()[:3] == ["1.", "9", "sky"]  # the late 100 is not first
    assert "content/late.md" not in top
    assert "sky              Mon 09:00       5  (3 posts)" in out
    assert "Tue" not in out.split("When to post")[1]  # late snapshots are not compared


def test_json_and_csv(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run(capsys, "-C", str(site), "report", "--format", "json").out)
    assert data["when"] == [
        {"account": "sky", "weekday": 0, "day": "Mon", "hour": 9, "median_24h": 5.0, "posts": 3}
    ]
    assert [t["engagement_24h"] for t in data["top"]] == [9, 5, 1]
    weeks = {w["week"]: w for w in data["weeks"] if w["account"] == "sky"}
    assert weeks["2026-11-02"] == {
        "account": "sky",
        "week": "2026-11-02",
        "posts": 3,  # mon0, late and gone, each by its latest counts
        "measured": 3,
        "likes": 102,
        "reposts": 0,
        "replies": 0,
        "quotes": 0,
        "engagement": 102,
    }
    xoff = next(a for a in data["accounts"] if a["account"] == "xoff")
    assert xoff["no_metrics"].startswith("X charges")

    table = run(capsys, "-C", str(site), "report", "--format", "csv").out
    rows = list(csv.DictReader(io.StringIO(table)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 6
    gone = next(r for r in rows if r["post"] == "content/gone.md")
    assert (gone["age"], gone["likes"], gone["reposts"]) == ("1h", "1", "")  # unknown: empty
    assert gone["note"] == "error: refused (HTTP 404)" and gone["engagement_24h"] == ""
    x = next(r for r in rows if r["account"] == "xoff")
    assert x["text"] == "'=1+1"  # a spreadsheet must not run it
    assert x["time"] == "2026-11-05T10:00+01:00" and x["likes"] == ""


def test_filters_and_markdown_to_the_step_summary(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    args = ("--since", "2026-11-09", "--until", "2026-11-10", "--account", "sky")
    done = run(capsys, "-C", str(site), "report", *args, "--format", "json")
    data = json.loads(done.out)
    assert [d["post"] for d in data["deliveries"]] == ["content/mon1.md"]
    written = summary.read_text()
    assert written.startswith("### socialgit report: 1 published delivery")
    assert "| Mon | 5 (1) |" in written
    wrong = run(capsys, "-C", str(site), "report", "--account", "nope")
    assert wrong.code == 2 and "--account nope: no such account" in wrong.err
    bad = run(capsys, "-C", str(site), "report", "--since", "yesterday")
    assert bad.code == 2 and "--at" not in bad.err
