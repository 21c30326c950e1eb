"""Publishing speed: 1,000 deliveries over 20 webhook accounts to a receiver answering in 50 ms.

Measures, in one run, the wall time of ``socialgit publish`` (in-process, real git with a bare
remote, real HTTP on 127.0.0.1) against the latency floor ceil(1000 / concurrency) × 50 ms,
where concurrency is what the runner allows here (one at a time per account, so at most the
20 accounts, within the webhook cap). Target: wall ≤ 1.5 × floor, and exactly two commits.

    python bench/bench_publish.py
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from socialgit.runner import Options, publish
from socialgit.runner.deliver import CAPS, MAX_THREADS

POSTS = 50
ACCOUNTS = 20
LATENCY = 0.05


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[set[str]] = set()
    span: ClassVar[list[float]] = []  # first arrival, last answer: the delivery phase
    lock = threading.Lock()

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.seen.add(self.headers.get("Idempotency-Key", ""))
            if not self.span:
                self.span.extend([time.perf_counter()] * 2)
        time.sleep(LATENCY)
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        with self.lock:
            self.span[1] = time.perf_counter()


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def build(base: Path, url: str) -> Path:
    remote = base / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    seed = base / "seed"
    subprocess.run(["git", "clone", "-q", str(remote), str(seed)], check=True, capture_output=True)
    accounts = "".join(
        f"  hook{i}:\n    provider: webhook\n    url: {url}\n" for i in range(ACCOUNTS)
    )
    (seed / "socialgit.yml").write_text(f"timezone: UTC\naccounts:\n{accounts}")
    targets = ", ".join(f"hook{i}" for i in range(ACCOUNTS))
    (seed / "content").mkdir()
    for n in range(POSTS):
        (seed / "content" / f"post{n:03}.md").write_text(
            f"---\npublish_at: 2026-01-01 09:00\ntargets: [{targets}]\n---\nPost number {n}\n"
        )
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    subprocess.run(["git", "add", "-A"], cwd=seed, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "content"], cwd=seed, check=True, env=env)
    subprocess.run(["git", "push", "-q", "origin", "HEAD:main"], cwd=seed, check=True, env=env)
    work = base / "work"
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True)
    return work


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    with tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_CACHE_HOME"] = str(Path(folder) / "cache")
        work = build(Path(folder), url)
        before = int(git(work, "rev-list", "--count", "HEAD"))
        started = time.perf_counter()
        report = publish(work, Options(at=datetime(2026, 1, 1, 9, 1, tzinfo=UTC)))
        wall = time.perf_counter() - started
        commits = int(git(work, "rev-list", "--count", "origin/main")) - before
    server.shutdown()
    deliveries = POSTS * ACCOUNTS
    published = sum(1 for o in report.outcomes if o.state == "published")
    concurrency = min(ACCOUNTS, CAPS["webhook"], MAX_THREADS)
    floor = math.ceil(deliveries / concurrency) * LATENCY
    ratio = wall / floor
    delivering = Handler.span[1] - Handler.span[0] if Handler.span else 0.0
    print(
        json.dumps(
            {
                "deliveries": deliveries,
                "published": published,
                "distinct_keys_received": len(Handler.seen),
                "concurrency": concurrency,
                "latency_floor_s": round(floor, 3),
                "wall_s": round(wall, 3),
                "ratio": round(ratio, 2),
                "delivery_phase_s": round(delivering, 3),
                "delivery_phase_ratio": round(delivering / floor, 2),
                "rest_s (load, claim, write-back, git)": round(wall - delivering, 3),
                "target_ratio": 1.5,
                "commits": commits,
            },
            indent=2,
        )
    )
    ok = published == deliveries and commits == 2 and ratio <= 1.5
    print("OK" if ok else "MISSED TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
