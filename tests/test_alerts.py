"""What an alert says, and what it leaves out (socialgit/alerts.py): pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialgit.alerts import Ending, gather, kind_of, message
from socialgit.model import Post

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def post(path: str, results: dict[str, dict[str, Any]]) -> Post:
    return Post(
        path=path, id=None, publish_at=NOW, local_start=NOW.replace(tzinfo=None),
        timezone="UTC", targets=tuple(results), status="error", repeat=None, until=None,
        parts=(), overrides={}, results=results,
    )  # fmt: skip


def test_kinds_of_entries() -> None:
    assert kind_of({"status": "published"}) is None
    assert kind_of({"status": "error", "retry_at": "x", "error": "503"}) is None
    assert kind_of({"status": "publishing"}) is None
    assert kind_of({"status": "missed"}) == "failed"
    assert kind_of({"status": "error", "error": "rejected: too long"}) == "failed"
    assert kind_of({"status": "error", "error": "in doubt: check by hand"}) == "doubt"
    assert kind_of({"status": "error", "error": "run `socialgit connect x`"}) == "connect"


def test_one_message_with_every_section_and_links() -> None:
    posts = [
        post("content/a.md", {
            "x": {"status": "error", "error": "rejected: too long", "at": "1"},
            "bsky": {"status": "published"},
        }),
        post("content/b.md", {
            "threads": {"status": "error", "error": "in doubt: it may have gone out",
                        "parts": ["111"], "at": "2"},
            "linkedin": {"status": "error", "error": "revoked: run `socialgit connect linkedin`",
                         "at": "3"},
            "mastodon": {"status": "error", "error": "told", "announced": ["ops"]},
        }),
    ]  # fmt: skip
    ending = [Ending("linkedin", NOW + timedelta(days=3))]
    (alert,) = gather(["ops"], posts, ending, {})
    text = message(alert, NOW, "Europe/Berlin", lambda p: f"https://github.test/blob/main/{p}")
    assert (
        text.splitlines()[0] == "socialgit: 4 things need a person (2026-12-01 09:00 Europe/Berlin)"
    )
    assert "- x: content/a.md (https://github.test/blob/main/content/a.md): rejected" in text
    assert "In doubt, check by hand whether it went out:\n- threads: content/b.md" in text
    assert "parts out: 111" in text
    assert "Run `socialgit connect ACCOUNT` for:\n- linkedin (failed: content/b.md)" in text
    assert "- linkedin: 2026-12-04 09:00 (run `socialgit connect linkedin`" in text
    assert "told" not in text  # announced to ops already


def test_told_credentials_and_other_notify_accounts() -> None:
    ends = NOW + timedelta(days=2)
    posts = [post("content/a.md", {"x": {"status": "missed", "announced": ["ops"]}})]
    told = {"ops": {"linkedin": "2026-12-03T08:00:00Z"}}
    ops, chat = gather(["ops", "chat"], posts, [Ending("linkedin", ends)], told)
    assert ops.empty
    assert len(chat.failures) == 1 and len(chat.ending) == 1
    renewed = gather(["ops"], posts, [Ending("linkedin", ends + timedelta(days=1))], told)
    assert len(renewed[0].ending) == 1  # a new end (reconnected, and ending again) is news


def test_a_long_outage_is_cut_short() -> None:
    posts = [post(f"content/{n}.md", {"x": {"status": "missed", "at": str(n)}}) for n in range(30)]
    (alert,) = gather(["ops"], posts, [], {})
    text = message(alert, NOW, "UTC", lambda p: None)
    assert text.count("\n- x: ") == 20 and "- … and 10 more" in text


def test_config_notify_names_accounts_of_short_posts(tmp_path: Path) -> None:
    from socialgit.config import load_config

    (tmp_path / "socialgit.yml").write_text(
        "accounts:\n  ops:\n    provider: webhook\n    url: https://hooks.example/x\n"
        "  blog:\n    provider: outbox\n    path: out\n    format: html\n"
        "notify: [ops, opps, blog]\n"
    )
    loaded = load_config(tmp_path)
    assert loaded.config.notify == ("ops",)
    messages = [p.message for p in loaded.problems]
    assert "notify: no account 'opps' (did you mean 'ops'?)" in messages
    assert "notify: 'blog' publishes articles; name an account of short posts" in messages
