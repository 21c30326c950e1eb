"""The top-level status summarises the targets' results once they are settled."""

from __future__ import annotations

from socialgit.runner.entries import post_status

PUB = {"status": "published"}
MISSED = {"status": "missed"}
CLAIMED = {"status": "publishing"}
RETRY = {"status": "error", "retry_at": "2026-12-01T09:10:00Z"}
FAILED = {"status": "error", "error": "rejected"}


def test_summaries() -> None:
    targets = ["a", "b"]
    assert post_status("scheduled", targets, {"a": PUB, "b": PUB}, False) == "published"
    assert post_status("scheduled", targets, {"a": PUB, "b": MISSED}, False) == "published"
    assert post_status("scheduled", targets, {"a": MISSED, "b": MISSED}, False) == "missed"
    assert post_status("scheduled", targets, {"a": PUB, "b": FAILED}, False) == "error"
    assert post_status("scheduled", targets, {"a": PUB, "b": RETRY}, False) is None
    assert post_status("scheduled", targets, {"a": PUB, "b": CLAIMED}, False) is None
    assert post_status("scheduled", targets, {"a": PUB}, False) is None


def test_drafts_and_recurring_posts() -> None:
    assert post_status("draft", ["a"], {"a": PUB}, False) is None
    assert post_status("scheduled", ["a"], {"a": PUB}, True) is None
    assert post_status("published", ["a"], {"a": RETRY}, False) == "scheduled"
