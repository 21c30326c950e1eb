"""Recurrence in wall-clock time across DST changes, and one-off times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from socialgit.model import Post
from socialgit.plan import MAX_UPCOMING, _Schedule
from socialgit.schedule import last_at_or_before, occurrences
from socialgit.times import TimeError, parse_time, zone
from tests.cli_run import run
from tests.conftest import Repo


def post(
    start: str, repeat: str | None, tz: str = "Europe/Berlin", until: str | None = None
) -> Post:
    moment, wall = parse_time(start, zone(tz))
    return Post(
        path="content/p.md",
        id=None,
        publish_at=moment,
        local_start=wall,
        timezone=tz,
        targets=("demo",),
        status="scheduled",
        repeat=repeat,
        until=parse_time(until, zone(tz), end_of_day=True)[0] if until else None,
        parts=(),
        overrides={},
    )


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_nine_oclock_berlin_across_the_march_change() -> None:
    daily = post("2027-03-26 09:00", "0 9 * * *")
    got = list(islice(occurrences(daily), 4))
    assert got == [
        z("2027-03-26T08:00"),
        z("2027-03-27T08:00"),
        z("2027-03-28T07:00"),
        z("2027-03-29T07:00"),
    ]


def test_daily_across_the_october_change() -> None:
    daily = post("2026-10-24 09:00", "0 9 * * *")
    assert list(islice(occurrences(daily), 2)) == [z("2026-10-24T07:00"), z("2026-10-25T08:00")]


def test_a_skipped_wall_time_moves_forward_by_the_gap() -> None:
    nightly = post("2027-03-27 02:30", "30 2 * * *")
    got = list(islice(occurrences(nightly), 3))
    # 02:30 does not exist on 28 March 2027: it goes out at 03:30 CEST (01:30Z), once.
    assert got == [z("2027-03-27T01:30"), z("2027-03-28T01:30"), z("2027-03-29T00:30")]


def test_a_repeated_wall_time_goes_out_once() -> None:
    nightly = post("2026-10-24 02:30", "30 2 * * *")
    got = list(islice(occurrences(nightly), 3))
    assert got == [z("2026-10-24T00:30"), z("2026-10-25T00:30"), z("2026-10-26T01:30")]


def test_until_is_inclusive_of_its_day() -> None:
    weekly = post("2026-11-30 10:00", "0 10 * * MON", until="2026-12-14")
    assert [m.date().isoformat() for m in occurrences(weekly)] == [
        "2026-11-30",
        "2026-12-07",
        "2026-12-14",
    ]


def test_occurrences_after_a_recorded_one() -> None:
    daily = post("2026-11-01 09:00", "0 9 * * *")
    after = z("2026-11-10T08:00")
    assert next(occurrences(daily, after=after)) == z("2026-11-11T08:00")


def test_last_occurrence_before_now_without_walking_from_the_start() -> None:
    minutely = post("2020-01-01 00:00", "* * * * *")
    now = z("2026-11-24T18:00:30")
    assert last_at_or_before(minutely, now) == z("2026-11-24T18:00")


def test_one_off_post() -> None:
    once = post("2026-12-01T09:00:00-05:00", None)
    assert list(occurrences(once)) == [z("2026-12-01T14:00")]
    assert last_at_or_before(once, z("2026-12-01T13:59")) is None
    assert list(occurrences(once, after=once.publish_at + timedelta(0))) == []


# -- the plan's shortcuts agree with walking the schedule ---------------------------------
_ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe")
_CRONS = (None, None, "0 9 * * *", "30 2 * * *", "0 9 * * MON", "*/20 * * * *", "0 0 1 * *")


@settings(max_examples=300, deadline=None)
@given(
    tz=st.sampled_from(_ZONES),
    repeat=st.sampled_from(_CRONS),
    start=st.datetimes(datetime(2026, 1, 1), datetime(2028, 1, 1)),
    until_days=st.none() | st.integers(0, 400),
    now=st.datetimes(datetime(2025, 12, 1), datetime(2028, 2, 1)),
    horizon_days=st.none() | st.integers(0, 30),
)
def test_plan_schedule_matches_the_walk(
    tz: str,
    repeat: str | None,
    start: datetime,
    until_days: int | None,
    now: datetime,
    horizon_days: int | None,
) -> None:
    first = start.replace(second=0, microsecond=0)
    until = None
    if until_days is not None:
        until = (first + timedelta(days=until_days)).strftime("%Y-%m-%d")
    try:
        subject = post(first.strftime("%Y-%m-%d %H:%M"), repeat, tz, until)
    except TimeError:  # a wall time a DST change skips or repeats: validation refuses it
        assume(False)
        return
    at = now.replace(tzinfo=UTC)
    end = None if horizon_days is None else at + timedelta(days=horizon_days)
    walked: list[datetime] = []
    for moment in occurrences(subject, after=at):
        if (end is not None and moment > end) or len(walked) >= MAX_UPCOMING:
            break
        walked.append(moment)
    got = _Schedule.of(subject, at, end)
    assert got.upcoming == tuple(walked)
    assert got.latest == last_at_or_before(subject, at)


def test_an_occurrence_at_the_horizon_is_in_the_plan() -> None:
    for repeat in (None, "0 9 * * *"):
        subject = post("2027-03-26 09:00", repeat)
        end = subject.publish_at
        now = end - timedelta(days=7)
        assert _Schedule.of(subject, now, end).upcoming == (end,)
        assert _Schedule.of(subject, end, end) == _Schedule(end, ())


def test_plan_puts_a_weekly_time_the_clocks_skip_after_the_gap(
    capsys: pytest.CaptureFixture[str], repo: Repo
) -> None:
    """Sunday 2027-03-28 02:30 does not exist in Berlin: it goes out at 03:30 CEST."""
    repo.post("weekly", 'publish_at: 2027-03-21 02:30\ntargets: [demo]\nrepeat: "30 2 * * SUN"')
    outcome = run(
        capsys,
        "-C",
        str(repo.root),
        "plan",
        "--at",
        "2027-03-22 12:00",
        "--horizon",
        "14d",
        "--format",
        "json",
    )
    times = [d["time"] for d in json.loads(outcome.out)["deliveries"] if d["state"] == "upcoming"]
    assert times == ["2027-03-28T01:30:00Z", "2027-04-04T00:30:00Z"]
