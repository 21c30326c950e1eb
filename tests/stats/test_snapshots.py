"""When each snapshot is due, when it is late, and what counts as a count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from socialgit.stats import snapshots
from socialgit.stats.snapshots import AGES

OUT = datetime(2026, 12, 1, 8, 0, 4, tzinfo=UTC)
ENTRY = {"status": "published", "id": "x", "at": "2026-12-01T08:00:04Z"}


def labels(entry: dict[str, object], now: datetime) -> list[str]:
    return [age.label for age in snapshots.due(entry, now)]


def test_each_age_is_due_once_from_when_it_went_out() -> None:
    assert labels(ENTRY, OUT + timedelta(minutes=59)) == []
    assert labels(ENTRY, OUT + timedelta(hours=1)) == ["1h"]
    taken = {**ENTRY, "metrics": {"1h": {"likes": 1}}}
    assert labels(taken, OUT + timedelta(hours=2)) == []
    assert labels(taken, OUT + timedelta(days=7)) == ["24h", "7d"]
    failed = {**ENTRY, "metrics": {"1h": {"error": "gone"}}}
    assert labels(failed, OUT + timedelta(hours=3)) == []  # an error is not asked again
    for status in ("publishing", "error", "missed"):
        assert labels({**ENTRY, "status": status}, OUT + timedelta(days=40)) == []
    assert labels({**ENTRY, "id": ""}, OUT + timedelta(days=40)) == []


def test_late_beyond_the_tolerance_with_the_time_taken() -> None:
    one_hour, day = AGES[0], AGES[1]
    on_time = OUT + one_hour.after + one_hour.tolerance
    assert snapshots.snapshot(one_hour, OUT, on_time, {"likes": 3}) == {"likes": 3}
    after = on_time + timedelta(seconds=1)
    assert snapshots.snapshot(one_hour, OUT, after, {"likes": 3, "views": 9}) == {
        "likes": 3,
        "views": 9,
        "late": "2026-12-01T09:30:05Z",
    }
    assert "late" not in snapshots.snapshot(day, OUT, OUT + timedelta(hours=26), {})


def test_counts_and_engagement_never_invent_a_zero() -> None:
    snap = {"likes": 2, "replies": 1, "late": "2026-12-01T10:00:00Z", "views": True}
    assert snapshots.counts_of(snap) == {"likes": 2, "replies": 1}
    assert snapshots.engagement({"likes": 2, "replies": 1}) == 3
    assert snapshots.engagement({"views": 100}) is None
