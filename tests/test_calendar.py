"""``socialgit calendar``: iCalendar that calendar apps can read, and a text month view."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from socialgit.calendar import month_counts, month_text, parse_month, to_ics, uid
from socialgit.plan import Delivery
from tests.cli_run import run
from tests.conftest import Repo


def events(data: bytes) -> list[icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(data)
    return [c for c in parsed.walk() if c.name == "VEVENT"]


def ics(repo: Repo, capsys: pytest.CaptureFixture[str], at: str, horizon: str = "60d") -> bytes:
    args = ["-C", str(repo.root), "calendar", "--format", "ics", "--at", at, "--horizon", horizon]
    done = run(capsys, *args)
    assert done.code == 0, done.err
    return done.out.encode("utf-8")


def test_ics_parses_back_with_summary_description_and_url(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.post(
        "launch", "publish_at: 2026-12-01 09:00\ntargets: [demo, short]", "Launch day!\n\nMore"
    )
    repo.post(
        "old",
        "publish_at: 2026-11-20 09:00\ntargets: [demo]\nstatus: published\nresults:\n"
        "  demo:\n    status: published\n    at: 2026-11-20T08:00:03Z\n"
        "    url: https://example.com/p/1\n",
        "Already out",
    )
    found = events(ics(repo, capsys, "2026-11-24 12:00"))
    by_summary = {str(e["SUMMARY"]): e for e in found}
    assert set(by_summary) == {"demo: Launch day!", "short: Launch day!", "demo: Already out"}
    launch = by_summary["demo: Launch day!"]
    assert launch.decoded("DTSTART") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert "state: upcoming" in str(launch["DESCRIPTION"])
    assert "post: content/launch.md" in str(launch["DESCRIPTION"])
    assert "URL" not in launch
    old = by_summary["demo: Already out"]
    assert str(old["URL"]) == "https://example.com/p/1"
    assert "state: published" in str(old["DESCRIPTION"])
    assert len({str(e["UID"]) for e in found}) == len(found)


def test_uids_are_stable_across_runs(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.post(
        "weekly", 'publish_at: 2026-12-07 09:00\ntargets: [demo, short]\nrepeat: "0 9 * * MON"'
    )

    def uids(at: str) -> dict[tuple[datetime, str], str]:
        found = events(ics(repo, capsys, at))
        return {(e.decoded("DTSTART"), str(e["SUMMARY"])): str(e["UID"]) for e in found}

    first = uids("2026-12-01 10:00")
    assert uids("2026-12-01 10:00") == first
    # A day later the window has moved; the events in both carry the same UIDs.
    later = uids("2026-12-08 10:00")
    common = first.keys() & later.keys()
    assert len(common) >= 8
    assert all(first[k] == later[k] for k in common)
    assert len(set(first.values())) == len(first) == 16


def test_weekly_post_follows_berlin_wall_clock_across_dst(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    # Europe/Berlin moves from +01:00 to +02:00 on Sunday 2027-03-28.
    repo.post("weekly", 'publish_at: 2027-03-15 09:00\ntargets: [demo]\nrepeat: "0 9 * * MON"')
    starts = sorted(e.decoded("DTSTART") for e in events(ics(repo, capsys, "2027-03-10", "28d")))
    assert starts == [
        datetime(2027, 3, 15, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 22, 8, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 7, 0, tzinfo=UTC),
        datetime(2027, 4, 5, 7, 0, tzinfo=UTC),
    ]


def delivery(post: str, account: str, when: datetime) -> Delivery:
    return Delivery(post, account, "outbox", when, when, "upcoming", length=10, limit=280)


DECEMBER = [
    delivery("content/a.md", "demo", datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
    delivery("content/a.md", "short", datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),
    # 23:30Z on the 14th is already the 15th in Berlin.
    delivery("content/b.md", "demo", datetime(2026, 12, 14, 23, 30, tzinfo=UTC)),
    # The last hour of the year in UTC is January in Berlin: not in December.
    delivery("content/c.md", "demo", datetime(2026, 12, 31, 23, 30, tzinfo=UTC)),
    delivery("content/d.md", "demo", datetime(2026, 11, 30, 22, 59, tzinfo=UTC)),
]


def test_month_counts_use_the_config_zone() -> None:
    assert month_counts(DECEMBER, "Europe/Berlin", 2026, 12) == {1: 2, 15: 1}
    assert month_counts(DECEMBER, "UTC", 2026, 12) == {1: 2, 14: 1, 31: 1}
    assert month_counts(DECEMBER, "Europe/Berlin", 2027, 1) == {1: 1}


def test_month_text_grid_and_list() -> None:
    texts = {("content/a.md", "demo"): "Launch!", ("content/b.md", "demo"): "Later"}
    text = month_text(DECEMBER, texts, "Europe/Berlin", 2026, 12)
    lines = text.splitlines()
    assert lines[0] == "December 2026 (Europe/Berlin): 3 deliveries on 2 days"
    assert lines[2].split() == ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    # December 2026 starts on a Tuesday: the 1st sits in the second column.
    assert lines[3] == "         1[2]   2      3      4      5      6"
    assert "15[1]" in lines[5]
    assert "14[" not in text
    assert "31[" not in text
    listed = [line for line in lines if "content/" in line]
    assert len(listed) == 3
    assert listed[0].startswith("Tue 01 09:00  upcoming")
    assert listed[0].endswith("Launch!")
    assert listed[1].endswith("(no text)")
    assert listed[2].startswith("Tue 15 00:30")


def test_empty_month() -> None:
    text = month_text([], {}, "UTC", 2027, 2)
    assert text.splitlines()[0] == "February 2027 (UTC): 0 deliveries"
    assert "[" not in text


def test_calendar_command_text(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.post("launch", "publish_at: 2026-12-01 09:00\ntargets: [demo]", "Launch day!")
    done = run(capsys, "-C", str(repo.root), "calendar", "--month", "2026-12", "--at", "2026-11-24")
    assert done.code == 0, done.err
    assert "  1[1]" in done.out
    assert "content/launch.md  Launch day!" in done.out
    bad = run(capsys, "-C", str(repo.root), "calendar", "--month", "2026-13")
    assert bad.code == 2
    assert "--month" in bad.err


def test_ics_uses_the_occurrence_for_uid_and_the_stamp_given() -> None:
    first = DECEMBER[0]
    retried = replace(first, time=first.time + timedelta(minutes=30), state="due")
    assert uid(retried) == uid(first)
    stamp = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    (event,) = events(to_ics([retried], {}, stamp))
    assert event.decoded("DTSTAMP") == stamp
    assert event.decoded("DTSTART") == first.time + timedelta(minutes=30)
    assert str(event["SUMMARY"]) == "demo: (no text)"


def test_parse_month() -> None:
    assert parse_month("2026-12") == (2026, 12)
    for bad in ("2026-13", "December", "2026-1-1", ""):
        with pytest.raises(ValueError):
            parse_month(bad)


WEEKLY = 'publish_at: 2026-11-02 10:00\ntargets: [demo]\nrepeat: "0 10 * * MON"\n'


def month(capsys: pytest.CaptureFixture[str], repo: Repo, at: str, name: str) -> list[str]:
    outcome = run(capsys, "-C", str(repo.root), "calendar", "--month", name, "--at", at)
    return [line for line in outcome.out.splitlines() if "content/weekly.md" in line]


def test_past_occurrences_of_a_recurring_post_stay_in_the_month_view(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.post(
        "weekly",
        WEEKLY + "results:\n  demo:\n    status: published\n"
        "    occurrence: '2026-11-23T09:00:00Z'\n    count: 4\n",
    )
    rows = month(capsys, repo, "2026-11-24 12:00", "2026-11")
    assert [(r.split()[1], r.split()[3]) for r in rows] == [
        ("02", "published"),
        ("09", "published"),
        ("16", "published"),
        ("23", "published"),
        ("30", "upcoming"),
    ]
    # Weeks later, without a run: the skipped ones are missed, the latest is the plan's.
    later = month(capsys, repo, "2026-12-15 12:00", "2026-12")
    assert [(r.split()[1], r.split()[3]) for r in later] == [
        ("07", "missed"),
        ("14", "missed"),
        ("21", "upcoming"),
        ("28", "upcoming"),
    ]


def test_earlier_occurrences_the_count_cannot_place_are_left_out(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.post(
        "weekly",
        WEEKLY + "results:\n  demo:\n    status: published\n"
        "    occurrence: '2026-11-23T09:00:00Z'\n    count: 2\n",
    )
    rows = month(capsys, repo, "2026-11-24 12:00", "2026-11")
    assert [(r.split()[1], r.split()[3]) for r in rows] == [("23", "published"), ("30", "upcoming")]
