"""Content repositories with published deliveries and their snapshots, made up for tests of
what reads them (report, site): deterministic, any size."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

CONFIG = {
    "timezone": "Europe/Berlin",
    "accounts": {
        "sky": {"provider": "bluesky", "handle": "news.example.com"},
        "masto": {"provider": "mastodon", "instance": "https://mastodon.example"},
        "box": {"provider": "outbox", "path": "outbox"},
    },
}
START = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin


def entry(at: datetime, metrics: dict[str, Any] | None, n: int) -> dict[str, Any]:
    found: dict[str, Any] = {
        "status": "published",
        "key": f"3k{n:011d}"[:13],
        "occurrence": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "at": (at + timedelta(seconds=4)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "url": f"https://bsky.app/profile/news.example.com/post/3k{n:011d}",
        "id": f"at://did:plc:abc/app.bsky.feed.post/3k{n:011d}",
    }
    if metrics:
        found["metrics"] = metrics
    return found


def counts(rng: random.Random, scale: int) -> dict[str, int]:
    return {
        "likes": rng.randint(0, 10) * scale,
        "reposts": rng.randint(0, 3) * scale,
        "replies": rng.randint(0, 2) * scale,
        "quotes": rng.randint(0, 1),
    }


def make(root: Path, posts: int = 12, seed: int = 1) -> list[str]:
    """``posts`` published posts to sky, masto and box, one every 29 hours from START, each
    with snapshots at the ages that have passed by START + posts days; returns the paths."""
    rng = random.Random(seed)
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "socialgit.yml").write_text(yaml.safe_dump(CONFIG, sort_keys=False))
    paths = []
    for n in range(posts):
        at = START + timedelta(hours=29 * n)
        metrics = {"1h": counts(rng, 1), "24h": counts(rng, 3)}
        if n % 3 == 0:
            metrics["7d"] = counts(rng, 5)
        results = {
            "sky": entry(at, metrics, n),
            "masto": entry(at, {"1h": counts(rng, 1), "24h": counts(rng, 2)}, n),
            "box": {"status": "published", "at": entry(at, None, n)["at"], "id": f"box-{n}"},
        }
        front = {
            "publish_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "targets": ["sky", "masto", "box"],
            "status": "published",
            "results": results,
        }
        rel = f"content/{at:%Y}/post-{n:04d}.md"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(front, sort_keys=False)
        (root / rel).write_text(f"---\n{text}---\nPost number {n}: what we shipped.\n")
        paths.append(rel)
    return paths
